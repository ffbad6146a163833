"""The tox-cnn network: a 1-D CNN over one-hot SMILES tokens, multitask with label masking.

Inputs have variable length (``(None, vocab)``): each SMILES is padded to the next multiple of
``BUCKET`` tokens, the same in training and prediction, so a molecule's score never depends on
the batch it is in, and short molecules cost little compute.
"""

from __future__ import annotations

import logging

import numpy as np

from medcore.molecules import featurize

log = logging.getLogger(__name__)
BUCKET = 16
MAX_TOKENS = 208


def bucket_len(smiles: str) -> int:
    n = len(featurize.tokenize(smiles))
    return max(BUCKET, min(-(-n // BUCKET) * BUCKET, MAX_TOKENS))


def buckets(smiles: list[str], batch: int, rng: np.random.Generator | None = None
            ) -> list[tuple[int, np.ndarray]]:
    """(length, indices) batches grouping SMILES of the same padded length; shuffled with rng."""
    by: dict[int, list[int]] = {}
    for i, s in enumerate(smiles):
        by.setdefault(bucket_len(s), []).append(i)
    out = []
    for length, idx in sorted(by.items()):
        arr = rng.permutation(idx) if rng is not None else np.array(idx)
        out += [(length, arr[k:k + batch]) for k in range(0, len(arr), batch)]
    if rng is not None:
        out = [out[i] for i in rng.permutation(len(out))]
    return out


def build(vocab_size: int, n_tasks: int = 12, filters: int = 96, widths: tuple = (7, 5),
          dense: int = 256, dropout: float = 0.3):
    """Conv1D stack -> global max pool -> dense -> one sigmoid per assay (functional API)."""
    import keras

    inp = keras.Input((None, vocab_size), name="smiles_onehot")
    h = inp
    for k, w in enumerate(widths):
        h = keras.layers.Conv1D(filters, w, padding="same", activation="relu",
                                name=f"conv{k + 1}")(h)
    h = keras.layers.GlobalMaxPooling1D(name="pool")(h)
    h = keras.layers.Dropout(dropout)(h)
    h = keras.layers.Dense(dense, activation="relu", name="dense")(h)
    h = keras.layers.Dropout(dropout)(h)
    out = keras.layers.Dense(n_tasks, activation="sigmoid", name="assays")(h)
    return keras.Model(inp, out, name="tox_smiles_cnn")


def masked_bce(y, p):
    """Binary cross-entropy over measured labels only (missing labels are -1, not 0)."""
    from keras import ops

    mask = ops.cast(y >= 0, "float32")
    y0 = ops.where(y >= 0, y, 0.0)
    p = ops.clip(p, 1e-7, 1 - 1e-7)
    loss = -(y0 * ops.log(p) + (1 - y0) * ops.log(1 - p)) * mask
    return ops.sum(loss) / ops.maximum(ops.sum(mask), 1.0)


def predict(model, smiles: list[str], vocab: list[str], batch: int = 512) -> np.ndarray:
    """(n, tasks) probabilities; deterministic (dropout off, fixed padding per molecule)."""
    out = np.zeros((len(smiles), model.output_shape[-1]), np.float32)
    for length, idx in buckets(smiles, batch):
        x = featurize.one_hot([smiles[i] for i in idx], vocab, length)
        out[idx] = np.asarray(model(x, training=False))
    return out


def mean_auc(y: np.ndarray, p: np.ndarray) -> float:
    from sklearn.metrics import roc_auc_score

    aucs = [roc_auc_score(y[m, j], p[m, j]) for j in range(y.shape[1])
            if len(np.unique(y[(m := ~np.isnan(y[:, j])), j])) == 2]
    return float(np.mean(aucs)) if aucs else float("nan")


def fit(smiles: list[str], mols: list, labels: np.ndarray, valid_smiles: list[str],
        valid_labels: np.ndarray, vocab: list[str], epochs: int, augment: int = 0,
        patience: int = 4, seed: int = 0, **arch):
    """Train with Adam; keep the weights of the epoch with the best VALIDATION mean ROC-AUC.

    ``augment`` adds that many randomised SMILES per training molecule, redrawn every epoch.
    Returns (model, history of validation AUCs).
    """
    import keras
    from rdkit import Chem

    keras.utils.set_random_seed(seed)
    rng = np.random.default_rng(seed)
    model = build(len(vocab), labels.shape[1], **arch)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=masked_bce)
    y = np.nan_to_num(labels, nan=-1.0).astype(np.float32)

    def run_epoch() -> None:
        sm, yy = list(smiles), [y]
        for _ in range(augment):
            sm += [Chem.MolToSmiles(m, doRandom=True) for m in mols]
            yy.append(y)
        ys = np.concatenate(yy)
        for length, idx in buckets(sm, 64, rng):
            model.train_on_batch(featurize.one_hot([sm[i] for i in idx], vocab, length), ys[idx])

    history = keep_best(model, run_epoch, lambda: mean_auc(
        valid_labels, predict(model, valid_smiles, vocab)), epochs, patience, "smiles")
    return model, history


def keep_best(model, run_epoch, valid_auc, epochs: int, patience: int, name: str
              ) -> list[float]:
    """Early stopping shared by both tox-cnn branches: run epochs, score validation mean
    ROC-AUC after each, stop after ``patience`` epochs without a gain, and leave the model with
    the best epoch's weights. Returns the per-epoch validation AUCs."""
    best, best_w, history, wait = -1.0, model.get_weights(), [], 0
    for epoch in range(epochs):
        run_epoch()
        auc = valid_auc()
        history.append(round(auc, 4))
        log.info("%s epoch %d valid mean AUC %.4f", name, epoch, auc)
        if auc > best:
            best, best_w, wait = auc, model.get_weights(), 0
        else:
            wait += 1
            if wait >= patience:
                break
    model.set_weights(best_w)
    return history

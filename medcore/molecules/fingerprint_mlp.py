"""tox-cnn's second branch: an MLP over ECFP4 bits and physico-chemical descriptors, and the
one two-input Keras model that averages it with the SMILES CNN.

Why a second branch: on the random split's validation part the SMILES CNN scored mean ROC-AUC
0.845, this MLP 0.870 and their probability average 0.875 (test split untouched); the two see
different things. Averaging probabilities keeps each branch's attribution separable.
"""

from __future__ import annotations

import logging

import numpy as np

from medcore.molecules import descriptors, smiles_cnn

log = logging.getLogger(__name__)


def build(x_train: np.ndarray, n_tasks: int = 12, hidden: int = 1024, dropout: float = 0.5):
    """Normalise (descriptors by training mean/sd, bits as they are) -> input dropout 0.2 ->
    Dense(hidden) -> Dense(hidden/2) -> one sigmoid per assay."""
    import keras

    mean = np.zeros(x_train.shape[1], np.float32)
    var = np.ones(x_train.shape[1], np.float32)
    d = slice(descriptors.N_BITS, None)
    mean[d], var[d] = x_train[:, d].mean(0), x_train[:, d].var(0) + 1e-6
    inp = keras.Input((x_train.shape[1],), name="fingerprint")
    h = keras.layers.Normalization(mean=mean, variance=var, name="standardise")(inp)
    h = keras.layers.Dropout(0.2)(h)
    h = keras.layers.Dense(hidden, activation="relu", name="fp_dense1")(h)
    h = keras.layers.Dropout(dropout)(h)
    h = keras.layers.Dense(hidden // 2, activation="relu", name="fp_dense2")(h)
    h = keras.layers.Dropout(dropout)(h)
    out = keras.layers.Dense(n_tasks, activation="sigmoid", name="fp_assays")(h)
    return keras.Model(inp, out, name="tox_fingerprint_mlp")


def fit(x: np.ndarray, labels: np.ndarray, x_valid: np.ndarray, valid_labels: np.ndarray,
        epochs: int = 40, patience: int = 6, seed: int = 0, **arch):
    """Adam, batch 64, masked BCE; keep the epoch with the best VALIDATION mean ROC-AUC.
    Returns (model, history of validation AUCs)."""
    import keras

    keras.utils.set_random_seed(seed)
    model = build(x, labels.shape[1], **arch)
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss=smiles_cnn.masked_bce)
    y = np.nan_to_num(labels, nan=-1.0).astype(np.float32)
    history = smiles_cnn.keep_best(
        model, lambda: model.fit(x, y, batch_size=64, epochs=1, verbose=0, shuffle=True),
        lambda: smiles_cnn.mean_auc(valid_labels, model.predict(x_valid, batch_size=1024,
                                                                verbose=0)),
        epochs, patience, "fingerprint")
    return model, history


def combine(cnn, mlp):
    """One functional model: inputs [SMILES one-hot, fingerprint], output the mean of the two
    branches' probabilities (fixed 1/2 weights: nothing more was tuned on validation)."""
    import keras

    def uncompiled(model):  # a nested compiled model would save its custom loss with it
        copy = keras.Model.from_config(model.get_config())
        copy.set_weights(model.get_weights())
        return copy

    cnn, mlp = uncompiled(cnn), uncompiled(mlp)
    tokens = keras.Input(cnn.input_shape[1:], name="smiles_onehot")
    fp = keras.Input(mlp.input_shape[1:], name="fingerprint")
    out = keras.layers.Average(name="assays")([cnn(tokens), mlp(fp)])
    return keras.Model([tokens, fp], out, name="tox_cnn_fingerprint")


def predict(model, smiles: list[str], vocab: list[str], batch: int = 512,
            features: tuple[np.ndarray, np.ndarray] | None = None) -> np.ndarray:
    """(n, tasks) probabilities of the two-input model; deterministic, per-molecule padding.
    ``features`` are ``descriptors.compact_from_smiles(smiles)`` when the caller has them
    already (the applicability domain reads the same ECFP4 bits)."""
    from medcore.molecules import featurize

    out = np.zeros((len(smiles), model.output_shape[-1]), np.float32)
    bits, desc = features if features is not None else descriptors.compact_from_smiles(smiles)
    for length, idx in smiles_cnn.buckets(smiles, batch):
        x = featurize.one_hot([smiles[i] for i in idx], vocab, length)
        out[idx] = model.predict_on_batch([x, descriptors.join(bits[idx], desc[idx])])
    return out

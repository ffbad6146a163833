"""Model id ``tox-cnn``: Tox21 12-assay toxicity from a 1-D SMILES CNN (see ``smiles_cnn``)
averaged with a fingerprint-and-descriptor MLP branch (``fingerprint_mlp``; version 2).

One training run fits: the shipped two-branch model on the seeded random 80/10/10 split, a second
one on the Bemis-Murcko scaffold split (``scaffold.keras``), and 200-tree random forests on
2048-bit ECFP4 for both splits (their test predictions are stored in ``baselines.npz``;
``evaluate`` rescores those stored predictions rather than refitting the forests). Test splits
are scored once, here. The random split's training molecules ship as ``domain.npz``, the
reference of the applicability domain (``domain``), whose threshold ``evaluate`` measures on
the scaffold split.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np

from medcore import settings
from medcore.molecules import (
    data,
    descriptors,
    domain,
    featurize,
    fingerprint_mlp,
    mtmetrics,
    smiles_cnn,
)
from medcore.molecules.bench import bench_tox as bench  # noqa: F401 - the registry's entry
from medcore.molecules.predict import predict_paths, score  # noqa: F401 - the registry's entry

log = logging.getLogger(__name__)
CUSTOM_OBJECTS: dict = {}
QUICK_SUBSET = 800
# Keras fit trains this model, so the bench times fit (no own training loop to time).
train_throughput = None


def _splits(t: data.Tox21) -> dict[str, dict[str, np.ndarray]]:
    return {"random": data.random_split(len(t.smiles)), "scaffold": data.scaffold_split(t.mols)}


def _load(data_dir: Path, subset: int | None) -> data.Tox21:
    """All of Tox21, or (quick mode) the short SMILES among the first ``subset`` rows: one
    padded length means one traced training step, which keeps the quick run fast."""
    t = data.load_tox21(Path(data_dir), subset)
    if not subset:
        return t
    keep = [i for i, s in enumerate(t.smiles) if smiles_cnn.bucket_len(s) == smiles_cnn.BUCKET]
    return data.Tox21([t.smiles[i] for i in keep], [t.mols[i] for i in keep], t.labels[keep],
                      t.skipped, t.n_raw)


def _rf_test_preds(x: np.ndarray, y: np.ndarray, split: dict, trees: int) -> np.ndarray:
    """One 200-tree RF per assay on measured training labels (the issue's baseline)."""
    from sklearn.ensemble import RandomForestClassifier

    out = np.zeros((len(split["test"]), y.shape[1]), np.float32)
    for j in range(y.shape[1]):
        tr = split["train"][~np.isnan(y[split["train"], j])]
        if len(np.unique(y[tr, j])) < 2:
            out[:, j] = float(np.nanmean(y[tr, j])) if len(tr) else 0.0
            continue
        rf = RandomForestClassifier(trees, n_jobs=2, random_state=0).fit(x[tr], y[tr, j])
        out[:, j] = rf.predict_proba(x[split["test"]])[:, 1]
    return out


def _held_out_metrics(model, extras: dict, data_dir: Path) -> dict:
    """Test-split metrics of the CNN (random), the scaffold CNN and the stored RF baselines."""
    pre = extras["preprocess"]
    t = _load(data_dir, pre.get("subset"))
    splits, assays, vocab = _splits(t), pre["assays"], pre["vocab"]

    def test_of(split: dict) -> tuple[list[str], np.ndarray]:
        return [t.smiles[i] for i in split["test"]], t.labels[split["test"]]

    sm, y = test_of(splits["random"])
    nb = pre.get("n_boot", 200)
    p = fingerprint_mlp.predict(model, sm, vocab)
    out = mtmetrics.report(y, p, assays, nb)
    ssm, sy = test_of(splits["scaffold"])
    sp = fingerprint_mlp.predict(extras["scaffold_model"], ssm, vocab)
    out["scaffold_split"] = mtmetrics.report(sy, sp, assays, nb)
    out["scaffold_mean_roc_auc"] = out["scaffold_split"]["mean_roc_auc"]
    out["applicability_domain"] = _domain_figures(t, splits, y, p, sy, sp)
    base = extras["baselines"]
    out["baselines"] = {
        "rf_ecfp4_random": mtmetrics.report(y, base["rf_random"], assays, nb),
        "rf_ecfp4_scaffold": mtmetrics.report(sy, base["rf_scaffold"], assays, nb),
    }
    return out


def _domain_figures(t: data.Tox21, splits: dict, y: np.ndarray, p: np.ndarray,
                    sy: np.ndarray, sp: np.ndarray) -> dict:
    """The applicability-domain curve and threshold measured on the scaffold split, and what
    that threshold means for the shipped model on the random split's test molecules."""
    from medcore.metrics import _r

    bits = featurize.ecfp4_bits(t.mols, descriptors.N_BITS)
    sc, rs = splits["scaffold"], splits["random"]
    out = domain.measure(bits[sc["train"]], bits[sc["test"]], sy, sp)
    ref = domain.Reference.from_bits(bits[rs["train"]], [""] * len(rs["train"]))
    sims, _ = domain.nearest(ref, bits[rs["test"]])
    far = sims < out["threshold"]

    def auc(m: np.ndarray) -> float | None:
        return _r(np.nanmean(mtmetrics.per_assay(y[m], p[m]))) if m.any() else None

    out["shipped_model_random_test"] = {"fraction_below": _r(far.mean()),
                                        "roc_auc_below": auc(far),
                                        "roc_auc_at_or_above": auc(~far)}
    return out


def load_extras(folder: Path, card: dict) -> dict:
    from medcore.registry import load_keras_file

    with np.load(Path(folder) / "baselines.npz") as z:
        base = {k: z[k] for k in z.files}
    return {
        "preprocess": json.loads((Path(folder) / "preprocess.json").read_text()),
        "scaffold_model": load_keras_file(Path(folder) / "scaffold.keras"),
        "baselines": base,
        "domain": domain.load_reference(Path(folder) / domain.FILE),
    }


def train(out_dir: Path, *, quick: bool = False, epochs: int = 16, augment: int = 2,
          filters: int = 96, data_dir: Path | None = None) -> dict:
    from medcore.calibration import youden_threshold

    t0 = time.time()
    data_dir = Path(data_dir or settings.data_dir())
    subset = QUICK_SUBSET if quick else None
    t = _load(data_dir, subset)
    splits = _splits(t)
    epochs, augment = (1, 0) if quick else (epochs, augment)
    vocab = featurize.build_vocab([t.smiles[i] for i in splits["random"]["train"]])
    x_fp = descriptors.features(t.mols)
    models, history, valid_auc, valid_p = {}, {}, {}, {}
    for name, sp in splits.items():
        tr, va = sp["train"], sp["valid"]
        cnn, h_cnn = smiles_cnn.fit(
            [t.smiles[i] for i in tr], [t.mols[i] for i in tr], t.labels[tr],
            [t.smiles[i] for i in va], t.labels[va], vocab, epochs, augment=augment,
            filters=filters)
        mlp, h_fp = fingerprint_mlp.fit(x_fp[tr], t.labels[tr], x_fp[va], t.labels[va],
                                        epochs=2 if quick else 40)
        models[name] = fingerprint_mlp.combine(cnn, mlp)
        history[name] = {"smiles_cnn": h_cnn, "fingerprint_mlp": h_fp}
        valid_p[name] = fingerprint_mlp.predict(models[name], [t.smiles[i] for i in va], vocab)
        valid_auc[name] = {"smiles_cnn": max(h_cnn), "fingerprint_mlp": max(h_fp),
                           "combined": round(smiles_cnn.mean_auc(t.labels[va], valid_p[name]), 4)}
    va, pv = splits["random"]["valid"], valid_p["random"]
    thresholds = []
    for j in range(len(data.ASSAYS)):
        m = ~np.isnan(t.labels[va, j])
        ok = len(np.unique(t.labels[va][m, j])) == 2
        thresholds.append(round(float(youden_threshold(t.labels[va][m, j], pv[m, j])), 4)
                          if ok else 0.5)
    rng = np.random.default_rng(0)
    background = [t.smiles[i] for i in rng.choice(splits["random"]["train"], 16, replace=False)]
    pre = {"vocab": vocab, "assays": data.ASSAYS, "thresholds": thresholds, "bucket":
           smiles_cnn.BUCKET, "max_tokens": smiles_cnn.MAX_TOKENS, "background": background,
           "subset": subset, "n_boot": 20 if quick else 200}
    (out_dir / "preprocess.json").write_text(json.dumps(pre, indent=1))
    models["random"].save(out_dir / "model.keras")
    models["scaffold"].save(out_dir / "scaffold.keras")
    train_idx = splits["random"]["train"]
    domain.save_reference(out_dir / domain.FILE, x_fp[train_idx, :descriptors.N_BITS],
                          [t.smiles[i] for i in train_idx])
    x = x_fp[:, :descriptors.N_BITS]
    trees = 10 if quick else 200
    base = {f"rf_{k}": _rf_test_preds(x, t.labels, sp, trees) for k, sp in splits.items()}
    np.savez_compressed(out_dir / "baselines.npz", **base)
    extras = load_extras(out_dir, {})
    metrics = _held_out_metrics(models["random"], extras, data_dir)
    from medcore.molecules.tox_card import build_card

    card = build_card(t, splits, models["random"], metrics, history, valid_auc, pre,
                      epochs=epochs, augment=augment, quick=quick, seconds=time.time() - t0)
    card["curves"] = _curves(models["random"], t, splits["random"], pre)
    return card


def _curves(model, t: data.Tox21, split: dict, pre: dict) -> dict:
    """Pooled (all assay/molecule pairs) ROC, reliability and confusion at 0.5, test split."""
    from medcore.metrics import binary_curves

    te = split["test"]
    p = fingerprint_mlp.predict(model, [t.smiles[i] for i in te], pre["vocab"])
    m = ~np.isnan(t.labels[te])
    return binary_curves(t.labels[te][m], p[m], 0.5)


def evaluate(bundle, data_dir: Path) -> dict:
    return _held_out_metrics(bundle.model, bundle.extras, Path(data_dir))


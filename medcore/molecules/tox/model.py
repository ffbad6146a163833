"""Model id ``tox-cnn`` (version 4): Tox21 12-assay toxicity from an ensemble of directed
message-passing networks over the molecular graph (``dmpnn``), each started from a multi-task
pretraining on ToxCast (``pretrain``, cached between runs) and fine-tuned on Tox21, averaged
with the fingerprint-and-descriptor MLP (``fingerprint_mlp``) when validation says it helps.

One training run fits: the shipped ensemble on the seeded random 80/10/10 split, a second one on
the Bemis-Murcko scaffold split (``scaffold.keras``), and 200-tree random forests on 2048-bit
ECFP4 for both splits (their test predictions are stored in ``baselines.npz``; ``evaluate``
rescores those stored predictions rather than refitting the forests). Test splits are scored
once, here. The random split's validation predictions ship as ``conformal.npz``, the calibration
of the per-assay prediction sets (``uncertainty``); its training molecules ship as
``domain.npz``, the reference of the applicability domain (``domain``), whose threshold
``evaluate`` measures on the scaffold split.
"""

from __future__ import annotations

import json
import logging
import time
from pathlib import Path

import numpy as np

from medcore import settings
from medcore.molecules import featurize
from medcore.molecules.service import predict_paths, score  # noqa: F401 - the registry's entry
from medcore.molecules.tox import (
    calls,
    data,
    dmpnn,
    domain,
    fingerprint_mlp,
    fitting,
    measured,
    pretrain,
    uncertainty,
)
from medcore.molecules.tox import metrics as mtmetrics

log = logging.getLogger(__name__)
CUSTOM_OBJECTS: dict = dmpnn.custom_objects()
EXPLANATION: str | None = "top_atoms"  # atoms pushing the top assay (integrated gradients)
QUICK_SUBSET = 400
MEMBERS = 3


def _splits(t: data.Tox21) -> dict[str, dict[str, np.ndarray]]:
    return data.splits(t)


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


def probabilities(model, feats: featurize.Features) -> np.ndarray:
    return dmpnn.run(model, feats)["assays"]


def _held_out_metrics(model, extras: dict, data_dir: Path) -> dict:
    """Test-split metrics of the shipped ensemble (random), the scaffold ensemble, the
    prediction sets and the stored RF baselines."""
    pre = extras["preprocess"]
    t = data.load_tox21(Path(data_dir), pre.get("subset"))
    feats = featurize.of_mols(t.mols)
    splits, assays = _splits(t), pre["assays"]
    rs, sc = splits["random"], splits["scaffold"]
    y, sy = t.labels[rs["test"]], t.labels[sc["test"]]
    nb = pre.get("n_boot", 200)
    p = probabilities(model, feats.take(rs["test"]))
    out = mtmetrics.report(y, p, assays, nb)
    sp = probabilities(extras["scaffold_model"], feats.take(sc["test"]))
    out["scaffold_split"] = mtmetrics.report(sy, sp, assays, nb)
    out["scaffold_mean_roc_auc"] = out["scaffold_split"]["mean_roc_auc"]
    out["conformal"] = uncertainty.report(p, y, extras["conformal"], assays)
    if extras.get("calls"):
        out["calls"] = calls.held_out(extras["calls"], p, y, assays)
    out["applicability_domain"] = _domain_figures(feats.bits, splits, y, p, sy, sp)
    base = extras["baselines"]
    out["baselines"] = {
        "rf_ecfp4_random": mtmetrics.report(y, base["rf_random"], assays, nb),
        "rf_ecfp4_scaffold": mtmetrics.report(sy, base["rf_scaffold"], assays, nb),
    }
    return out


def _domain_figures(bits: np.ndarray, splits: dict, y: np.ndarray, p: np.ndarray,
                    sy: np.ndarray, sp: np.ndarray) -> dict:
    """The applicability-domain curve and threshold measured on the scaffold split, and what
    that threshold means for the shipped model on the random split's test molecules."""
    from medcore.metrics import _r

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
        "scaffold_model": load_keras_file(Path(folder) / "scaffold.keras", CUSTOM_OBJECTS),
        "baselines": base,
        "conformal": uncertainty.load(Path(folder) / uncertainty.FILE),
        "domain": domain.load_reference(Path(folder) / domain.FILE),
        "calls": calls.load(folder),
        "measured": measured.load(folder),
    }


def _fit_split(feats: featurize.Features, labels: np.ndarray, sp: dict, *, members: int,
               epochs: int, mlp_epochs: int, arch: dict, init: dict | None = None) -> dict:
    """Every candidate part on one split: the D-MPNN members (started from ``init``, the
    pretrained layers, when given) and the fingerprint MLP, with their validation predictions
    (the choice between candidates reads only these)."""
    tr, va = feats.take(sp["train"]), feats.take(sp["valid"])
    ytr, yva = labels[sp["train"]], labels[sp["valid"]]
    nets, history = [], {}
    for seed in range(members):
        net, h = dmpnn.fit(tr, ytr, (va, yva), epochs=epochs, seed=seed, init=init, **arch)
        nets.append(net)
        history[net.name] = h
    x_tr, x_va = tr.extra()["fingerprint"], va.extra()["fingerprint"]
    mlp, history["fingerprint_mlp"] = fingerprint_mlp.fit(x_tr, ytr, x_va, yva,
                                                          epochs=mlp_epochs)
    p_gnn = np.mean([dmpnn.run(n, va)["assays"] for n in nets], axis=0)
    p_mlp = mlp.predict(x_va, batch_size=1024, verbose=0)
    valid = {"dmpnn_ensemble": round(fitting.mean_auc(yva, p_gnn), 4),
             "dmpnn_with_fingerprint": round(fitting.mean_auc(yva, (p_gnn + p_mlp) / 2), 4),
             "fingerprint_mlp": round(fitting.mean_auc(yva, p_mlp), 4)}
    return {"nets": nets, "mlp": mlp, "history": history, "valid_auc": valid}


def choose(parts: dict[str, dict]) -> str:
    """The pre-committed choice: the candidate with the higher mean of the two splits'
    validation mean ROC-AUC; the simpler one (D-MPNN members alone) on a tie."""
    mean = {c: np.mean([p["valid_auc"][c] for p in parts.values()])
            for c in ("dmpnn_ensemble", "dmpnn_with_fingerprint")}
    return ("dmpnn_with_fingerprint" if mean["dmpnn_with_fingerprint"] > mean["dmpnn_ensemble"]
            else "dmpnn_ensemble")


def train(out_dir: Path, *, quick: bool = False, epochs: int = 30, members: int = MEMBERS,
          hidden: int = 300, depth: int = 3, data_dir: Path | None = None) -> dict:
    t0 = time.time()
    data_dir = Path(data_dir or settings.data_dir())
    subset = QUICK_SUBSET if quick else None
    t = data.load_tox21(data_dir, subset)
    feats = featurize.of_mols(t.mols)
    splits = _splits(t)
    arch = {"hidden": 32 if quick else hidden, "ffn": 32 if quick else hidden, "depth": depth}
    members = 2 if quick else members
    pre_fit = None if quick else pretrain.load_or_fit(
        data_dir, pretrain.held_out_keys(t, splits),
        {"hidden": arch["hidden"], "ffn": arch["ffn"], "depth": depth})
    parts = {name: _fit_split(feats, t.labels, sp, members=members,
                              epochs=1 if quick else epochs, mlp_epochs=1 if quick else 40,
                              arch=arch, init=pre_fit and pre_fit["weights"])
             for name, sp in splits.items()}
    chosen = choose(parts)
    models = {name: dmpnn.ensemble(p["nets"], p["mlp"] if chosen == "dmpnn_with_fingerprint"
                                   else None)
              for name, p in parts.items()}
    va = splits["random"]["valid"]
    out_va = dmpnn.run(models["random"], feats.take(va))
    pv = out_va["assays"]
    uncertainty.save(out_dir / uncertainty.FILE, pv, t.labels[va])
    rs_train = splits["random"]["train"]
    calls.save(out_dir, calls.fit(pv, out_va["members"].std(axis=1), t.labels[va],
                                  t.labels[rs_train], data.ASSAYS))
    measured.save(out_dir, measured.build(t, rs_train))
    pre = {"assays": data.ASSAYS, "subset": subset, "n_boot": 20 if quick else 200,
           "combination": chosen}
    (out_dir / "preprocess.json").write_text(json.dumps(pre, indent=1))
    models["random"].save(out_dir / "model.keras")
    models["scaffold"].save(out_dir / "scaffold.keras")
    train_idx = splits["random"]["train"]
    domain.save_reference(out_dir / domain.FILE, feats.bits[train_idx],
                          [t.smiles[i] for i in train_idx])
    trees = 10 if quick else 200
    base = {f"rf_{k}": _rf_test_preds(feats.bits, t.labels, sp, trees)
            for k, sp in splits.items()}
    np.savez_compressed(out_dir / "baselines.npz", **base)
    extras = load_extras(out_dir, {})
    metrics = _held_out_metrics(models["random"], extras, data_dir)
    from medcore.molecules.tox import card as tox_card

    card = tox_card.build_card(t, splits, models["random"], metrics,
                      {k: p["history"] for k, p in parts.items()},
                      {k: p["valid_auc"] for k, p in parts.items()}, pre, extras["calls"],
                      epochs=epochs, members=members, arch=arch, quick=quick,
                      seconds=time.time() - t0,
                      pretraining=pre_fit and pre_fit["summary"])
    card.update(tox_card.version_fields(_shipped_card(), card, quick))
    card["curves"] = _curves(models["random"], feats, t.labels, splits["random"])
    return card


def _shipped_card() -> dict:
    """The card of the version now shipped (its figures go into the new card's revisions)."""
    from medcore import registry

    path = registry.model_folder("tox-cnn") / "card.json"
    return json.loads(path.read_text()) if path.exists() else {}


def _curves(model, feats: featurize.Features, labels: np.ndarray, split: dict) -> dict:
    """Pooled (all assay/molecule pairs) ROC, reliability and confusion at 0.5, test split."""
    from medcore.metrics import binary_curves

    te = split["test"]
    p = probabilities(model, feats.take(te))
    m = ~np.isnan(labels[te])
    return binary_curves(labels[te][m], p[m], 0.5)


def evaluate(bundle, data_dir: Path) -> dict:
    return _held_out_metrics(bundle.model, bundle.extras, Path(data_dir))

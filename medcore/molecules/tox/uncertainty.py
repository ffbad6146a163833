"""Per-assay prediction sets for tox-cnn: one Mondrian split-conformal problem per assay
(``medcore.conformal``), calibrated on the random split's validation molecules, with the labels
each assay measured (Tox21 leaves many unmeasured).

A set {active} or {inactive} is a call the model can stand behind at the chosen level;
{inactive, active} is "uncertain"; an empty set means the molecule is unlike both classes.
"""

from __future__ import annotations

from pathlib import Path

import numpy as np

from medcore import conformal

FILE = "conformal.npz"
CLASSES = ["inactive", "active"]


def save(path: Path, p_cal: np.ndarray, y_cal: np.ndarray) -> None:
    """Calibration probabilities (n, assays) and labels (NaN where not measured)."""
    np.savez_compressed(path, p=np.asarray(p_cal, np.float32), y=np.asarray(y_cal, np.float32))


def load(path: Path) -> dict[str, np.ndarray]:
    with np.load(path) as z:
        return {"p": z["p"], "y": z["y"]}


def _measured(cal: dict, j: int) -> tuple[np.ndarray, np.ndarray]:
    m = ~np.isnan(cal["y"][:, j])
    return conformal.binary(cal["p"][m, j]), cal["y"][m, j].astype(int)


def named_sets(p: np.ndarray, cal: dict, assays: list[str], level: float = conformal.LEVEL
               ) -> list[dict[str, list[str]]]:
    """Per molecule, per assay, its set at ``level`` as class names."""
    out: list[dict[str, list[str]]] = [{} for _ in range(len(p))]
    for j, a in enumerate(assays):
        p_cal, y_cal = _measured(cal, j)
        sets = conformal.named_sets(conformal.binary(p[:, j]), p_cal, y_cal, CLASSES, level)
        for row, s in zip(out, sets, strict=True):
            row[a] = s
    return out


def report(p_test: np.ndarray, y_test: np.ndarray, cal: dict, assays: list[str],
           level: float = conformal.LEVEL) -> dict:
    """Per assay ``conformal.report`` on the test molecules measured for it, and the means
    over assays (what the card's headline reads)."""
    per = {}
    for j, a in enumerate(assays):
        m = ~np.isnan(y_test[:, j])
        p_cal, y_cal = _measured(cal, j)
        per[a] = conformal.report(conformal.binary(p_test[m, j]), y_test[m, j].astype(int),
                                  p_cal, y_cal, CLASSES, level)
    mean = {k: round(float(np.mean([r[k] for r in per.values()])), 4)
            for k in ("coverage", "set_size", "share_uncertain", "share_empty")}
    active = [c for r in per.values() if (c := r["per_class"]["active"]["coverage"]) is not None]
    return {"level": level, **mean,
            "active_coverage_mean": round(float(np.mean(active)), 4) if active else None,
            "per_assay": per}

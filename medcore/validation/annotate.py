"""A site profile applied to ``predict_paths`` rows: each result keeps the shipped model's answer
and gains ``site`` (recalibrated probability, call, prediction set, and the profile's label), so
a result made with a profile always says so."""

from __future__ import annotations

import numpy as np

from medcore import conformal, registry
from medcore.validation import profile


def _one(prof: dict, p, name: str = profile.SINGLE, level: float = conformal.LEVEL):
    got = profile.named(prof, np.asarray([p], float), name, level)
    return None if got is None else got[0]


def _patients(prof: dict, rows: list[dict], level: float) -> None:
    risks = np.array([r["risk"] for r in rows], float)
    if not len(risks):
        return
    for r, s in zip(rows, profile.named(prof, risks, profile.SINGLE, level), strict=True):
        r["site"] = s


def annotate(model_id: str, rows: list[dict], prof: dict,
             level: float = conformal.LEVEL) -> list[dict]:
    """The rows with ``site`` added where the model gave a probability (in place, returned)."""
    bench = registry.spec(model_id).workbench
    label = profile.label(prof)
    for row in rows:
        if "error" in row:
            continue
        if bench == "history":
            _patients(prof, row.get("patients", []), level)
        elif bench == "imaging" and row.get("probability_pneumonia") is not None:
            site = _one(prof, row["probability_pneumonia"], level=level)
            if row.get("status", "ok") != "ok":  # the checks withheld the film: no call here
                site = {**site, "call": None, "prediction_set": None}
            row["site"] = site
        elif bench == "molecules":
            for m in row.get("molecules", []):
                if "probabilities" in m:
                    m["site"] = {"site_profile": label, "assays": {
                        a: s for a, p in m["probabilities"].items()
                        if (s := _one(prof, p, a, level)) is not None}}
        elif bench == "genomics" and row.get("probabilities"):
            names = profile.task(prof)["classes"]
            row["site"] = _one(prof, [row["probabilities"][c] for c in names], level=level)
    return rows

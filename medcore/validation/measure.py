"""One validation run: labelled cases -> the figures of every output of a model, beside the
card's held-out ones; optionally an existing site profile measured on them, and a new profile
fitted on them. The CLI, the page step and the report all read the dict this returns.
"""

from __future__ import annotations

import numpy as np

from medcore import conformal
from medcore.errors import InputError
from medcore.validation import figures, profile, recalibrate
from medcore.validation.cases import Labelled, TaskCases

CARD_KEYS = ("roc_auc", "ece", "brier", "sensitivity", "specificity", "ppv", "accuracy",
             "macro_f1")


def card_figures(card: dict, task: str) -> dict:
    """The card's held-out figures for one output (what the site's are shown beside)."""
    m = card.get("metrics", {})
    if task != profile.SINGLE:  # an assay of tox-cnn
        conf = m.get("conformal", {}).get("per_assay", {}).get(task, {})
        return {"roc_auc": m.get("per_assay_roc_auc", {}).get(task),
                "coverage": conf.get("coverage"), "share_uncertain": conf.get("share_uncertain"),
                "split": "Tox21 random test"}
    out = {k: m[k] for k in CARD_KEYS if isinstance(m.get(k), int | float)}
    if m.get("ci95", {}).get("roc_auc"):
        out["roc_auc_ci95"] = m["ci95"]["roc_auc"]
    conf = m.get("conformal", {})
    out.update(coverage=conf.get("coverage"), share_uncertain=conf.get("share_uncertain"),
               split=card.get("dataset", {}).get("test_split") or card.get("dataset", {})
               .get("name"))
    return {k: v for k, v in out.items() if v is not None}


def _figures(t: TaskCases, p: np.ndarray, threshold: float | None, sets, mask=None,
             n_boot: int = 1000) -> dict:
    sel = slice(None) if mask is None else mask
    ids = t.ids if mask is None else [i for i, k in zip(t.ids, mask, strict=True) if k]
    flagged = None if t.flagged is None else t.flagged[sel]
    s = None if sets is None else sets[sel]
    if p.ndim == 1:
        return figures.binary(t.y[sel], p[sel], threshold, t.class_names, sets=s,
                              flagged=flagged, ids=ids, n_boot=n_boot)
    return figures.multiclass(t.y[sel], p[sel], t.class_names, sets=s, flagged=flagged, ids=ids,
                              n_boot=n_boot)


def _shipped_sets(t: TaskCases) -> np.ndarray | None:
    if t.shipped_q is None:
        return None
    proba = conformal.binary(t.p) if t.p.ndim == 1 else t.p
    return conformal.prediction_sets(proba, t.shipped_q)


def task_result(t: TaskCases, card: dict, *, site: dict | None = None, fit: bool = False,
                target: str | None = None, value: float | None = None,
                n_boot: int = 1000, seed: int = 0) -> dict:
    """Figures of one output on all labelled cases (and per subgroup), the card's beside them,
    the loaded profile's figures and a new fit when asked."""
    sets = _shipped_sets(t)
    out: dict = {"name": t.name, "classes": t.class_names, "n": int(len(t.y)),
                 "class_counts": [int(c) for c in np.bincount(t.y, minlength=len(t.class_names))],
                 "card": card_figures(card, t.name)}
    if len(t.y) < figures.MIN_CASES or min(out["class_counts"]) < figures.MIN_PER_CLASS:
        out["note"] = (f"{len(t.y)} labelled cases ({', '.join(map(str, out['class_counts']))} "
                       f"per class): under {figures.MIN_CASES}, or under "
                       f"{figures.MIN_PER_CLASS} of a class; not measured.")
        return out
    out["figures"] = _figures(t, t.p, t.threshold, sets, n_boot=n_boot)
    out["subgroups"] = figures.per_subgroup(
        t.groups, lambda m: _figures(t, t.p, t.threshold, sets, m, n_boot=0), len(t.y))
    if site is not None and profile.task(site, t.name) is not None:
        got = profile.apply(site, t.p, t.name)
        out["with_site_profile"] = {
            "label": profile.label(site),
            "figures": _figures(t, got["probability"], profile.task(site, t.name)["threshold"],
                                got["sets"], n_boot=n_boot)}
    if fit:
        fitted = recalibrate.fit_task(t.p, t.y, t.class_names, t.threshold, target=target,
                                      value=value, shipped_q=t.shipped_q, ids=t.ids, seed=seed,
                                      what=t.name if t.name != profile.SINGLE else "")
        out["recalibration"] = {"check": fitted["check"], "guarantee": fitted["guarantee"],
                                "map": fitted["task"]["map"]["method"],
                                "threshold": fitted["task"]["threshold"],
                                "threshold_rule": fitted["task"]["threshold_rule"],
                                "n_fit": fitted["task"]["n_fit"],
                                "n_check": fitted["task"]["n_check"]}
        out["_task"] = fitted["task"]
    return out


def run(bundle, labelled: Labelled, *, site: dict | None = None, fit: bool = False,
        target: str | None = None, value: float | None = None, n_boot: int = 1000,
        seed: int = 0, date: str | None = None) -> dict:
    """Every output's result; with ``fit``, ``profile`` holds the new sealed site profile."""
    if not any(len(t.y) for t in labelled.tasks):
        first = "; ".join(labelled.notes[:3])
        raise InputError("None of the cases could be matched to a label"
                         + (f" ({first})." if first else "."),
                         "Check that the labels name the files, patients, molecules or "
                         "records given.")
    results = [task_result(t, bundle.card, site=site, fit=fit, target=target, value=value,
                           n_boot=n_boot, seed=seed) for t in labelled.tasks]
    if not any("figures" in r for r in results):
        t = max(labelled.tasks, key=lambda t: len(t.y))
        figures.check_enough(t.y, t.class_names, t.name if len(labelled.tasks) > 1 else "")
    out = {"model_id": bundle.id, "model_version": bundle.card.get("version"),
           "model_sha256": bundle.card.get("sha256"),
           "n_cases": int(max(len(t.y) for t in labelled.tasks)),
           "notes": labelled.notes[:200], "n_notes": len(labelled.notes),
           "site_profile": profile.label(site) if site else None, "tasks": {}}
    tasks = {}
    for r in results:
        task = r.pop("_task", None)
        if task is not None:
            tasks[r["name"]] = task
        out["tasks"][r["name"]] = r
    if fit:
        n = max((t["n_cases"] for t in tasks.values()), default=0)
        out["profile"] = profile.build(bundle.card, tasks, n, date=date)
        out["profile_label"] = profile.label(out["profile"])
    return out

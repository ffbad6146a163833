"""The site profile: one small JSON file with what a site fitted on its own cases (maps,
thresholds, the sets' quantiles), tied to one model file by its sha256 and sealed by its own.

Why a hash of its own: the profile changes what a clinician is shown; a profile edited by hand
or damaged in transit must be refused, not half-applied. Why the model's sha256: a map fitted on
one model's outputs means nothing for another model or another version of the same one.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json

import numpy as np

from medcore import conformal
from medcore.errors import InputError
from medcore.validation.recalibrate import apply_task

FORMAT = "medcore-site-profile"
VERSION = 1
SINGLE = "main"  # the task name of a model with one output (every classifier but tox-cnn)


class SiteProfileError(InputError):
    """A site profile that cannot be used with this model: another model's, tampered, damaged."""


def _digest(body: dict) -> str:
    text = json.dumps(body, sort_keys=True, separators=(",", ":"), allow_nan=False)
    return hashlib.sha256(text.encode()).hexdigest()


def build(card: dict, tasks: dict[str, dict], n_cases: int, date: str | None = None,
          site: str = "") -> dict:
    """A sealed profile for the model ``card`` describes (id, version, sha256)."""
    body = {"format": FORMAT, "version": VERSION, "model_id": card["id"],
            "model_version": card.get("version"), "model_sha256": card["sha256"],
            "date": date or dt.date.today().isoformat(), "site": site, "n_cases": int(n_cases),
            "tasks": tasks}
    return {**body, "sha256": _digest(body)}


def to_bytes(profile: dict) -> bytes:
    return (json.dumps(profile, indent=1, sort_keys=True, allow_nan=False) + "\n").encode()


def loads(data: bytes, card: dict, name: str = "the site profile") -> dict:
    """Parse and check a profile for the model ``card`` describes; a profile for another
    model or version, or one whose content no longer matches its sha256, is refused."""
    try:
        obj = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as err:
        raise SiteProfileError(f"{name} is not a site profile (not JSON: {err}).",
                               "Load the .json file downloaded from the Validate step.") from None
    if not isinstance(obj, dict) or obj.get("format") != FORMAT:
        raise SiteProfileError(f"{name} is not a medcore site profile.",
                               "Load the .json file downloaded from the Validate step.")
    claimed = obj.get("sha256")
    body = {k: v for k, v in obj.items() if k != "sha256"}
    try:
        ok = claimed == _digest(body)
    except (TypeError, ValueError):
        ok = False
    if not ok:
        raise SiteProfileError(
            f"{name} was changed after it was made: its content does not match its sha256.",
            "Use the file exactly as downloaded, or validate again to make a new profile.")
    if obj.get("model_id") != card["id"]:
        raise SiteProfileError(
            f"{name} was made for {obj.get('model_id')}, not {card['id']}.",
            f"Load a profile made for {card['id']} (validate {card['id']} on your cases).")
    if obj.get("model_sha256") != card["sha256"]:
        raise SiteProfileError(
            f"{name} was made for another version of {card['id']} (model sha256 "
            f"{str(obj.get('model_sha256'))[:8]}, this one {card['sha256'][:8]}).",
            "Validate this version on your cases to make a new profile.")
    return obj


def label(profile: dict) -> str:
    """What every result made with the profile says, e.g.
    ``recalibrated on 412 local cases, 2026-12-05``."""
    site = f" ({profile['site']})" if profile.get("site") else ""
    return f"recalibrated on {profile['n_cases']:,} local cases{site}, {profile['date']}"


def task(profile: dict, name: str = SINGLE) -> dict | None:
    """A task's fit (None where the profile did not fit that output, e.g. an assay with too
    few local cases: the shipped model's figures stand there)."""
    return profile["tasks"].get(name)


def apply(profile: dict, p: np.ndarray, name: str = SINGLE,
          level: float = conformal.LEVEL) -> dict | None:
    """The profile applied to a model's own probabilities for one output: ``probability``,
    ``decision`` (class index) and ``sets`` (boolean (n, k)); None where it has no fit."""
    t = task(profile, name)
    return None if t is None else apply_task(t, p, level)


def named(profile: dict, p: np.ndarray, name: str = SINGLE,
          level: float = conformal.LEVEL) -> list[dict] | None:
    """Per case, JSON-ready: recalibrated probability (4 decimals), the called class, the set as
    class names, and the profile's label."""
    t = task(profile, name)
    if t is None:
        return None
    got = apply_task(t, p, level)
    classes, text = t["classes"], label(profile)
    prob = got["probability"]
    out = []
    for i in range(len(got["decision"])):
        pi = prob[i] if prob.ndim == 1 else prob[i, got["decision"][i]]
        in_set = [c for c, s in zip(classes, got["sets"][i], strict=True) if s]
        out.append({"probability": round(float(pi), 4),
                    # one answer: a class only where the site's set holds it alone and the
                    # site's threshold agrees; otherwise "uncertain: {...}", never two answers
                    "call": conformal.call(in_set, classes[int(got["decision"][i])]),
                    "prediction_set": in_set,
                    "level": level, "threshold": t["threshold"], "site_profile": text})
    return out

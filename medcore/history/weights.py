"""How much of each model's weight a record carries, and what the stays it learned from carried.

Why a stored table: "enough of the record" must be judged against measured facts, not a guess.
Each variable's weight is its share of the model's mean |SHAP| (the card's global importance,
measured on set C by the training code); how often it is given, and the share of the weight the
training stays carried, are measured on set A's 4,000 stays (the training data, no test data).
``python -m medcore.history.weights`` recomputes ``data/coverage.json``; a test checks it.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from medcore import settings
from medcore.history import variables as V

FILE = Path(__file__).parent / "data" / "coverage.json"
KEY_WEIGHT = 0.02  # a variable with at least this share of the weight ...
KEY_PRESENT = 0.9  # ... given in at least this share of training stays is a key variable
LOW_PERCENTILE = 5  # fewer weight than this percentile of training stays is too little


def measure(records: pd.DataFrame, cards: dict[str, dict]) -> dict:
    """The table from clean set-A records and the models' cards."""
    inside = records[(records["minutes"] >= 0) & (records["minutes"] <= 48 * 60)]
    given = pd.crosstab(inside["patient_id"], inside["variable"]).reindex(
        columns=list(V.KNOWN), fill_value=0) > 0
    present = given.mean(axis=0)
    out = {"source": "weights: share of mean |SHAP| in each model card (set C sample); "
                     "present and weight_given: PhysioNet 2012 set A, hours 0-48",
           "stays": int(len(given)), "models": {}}
    for mid, card in cards.items():
        imp = {r["variable"]: float(r["mean_abs_shap"]) for r in card["global_importance"]}
        total = sum(imp.values())
        w = {v: round(imp.get(v, 0.0) / total, 4) for v in V.KNOWN}
        share = given.to_numpy(float) @ np.array([w[v] for v in V.KNOWN])
        out["models"][mid] = {
            "variables": [{"variable": v, "weight": w[v], "present": round(float(present[v]), 4)}
                          for v in sorted(V.KNOWN, key=lambda v: -w[v])],
            "weight_given_low": round(float(np.percentile(share, LOW_PERCENTILE)), 4),
            "weight_given_median": round(float(np.median(share)), 4)}
    return out


@cache
def table() -> dict:
    return json.loads(FILE.read_text())


def for_model(model_id: str) -> dict | None:
    return table()["models"].get(model_id)


def key_variables(model_id: str) -> list[str]:
    """Variables that carry much of the weight and that almost every training stay had."""
    found = for_model(model_id)
    if found is None:
        return []
    return [r["variable"] for r in found["variables"]
            if r["weight"] >= KEY_WEIGHT and r["present"] >= KEY_PRESENT]


def main() -> int:
    from medcore import registry
    from medcore.history import data

    cohort = data.load_set(settings.data_dir(), "a")
    cards = {m: registry.load(m).card for m in registry.ids("history", registry.CLASSIFIER)}
    FILE.write_text(json.dumps(measure(cohort.records, cards), indent=1) + "\n")
    print(f"wrote {FILE}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

"""Model cards: ``card.json`` beside each ``model.keras``, stating data, split, metrics and use."""

from __future__ import annotations

import json
from pathlib import Path

from medcore.errors import ModelNotTrainedError

REQUIRED_FIELDS = (
    "id", "task", "architecture", "dataset", "metrics", "anchors", "date_trained",
    "input_spec", "intended_use", "limitations", "sha256",
)


def load_card(folder: Path) -> dict:
    path = Path(folder) / "card.json"
    if not path.exists():
        raise ModelNotTrainedError(f"No model card in {folder}.", "Train the model first.")
    return json.loads(path.read_text())


def save_card(folder: Path, card: dict) -> Path:
    """Write the card after checking it names everything a reader needs."""
    missing = [f for f in REQUIRED_FIELDS if f not in card]
    if missing:
        raise ValueError(f"Model card is missing fields: {missing}")
    path = Path(folder) / "card.json"
    path.write_text(json.dumps(card, indent=2, sort_keys=False) + "\n")
    return path


def headline(card: dict) -> dict[str, float]:
    """The few numbers the home page and ``models`` list show."""
    m = card.get("metrics", {})
    keys = card.get("headline_metrics") or [k for k in ("roc_auc", "accuracy") if k in m]
    return {k: m[k] for k in keys if k in m}


# What each metric key means, in the words the home page and the cards show (raw keys stay in
# the JSON). "higher" / "lower" says which way is better.
METRIC_WORDS: dict[str, tuple[str, str]] = {
    "roc_auc": ("ROC-AUC", "higher"),
    "mean_roc_auc": ("mean ROC-AUC over the 12 assays (random split)", "higher"),
    "scaffold_mean_roc_auc": ("mean ROC-AUC over the 12 assays on new scaffolds", "higher"),
    "pr_auc": ("precision-recall AUC", "higher"),
    "mean_pr_auc": ("mean precision-recall AUC over the 12 assays", "higher"),
    "accuracy": ("accuracy", "higher"),
    "sensitivity": ("sensitivity", "higher"),
    "specificity": ("specificity", "higher"),
    "ppv": ("positive predictive value", "higher"),
    "npv": ("negative predictive value", "higher"),
    "f1": ("F1", "higher"),
    "macro_f1": ("macro F1 over the classes", "higher"),
    "mcc": ("Matthews correlation (MCC)", "higher"),
    "event1": ("event-1 score (the lower of sensitivity and PPV)", "higher"),
    "brier": ("Brier score", "lower"),
    "ece": ("expected calibration error", "lower"),
    "threshold": ("decision threshold", ""),
    "validity": ("share of valid molecules", "higher"),
    "uniqueness_1k": ("share unique among 1,000 drawn", "higher"),
    "uniqueness_10k": ("share unique among 10,000 drawn", "higher"),
    "realism_filtered.uniqueness_10k": (
        "share unique among 10,000 drug-like (realism-filtered) molecules", "higher"),
    "novelty": ("share not in the training set", "higher"),
    "int_div1": ("internal diversity", "higher"),
    "filters_pass": ("share passing medicinal-chemistry filters", "higher"),
    "fd_generated_vs_test": ("Frechet distance of synthetic to real test films", "lower"),
    "fd_real_test_halves_floor": ("Frechet distance between two halves of the real films "
                                  "(the floor)", "lower"),
    "n": ("held-out cases", ""),
}


def metric(card: dict, key: str):
    """A metric by key, dotted for nested ones (``realism_filtered.uniqueness_10k``); None if
    the card does not have it."""
    value = card.get("metrics", {})
    for part in key.split("."):
        if not isinstance(value, dict) or part not in value:
            return None
        value = value[part]
    return value


def figure_words(card: dict, key: str) -> str:
    """One figure as a user reads it: "ROC-AUC 0.9647", with the goal when the card sets one."""
    name, better = METRIC_WORDS.get(key, (key.replace("_", " "), ""))
    value = metric(card, key)
    text = f"{name} {value}"
    goal = (card.get("goal") or {}).get(key)
    if goal is not None:
        text += f" (goal {goal})"
    elif better == "lower":
        text += " (lower is better)"
    return text


def figures_table(card: dict) -> list[dict]:
    """The card's scalar held-out figures as rows a user reads: name in words, value, 95 % CI,
    which way is better (raw keys stay in the JSON)."""
    metrics = card.get("metrics", {})
    ci = metrics.get("ci95", {})
    rows = []
    for key, value in metrics.items():
        if not isinstance(value, (int, float)) or isinstance(value, bool):
            continue
        name, better = METRIC_WORDS.get(key, (key.replace("_", " "), ""))
        rows.append({"figure": name, "value": value,
                     "95% CI": f"{ci[key][0]} - {ci[key][1]}" if key in ci else "",
                     "better": better})
    return rows


def baselines_table(card: dict) -> list[dict]:
    """One row per baseline scored on the same held-out data, with its scalar figures named in
    words (nested per-assay lists and notes stay in the JSON)."""
    rows = []
    for name, value in (card.get("metrics", {}).get("baselines") or {}).items():
        row = {"baseline": name.replace("_", " ")}
        if isinstance(value, dict):
            row.update({METRIC_WORDS.get(k, (k.replace("_", " "), ""))[0]: v
                        for k, v in value.items()
                        if isinstance(v, (int, float)) and not isinstance(v, bool)})
        elif isinstance(value, (int, float)):
            row["value"] = value
        rows.append(row)
    return rows

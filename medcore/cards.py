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

"""One training entry point for every model id: run the module's ``train``, then seal the card."""

from __future__ import annotations

import datetime as _dt
import shutil
import tempfile
from pathlib import Path

from medcore import distributed, registry
from medcore.cards import save_card
from medcore.checksums import sha256_of


def seal_card(folder: Path, card: dict) -> dict:
    """Record the sha256 of ``model.keras`` and of every extra file, and the training date."""
    folder = Path(folder)
    card["sha256"] = sha256_of(folder / "model.keras")
    extras = [p.name for p in sorted(folder.iterdir())
              if p.is_file() and p.name not in ("model.keras", "card.json")]
    card["extra_files"] = {name: sha256_of(folder / name) for name in extras}
    card.setdefault("date_trained", _dt.date.today().isoformat())
    save_card(folder, card)
    return card


def train(model_id: str, out_dir: Path | None = None, *, quick: bool = False, **options) -> dict:
    """Train ``model_id`` into ``out_dir`` (default: its folder under ``assets/models``).

    Runs under :func:`medcore.distributed.strategy` (several GPUs or ``TF_CONFIG`` workers).
    Training writes into a temporary folder first so a failed run never leaves a half model;
    in a multi-worker run only the chief keeps its result.
    """
    registry.spec(model_id)
    target = Path(out_dir) if out_dir else registry.model_folder(model_id)
    with tempfile.TemporaryDirectory() as tmp:
        work = Path(tmp) / model_id
        work.mkdir()
        with distributed.strategy().scope():
            card = registry.module(model_id).train(work, quick=quick, **options)
        seal_card(work, card)
        if distributed.is_chief():
            if target.exists():
                shutil.rmtree(target)
            target.parent.mkdir(parents=True, exist_ok=True)
            shutil.copytree(work, target)
    return card

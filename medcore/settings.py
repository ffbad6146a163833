"""Where data and models live, and every input limit, in one place.

Limits are named in the errors that enforce them so a user knows which knob they hit.
"""

from __future__ import annotations

import os
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parent.parent
ASSETS_DIR = REPO_ROOT / "assets"
MODELS_DIR = ASSETS_DIR / "models"

# Input limits (bytes, pixels, rows, characters). Uploads larger than these are refused
# with a message naming the limit rather than exhausting memory.
MAX_UPLOAD_BYTES = 50 * 1024 * 1024
MAX_IMAGE_PIXELS = 50_000_000
MAX_CSV_ROWS = 500_000
MAX_EVENTS_PER_PATIENT = 20_000
MAX_SEQUENCE_LENGTH = 2_000_000
MAX_SEQUENCES = 20_000
MAX_MOLECULES = 20_000
MAX_HEAVY_ATOMS = 150


def data_dir() -> Path:
    """The real-data folder: ``MEDCORE_DATA_DIR``, else ``../shared/data`` beside the checkout."""
    env = os.environ.get("MEDCORE_DATA_DIR")
    if env:
        return Path(env).expanduser()
    return REPO_ROOT.parent / "shared" / "data"


def cache_dir() -> Path:
    """User cache for downloaded datasets (``MEDCORE_CACHE_DIR`` or ``~/.cache/medcore``)."""
    env = os.environ.get("MEDCORE_CACHE_DIR")
    base = Path(env).expanduser() if env else Path.home() / ".cache" / "medcore"
    return base


def models_dir() -> Path:
    """Folder of trained models (``MEDCORE_MODELS_DIR`` overrides ``assets/models``)."""
    env = os.environ.get("MEDCORE_MODELS_DIR")
    return Path(env).expanduser() if env else MODELS_DIR

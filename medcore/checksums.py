"""File checksums: one helper for the dataset downloader and the model loader.

Why one: a dataset and a shipped model are both trusted only when their sha256 matches the
recorded one, and both read files too large to hold twice in memory.
"""

from __future__ import annotations

import hashlib
from pathlib import Path


def sha256_of(path: Path) -> str:
    """Hex sha256 of a file, read in 1 MiB chunks."""
    h = hashlib.sha256()
    with open(path, "rb") as f:
        for chunk in iter(lambda: f.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()

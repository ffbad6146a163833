"""Time of one local validation on the path the CLI and the page run (read the labelled uploads,
score them through the workbench's service, measure, recalibrate), on held-out data from the
data folder: 1,000 films, 4,000 patients (set C, as four exports) or 1,000 molecules."""

from __future__ import annotations

import gzip
import io
import time
from pathlib import Path

from medcore import registry, settings
from medcore.errors import DataUnavailableError


def _need(path: Path) -> Path:
    if not path.exists():
        raise DataUnavailableError(f"{path} not found.", "Set MEDCORE_DATA_DIR.")
    return path


def films(n: int = 1000) -> tuple[list[tuple[str, bytes]], None]:
    """The official test films, then training films, up to ``n``, in class subfolders."""
    root = _need(settings.data_dir() / "xray" / "kermany224")
    paths = sorted((root / "test").rglob("*.jpeg")) + sorted((root / "train").rglob("*.jpeg"))
    return [(f"{p.parent.name}/{p.name}", p.read_bytes()) for p in paths[:n]], None


def patients(parts: int = 4) -> tuple[list[tuple[str, bytes]], tuple[str, bytes]]:
    """Set C (4,000 stays) as ``parts`` exports (one file is over MAX_CSV_ROWS), outcomes."""
    import pandas as pd

    ehr = settings.data_dir() / "ehr"
    raw = pd.read_csv(io.BytesIO(gzip.decompress(
        _need(ehr / "physionet2012_set-c.csv.gz").read_bytes())))
    ids = raw["record_id"].unique()
    size = -(-len(ids) // parts)
    files = [(f"set-c-{k}.csv", raw[raw["record_id"].isin(ids[k * size:(k + 1) * size])]
              .to_csv(index=False).encode()) for k in range(parts)]
    out = _need(ehr / "physionet2012_outcomes-c.csv")
    return files, (out.name, out.read_bytes())


def molecules(n: int = 1000) -> tuple[list[tuple[str, bytes]], None]:
    path = _need(settings.data_dir() / "molecules" / "tox21.csv")
    lines = path.read_bytes().splitlines(keepends=True)
    return [("tox21-sample.csv", b"".join(lines[:n + 1]))], None




def run(bundle, quick: bool = False) -> dict:
    """``figures`` (seconds of one validation) and its target; nothing in a quick bench or
    without the data."""
    from medcore.validation import cases, measure

    spec = registry.spec(bundle.id).measure
    if quick or spec.validation is None:
        return {}
    try:
        files, labels = spec.ref("validation")()
    except DataUnavailableError:
        return {}
    t = time.perf_counter()
    labelled = cases.read(bundle, files, labels)
    measure.run(bundle, labelled, fit=True)
    s = round(time.perf_counter() - t, 2)
    n = max(len(task.y) for task in labelled.tasks)
    target = spec.validation_s
    return {"figures": {"validate_cases": n, "validate_s": s}, "targets": [
        {"name": f"validate {n:,} labelled cases (read, score, measure, recalibrate)",
         "value": s, "target": target, "unit": "s", "pass": bool(s <= target)}]}

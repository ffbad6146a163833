"""PhysioNet 2012 sets with outcomes: set A split into train/validation, set C held out.

Why a cache: parsing 1.75 M rows takes ~10 s; training both models and evaluating re-read the
same files, so clean records are pickled in a temp folder OUTSIDE the repository, keyed by the
data file's size and mtime (never the data itself in the repo).
"""

from __future__ import annotations

import hashlib
import logging
import tempfile
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from medcore.errors import DataUnavailableError
from medcore.history.io import read_physionet

log = logging.getLogger(__name__)
SEED = 0
VAL_FRACTION = 0.2
SOURCE = "https://physionet.org/content/challenge-2012/1.0.0/"
CITATION = ("Silva I, Moody G, Scott DJ, Celi LA, Mark RG. Predicting In-Hospital Mortality of "
            "ICU Patients: The PhysioNet/Computing in Cardiology Challenge 2012. "
            "Comput Cardiol 2012;39:245-248.")


@dataclass
class Cohort:
    records: pd.DataFrame
    patients: list[str]
    y: np.ndarray
    saps: np.ndarray  # SAPS-I, NaN where the outcomes file says -1


def _files(data_dir: Path, name: str) -> tuple[Path, Path]:
    folder = Path(data_dir) / "ehr"
    series = folder / f"physionet2012_set-{name}.csv.gz"
    outcomes = folder / f"physionet2012_outcomes-{name}.csv"
    if not series.exists() or not outcomes.exists():
        raise DataUnavailableError(f"PhysioNet 2012 set {name} not found in {folder}.",
                                   "Set MEDCORE_DATA_DIR to the folder holding ehr/.")
    return series, outcomes


def _records(path: Path) -> pd.DataFrame:
    st = path.stat()
    key = hashlib.sha1(f"{path.resolve()}|{st.st_size}|{st.st_mtime_ns}|v2".encode()).hexdigest()
    cache = Path(tempfile.gettempdir()) / "medcore-history-cache" / f"{key[:16]}.pkl"
    if cache.exists():
        return pd.read_pickle(cache)
    records = read_physionet(path).records
    cache.parent.mkdir(parents=True, exist_ok=True)
    records.to_pickle(cache)
    return records


def load_set(data_dir: Path, name: str) -> Cohort:
    """One PhysioNet set: clean records plus outcome and SAPS-I per stay (stays with both)."""
    series, outcomes = _files(data_dir, name)
    records = _records(series)
    out = pd.read_csv(outcomes)
    out["RecordID"] = out["RecordID"].astype(str)
    present = set(records["patient_id"].unique())
    out = out[out["RecordID"].isin(present)].sort_values("RecordID")
    saps = out["SAPS-I"].to_numpy(float)
    saps[saps < 0] = np.nan
    return Cohort(records, list(out["RecordID"]), out["In-hospital_death"].to_numpy(int), saps)


def split_a(cohort: Cohort) -> tuple[np.ndarray, np.ndarray]:
    """Stratified, seeded train/validation index split of set A."""
    from sklearn.model_selection import train_test_split

    idx = np.arange(len(cohort.patients))
    tr, va = train_test_split(idx, test_size=VAL_FRACTION, random_state=SEED,
                              stratify=cohort.y)
    return np.sort(tr), np.sort(va)


def subset(cohort: Cohort, idx: np.ndarray) -> Cohort:
    pats = [cohort.patients[i] for i in idx]
    keep = cohort.records["patient_id"].isin(set(pats))
    return Cohort(cohort.records[keep], pats, cohort.y[idx], cohort.saps[idx])


def counts(y: np.ndarray) -> dict[str, int]:
    return {"survived": int((y == 0).sum()), "died_in_hospital": int((y == 1).sum())}

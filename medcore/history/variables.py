"""The PhysioNet 2012 variables the history models read, and their name aliases.

Kept in one place so io (reporting unknown codes), grid (channel order) and the page
(expected columns) agree.
"""

from __future__ import annotations

TIME_SERIES: tuple[str, ...] = (
    "ALP", "ALT", "AST", "Albumin", "BUN", "Bilirubin", "Cholesterol", "Creatinine", "DiasABP",
    "FiO2", "GCS", "Glucose", "HCO3", "HCT", "HR", "K", "Lactate", "MAP", "MechVent", "Mg",
    "NIDiasABP", "NIMAP", "NISysABP", "Na", "PaCO2", "PaO2", "Platelets", "RespRate", "SaO2",
    "SysABP", "Temp", "TroponinI", "TroponinT", "Urine", "WBC", "Weight", "pH",
)
STATIC: tuple[str, ...] = ("Age", "Gender", "Height")
KNOWN: tuple[str, ...] = TIME_SERIES + STATIC

# PhysioNet writes -1 for "not recorded" in these descriptors; such rows are dropped, not used.
MISSING_CODE_VARIABLES = frozenset({"Age", "Gender", "Height", "Weight", "ICUType"})
# Descriptors that carry no signal for the model (ids) and are silently ignored.
IGNORED = frozenset({"RecordID", "ICUType"})

_LOWER = {v.lower(): v for v in KNOWN}


def canonical(name: str) -> str | None:
    """The model's spelling of a variable name (case-insensitive), or None if unknown."""
    return _LOWER.get(str(name).strip().lower())


# Column headers, compared lower-case with '_' read as a space (mapping.norm_term).
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "patient_id": ("patient id", "record id", "recordid", "patient", "subject id", "patientid",
                   "mrn", "stay id", "encounter id", "hadm id", "icustay id", "id"),
    "time": ("time", "timestamp", "charttime", "datetime", "date time", "date/time",
             "observation time", "recorded time", "effective time", "minutes",
             "minutes since admission", "hours since admission", "hours"),
    "variable": ("variable", "parameter", "code", "name", "item", "label", "observation",
                 "test"),
    "value": ("value", "valuenum", "result", "value num"),
    "unit": ("unit", "units", "uom", "valueuom", "unit of measure"),
}
# Time columns whose plain numbers are hours, not minutes.
HOUR_COLUMNS = frozenset({"hours since admission", "hours"})

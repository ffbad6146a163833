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
# An ICU stay is the unit the models score: a stay id goes before a person's id.
COLUMN_ALIASES: dict[str, tuple[str, ...]] = {
    "patient_id": ("patient id", "record id", "recordid", "stay id", "icustay id",
                   "patientunitstayid", "patient", "encounter id", "hadm id", "subject id",
                   "patientid", "mrn", "id"),
    "time": ("time", "timestamp", "charttime", "charted time", "chart time", "charted at",
             "chartdate", "chart date", "datetime", "date time", "date/time", "storetime",
             "observation time", "observation datetime", "observation date", "recorded time",
             "recorded at", "effective time", "effective date time", "effectivedatetime",
             "result time", "collection time", "specimen time", "event time",
             "measurement time", "time stamp", "date", "minutes", "minutes since admission",
             "chartoffset", "observationoffset", "labresultoffset", "nursingchartoffset",
             "offset", "hours since admission", "hours"),
    "variable": ("variable", "parameter", "code", "name", "item", "label", "itemname",
                 "item name", "labname", "lab name", "test name", "observation", "test",
                 "measurement", "vital", "nursingchartcelltypevallabel"),
    "value": ("valuenum", "value num", "numeric value", "value", "result", "result value",
              "labresult", "nursingchartvalue", "observation value"),
    "unit": ("unit", "units", "uom", "valueuom", "unit of measure", "unitname",
             "labmeasurenamesystem"),
    "fluid": ("fluid", "specimen", "specimen type", "sample type", "specimen source"),
}
# Columns of text that back up a numeric value column (MIMIC's ``value`` beside ``valuenum``).
VALUE_TEXT = ("value", "value text", "result text", "labresulttext")
# The file's columns a user can pick, with what each holds (the page and the mapping file).
COLUMN_ROLES: dict[str, str] = {
    "patient_id": "patient or ICU stay id", "time": "time of each value",
    "variable": "name of the measurement", "value": "value", "unit": "unit (optional)",
    "fluid": "fluid or specimen (optional: urine pH is not blood pH)",
}
# Static descriptors: a row without a time is read at admission.
STATIC_AT_ADMISSION = frozenset({"Age", "Gender", "Height", "ICUType"})
# Time columns whose plain numbers are hours, not minutes.
HOUR_COLUMNS = frozenset({"hours since admission", "hours"})

"""Clean records written the way other systems export them: a hospital's wide CSV and FHIR R4.

Why in the library: the page's "hospital-style example", the round-trip tests and the benchmark
all need the same realistic exports (other names, ISO times, degF, lb, mmol/L, LOINC + UCUM), so
they are written once here, from the same tables the reader uses (``data/*.csv``).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from medcore.history import fhir, mapping

ADMISSION = pd.Timestamp("2024-03-01T08:00:00")
# model variable -> (hospital column header, unit it is written in); others keep their name
HOSPITAL: dict[str, tuple[str, str]] = {
    "HR": ("Heart Rate", "bpm"), "RespRate": ("Resp Rate", "breaths/min"),
    "NISysABP": ("Systolic BP", "mmHg"), "NIDiasABP": ("Diastolic BP", "mmHg"),
    "NIMAP": ("Mean BP", "mmHg"), "Temp": ("Temperature", "degF"),
    "Weight": ("Weight", "lb"), "Height": ("Height", "in"), "Glucose": ("Glucose", "mmol/L"),
    "Creatinine": ("Creatinine", "umol/L"), "BUN": ("Urea Nitrogen", "mmol/L"),
    "FiO2": ("FiO2", "%"), "GCS": ("Glasgow Coma Scale", "score"), "Age": ("Age", "years"),
    "Gender": ("Sex", "0/1"), "Lactate": ("Lactate", "mmol/L"), "WBC": ("WBC", "10^3/uL"),
    "Platelets": ("Platelet Count", "10^3/uL"), "SaO2": ("SaO2", "%"),
    "Bilirubin": ("Total Bilirubin", "umol/L"), "Albumin": ("Albumin", "g/L"),
    "Urine": ("Urine Output", "mL"), "Na": ("Sodium", "mmol/L"), "K": ("Potassium", "mmol/L"),
}
# the model's units as UCUM codes, for FHIR valueQuantity.code
UCUM = {"bpm": "/min", "breaths/min": "/min", "degC": "Cel", "mmHg": "mm[Hg]", "fraction": "1",
        "score": "{score}", "mEq/L": "meq/L", "10^3/uL": "10*3/uL", "pH": "[pH]", "years": "a",
        "IU/L": "[IU]/L", "0/1": ""}


def _from_model(variable: str, unit: str, values: np.ndarray) -> np.ndarray:
    f, off = mapping.factor(variable, unit)
    return (values - off) / f


def to_hospital_csv(records: pd.DataFrame, with_units: bool = True) -> bytes:
    """Wide CSV: ``MRN, Date/Time`` then one column per variable, ``Creatinine (umol/L)``.

    Sex is written as M/F; values are converted into the units of :data:`HOSPITAL`.
    """
    rec = records.copy()
    headers, values = {}, rec["value"].to_numpy(float).copy()
    for var, (name, unit) in HOSPITAL.items():
        rows = (rec["variable"] == var).to_numpy()
        values[rows] = np.round(_from_model(var, unit, values[rows]), 3)
        headers[var] = f"{name} ({unit})" if with_units and unit not in ("0/1", "score") \
            else name
    rec["value"] = values
    rec["column"] = rec["variable"].map(lambda v: headers.get(v, v))
    # a second value of a variable at the same minute goes on a second line, as exports do
    rec["k"] = rec.groupby(["patient_id", "minutes", "column"], sort=False).cumcount()
    wide = rec.pivot_table(index=["patient_id", "minutes", "k"], columns="column",
                           values="value", aggfunc="first", sort=False)
    sex = headers["Gender"]
    text = wide.map(lambda v: "" if pd.isna(v) else f"{v:g}")
    if sex in text:
        text[sex] = wide[sex].map(lambda v: "" if pd.isna(v) else ("M" if v >= 0.5 else "F"))
    when = ADMISSION + pd.to_timedelta(wide.index.get_level_values("minutes"), unit="min")
    out = pd.DataFrame({"MRN": wide.index.get_level_values("patient_id"),
                        "Date/Time": when.strftime("%Y-%m-%dT%H:%M:%S")})
    out = pd.concat([out, text.reset_index(drop=True)], axis=1)
    return out.to_csv(index=False).encode()


def codes() -> tuple[dict[str, str], dict[str, str]]:
    """(model variable -> first LOINC code, model variable -> UCUM unit) from the tables."""
    loinc: dict[str, str] = {}
    for row in mapping.vocabulary():
        if row["kind"] == "loinc":
            loinc.setdefault(row["variable"], row["term"])
    units = {v.name: UCUM.get(v.unit, v.unit) for v in mapping.VARIABLES().values()}
    return loinc, units


def to_fhir_ndjson(records: pd.DataFrame) -> bytes:
    """NDJSON of Patient and Observation resources (LOINC codes, UCUM units)."""
    loinc, units = codes()
    return fhir.to_ndjson(records, loinc, units)


def to_fhir_bundle(records: pd.DataFrame) -> dict:
    loinc, units = codes()
    return fhir.to_bundle(records, loinc, units)

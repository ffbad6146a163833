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


# model variable -> (label, unit, fluid) as a hospital EHR writes them: the labels of the
# MIMIC-IV item dictionaries (data/ehr_items.csv), lab units as its laboratory writes them
EHR: dict[str, tuple[str, str, str]] = {
    "HR": ("Heart Rate", "bpm", ""), "RespRate": ("Respiratory Rate", "insp/min", ""),
    "SysABP": ("Arterial Blood Pressure systolic", "mmHg", ""),
    "DiasABP": ("Arterial Blood Pressure diastolic", "mmHg", ""),
    "MAP": ("Arterial Blood Pressure mean", "mmHg", ""),
    "NISysABP": ("Non Invasive Blood Pressure systolic", "mmHg", ""),
    "NIDiasABP": ("Non Invasive Blood Pressure diastolic", "mmHg", ""),
    "NIMAP": ("Non Invasive Blood Pressure mean", "mmHg", ""),
    "Temp": ("Temperature Fahrenheit", "°F", ""), "FiO2": ("Inspired O2 Fraction", "", ""),
    "SaO2": ("Arterial O2 Saturation", "%", ""), "Weight": ("Daily Weight", "kg", ""),
    "Height": ("Height", "Inch", ""), "Creatinine": ("Creatinine", "mg/dL", "Blood"),
    "BUN": ("Urea Nitrogen", "mg/dL", "Blood"), "Glucose": ("Glucose", "mmol/L", "Blood"),
    "Na": ("Sodium", "mEq/L", "Blood"), "K": ("Potassium", "mEq/L", "Blood"),
    "Mg": ("Magnesium", "mg/dL", "Blood"), "HCO3": ("Bicarbonate", "mEq/L", "Blood"),
    "HCT": ("Hematocrit", "%", "Blood"), "Platelets": ("Platelet Count", "K/uL", "Blood"),
    "WBC": ("White Blood Cells", "K/uL", "Blood"), "Lactate": ("Lactate", "mmol/L", "Blood"),
    "pH": ("pH", "units", "Blood"), "PaO2": ("pO2", "mm Hg", "Blood"),
    "PaCO2": ("pCO2", "mm Hg", "Blood"), "Bilirubin": ("Bilirubin, Total", "mg/dL", "Blood"),
    "Albumin": ("Albumin", "g/dL", "Blood"), "ALP": ("Alkaline Phosphatase", "IU/L", "Blood"),
    "ALT": ("Alanine Aminotransferase (ALT)", "IU/L", "Blood"),
    "AST": ("Asparate Aminotransferase (AST)", "IU/L", "Blood"),
    "Cholesterol": ("Cholesterol, Total", "mg/dL", "Blood"),
    "TroponinI": ("Troponin I", "ng/mL", "Blood"), "TroponinT": ("Troponin T", "ng/mL", "Blood"),
}
# labs the EHR also charts (a second table, the same time and value): their chart labels
CHART_COPY = {"Creatinine": "Creatinine (serum)", "BUN": "BUN", "Na": "Sodium (serum)",
              "K": "Potassium (serum)", "HCT": "Hematocrit (serum)", "pH": "PH (Arterial)",
              "WBC": "WBC", "HCO3": "HCO3 (serum)", "Lactate": "Lactic Acid",
              "PaO2": "Arterial O2 pressure", "PaCO2": "Arterial CO2 Pressure"}
CARE_UNITS = {1: "Coronary Care Unit (CCU)", 2: "Cardiac Vascular Intensive Care Unit (CVICU)",
              3: "Medical Intensive Care Unit (MICU)", 4: "Surgical Intensive Care Unit (SICU)"}
EHR_ADMISSION = pd.Timestamp("2150-03-01T08:00:00")  # shifted dates, as de-identified EHRs
EHR_COLUMNS = ["subject_id", "stay_id", "Charted Time", "label", "value", "valuenum",
               "valueuom", "fluid"]


def _num(x: float) -> str:
    return f"{x:.4f}".rstrip("0").rstrip(".")


def _gcs_parts(total: float) -> tuple[int, int, int]:
    """Eye (1-4), verbal (1-5) and motor (1-6) scores that add up to a GCS total (3-15)."""
    g = int(round(total))
    motor = min(6, g - 2)
    verbal = min(5, g - motor - 1)
    return g - motor - verbal, verbal, motor


def to_ehr_csv(records: pd.DataFrame, icu_types: dict[str, int] | None = None) -> bytes:
    """A long export as a hospital EHR writes it, with every trap of a real one.

    Labels and units of the MIMIC-IV dictionaries, a ``Charted Time`` of date-times, degF,
    lbs., mmol/L; GCS as eye/verbal/motor; urine output as Foley + Void; alarm limits and a
    ventilator setting named like the measurement; labs charted twice (lab table and chart
    copy); a urine pH beside the blood pH; ventilation as a mode in words; age, sex and care
    unit in words. Read back, it must give the same model input as ``records``.
    """
    out: list[tuple] = []
    first_hr: dict[str, float] = {}
    first_ph: dict[str, float] = {}
    for pid, minutes, var, value in records[["patient_id", "minutes", "variable",
                                             "value"]].itertuples(index=False):
        def row(label, text, unit="", fluid="", numeric=True, pid=pid, at=minutes):
            out.append((pid, at, label, text, text if numeric else "", unit, fluid))

        if var == "GCS":
            for label, part in zip(("GCS - Eye Opening", "GCS - Verbal Response",
                                    "GCS - Motor Response"), _gcs_parts(value), strict=True):
                row(label, str(part))
        elif var == "Urine":
            foley = float(np.floor(value * 0.6)) if value >= 2 else value
            row("Foley", _num(foley), "mL")
            if value - foley > 0:
                row("Void", _num(value - foley), "mL")
        elif var == "MechVent":
            row("Ventilator Mode", "CMV/ASSIST/AutoFlow", numeric=False)
            row("Respiratory Rate (Set)", "14", "insp/min")
        elif var == "Age":
            row("Age", f"{value:g} years", numeric=False)
        elif var == "Gender":
            row("Gender", "M" if value >= 0.5 else "F", numeric=False)
        elif var == "Weight" and minutes == 0:
            row("Admission Weight (lbs.)", _num(round(value / 0.45359237, 1)), "None")
        elif var in EHR:
            label, unit, fluid = EHR[var]
            f, off = mapping.factor(var, unit if unit else "%" if var == "FiO2" else unit)
            shown = (value - off) / f
            shown = round(shown, 1 if var in ("Temp", "Height") else
                      2 if var == "Glucose" else 6)
            row(label, _num(shown), unit, fluid)
            if var in CHART_COPY:
                row(CHART_COPY[var], _num(value), "None")
            if var == "HR":
                first_hr.setdefault(pid, minutes)
            if var == "pH":
                first_ph.setdefault(pid, minutes)
        else:
            row(var, _num(value))
    for pid, t in first_hr.items():
        out.append((pid, t, "Heart rate Alarm - High", "120", "120", "bpm", ""))
        out.append((pid, t, "Heart Rate Alarm - Low", "50", "50", "bpm", ""))
    for pid, t in first_ph.items():
        out.append((pid, t, "pH", "6.0", "6.0", "units", "Urine"))
    for pid, code in (icu_types or {}).items():
        if int(code) in CARE_UNITS:
            out.append((pid, 0.0, "Care Unit", CARE_UNITS[int(code)], "", "", ""))
    df = pd.DataFrame(out, columns=["stay_id", "minutes", "label", "value", "valuenum",
                                    "valueuom", "fluid"])
    when = EHR_ADMISSION + pd.to_timedelta(df["minutes"], unit="min")
    df["Charted Time"] = when.dt.strftime("%Y-%m-%d %H:%M:%S")
    df["subject_id"] = "1" + df["stay_id"].astype(str)
    df = df.sort_values(["stay_id", "minutes"], kind="stable")
    return df[EHR_COLUMNS].to_csv(index=False).encode()

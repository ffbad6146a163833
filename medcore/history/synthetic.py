"""Synthetic ICU patients for "Try an example" and the benchmark. NOT real patients.

Values follow rough adult-ICU ranges with a hidden severity that moves vitals and labs together,
so a cohort shows a spread of risks. Every id starts with ``SYNTHETIC-`` so nobody mistakes it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

PREFIX = "SYNTHETIC-"
# variable: (every n hours, mean, sd, change per unit of severity, decimals)
SCHEDULE: dict[str, tuple[int, float, float, float, int]] = {
    "HR": (1, 88, 12, 12, 0), "NISysABP": (1, 122, 15, -12, 0),
    "NIDiasABP": (1, 62, 9, -6, 0), "NIMAP": (1, 82, 10, -8, 1), "RespRate": (1, 19, 4, 4, 0),
    "Urine": (1, 110, 60, -45, 0), "Temp": (4, 37.0, 0.6, 0.3, 1), "GCS": (4, 12, 2.5, -3, 0),
    "SaO2": (6, 96.5, 1.8, -1.5, 0), "FiO2": (8, 0.5, 0.12, 0.1, 2),
    "BUN": (12, 25, 12, 12, 0), "Creatinine": (12, 1.3, 0.6, 0.7, 1),
    "Glucose": (12, 135, 35, 20, 0), "HCO3": (12, 24, 3.5, -3, 0), "HCT": (12, 31, 4.5, -2, 1),
    "K": (12, 4.1, 0.5, 0.3, 1), "Mg": (12, 2.0, 0.3, 0.1, 1), "Na": (12, 139, 4, 1, 0),
    "Platelets": (12, 200, 80, -50, 0), "WBC": (12, 11.5, 5, 4, 1),
    "Lactate": (12, 1.9, 0.9, 1.4, 1), "pH": (8, 7.39, 0.05, -0.05, 2),
    "PaCO2": (8, 40, 6, 2, 0), "PaO2": (8, 140, 45, -30, 0), "Weight": (24, 82, 18, 0, 1),
}


def records(n: int = 1, seed: int = 0, missing: float = 0.1) -> pd.DataFrame:
    """Clean long records (patient_id, minutes, variable, value) for ``n`` synthetic stays."""
    rng = np.random.default_rng(seed)
    ids = np.array([f"{PREFIX}{i + 1:05d}" for i in range(n)], dtype=object)
    severity = rng.normal(0, 1, n)
    frames = []
    for name, (every, mean, sd, effect, dec) in SCHEDULE.items():
        hours = np.arange(0, 48, every)
        minutes = hours[None, :] * 60 + rng.integers(0, 50, (n, len(hours)))
        level = mean + effect * severity[:, None] + rng.normal(0, sd * 0.6, (n, 1))
        value = np.round(level + rng.normal(0, sd * 0.4, (n, len(hours))), dec)
        if name in ("Urine", "FiO2", "Lactate", "Creatinine", "BUN", "Platelets", "WBC"):
            value = np.abs(value)
        keep = rng.random((n, len(hours))) > missing
        pid = np.repeat(ids[:, None], len(hours), 1)
        frames.append(pd.DataFrame({"patient_id": pid[keep], "minutes": minutes[keep],
                                    "variable": name, "value": value[keep]}))
    static = pd.DataFrame({
        "patient_id": np.repeat(ids, 3), "minutes": 0.0,
        "variable": np.tile(["Age", "Gender", "Height"], n),
        "value": np.column_stack([np.clip(np.round(rng.normal(64, 16, n) + 5 * severity), 18, 95),
                                  rng.integers(0, 2, n), np.round(rng.normal(170, 10, n), 1)]
                                 ).ravel(),
    })
    out = pd.concat([static, *frames], ignore_index=True)
    out["minutes"] = out["minutes"].astype(float)
    return out.sort_values(["patient_id", "minutes"], kind="stable").reset_index(drop=True)


def to_csv(rec: pd.DataFrame) -> bytes:
    """The documented upload format with HH:MM times since admission."""
    m = rec["minutes"].astype(int)
    time = (m // 60).map("{:02d}".format) + ":" + (m % 60).map("{:02d}".format)
    df = pd.DataFrame({"patient_id": rec["patient_id"], "time": time,
                       "variable": rec["variable"], "value": rec["value"]})
    return df.to_csv(index=False).encode()


def example_csv(n: int = 1, seed: int = 7) -> bytes:
    return to_csv(records(n, seed))


def template_csv() -> bytes:
    """A small template showing the format, including a categorical code row."""
    return (b"patient_id,time,variable,value\n"
            b"P001,00:00,Age,67\nP001,00:00,Gender,1\nP001,00:00,Height,172\n"
            b"P001,00:15,HR,92\nP001,00:15,NISysABP,118\nP001,01:10,Temp,37.8\n"
            b"P001,02:00,Creatinine,1.4\nP001,02:00,ICD10:I50.9,1\n")

"""Does a hospital's export score like the PhysioNet file it was written from?

PhysioNet patients are rewritten as a real EHR writes them (``exports.to_ehr_csv``: the MIMIC-IV
dictionaries' labels, date-times, degF, lbs., mmol/L, GCS components, Foley + Void, alarm limits,
chart copies of labs, urine pH), read back through the upload path, and scored beside the
original. Run ``python -m medcore.history.agreement --patients 300`` for the figure.
"""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import numpy as np
import pandas as pd

from medcore import settings
from medcore.history import data, exports, io, service

TOLERANCE = 0.005  # risk difference counted as "scores like the original"


def icu_types(data_dir: Path, name: str, patients: list[str]) -> dict[str, int]:
    """The care unit (ICUType) of each stay, from the raw set (the clean records drop it)."""
    series, _ = data._files(Path(data_dir), name)
    raw = pd.read_csv(series, dtype=str, keep_default_na=False)
    raw = raw[(raw["parameter"] == "ICUType") & raw["record_id"].isin(set(patients))]
    return {r: int(float(v)) for r, v in zip(raw["record_id"], raw["value"], strict=True)}


def compare(bundles: list, records: pd.DataFrame, units: dict[str, int] | None = None,
            style: str = "ehr") -> dict:
    """Risks of the original records and of their export (``style``: "ehr", the long EHR
    export; "hospital", the wide one of ``exports.to_hospital_csv``), per model, with the share
    of patients within :data:`TOLERANCE` and the variables recognised per patient."""
    export = (exports.to_ehr_csv(records, units) if style == "ehr"
              else exports.to_hospital_csv(records))
    hist = io.load_upload("ehr-export.csv", export)
    original = io.HistoryData(records, io.ValidationReport(rows_in=len(records),
                                                           rows_used=len(records)))
    given = records.groupby("patient_id")["variable"].nunique()
    read = hist.records.groupby("patient_id")["variable"].nunique().reindex(given.index,
                                                                            fill_value=0)
    out = {"patients": int(len(given)), "export_rows": hist.report.rows_in,
           "rows_lost": hist.report.rows_lost,
           "variables_recognised_share_median": round(float(np.median(read / given)), 4),
           "models": {}}
    for bundle in bundles:
        a = {r.patient_id: r.risk for r in service.analyse(bundle, original, explain_top=0)}
        b = {r.patient_id: r.risk for r in service.analyse(bundle, hist, explain_top=0)}
        d = np.array([abs(a[p] - b.get(p, np.nan)) for p in a])
        out["models"][bundle.id] = {
            "within_tolerance": round(float(np.mean(d <= TOLERANCE)), 4),
            "max_difference": round(float(np.nanmax(d)), 4),
            "median_difference": round(float(np.nanmedian(d)), 5)}
    return out


def main(argv: list[str] | None = None) -> int:
    from medcore import registry

    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("--set", default="c", choices=["a", "c"])
    p.add_argument("--patients", type=int, default=300)
    p.add_argument("--models", nargs="+",
                   default=registry.ids("history", registry.CLASSIFIER))
    p.add_argument("--style", default="ehr", choices=["ehr", "hospital"])
    args = p.parse_args(argv)
    cohort = data.load_set(settings.data_dir(), args.set)
    patients = cohort.patients[:args.patients]
    records = cohort.records[cohort.records["patient_id"].isin(set(patients))]
    units = icu_types(settings.data_dir(), args.set, patients)
    result = compare([registry.load(m) for m in args.models], records, units, args.style)
    result.update(set=args.set, tolerance=TOLERANCE, style=args.style)
    print(json.dumps(result, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())

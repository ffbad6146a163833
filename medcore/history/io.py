"""Read long-format patient histories (``patient_id,time,variable,value``) from uploads or files.

Why a single normaliser: uploads and the PhysioNet training files go through the same
``normalise`` so the model sees the same cleaning at training and at prediction time.
Every fixed or dropped row is counted in a :class:`ValidationReport` with its reason.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import pandas as pd

from medcore import settings
from medcore.errors import (
    CorruptFileError,
    EmptyInputError,
    FileTooLargeError,
    SchemaError,
    UnsupportedFormatError,
)
from medcore.history import variables as V
from medcore.history.report import ValidationReport

log = logging.getLogger(__name__)

EXPECTED_HEADER = "patient_id,time,variable,value"
_BINARY_MAGIC = (b"\x89PNG", b"\xff\xd8\xff", b"%PDF", b"PK\x03\x04", b"GIF8", b"\x1f\x8b", b"DICM")


@dataclass
class HistoryData:
    """Clean records: ``patient_id`` (str), ``minutes`` since admission, ``variable``, ``value``."""

    records: pd.DataFrame
    report: ValidationReport

    @property
    def patients(self) -> list[str]:
        return [str(p) for p in pd.unique(self.records["patient_id"])]


def _decode(data: bytes, report: ValidationReport) -> str:
    if data.startswith(b"\xef\xbb\xbf"):
        report.notes.append("A UTF-8 byte-order mark was removed.")
        data = data[3:]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
        report.notes.append("The file is not UTF-8; it was read as Windows-1252/Latin-1. "
                            "Save it as UTF-8 to be sure names are read correctly.")
        return text


def _check_bytes(filename: str, data: bytes) -> None:
    if not data or not data.strip():
        raise EmptyInputError(f"{filename} is empty.",
                              f"Upload a CSV with the header `{EXPECTED_HEADER}` and one row "
                              "per observation.")
    if len(data) > settings.MAX_UPLOAD_BYTES:
        raise FileTooLargeError(
            f"{filename} is {len(data) / 1e6:.1f} MB, over the "
            f"{settings.MAX_UPLOAD_BYTES / 1e6:.0f} MB limit (MAX_UPLOAD_BYTES).",
            "Split the cohort into several files.")
    head = data[:4096]
    if head.startswith(_BINARY_MAGIC) or b"\x00" in head:
        raise UnsupportedFormatError(
            f"{filename} is not a text CSV (it looks like a binary file).",
            f"Export the history as CSV text with the header `{EXPECTED_HEADER}`.")
    n_lines = data.count(b"\n") + (not data.endswith(b"\n"))
    if n_lines - 1 > settings.MAX_CSV_ROWS:
        raise FileTooLargeError(
            f"{filename} has about {n_lines - 1:,} rows, over the {settings.MAX_CSV_ROWS:,} row "
            "limit (MAX_CSV_ROWS).", "Split the cohort into files of fewer patients.")


def _sniff_delimiter(header: str, report: ValidationReport) -> str:
    counts = {d: header.count(d) for d in (",", ";", "\t", "|")}
    best = max(counts, key=counts.get)
    if counts[best] == 0:
        raise SchemaError(
            "The header has a single column, so no delimiter could be found "
            f"(header: {header[:80]!r}).",
            f"Use a comma-separated header `{EXPECTED_HEADER}`.")
    if best != ",":
        report.notes.append(f"Columns were separated by {best!r} instead of commas; read anyway.")
    return best


def load_upload(filename: str, data: bytes) -> HistoryData:
    """Parse an uploaded CSV; raises only :class:`medcore.errors.InputError` subclasses."""
    _check_bytes(filename, data)
    report = ValidationReport()
    text = _decode(data, report)
    first = text.lstrip("\r\n ").split("\n", 1)[0]
    sep = _sniff_delimiter(first, report)
    try:
        raw = pd.read_csv(io.StringIO(text), sep=sep, dtype=str, keep_default_na=False,
                          on_bad_lines="skip", skip_blank_lines=True, engine="c")
    except (pd.errors.ParserError, pd.errors.EmptyDataError, ValueError, csv.Error) as err:
        raise CorruptFileError(f"{filename} could not be read as CSV ({type(err).__name__}).",
                               "Check that quotes are balanced and every row has 4 fields."
                               ) from None
    n_lines = sum(1 for line in text.splitlines()[1:] if line.strip())
    report.drop("malformed line (wrong number of fields)", max(0, n_lines - len(raw)))
    report.rows_in = n_lines
    return normalise(raw, report, decimal_comma=(sep == ";"))


def _rename(raw: pd.DataFrame) -> pd.DataFrame:
    lower = {str(c).strip().lstrip("\ufeff").strip('"').lower(): c for c in raw.columns}
    mapping, missing = {}, []
    for target, aliases in V.COLUMN_ALIASES.items():
        hit = next((lower[a] for a in aliases if a in lower), None)
        if hit is None:
            missing.append(target)
        else:
            mapping[hit] = target
    if missing:
        raise SchemaError(
            f"Missing required column(s): {', '.join(missing)} "
            f"(found: {', '.join(map(str, raw.columns[:8]))}).",
            f"Use the header `{EXPECTED_HEADER}` (record_id and parameter are accepted too).")
    return raw[list(mapping)].rename(columns=mapping)


def _offsets(u: pd.Series) -> pd.Series:
    """Minutes for ``HH:MM[:SS]`` or plain numbers; NaN for anything else."""
    out = pd.to_numeric(u, errors="coerce").astype(float)
    parts = u.str.split(":", n=2, expand=True, regex=False)
    if parts.shape[1] >= 2:
        hours = pd.to_numeric(parts[0].where(parts[0].str.fullmatch(r"\d{1,3}").fillna(False)),
                              errors="coerce")
        mins = pd.to_numeric(parts[1], errors="coerce")
        secs = (pd.to_numeric(parts[2], errors="coerce") if parts.shape[1] > 2
                else pd.Series(0.0, index=u.index)).fillna(0.0)
        ok = hours.notna() & mins.notna() & (mins >= 0) & (mins < 60)
        out[ok] = hours[ok] * 60 + mins[ok] + secs[ok] / 60
    return out


def _epoch_seconds(stamps: pd.Series) -> np.ndarray:
    """Seconds since 1970 without passing through nanoseconds.

    pandas parses dates such as "0001-01-01" at microsecond resolution; subtracting a
    nanosecond Timestamp from them overflows, so convert in whole seconds instead.
    """
    secs = stamps.dt.as_unit("s").astype("int64").to_numpy(float)
    secs[stamps.isna().to_numpy()] = np.nan
    return secs


def _minutes(time: pd.Series, pid: pd.Series, report: ValidationReport) -> pd.Series:
    """Minutes since admission from HH:MM, plain minutes, or timestamps (relative per patient).

    Parses each distinct time string once: 1.75 M PhysioNet rows hold only ~2,900 of them.
    """
    codes, uniq = pd.factorize(time.astype(str), use_na_sentinel=True)
    u = pd.Series(np.asarray(uniq, dtype=object), dtype=object).astype(str).str.strip()
    offset = _offsets(u).to_numpy().copy()
    out = np.where(codes >= 0, offset[np.maximum(codes, 0)], np.nan)
    todo = np.isnan(offset) & (u != "").to_numpy()
    if todo.any():
        stamps = pd.to_datetime(u[todo], format="mixed", errors="coerce", utc=True)
        ns = np.full(len(u), np.nan)  # seconds since 1970
        ns[np.flatnonzero(todo)] = _epoch_seconds(stamps)
        row_ns = np.where(codes >= 0, ns[np.maximum(codes, 0)], np.nan)
        is_stamp = ~np.isnan(row_ns)
        if is_stamp.any():
            t = pd.Series(row_ns[is_stamp], index=pid.index[is_stamp])
            first = t.groupby(pid[is_stamp].to_numpy()).transform("min")
            out[is_stamp] = ((t - first) / 60.0).to_numpy()
            report.fix("timestamps converted to minutes since each patient's first timestamp",
                       int(is_stamp.sum()))
    return pd.Series(out, index=time.index)


def _numbers(text: pd.Series, decimal_comma: bool, report: ValidationReport) -> pd.Series:
    """Numeric values, parsing each distinct string once."""
    codes, uniq = pd.factorize(text.astype(str), use_na_sentinel=True)
    u = pd.Series(np.asarray(uniq, dtype=object), dtype=object).astype(str).str.strip()
    if decimal_comma:
        comma = u.str.contains(",", regex=False).to_numpy()
        report.fix("decimal commas read as points", int(comma[codes[codes >= 0]].sum()))
        u = u.str.replace(",", ".", regex=False)
    num = pd.to_numeric(u, errors="coerce").astype(float).to_numpy().copy()
    num[~np.isfinite(num)] = np.nan
    return pd.Series(np.where(codes >= 0, num[np.maximum(codes, 0)], np.nan), index=text.index)


def normalise(raw: pd.DataFrame, report: ValidationReport | None = None, *,
              decimal_comma: bool = False) -> HistoryData:
    """Map columns, parse times and values, drop what cannot be used and count why."""
    report = report or ValidationReport(rows_in=len(raw))
    df = _rename(raw)
    codes, uniq = pd.factorize(df["patient_id"].astype(str))
    pid = pd.Series(pd.Series(np.asarray(uniq, dtype=object)).astype(str).str.strip()
                    .to_numpy()[codes], index=df.index)
    bad_pid = (pid == "") | (pid.str.lower() == "nan")
    report.drop("missing patient_id", int(bad_pid.sum()))
    df = df[~bad_pid].assign(patient_id=pid[~bad_pid])

    value = _numbers(df["value"], decimal_comma, report)
    minutes = _minutes(df["time"], df["patient_id"], report)
    codes, uniq = pd.factorize(df["variable"].astype(str))
    stripped = np.array([str(n).strip() for n in uniq], dtype=object)
    canon_u = np.array([V.canonical(n) or n for n in stripped], dtype=object)
    name = pd.Series(stripped[codes], index=df.index)
    canon = pd.Series(canon_u[codes], index=df.index)
    report.fix("variable names written in another case", int((canon != name).sum()))

    bad_time = minutes.isna()
    report.drop("time not readable (use HH:MM since admission, minutes, or a timestamp)",
                int(bad_time.sum()))
    bad_value = value.isna() & ~bad_time
    report.drop("missing or non-numeric value", int(bad_value.sum()))
    code = canon.isin(V.MISSING_CODE_VARIABLES) & (value == -1) & ~bad_time & ~bad_value
    report.drop("value -1 (PhysioNet code for 'not recorded')", int(code.sum()))
    empty_name = name == ""
    report.drop("missing variable name", int((empty_name & ~bad_time & ~bad_value).sum()))
    keep = ~(bad_time | bad_value | code | empty_name)
    out = pd.DataFrame({"patient_id": df["patient_id"][keep], "minutes": minutes[keep],
                        "variable": canon[keep], "value": value[keep]})

    dup = out.duplicated()
    report.drop("exact duplicate of an earlier row", int(dup.sum()))
    out = out[~dup]
    order = out.groupby("patient_id", sort=False)["minutes"].diff()
    report.fix("out of time order (sorted)", int((order < 0).sum()))
    out = out.sort_values(["patient_id", "minutes"], kind="stable").reset_index(drop=True)
    out = _limit_events(out, report)

    unknown = ~out["variable"].isin(V.KNOWN) & ~out["variable"].isin(V.IGNORED)
    if unknown.any():
        names = out.loc[unknown, "variable"].value_counts().index[:5]
        report.notes.append(f"{int(unknown.sum()):,} rows have variables the models do not use "
                            f"(e.g. {', '.join(map(str, names))}); they are kept but ignored.")
    outside = (out["minutes"] < 0) | (out["minutes"] > 48 * 60)
    if outside.any():
        report.notes.append(f"{int(outside.sum()):,} rows lie outside the first 48 h; "
                            "the models read only 0-48 h.")
    report.rows_used = len(out)
    if out.empty:
        why = "; ".join(f"{n} {why}" for why, n in report.dropped.items()) or "no data rows"
        raise SchemaError(f"No usable rows remain after validation ({why}).",
            f"Each row needs a patient id, a time, a variable name and a numeric value "
            f"(`{EXPECTED_HEADER}`).")
    return HistoryData(out, report)


def _limit_events(out: pd.DataFrame, report: ValidationReport) -> pd.DataFrame:
    sizes = out.groupby("patient_id", sort=False)["minutes"].transform("size")
    big = sizes > settings.MAX_EVENTS_PER_PATIENT
    if big.any():
        n_pat = out.loc[big, "patient_id"].nunique()
        report.drop(f"{n_pat} patient(s) with more than {settings.MAX_EVENTS_PER_PATIENT:,} "
                    "events (MAX_EVENTS_PER_PATIENT); split or summarise them", int(big.sum()))
        out = out[~big].reset_index(drop=True)
    single = out.groupby("patient_id", sort=False).size()
    if (single == 1).any():
        report.notes.append(f"{int((single == 1).sum())} patient(s) have a single observation; "
                            "their risk rests on very little data.")
    return out


def read_physionet(path: Path) -> HistoryData:
    """Load a whole PhysioNet 2012 set (1.75 M rows) through the same normaliser, no row limit."""
    raw = pd.read_csv(path, dtype=str, keep_default_na=False)
    return normalise(raw, ValidationReport(rows_in=len(raw)))

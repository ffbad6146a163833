"""Read long-format patient histories (``patient_id,time,variable,value``) from uploads or files.

Why a single normaliser: uploads and the PhysioNet training files go through the same
``normalise`` so the model sees the same cleaning at training and at prediction time.
Every fixed or dropped row is counted in a :class:`ValidationReport` with its reason.
"""

from __future__ import annotations

import csv
import io
import logging
from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import pandas as pd

from medcore import settings, uploads
from medcore.errors import (
    CorruptFileError,
    FileTooLargeError,
    SchemaError,
)
from medcore.history import fhir, mapping
from medcore.history import variables as V
from medcore.history.report import ValidationReport

log = logging.getLogger(__name__)

EXPECTED_HEADER = "patient_id,time,variable,value"
EXPECTED_FILE = (f"a CSV with the header `{EXPECTED_HEADER}` (or a wide export with one column "
                 "per variable), or FHIR R4 JSON/NDJSON")


@dataclass
class HistoryData:
    """Clean records: ``patient_id`` (str), ``minutes`` since admission, ``variable``, ``value``."""

    records: pd.DataFrame
    report: ValidationReport
    mapping: list[mapping.Entry] = field(default_factory=list)

    @property
    def patients(self) -> list[str]:
        return [str(p) for p in pd.unique(self.records["patient_id"])]


def _check_rows(filename: str, data: bytes) -> None:
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


def read_table(filename: str, data: bytes) -> Table:
    """Parse an upload (long or wide CSV, FHIR JSON/NDJSON) into rows not yet mapped.

    Raises only :class:`medcore.errors.InputError` subclasses.
    """
    report = ValidationReport()
    if fhir.looks_like_fhir(data):  # JSON text by its first bytes; FHIR decodes it as UTF-8
        uploads.check_size(filename, data, EXPECTED_FILE)
        raw = fhir.read_fhir(filename, data, report)
        # one resource can give several values (a panel's components, a Patient's age and sex)
        report.rows_in = len(raw) + sum(report.dropped.values())
        return prepare(raw, report)
    text = uploads.read_text(filename, data, EXPECTED_FILE, report.notes)
    _check_rows(filename, data)
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
    long = _rename(raw)
    report.rows_in = len(long) + report.dropped.get("malformed line (wrong number of fields)", 0)
    if len(long) != len(raw) or long.attrs.get("text_columns"):
        report.notes.append(f"A wide table: {len(raw):,} lines gave {len(long):,} values "
                            "(one per filled cell).")
    if long.attrs.get("text_columns"):
        report.notes.append("Columns without numbers were left out: "
                            + ", ".join(long.attrs["text_columns"][:8]) + ".")
    return prepare(long, report, decimal_comma=(sep == ";"))


def load_upload(filename: str, data: bytes,
                user_mapping: list[mapping.Entry] | None = None) -> HistoryData:
    """Parse, map (proposal, then the user's choices) and clean an upload."""
    table = read_table(filename, data)
    return to_history(table, table.mapping(user_mapping))


def _column(lower: dict[str, str], aliases: tuple[str, ...]) -> str | None:
    return next((lower[a] for a in aliases if a in lower), None)


def _has_numbers(column: pd.Series) -> bool:
    text = column.astype(str).str.strip().str.replace(",", ".", regex=False)
    return bool(pd.to_numeric(text, errors="coerce").notna().any())


def _rename(raw: pd.DataFrame) -> pd.DataFrame:
    """Long rows ``patient_id, time, variable, value, unit`` from a long or a wide table.

    Wide tables (one column per variable, as hospital systems export them) are melted: every
    column that is not the patient or the time and holds a number becomes a variable named by
    its header; columns of text only (a ward, a comment) are listed in ``attrs``, not counted.
    """
    lower = {mapping.norm_term(str(c).lstrip("\ufeff")): c for c in raw.columns}
    pid = _column(lower, V.COLUMN_ALIASES["patient_id"])
    time = _column(lower, V.COLUMN_ALIASES["time"])
    var = _column(lower, V.COLUMN_ALIASES["variable"])
    val = _column(lower, V.COLUMN_ALIASES["value"])
    unit = _column(lower, V.COLUMN_ALIASES["unit"])
    if time is not None and mapping.norm_term(time) in V.HOUR_COLUMNS:
        hours = pd.to_numeric(raw[time], errors="coerce")
        raw = raw.assign(**{time: raw[time].where(hours.isna(), (hours * 60).astype(str))})
    if pid is not None and time is not None and var is None and val is None:
        others = [c for c in raw.columns if c not in (pid, time)]
        measured = [c for c in others if _has_numbers(raw[c])
                    or mapping.lookup(mapping.split_suffix(str(c))[0])[0] == "Gender"]
        if measured:
            long = raw.melt(id_vars=[pid, time], value_vars=measured, var_name="variable",
                            value_name="value")
            long = long[long["value"].astype(str).str.strip() != ""]
            out = pd.DataFrame({"patient_id": long[pid], "time": long[time],
                                "variable": long["variable"].astype(str),
                                "value": long["value"], "unit": ""})
            out.attrs["text_columns"] = [str(c) for c in others if c not in measured]
            return out
    missing = [n for n, c in (("patient_id", pid), ("time", time), ("variable", var),
                              ("value", val)) if c is None]
    if missing:
        raise SchemaError(
            f"Missing required column(s): {', '.join(missing)} "
            f"(found: {', '.join(map(str, raw.columns[:8]))}).",
            f"Use the header `{EXPECTED_HEADER}` (record_id and parameter are accepted too, "
            "and a unit column), or a wide table: patient_id, time, then one column per "
            "variable such as `Heart Rate` or `Creatinine (mg/dL)`.")
    return pd.DataFrame({"patient_id": raw[pid], "time": raw[time], "variable": raw[var],
                         "value": raw[val], "unit": raw[unit] if unit is not None else ""})


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


def _sex_words(value: pd.Series, text: pd.Series, is_sex: pd.Series) -> pd.Series:
    """'M'/'male' -> 1 and 'F'/'female' -> 0 in rows whose name means sex or gender."""
    words = {"m": 1.0, "male": 1.0, "man": 1.0, "f": 0.0, "female": 0.0, "woman": 0.0}
    if not is_sex.any():
        return value
    low = text.str.strip().str.lower()
    hit = value.isna() & is_sex & low.isin(words)
    return value.where(~hit, low.map(words))


def prepare(long: pd.DataFrame, report: ValidationReport | None = None, *,
            decimal_comma: bool = False) -> Table:
    """Parse ids, times and values of long rows (``patient_id, time, variable, value[, unit]``)
    and drop what cannot be read, counting why; names are mapped later (:func:`to_history`)."""
    report = report or ValidationReport(rows_in=len(long))
    df = long if "unit" in long else long.assign(unit="")
    codes, uniq = pd.factorize(df["patient_id"].astype(str))
    pid = pd.Series(pd.Series(np.asarray(uniq, dtype=object)).astype(str).str.strip()
                    .to_numpy()[codes], index=df.index)
    bad_pid = (pid == "") | (pid.str.lower() == "nan")
    report.drop("missing patient_id", int(bad_pid.sum()))
    df = df[~bad_pid].assign(patient_id=pid[~bad_pid])

    codes, uniq = pd.factorize(df["variable"].astype(str))
    split = [mapping.split_suffix(n) for n in uniq]
    source = pd.Series(np.array([n for n, _ in split], dtype=object)[codes], index=df.index)
    suffix = pd.Series(np.array([u for _, u in split], dtype=object)[codes], index=df.index)
    unit = df["unit"].astype(str).str.strip()
    unit = unit.where(unit != "", suffix)

    value = _numbers(df["value"], decimal_comma, report)
    is_sex = pd.Series(np.array([mapping.lookup(n)[0] == "Gender" for n, _ in split],
                                dtype=bool)[codes], index=df.index)
    value = _sex_words(value, df["value"].astype(str), is_sex)
    minutes = _minutes(df["time"], df["patient_id"], report)
    bad_time = minutes.isna()
    report.drop("time not readable (use HH:MM since admission, minutes, or a timestamp)",
                int(bad_time.sum()))
    bad_value = value.isna() & ~bad_time
    report.drop("missing or non-numeric value", int(bad_value.sum()))
    empty_name = source == ""
    report.drop("missing variable name", int((empty_name & ~bad_time & ~bad_value).sum()))
    keep = ~(bad_time | bad_value | empty_name)
    rows = pd.DataFrame({"patient_id": df["patient_id"][keep], "minutes": minutes[keep],
                         "source": source[keep], "unit": unit[keep], "value": value[keep]})
    return Table(rows.reset_index(drop=True), report)


@dataclass
class Table:
    """An upload read into long rows (``patient_id, minutes, source, unit, value``), before its
    names and units are mapped to the model's variables."""

    rows: pd.DataFrame
    report: ValidationReport

    def pairs(self) -> list[tuple[str, str, int, float | None]]:
        """(name, unit, rows, median value) per distinct name and unit, in order of appearance."""
        # -1 is PhysioNet's "not recorded": it must not decide whether a unit is plausible
        v = self.rows["value"].where(self.rows["value"] != -1)
        g = v.groupby([self.rows["source"], self.rows["unit"]], sort=False)
        out = []
        for (source, unit), n, med in zip(g.size().index, g.size().to_numpy(),
                                          g.median().to_numpy(), strict=True):
            out.append((str(source), str(unit), int(n),
                        None if not np.isfinite(med) else float(med)))
        return out

    def mapping(self, user: list[mapping.Entry] | None = None) -> list[mapping.Entry]:
        """The proposed mapping with the user's choices over it."""
        return mapping.merge(mapping.propose(self.pairs()), user)


def _not_used_reason(e: mapping.Entry) -> str:
    if e.status == "unknown":
        return "names the models do not read"
    if e.status == "proposed":
        return f"'{e.source}' proposed as {e.variable}, not accepted"
    if e.status == "check unit":
        return f"'{e.source}': {e.note}"
    return f"'{e.source}' set not to be used"


def to_history(table: Table, entries: list[mapping.Entry]) -> HistoryData:
    """Apply a mapping: rename, convert units, check ranges; count every row's fate."""
    report = table.report.copy()
    rows = table.rows
    if rows.empty:
        _no_rows(report)
    index = {(e.source, e.unit): i for i, e in enumerate(entries)}
    groups = rows.groupby(["source", "unit"], sort=False)
    group_pos = np.array([index.get(k, -1) for k in groups.size().index] + [-1], dtype=int)
    pos = group_pos[groups.ngroup().to_numpy()] if len(rows) else np.zeros(0, int)
    variable = np.array([e.variable for e in entries] + [""], dtype=object)[pos]
    use = np.array([e.use for e in entries] + [False], dtype=bool)[pos]
    fac = np.ones(len(entries) + 1)
    off = np.zeros(len(entries) + 1)
    for i, e in enumerate(entries):
        if e.use:
            fac[i], off[i] = mapping.factor(e.variable, e.read_as) or (1.0, 0.0)
    value = rows["value"].to_numpy(float) * fac[pos] + off[pos]

    counts = np.bincount(pos[pos >= 0], minlength=len(entries))
    unknown_names: list[str] = []
    for e, n in zip(entries, counts.tolist(), strict=True):
        if not e.use:
            report.ignore(_not_used_reason(e), n)
            if e.status == "unknown":
                unknown_names.append(e.source)
        elif e.conversion:
            report.convert(f"'{e.source}' {e.conversion}", n)
    unmatched = int((pos < 0).sum())
    report.ignore("names missing from the mapping", unmatched)
    if unknown_names:
        report.notes.append("Not read by the models: " + ", ".join(unknown_names[:8])
                            + (" …" if len(unknown_names) > 8 else "") + ".")

    code = np.isin(variable, list(V.MISSING_CODE_VARIABLES)) & (rows["value"].to_numpy() == -1)
    report.drop("value -1 (PhysioNet code for 'not recorded')", int((code & use).sum()))
    keep = use & ~code
    entries = _count_outside(entries, pos, value, keep)
    out = pd.DataFrame({"patient_id": rows["patient_id"].to_numpy()[keep],
                        "minutes": rows["minutes"].to_numpy()[keep],
                        "variable": variable[keep], "value": value[keep]})
    out["variable"] = out["variable"].astype(str)
    dup = out.duplicated()
    report.drop("exact duplicate of an earlier row", int(dup.sum()))
    out = out[~dup]
    order = out.groupby("patient_id", sort=False)["minutes"].diff()
    report.fix("out of time order (sorted)", int((order < 0).sum()))
    out = out.sort_values(["patient_id", "minutes"], kind="stable").reset_index(drop=True)
    out = _limit_events(out, report)
    if out.empty:
        _no_rows(report)

    odd = [e for e in entries if e.outside]
    if odd:
        report.notes.append("Values outside the plausible range were kept (the model clips "
                            "them); check them: " + "; ".join(
                                f"{e.source} {e.outside:,}" for e in odd[:6]) + ".")
    outside = (out["minutes"] < 0) | (out["minutes"] > 48 * 60)
    report.ignore("outside the first 48 h (the models read 0-48 h)", int(outside.sum()))
    report.rows_used = int((~outside).sum())
    return HistoryData(out, report, entries)


def _no_rows(report: ValidationReport) -> None:
    why = "; ".join(f"{n} {why}" for why, n in {**report.dropped, **report.ignored}.items())
    raise SchemaError(f"No usable rows remain after validation ({why or 'no data rows'}).",
                      "Each row needs a patient id, a time, a variable the models read "
                      f"(see the mapping) and a numeric value (`{EXPECTED_HEADER}`).")


def _count_outside(entries: list[mapping.Entry], pos: np.ndarray, value: np.ndarray,
                   keep: np.ndarray) -> list[mapping.Entry]:
    """Each entry with the number of its kept values outside its variable's plausible range."""
    variables = mapping.VARIABLES()
    empty = mapping.Variable("", "", "", -np.inf, np.inf)
    lo = np.array([variables.get(e.variable, empty).low for e in entries] + [-np.inf])[pos]
    hi = np.array([variables.get(e.variable, empty).high for e in entries] + [np.inf])[pos]
    bad = keep & ((value < lo) | (value > hi))
    n = np.bincount(pos[bad], minlength=len(entries))
    return [replace(e, outside=int(k)) for e, k in zip(entries, n.tolist(), strict=True)]


def normalise(raw: pd.DataFrame, report: ValidationReport | None = None, *,
              decimal_comma: bool = False,
              user_mapping: list[mapping.Entry] | None = None) -> HistoryData:
    """Long rows to clean records through the proposed mapping (training files and uploads)."""
    table = prepare(_rename(raw), report, decimal_comma=decimal_comma)
    return to_history(table, table.mapping(user_mapping))


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

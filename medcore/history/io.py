"""Read long-format patient histories (``patient_id,time,variable,value``) from uploads or files.

Why a single normaliser: uploads and the PhysioNet training files go through the same
``normalise`` so the model sees the same cleaning at training and at prediction time.
Every fixed or dropped row is counted in a :class:`ValidationReport` with its reason.
"""

from __future__ import annotations

import csv
import io
import logging
import re
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
from medcore.history.accounting import ValidationReport

log = logging.getLogger(__name__)

EXPECTED_HEADER = "patient_id,time,variable,value"
DUPLICATE = ("the same variable, time and value given twice (a lab and its chart copy, or a "
             "repeated row); counted once")
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


def csv_headers(filename: str, data: bytes) -> list[str]:
    """The column names of a CSV upload (its first line), [] for FHIR or no header, so the
    page can offer them before the file is read."""
    if fhir.looks_like_fhir(data):
        return []
    text = data[:65536].decode("utf-8-sig", errors="replace").lstrip("\r\n ")
    first = text.split("\n", 1)[0].rstrip("\r")
    counts = {d: first.count(d) for d in (",", ";", "\t", "|")}
    sep = max(counts, key=counts.get)
    if not counts[sep]:
        return []
    return [h.strip() for h in next(csv.reader([first], delimiter=sep))]


def read_table(filename: str, data: bytes, columns: dict[str, str] | None = None) -> Table:
    """Parse an upload (long or wide CSV, FHIR JSON/NDJSON) into rows not yet mapped.

    ``columns`` picks the header of a role (``V.COLUMN_ROLES``) where the common names do
    not find it. Raises only :class:`medcore.errors.InputError` subclasses.
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
    long = _rename(raw, columns)
    report.rows_in = len(long) + report.dropped.get("malformed line (wrong number of fields)", 0)
    if len(long) != len(raw) or long.attrs.get("text_columns"):
        report.notes.append(f"A wide table: {len(raw):,} lines gave {len(long):,} values "
                            "(one per filled cell).")
    if long.attrs.get("text_columns"):
        report.notes.append("Columns without numbers were left out: "
                            + ", ".join(long.attrs["text_columns"][:8]) + ".")
    table = prepare(long, report, decimal_comma=(sep == ";"))
    table.headers = [str(c) for c in raw.columns]
    table.columns = dict(long.attrs.get("columns", {}))
    return table


def load_upload(filename: str, data: bytes,
                user_mapping: list[mapping.Entry] | None = None,
                columns: dict[str, str] | None = None) -> HistoryData:
    """Parse, map (proposal, then the user's choices) and clean an upload."""
    table = read_table(filename, data, columns)
    return to_history(table, table.mapping(user_mapping))


def _column(lower: dict[str, str], aliases: tuple[str, ...]) -> str | None:
    return next((lower[a] for a in aliases if a in lower), None)


def _has_numbers(column: pd.Series) -> bool:
    text = column.astype(str).str.strip().str.replace(",", ".", regex=False)
    return bool(pd.to_numeric(text, errors="coerce").notna().any())


def find_columns(headers: list[str], chosen: dict[str, str] | None = None) -> dict[str, str]:
    """The header that holds each role (``V.COLUMN_ROLES``): the user's choice, else the first
    common name found; '' where none. A chosen header that is not in the file is refused."""
    lower = {mapping.norm_term(str(c).lstrip("\ufeff")): str(c) for c in headers}
    out = {role: _column(lower, V.COLUMN_ALIASES[role]) or "" for role in V.COLUMN_ROLES}
    for role, header in (chosen or {}).items():
        if role not in V.COLUMN_ROLES or header is None:
            continue
        if header and header not in headers:
            raise SchemaError(f"The column '{header}' chosen for {role} is not in the file "
                              f"(found: {', '.join(map(str, headers[:12]))}).",
                              "Pick one of the file's columns, or none.")
        out[role] = header
    taken = [h for h in out.values() if h]
    if len(taken) != len(set(taken)):
        raise SchemaError("One column was chosen for two roles: "
                          + ", ".join(f"{r}={h}" for r, h in out.items() if h) + ".",
                          "Pick a different column for each role.")
    return out


def _rename(raw: pd.DataFrame, chosen: dict[str, str] | None = None) -> pd.DataFrame:
    """Long rows ``patient_id, time, variable, value, unit`` from a long or a wide table.

    Wide tables (one column per variable, as hospital systems export them) are melted: every
    column that is not the patient or the time and holds a number becomes a variable named by
    its header; columns of text only (a ward, a comment) are listed in ``attrs``, not counted.
    A fluid column qualifies lab names measured outside blood ('pH' in urine -> 'pH (Urine)').
    """
    cols = find_columns([str(c) for c in raw.columns], chosen)
    pid, time, var, val, unit, fluid = (cols[r] or None for r in
                                        ("patient_id", "time", "variable", "value", "unit",
                                         "fluid"))
    if time is not None and mapping.norm_term(time) in V.HOUR_COLUMNS:
        hours = pd.to_numeric(raw[time], errors="coerce")
        raw = raw.assign(**{time: raw[time].where(hours.isna(), (hours * 60).astype(str))})
    if pid is not None and time is not None and var is None and val is None:
        others = [c for c in raw.columns if c not in (pid, time)]
        measured = [c for c in others if _has_numbers(raw[c])
                    or mapping.term(mapping.split_suffix(str(c))[0]).kind != "measure"
                    or mapping.lookup(mapping.split_suffix(str(c))[0])[0] == "Gender"]
        if measured:
            long = raw.melt(id_vars=[pid, time], value_vars=measured, var_name="variable",
                            value_name="value")
            long = long[long["value"].astype(str).str.strip() != ""]
            out = pd.DataFrame({"patient_id": long[pid], "time": long[time],
                                "variable": long["variable"].astype(str),
                                "value": long["value"], "unit": ""})
            out.attrs["text_columns"] = [str(c) for c in others if c not in measured]
            out.attrs["columns"] = {**cols, "variable": "", "value": "", "unit": ""}
            return out
    missing = [n for n, c in (("patient_id", pid), ("time", time), ("variable", var),
                              ("value", val)) if c is None]
    if missing:
        raise SchemaError(
            f"Missing required column(s): {', '.join(missing)} "
            f"(found: {', '.join(map(str, raw.columns[:8]))}).",
            f"Use the header `{EXPECTED_HEADER}` (record_id and parameter are accepted too, "
            "and a unit column), or pick the columns on the page (`columns` in the mapping "
            "file), or a wide table: patient_id, time, then one column per variable such as "
            "`Heart Rate` or `Creatinine (mg/dL)`.")
    value = raw[val]
    lower = {mapping.norm_term(str(c)): c for c in raw.columns}
    text = _column(lower, V.VALUE_TEXT)
    if text is not None and text not in (val, var, unit):  # valuenum empty: the text value
        value = value.where(value.astype(str).str.strip() != "", raw[text])
    name = raw[var].astype(str)
    if fluid is not None:
        f = raw[fluid].astype(str).str.strip()
        other = ~f.str.lower().isin(mapping.BLOOD_FLUIDS)
        name = name.where(~other, name + " (" + f + ")")
    out = pd.DataFrame({"patient_id": raw[pid], "time": raw[time], "variable": name,
                        "value": value, "unit": raw[unit] if unit is not None else ""})
    out.attrs["columns"] = cols
    return out


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
    todo = is_sex & value.isna()
    if not todo.any():
        return value
    out = value.copy()
    out[todo] = text[todo].str.strip().str.lower().map(words).astype(float)
    return out


_NO = frozenset({"0", "0.0", "no", "off", "none", "false", "n", "not ventilated", "extubated"})


def _presence(text: pd.Series) -> pd.Series:
    """1 for any entry of a presence item (a ventilator mode, a tidal volume), NaN for 'no'."""
    low = text.str.strip().str.lower()
    return pd.Series(np.where((low == "") | low.isin(_NO) | (low == "nan"), np.nan, 1.0),
                     index=text.index)


# Care-unit words -> PhysioNet ICUType (1 coronary, 2 cardiac surgery, 3 medical, 4 surgical).
_CARE_UNITS = (("cardiac surgery", 2.0), ("cardiac vascular", 2.0), ("cvicu", 2.0),
               ("csru", 2.0), ("coronary", 1.0), ("ccu", 1.0), ("cardiac", 1.0),
               ("medical", 3.0), ("micu", 3.0), ("surgical", 4.0), ("sicu", 4.0),
               ("trauma", 4.0), ("neuro", 4.0))


def _care_unit(text: pd.Series) -> pd.Series:
    """A care unit written in words ('Medical Intensive Care Unit (MICU)') as ICUType."""
    low = text.str.strip().str.lower()
    out = pd.Series(np.nan, index=text.index)
    for word, code in reversed(_CARE_UNITS):  # the first listed wins
        out = out.where(~low.str.contains(word, regex=False), code)
    return out


_AGE = r"^\s*[<>]?=?\s*(\d+(?:[.,]\d+)?)\s*\+?\s*(?:y|yr|yrs|years?|yo|years? old|a)?\.?\s*$"


def _age_words(value: pd.Series, text: pd.Series, is_age: pd.Series) -> pd.Series:
    """'65 years', '65 y', '> 89', '90+' -> the number, in rows whose name means age."""
    todo = is_age & value.isna()
    if not todo.any():
        return value
    found = text[todo].str.extract(_AGE, flags=re.IGNORECASE)[0].str.replace(",", ".",
                                                                             regex=False)
    out = value.copy()
    out[todo] = pd.to_numeric(found, errors="coerce")
    return out


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
    split = [mapping.resolve(n) for n in uniq]
    terms = [mapping.term(n) for n, _ in split]
    source = pd.Series(np.array([n for n, _ in split], dtype=object)[codes], index=df.index)
    suffix = pd.Series(np.array([u for _, u in split], dtype=object)[codes], index=df.index)
    codes_u, uniq_u = pd.factorize(df["unit"].astype(str))
    clean = pd.Series(np.asarray(uniq_u, dtype=object), dtype=object).astype(str).str.strip()
    clean = clean.where(~clean.str.lower().isin(mapping.NO_UNIT - {"deg"}), "")
    unit = pd.Series(clean.to_numpy()[codes_u] if len(clean) else np.array([], dtype=object),
                     index=df.index)
    unit = unit.where(unit != "", suffix)

    def per_row(test) -> pd.Series:
        return pd.Series(np.array([bool(test(t)) for t in terms], dtype=bool)[codes],
                         index=df.index)

    value = _numbers(df["value"], decimal_comma, report)
    text = df["value"].astype(str)
    value = _sex_words(value, text, per_row(lambda t: t.variable == "Gender"))
    value = _age_words(value, text, per_row(lambda t: t.variable == "Age"))
    presence = per_row(lambda t: t.kind == "presence")
    if presence.any():
        value = value.copy()
        value[presence] = _presence(text[presence])
        unit = unit.where(~presence, "")
    care = per_row(lambda t: t.kind == "care unit") & value.isna()
    if care.any():
        value = value.copy()
        value[care] = _care_unit(text[care])
    minutes = _minutes(df["time"], df["patient_id"], report)
    static = per_row(lambda t: t.variable in V.STATIC_AT_ADMISSION)
    untimed = minutes.isna() & static & (df["time"].astype(str).str.strip() == "")
    report.fix("age, sex, height or care unit without a time read at admission",
               int(untimed.sum()))
    minutes = minutes.where(~untimed, 0.0)
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
    headers: list[str] = field(default_factory=list)  # the file's columns (CSV)
    columns: dict[str, str] = field(default_factory=dict)  # the header read for each role

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
        return f"'{e.label}' proposed as {e.variable}, not accepted"
    if e.status == "check unit":
        return f"'{e.label}': {e.note}"
    return f"'{e.label}' set not to be used"


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
    aside: dict[str, list[str]] = {}
    for e, n in zip(entries, counts.tolist(), strict=True):
        if not e.use and n and (e.status == "set aside" or e.status == "user"):
            why = (e.note.removeprefix("Set aside: ").rstrip(".") if e.status == "set aside"
                   else "set not to be used in the mapping")
            aside.setdefault(why, []).append(e.label)
            report.put_aside(why, n)
        elif not e.use:
            report.ignore(_not_used_reason(e), n)
            if e.status == "unknown":
                unknown_names.append(e.label)
        elif e.conversion:
            report.convert(f"'{e.label}' {e.conversion}", n)
    unmatched = int((pos < 0).sum())
    report.ignore("names missing from the mapping", unmatched)
    if unknown_names:
        report.notes.append("Not read by the models: " + ", ".join(unknown_names[:8])
                            + (" …" if len(unknown_names) > 8 else "") + ".")
    for why, names in aside.items():
        report.notes.append(f"Set aside by name ({why}): " + ", ".join(names[:6])
                            + (" …" if len(names) > 6 else "") + ".")

    code = np.isin(variable, list(V.MISSING_CODE_VARIABLES)) & (rows["value"].to_numpy() == -1)
    report.drop("value -1 (PhysioNet code for 'not recorded')", int((code & use).sum()))
    keep = use & ~code
    entries = _count_outside(entries, pos, value, keep)
    part = np.array([_part(e) for e in entries] + [""], dtype=object)[pos]
    out = pd.DataFrame({"patient_id": rows["patient_id"].to_numpy()[keep],
                        "minutes": rows["minutes"].to_numpy()[keep],
                        "variable": variable[keep], "value": value[keep], "part": part[keep]})
    out["variable"] = out["variable"].astype(str)
    out = _combine_parts(out, report)
    # the same value twice at the same time (a lab and its chart copy): counted once
    key = out.assign(value=np.round(out["value"].to_numpy(float), 6))
    dup = key.duplicated()
    report.put_aside(DUPLICATE, int(dup.sum()))
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
                                f"{e.label} {e.outside:,}" for e in odd[:6]) + ".")
    outside = (out["minutes"] < 0) | (out["minutes"] > 48 * 60)
    report.ignore("outside the first 48 h (the models read 0-48 h)", int(outside.sum()))
    report.rows_used = int((~outside).sum())
    return HistoryData(out, report, entries)


def _part(e: mapping.Entry) -> str:
    """Which part of a summed variable an entry's rows are: GCS eye/verbal/motor, urine."""
    if not e.use or e.kind != "component":
        return ""
    if e.variable == "Urine":
        return "urine"
    for text in (e.source.lower(), e.note.lower()[:12]):  # the name first, then the note's start
        found = next((p for p in GCS_PARTS if p in text), "")
        if found:
            return found
    return ""


GCS_PARTS = ("eye", "verbal", "motor")


def _combine_parts(out: pd.DataFrame, report: ValidationReport) -> pd.DataFrame:
    """GCS from its three components charted at the same time (their sum) and urine output
    from the outputs charted at the same time (Foley + Void ...); one row each."""
    parts = out["part"].to_numpy()
    whole = out[parts == ""].drop(columns="part")
    made = []
    gcs = out[np.isin(parts, GCS_PARTS)]
    if len(gcs):
        wide = gcs.pivot_table(index=["patient_id", "minutes"], columns="part", values="value",
                               aggfunc="last").reindex(columns=list(GCS_PARTS))
        complete = wide.notna().all(axis=1)
        summed = wide[complete].sum(axis=1)
        made.append(pd.DataFrame({"patient_id": summed.index.get_level_values(0),
                                  "minutes": summed.index.get_level_values(1),
                                  "variable": "GCS", "value": summed.to_numpy(float)}))
        at = pd.MultiIndex.from_frame(gcs[["patient_id", "minutes"]])
        used = at.isin(wide.index[complete])
        report.put_aside("GCS eye, verbal and motor charted at the same time, summed into one "
                         "GCS", int(used.sum()) - int(complete.sum()))
        report.ignore("GCS components without all three charted at the same time",
                      int((~used).sum()))
    urine = out[parts == "urine"]
    if len(urine):
        summed = urine.groupby(["patient_id", "minutes"], sort=False)["value"].sum()
        made.append(pd.DataFrame({"patient_id": summed.index.get_level_values(0),
                                  "minutes": summed.index.get_level_values(1),
                                  "variable": "Urine", "value": summed.to_numpy(float)}))
        report.put_aside("urine outputs charted at the same time (Foley, Void ...) summed into "
                         "one urine output", len(urine) - len(summed))
    if not made:
        return whole
    return pd.concat([whole, *made], ignore_index=True)


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
    ranges = [variables.get(e.variable, empty) if e.kind == "measure" else empty
              for e in entries]
    lo = np.array([v.low for v in ranges] + [-np.inf])[pos]
    hi = np.array([v.high for v in ranges] + [np.inf])[pos]
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

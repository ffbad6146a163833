"""Labelled uploads of each workbench -> the model's probabilities beside the labels, through the
workbench's own service (the path the page and ``predict`` take), all in memory.

Inputs are ``(name, bytes)`` pairs: files, members of a ZIP, or files of a folder named by their
path inside it (``PNEUMONIA/a.png``), so a class subfolder can be a film's label. Labels:

- films: a CSV ``file,label`` (label a class name or its index), or class subfolders;
- patients: an export plus an outcomes CSV ``patient_id,died`` (0/1, yes/no; PhysioNet's
  ``RecordID,...,In-hospital_death`` too);
- molecules: a CSV with a SMILES column and assay columns (0/1, blank = not measured);
- sequences: FASTA with ``label=EI`` (or ``class=``) in headers, or a CSV with a class column,
  or a CSV ``name,label`` beside them.

Every other column of a labels CSV (age band, sex, unit, source ...) becomes a subgroup.
"""

from __future__ import annotations

import csv
import io as _io
import zipfile
from dataclasses import dataclass, field
from pathlib import PurePosixPath

import numpy as np

from medcore import conformal, uploads
from medcore.errors import InputError, SchemaError

MAX_GROUP_VALUES = 12  # more distinct values: an id or a measurement, not a subgroup
TRUE = {"1", "1.0", "yes", "y", "true", "t", "died", "dead", "positive", "active"}
FALSE = {"0", "0.0", "no", "n", "false", "f", "survived", "alive", "negative", "inactive"}


@dataclass
class TaskCases:
    """One output of a model on the labelled cases: what figures and recalibration read."""

    name: str                      # "main", or an assay
    class_names: list[str]
    ids: list[str]
    y: np.ndarray                  # class index per case
    p: np.ndarray                  # (n,) P(positive) or (n, k) class probabilities
    threshold: float | None        # the shipped one (binary)
    shipped_q: np.ndarray | None   # the shipped sets' quantiles (dna-cnn: each shape's rule)
    flagged: np.ndarray | None = None
    groups: dict[str, list[str]] = field(default_factory=dict)


@dataclass
class Labelled:
    model_id: str
    tasks: list[TaskCases]
    notes: list[str] = field(default_factory=list)  # unmatched files, unreadable inputs ...


def expand(files: list[tuple[str, bytes]]) -> list[tuple[str, bytes]]:
    """ZIP archives opened in memory into their members (paths kept); other files as given."""
    out: list[tuple[str, bytes]] = []
    for name, data in files:
        if not data.startswith(b"PK\x03\x04") or name.lower().endswith((".xlsx", ".docx")):
            out.append((name, data))
            continue
        try:
            with zipfile.ZipFile(_io.BytesIO(data)) as z:
                for info in z.infolist():
                    parts = PurePosixPath(info.filename).parts
                    if info.is_dir() or "__MACOSX" in parts or parts[-1].startswith("."):
                        continue
                    uploads.check_limit(f"{info.filename} in {name}", info.file_size,
                                        "Split the archive.")
                    out.append((info.filename, z.read(info)))
        except zipfile.BadZipFile:
            raise InputError(f"{name} is not a readable ZIP archive.",
                             "Zip the folder again, or upload the files themselves.") from None
    return out


def read_table(name: str, data: bytes) -> tuple[list[str], list[list[str]]]:
    """Header and rows of a small labels CSV (comma, semicolon or tab)."""
    text = uploads.read_text(name, data, "a labels CSV", [])
    try:
        dialect = csv.Sniffer().sniff(text[:4096], delimiters=",;\t")
        rows = list(csv.reader(_io.StringIO(text), dialect))
    except csv.Error:
        rows = list(csv.reader(_io.StringIO(text)))
    rows = [[c.strip() for c in r] for r in rows if any(c.strip() for c in r)]
    if len(rows) < 2:
        raise SchemaError(f"{name} has no labelled rows.", "Add a header and one row per case.")
    return rows[0], rows[1:]


def _col(header: list[str], names: tuple[str, ...]) -> int | None:
    low = [h.strip().lower() for h in header]
    return next((low.index(n) for n in names if n in low), None)


def class_index(value: str, class_names: list[str]) -> int | None:
    """A label as a class index: the class name (any case), its index, or yes/no words for a
    two-class model; None for a blank."""
    v = value.strip().lower()
    if not v:
        return None
    low = [c.lower() for c in class_names]
    if v in low:
        return low.index(v)
    if len(class_names) == 2 and v in TRUE | FALSE:
        return int(v in TRUE)
    if v.isdigit() and int(v) < len(class_names):
        return int(v)
    raise SchemaError(f"Label '{value}' is none of the classes ({', '.join(class_names)}).",
                      "Use the class names or their index (0, 1, ...).")


def _groups(header: list[str], rows: list[list[str]], used: set[int]) -> dict[int, str]:
    """Columns that are subgroups: not used otherwise, with a few distinct values."""
    out = {}
    for j, h in enumerate(header):
        if j in used:
            continue
        values = {r[j] for r in rows if j < len(r)}
        if 1 < len(values) <= MAX_GROUP_VALUES:
            out[j] = h
    return out


def _label_table(name: str, data: bytes, key_names: tuple[str, ...],
                 label_names: tuple[str, ...], class_names: list[str]
                 ) -> tuple[dict[str, int], dict[str, dict[str, str]]]:
    """key -> class index, and key -> subgroup values, from a labels CSV."""
    header, rows = read_table(name, data)
    k, lab = _col(header, key_names), _col(header, label_names)
    if k is None or lab is None:
        raise SchemaError(f"{name} needs a column {key_names[0]!r} and a column "
                          f"{label_names[0]!r}; it has {', '.join(header)}.",
                          f"Name them {key_names[0]},{label_names[0]}.")
    groups = _groups(header, rows, {k, lab})
    labels, extra = {}, {}
    for r in rows:
        if max(k, lab) >= len(r):
            continue
        idx = class_index(r[lab], class_names)
        if idx is None:
            continue
        labels[r[k]] = idx
        extra[r[k]] = {h: (r[j] if j < len(r) else "") for j, h in groups.items()}
    return labels, extra


def _group_lists(extra: dict[str, dict[str, str]], keys: list[str]) -> dict[str, list[str]]:
    cols = sorted({c for v in extra.values() for c in v})
    return {c: [extra.get(k, {}).get(c, "") for k in keys] for c in cols}


def _binary_q(cal: dict) -> np.ndarray:
    return conformal.thresholds(conformal.binary(cal["p"]), cal["y"], conformal.LEVEL)


# ---- imaging -------------------------------------------------------------------------------


def films(bundle, files: list[tuple[str, bytes]], labels: tuple[str, bytes] | None,
          chunk: int = 64) -> Labelled:
    """Films labelled by a ``file,label`` CSV or by their class subfolder."""
    from medcore.imaging import service
    from medcore.imaging.io import load_upload

    names = list(bundle.extras["class_names"])
    table, extra = (_label_table(labels[0], labels[1], ("file", "filename", "path", "image"),
                                 ("label", "class", "diagnosis"), names)
                    if labels else ({}, {}))
    notes: list[str] = []
    picked: list[tuple[str, bytes, int]] = []
    for path, data in expand(files):
        base = PurePosixPath(path).name
        parent = PurePosixPath(path).parent.name
        if path in table or base in table:
            idx = table.get(path, table.get(base))
        elif not labels and parent:
            try:
                idx = class_index(parent, names)
            except SchemaError:
                idx = None
        else:
            idx = None
        if idx is None:
            notes.append(f"{path}: no label, left out")
            continue
        picked.append((path, data, idx))
    ids, ys, ps, flags = [], [], [], []
    for lo in range(0, len(picked), chunk):
        part = picked[lo:lo + chunk]
        label = {path: idx for path, _, idx in part}
        good, failed = uploads.partition(uploads.each(
            [(path, data) for path, data, _ in part],
            lambda path, data: (path, load_upload(PurePosixPath(path).name, data))))
        notes += [f"{f.name}: {f.error}" for f in failed]
        results = service.analyse(bundle, [image for _, image in good], explain_top=0)
        for (path, _), res in zip(good, results, strict=True):
            ids.append(path)
            ys.append(label[path])
            ps.append(res.probability)
            flags.append(res.check.status != "ok")
    keys = [i if i in extra else PurePosixPath(i).name for i in ids]
    task = TaskCases("main", names, ids, np.array(ys, int), np.array(ps, float),
                     float(bundle.extras["threshold"]), _binary_q(bundle.extras["calibration"]),
                     np.array(flags, bool), _group_lists(extra, keys))
    return Labelled(bundle.id, [task], notes)


# ---- patient history -----------------------------------------------------------------------


def patients(bundle, files: list[tuple[str, bytes]], labels: tuple[str, bytes]) -> Labelled:
    """An export (CSV or FHIR, one or more files) and an outcomes CSV ``patient_id,died``."""
    from medcore.history import deep, io, service

    if labels is None:
        raise InputError("Patient histories need an outcomes file.",
                         "Give a CSV with patient_id,died (0/1) beside the export.")
    names = list(deep.CLASS_NAMES)
    table, extra = _label_table(labels[0], labels[1],
                                ("patient_id", "recordid", "record_id", "id", "patient"),
                                ("died", "in-hospital_death", "death", "outcome", "label"),
                                names)
    notes: list[str] = []
    scored, failed = uploads.partition(uploads.each(expand(files), lambda name, data: (
        service.analyse(bundle, io.load_upload(name, data), explain_top=0))))
    notes += [f"{f.name}: {f.error}" for f in failed]
    rows = [r for file_rows in scored for r in file_rows]
    ids, ys, ps, flags = [], [], [], []
    for r in rows:
        pid = str(r.patient_id)
        if pid not in table:
            continue
        ids.append(pid)
        ys.append(table[pid])
        ps.append(r.risk)
        flags.append(bool(r.warnings))
    missing = len(set(table) - set(ids))
    if missing:
        notes.append(f"{missing} patients of the outcomes file are not in the export")
    unlabelled = len(rows) - len(ids)
    if unlabelled:
        notes.append(f"{unlabelled} patients of the export have no outcome, left out")
    pre = bundle.extras["preprocess"]
    cal = bundle.extras.get("calibration")
    task = TaskCases("main", names, ids, np.array(ys, int), np.array(ps, float),
                     float(pre["threshold"]), _binary_q(cal) if cal else None,
                     np.array(flags, bool), _group_lists(extra, ids))
    return Labelled(bundle.id, [task], notes)


# ---- molecules -----------------------------------------------------------------------------


def molecules(bundle, files: list[tuple[str, bytes]]) -> Labelled:
    """CSVs of molecules with assay columns (0/1, blank = not measured): one task per assay."""
    from medcore.molecules import io, service
    from medcore.molecules.tox import uncertainty

    # the thresholds the page calls "active" at (inf: the assay makes no call to measure)
    assays, thr = list(bundle.extras["preprocess"]["assays"]), service.thresholds(bundle)
    per = {a: {"ids": [], "y": [], "p": [], "far": [], "groups": []} for a in assays}
    notes: list[str] = []
    group_cols: set[str] = set()
    for name, data in expand(files):
        text = uploads.read_text(name, data, "a CSV of molecules with assay columns", notes)
        header, body = io._read_csv(text)  # the rows the service numbers (line 2 = first)
        low = [h.lower() for h in header]
        cols = {a: low.index(a.lower()) for a in assays if a.lower() in low}
        if not cols:
            notes.append(f"{name}: no assay column ({', '.join(assays[:3])} ...), left out")
            continue
        batch = io.load_upload(name, data)
        if batch.needs_column:
            raise SchemaError(f"{name}: several columns could hold SMILES: "
                              f"{', '.join(batch.column_candidates)}.",
                              "Keep one SMILES column or name it 'smiles'.")
        used = set(cols.values()) | {header.index(batch.column)}
        name_j = io.name_column(header, exclude=batch.column)
        groups = _groups(header, body, used | ({name_j} if name_j is not None else set()))
        group_cols |= set(groups.values())
        for r in service.analyse(bundle, batch):
            if not r.scored:
                notes.append(f"{name} line {r.row}: {r.error or r.not_scored}")
                continue
            line = body[r.row - 2]
            for a, j in cols.items():
                v = line[j].strip() if j < len(line) else ""
                if not v:
                    continue
                idx = class_index(v, uncertainty.CLASSES)
                per[a]["ids"].append(f"{name} line {r.row}" if r.name == f"row {r.row}"
                                     else f"{r.name} ({name} line {r.row})")
                per[a]["y"].append(idx)
                per[a]["p"].append(r.probabilities[a])
                per[a]["far"].append(bool(r.far_from_training))
                per[a]["groups"].append({h: (line[j2] if j2 < len(line) else "")
                                         for j2, h in groups.items()})
    cal = bundle.extras["conformal"]
    tasks = []
    for j, a in enumerate(assays):
        d = per[a]
        if not d["y"]:
            continue
        if not np.isfinite(thr[j]):
            notes.append(f"{a}: the model makes no call for this assay (see its card's calls), "
                         f"so its {len(d['y'])} labels are not measured")
            continue
        m = ~np.isnan(cal["y"][:, j])
        q = conformal.thresholds(conformal.binary(cal["p"][m, j]), cal["y"][m, j].astype(int),
                                 conformal.LEVEL)
        groups = {c: [g.get(c, "") for g in d["groups"]] for c in sorted(group_cols)}
        tasks.append(TaskCases(a, list(uncertainty.CLASSES), d["ids"], np.array(d["y"], int),
                               np.array(d["p"], float), float(thr[j]), q,
                               np.array(d["far"], bool), groups))
    if not tasks:
        raise SchemaError("No molecule carries an assay label.",
                          f"Add columns named after the assays ({', '.join(assays)}) with 0/1.")
    return Labelled(bundle.id, tasks, notes)


# ---- sequences -----------------------------------------------------------------------------


def sequences(bundle, files: list[tuple[str, bytes]],
              labels: tuple[str, bytes] | None) -> Labelled:
    """Windows (up to 400 nt) labelled in FASTA headers (``label=EI``), a CSV class column,
    or a CSV ``name,label``."""
    from medcore.genomics import calibrate, io, service

    names = list(bundle.card["class_names"])
    table, extra = (_label_table(labels[0], labels[1], ("name", "id", "record"),
                                 ("label", "class"), names) if labels else ({}, {}))
    notes: list[str] = []
    parsed, failed = uploads.partition(uploads.each(expand(files), lambda name, data: (
        name, io.load_upload(name, data))))
    notes += [f"{f.name}: {f.error}" for f in failed]
    notes += [f"{name} {r}: {m}" for name, p in parsed for r, m in p.errors]
    records = [rec for _, p in parsed for rec in p.records]
    ids, ys, ps, lengths = [], [], [], []
    results = service.analyse(bundle, records, explain_top=0)
    for rec, res in zip(records, results, strict=True):
        raw = table.get(rec.name) if table else None
        idx = raw if raw is not None else (class_index(rec.label, names) if rec.label else None)
        if idx is None or res.probabilities is None:
            notes.append(f"{rec.name}: " + ("no label" if idx is None else "longer than a "
                                            "window (scanned, no class)") + ", left out")
            continue
        ids.append(rec.name)
        ys.append(idx)
        ps.append([res.probabilities[c] for c in names])
        lengths.append(len(rec.seq))
    # each window's sets come from the calibration and rule of its shape (400-nt or short)
    cal = bundle.extras["calibration"]
    by_shape = {shape: calibrate.thresholds(c) for shape, c in cal.items()}
    q = np.array([by_shape[calibrate.shape_of(n)] for n in lengths]).reshape(-1, len(names))
    proba = np.array(ps, float).reshape(-1, len(names))
    proba /= np.maximum(proba.sum(axis=1, keepdims=True), 1e-12)  # rounded as shown: sum to 1
    task = TaskCases("main", names, ids, np.array(ys, int), proba, None, q, None,
                     _group_lists(extra, ids))
    return Labelled(bundle.id, [task], notes)


def read(bundle, files: list[tuple[str, bytes]],
         labels: tuple[str, bytes] | None = None) -> Labelled:
    """The labelled cases for ``bundle``'s model, whatever its workbench."""
    from medcore import registry

    bench = registry.spec(bundle.id).workbench
    if bench == "imaging":
        return films(bundle, files, labels)
    if bench == "history":
        return patients(bundle, files, labels)
    if bench == "molecules":
        return molecules(bundle, files + ([labels] if labels else []))
    if bench == "genomics":
        return sequences(bundle, files, labels)
    raise InputError(f"{bundle.id} is not a classifier.", "Validate a classifier.")

"""Reading molecules from uploads: SMILES text, CSV with a SMILES column, SDF/MOL.

Every molecule becomes a :class:`MolRecord` with either a canonical SMILES (the parent of a
salt, and what was removed: ``parent``), a reason it is not scored (metal complexes, mixtures,
inorganics) or a per-row error; the file as a whole only fails with an ``InputError``
when nothing in it can be used. RDKit's own logging is silenced and errors are reported here.
"""

from __future__ import annotations

import csv
import io as _io
import re
from dataclasses import dataclass, field

from medcore import settings, uploads
from medcore.errors import (
    CorruptFileError,
    EmptyInputError,
    FileTooLargeError,
    InvalidMoleculeError,
    SchemaError,
    UnsupportedFormatError,
)
from medcore.molecules import featurize, parent

TEXT_EXT = (".smi", ".smiles", ".txt", ".ism", ".can")
CSV_EXT = (".csv", ".tsv")
SDF_EXT = (".sdf", ".sd", ".mol")
EXPECTED = "SMILES text (.smi/.txt), a CSV with a SMILES column, or SDF"
MAX_SMILES_CHARS = 20 * settings.MAX_HEAVY_ATOMS
# A column holds names when one of its words is one of these; earlier words win ("Drug name"
# over "compound_id"), then the leftmost column.
NAME_WORDS = ("name", "title", "drug", "compound", "id")


@dataclass
class MolRecord:
    row: int                    # 1-based line / row / record number in the input
    name: str
    input: str                  # what the user gave (SMILES or SDF title)
    smiles: str | None = None   # canonical SMILES of the parent that is scored
    note: str = ""              # what was removed to reach the parent (salts, solvents)
    error: str | None = None    # the input cannot be read
    not_scored: str | None = None  # a valid molecule tox-cnn does not score, and why

    @property
    def problem(self) -> str | None:
        return self.error or self.not_scored


@dataclass
class MolBatch:
    records: list[MolRecord] = field(default_factory=list)
    kind: str = "smiles"
    column: str | None = None
    column_candidates: list[str] = field(default_factory=list)  # set when the caller must choose
    notes: list[str] = field(default_factory=list)  # what was assumed reading the file

    @property
    def needs_column(self) -> bool:
        return not self.records and len(self.column_candidates) > 1

    @property
    def valid(self) -> list[MolRecord]:
        return [r for r in self.records if r.smiles]

    @property
    def invalid(self) -> list[MolRecord]:
        """Records that cannot be read (``error``)."""
        return [r for r in self.records if r.error]

    @property
    def unscored(self) -> list[MolRecord]:
        """Valid molecules deliberately not scored (``not_scored`` says why)."""
        return [r for r in self.records if r.not_scored]


def standardise(text: str, row: int = 1, name: str = "") -> MolRecord:
    """Parse one SMILES: validity, the parent to score (``parent``), size limit; problems go
    in the record."""
    from rdkit import Chem

    featurize.silence_rdkit()
    rec = MolRecord(row, name or f"row {row}", text)
    s = text.strip()
    if not s:
        rec.error = "Empty SMILES. Remove the empty row or type a structure."
        return rec
    if len(s) > MAX_SMILES_CHARS:
        rec.error = (f"SMILES is {len(s)} characters, too long for a molecule under "
                     f"{settings.MAX_HEAVY_ATOMS} heavy atoms (MAX_HEAVY_ATOMS). "
                     "Use a smaller molecule.")
        return rec
    mol = Chem.MolFromSmiles(s)
    if mol is None:
        rough = Chem.MolFromSmiles(s, sanitize=False)
        why = ("it parses but is chemically impossible (an atom over its valence or an aromatic "
               "ring that cannot be kekulised)" if rough is not None else
               "syntax error (unknown atom symbol, unbalanced brackets or unclosed ring)")
        rec.error = f"Not a valid SMILES: {why}. Check the structure, e.g. draw it and re-export."
        return rec
    return _finish(rec, mol)


def _finish(rec: MolRecord, mol) -> MolRecord:
    if mol.GetNumAtoms() == 0:
        rec.error = "The structure has no atoms. Provide a molecule with at least one atom."
        return rec
    found = parent.find_parent(mol)
    if found.reason:
        rec.not_scored = found.reason
        return rec
    mol, rec.note = found.mol, found.note
    heavy = mol.GetNumHeavyAtoms()
    if heavy > settings.MAX_HEAVY_ATOMS:
        rec.error = (f"Molecule has {heavy} heavy atoms, over the {settings.MAX_HEAVY_ATOMS} limit "
                     "(MAX_HEAVY_ATOMS); the models were trained on small molecules. "
                     "Score a smaller fragment instead.")
        return rec
    rec.smiles = featurize.canonical(mol)
    return rec


def _too_many(n: int) -> None:
    if n > settings.MAX_MOLECULES:
        raise FileTooLargeError(f"The input has {n:,} molecules, over the "
                                f"{settings.MAX_MOLECULES:,} limit (MAX_MOLECULES).",
                                "Split it into smaller files.")


def _require_some(batch: MolBatch) -> MolBatch:
    if batch.records and not batch.valid:
        first = "; ".join(f"{r.name}: {r.problem}" for r in batch.records[:3])
        raise InvalidMoleculeError(f"No usable molecule in the input ({first}).",
                                   "Fix the structures listed, or check the file is the right one.")
    if not batch.records:
        raise EmptyInputError("No molecules found in the input.", "Add at least one SMILES.")
    return batch


def parse_smiles_text(text: str) -> MolBatch:
    """One SMILES per line, optionally followed by whitespace and a name; '#' lines are comments."""
    _too_many(text.count("\n") - 1)
    lines = text.splitlines()
    batch = MolBatch(kind="smiles")
    for i, line in enumerate(lines, 1):
        if not line.strip() or line.lstrip().startswith("#"):
            continue
        parts = line.split(None, 1)
        if i == 1 and parts[0].lower() in ("smiles", "smile", "canonical_smiles"):
            continue
        name = parts[1].strip() if len(parts) > 1 else ""
        batch.records.append(standardise(parts[0], i, name[:80]))
    return _require_some(batch)


def _read_csv(text: str) -> tuple[list[str], list[list[str]]]:
    _too_many(text.count("\n") - 1)
    head = "\n".join(text.splitlines()[:20])
    try:
        delim = csv.Sniffer().sniff(head, delimiters=",;\t|").delimiter
    except csv.Error:
        delim = ","
    try:
        rows = list(csv.reader(_io.StringIO(text), delimiter=delim))
    except csv.Error as err:
        raise CorruptFileError(f"The CSV cannot be read ({err}).",
                               "Save it again as plain comma-separated text.") from None
    rows = [r for r in rows if any(c.strip() for c in r)]
    if not rows:
        raise EmptyInputError("The CSV has no rows.", "Add a header and at least one molecule.")
    return [c.strip() for c in rows[0]], rows[1:]


def smiles_columns(header: list[str], rows: list[list[str]]) -> list[str]:
    """Columns that hold SMILES: by name first, else by content (most values parse)."""
    named = [h for h in header if re.search(r"smiles|smi$", h, re.I)]
    if named:
        return named
    from rdkit import Chem

    featurize.silence_rdkit()
    found = []
    for j, h in enumerate(header):
        vals = [r[j].strip() for r in rows[:30] if j < len(r) and r[j].strip()]
        vals = [v for v in vals if len(v) < MAX_SMILES_CHARS]
        ok = sum(Chem.MolFromSmiles(v) is not None and not v.lstrip("-").isdigit() for v in vals)
        if vals and ok >= 0.6 * len(vals):
            found.append(h)
    return found


def _words(header: str) -> list[str]:
    """'Drug name' -> [drug, name]; 'compound_id' -> [compound, id]; 'MolID' -> [mol, id]."""
    spaced = re.sub(r"([a-z0-9])([A-Z])", r"\1 \2", header)
    return [w for w in re.split(r"[^a-z0-9]+", spaced.lower()) if w]


def name_column(header: list[str], exclude: str | None = None) -> int | None:
    """Index of the column that names the molecules (see ``NAME_WORDS``), or None."""
    best: tuple[int, int] | None = None
    for j, h in enumerate(header):
        if h == exclude:
            continue
        ranks = [NAME_WORDS.index(w) for w in _words(h) if w in NAME_WORDS]
        if ranks and (best is None or min(ranks) < best[0]):
            best = (min(ranks), j)
    return None if best is None else best[1]


def parse_csv(text: str, smiles_column: str | None = None) -> MolBatch:
    header, rows = _read_csv(text)
    _too_many(len(rows))
    if smiles_column is not None and smiles_column not in header:
        raise SchemaError(f"Column '{smiles_column}' is not in the CSV.",
                          f"Choose one of: {', '.join(header)[:300]}.")
    candidates = [smiles_column] if smiles_column else smiles_columns(header, rows)
    if not candidates:
        raise SchemaError(f"No SMILES column found (columns: {', '.join(header)[:300]}).",
                          "Add a column named 'smiles' holding one SMILES per row.")
    if len(candidates) > 1:
        return MolBatch(kind="csv", column_candidates=candidates)
    col = header.index(candidates[0])
    name_col = name_column(header, exclude=candidates[0])
    batch = MolBatch(kind="csv", column=candidates[0], column_candidates=candidates)
    for i, r in enumerate(rows, 2):
        name = r[name_col].strip()[:80] if name_col is not None and name_col < len(r) else ""
        if col >= len(r):
            batch.records.append(MolRecord(i, name or f"row {i}", "", error=(
                f"Row has {len(r)} fields, no value for '{candidates[0]}'. Fill in the SMILES.")))
            continue
        batch.records.append(standardise(r[col], i, name))
    return _require_some(batch)


SDF_FIELD = re.compile(r"^>\s*<([^>]+)>[^\n]*\n([^\n]*)", re.M)


def _sdf_name_field(block: str) -> str:
    """A record without a title line is named by a data field such as ``> <Drug name>``."""
    fields = SDF_FIELD.findall(block)
    j = name_column([k for k, _ in fields])
    return "" if j is None else fields[j][1].strip()


def parse_sdf(text: str) -> MolBatch:
    """Split on '$$$$'; a broken record gets its own message and the others are still read."""
    from rdkit import Chem

    featurize.silence_rdkit()
    blocks, current = [], []
    for line in text.splitlines():
        if line.startswith("$$$$"):
            blocks.append("\n".join(current))
            current = []
        else:
            current.append(line)
    blocks.append("\n".join(current))
    blocks = [b for b in blocks if b.strip()]
    _too_many(len(blocks))
    batch = MolBatch(kind="sdf")
    for i, block in enumerate(blocks, 1):
        title = ((block.splitlines() or [""])[0].strip() or _sdf_name_field(block))[:80]
        rec = MolRecord(i, title or f"record {i}", title)
        if "M  END" not in block:
            rec.error = "Record is truncated (no 'M  END' line). Re-export the SDF."
        else:
            mol = Chem.MolFromMolBlock(block, sanitize=True, removeHs=True)
            if mol is None:
                rec.error = ("Record cannot be read (bad atom/bond block or impossible valence). "
                             "Fix or remove this record.")
            else:
                rec = _finish(rec, mol)
        batch.records.append(rec)
    if not any(r.smiles for r in batch.records) and batch.records:
        if all("M  END" not in b for b in blocks):
            raise CorruptFileError("This is not an SDF: no record has an 'M  END' line.",
                                   "Export the structures as SDF (V2000/V3000) again.")
    return _require_some(batch)


def load_upload(filename: str, data: bytes, smiles_column: str | None = None) -> MolBatch:
    """Parse an upload by extension; the name is only used to pick the format."""
    ext = "." + filename.lower().rsplit(".", 1)[-1] if "." in filename else ""
    if ext not in TEXT_EXT + CSV_EXT + SDF_EXT:
        raise UnsupportedFormatError(f"'{ext or filename}' files are not supported here.",
                                     "Upload .smi/.txt (SMILES), .csv (SMILES column) or .sdf.")
    notes: list[str] = []
    text = uploads.read_text(filename, data, EXPECTED, notes)
    batch = _parse(text, ext, smiles_column)
    batch.notes = notes + batch.notes
    return batch


def _parse(text: str, ext: str, smiles_column: str | None) -> MolBatch:
    if ext in SDF_EXT:
        return parse_sdf(text)
    if ext in CSV_EXT:
        return parse_csv(text, smiles_column)
    return parse_smiles_text(text)

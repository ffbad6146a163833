"""Reading uploaded or pasted sequences: FASTA (many records), plain text, or the UCI splice CSV.

Valid-but-unusual input is accepted (lower case, RNA U -> T, IUPAC ambiguity codes, Windows line
ends, a BOM). A bad record gets its own message while the valid records are still returned; only
when nothing usable is left does :func:`load_upload` raise (always an ``InputError`` subclass).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass, field
from pathlib import Path

from medcore import settings, uploads
from medcore.errors import (
    EmptyInputError,
    FileTooLargeError,
    InputError,
    InvalidSequenceError,
    SchemaError,
    UnsupportedFormatError,
)

IUPAC_LETTERS = b"ACGTURYSWKMBDHVNacgturyswkmbdhvn"
GAPS = b"-."
PROTEIN_ONLY = set("EFIJLOPQXZ*")
_LABEL = re.compile(r"(?:label|class)=(\S+)", re.IGNORECASE)
# chr17:43044295-43125483, optionally (-) / (+) after it, or range=chr:start-end (UCSC)
_RANGE = re.compile(r"^(?:range=)?([A-Za-z0-9_.]+):([\d,]+)-([\d,]+)(?:\(([+-])\))?$")
_STRAND = re.compile(r"^(?:strand=)?\(?([+-])\)?$")
COORDS = ("'>chr17:43044295-43125483(-)' or '>name chr17:43044295-43125483 -' "
          "(1-based, inclusive; the sequence written 5'->3' on that strand, as samtools, UCSC "
          "and 'bedtools getfasta -s' write it)")
EXPECTED = "a plain-text FASTA file (.fa, .fasta, .txt) or one sequence per line"


@dataclass(frozen=True)
class Locus:
    """Where a record lies on the genome: 1-based inclusive ``start``-``end`` on the forward
    strand, and the strand its sequence is written on (``-``: the reverse complement)."""

    chrom: str
    start: int
    end: int
    strand: str  # "+" or "-"

    def __str__(self) -> str:
        return f"{self.chrom}:{self.start:,}-{self.end:,}({self.strand})"

    def genomic(self, index: int) -> int:
        """The genome coordinate (1-based) of the record's base at 0-based ``index``."""
        return self.start + index if self.strand == "+" else self.end - index

    def index(self, position: int) -> int:
        """The record's 0-based index of genome coordinate ``position``."""
        return position - self.start if self.strand == "+" else self.end - position

    def contains(self, position: int, length: int = 1) -> bool:
        return self.start <= position and position + max(length, 1) - 1 <= self.end

    def junction(self, index: int) -> str:
        """The junction before record ``index`` as the two genome bases either side of it."""
        a, b = sorted((self.genomic(index - 1), self.genomic(index)))
        return f"{self.chrom}:{a:,}|{b:,}({self.strand})"


def same_chrom(a: str, b: str) -> bool:
    """'chr17' and '17' name one chromosome (UCSC and Ensembl spellings)."""
    def bare(c: str) -> str:
        return c[3:] if c.lower().startswith("chr") else c
    return bare(a).lower() == bare(b).lower()


@dataclass
class SeqRecord:
    """One usable sequence: upper-case IUPAC DNA (U already turned into T)."""

    name: str
    seq: str
    label: str | None = None
    notes: list[str] = field(default_factory=list)
    locus: Locus | None = None
    header: str = ""  # the header's text after the name (where coordinates are read from)


def read_locus(name: str, header: str) -> tuple[int, int, str, str] | None:
    """(start, end, strand, chrom) from a FASTA header's name or its words, ``None`` if the
    header names no coordinates."""
    words = [name, *header.split()]
    for i, w in enumerate(words):
        m = _RANGE.match(w)
        if m is None:
            continue
        chrom, start, end, strand = m.group(1), m.group(2), m.group(3), m.group(4)
        for later in words[i + 1:]:
            if strand is None and (s := _STRAND.match(later)) is not None:
                strand = s.group(1)
        return int(start.replace(",", "")), int(end.replace(",", "")), strand or "+", chrom
    return None


def place(rec: SeqRecord) -> SeqRecord:
    """Give ``rec`` its locus from its header; a header whose range does not fit the sequence
    is an error that says how to fix it."""
    found = read_locus(rec.name, rec.header)
    if found is None:
        return rec
    start, end, strand, chrom = found
    n = len(rec.seq)
    if start < 1 or end < start:
        raise InvalidSequenceError(
            f"Record '{rec.name}': the range {chrom}:{start}-{end} is not a genome range.",
            f"Write it as {COORDS}.")
    if end - start + 1 != n:
        if end - start == n:  # BED style: 0-based start (bedtools getfasta names)
            rec.notes.append(f"Range {chrom}:{start}-{end} read as BED-style (0-based start): "
                             f"the sequence has {n:,} bases, so its first base is {start + 1:,}.")
            start += 1
        else:
            raise InvalidSequenceError(
                f"Record '{rec.name}': the header says {chrom}:{start:,}-{end:,} "
                f"({end - start + 1:,} bases) but the sequence has {n:,}.",
                f"Correct the range or the sequence; coordinates are {COORDS}.")
    rec.locus = Locus(chrom, start, end, strand)
    return rec


@dataclass
class FastaResult:
    """Usable records plus one (record name, message) per record that could not be used."""

    records: list[SeqRecord]
    errors: list[tuple[str, str]] = field(default_factory=list)
    notes: list[str] = field(default_factory=list)  # what was assumed reading the file


def _split_records(text: str) -> list[tuple[str, str | None, str, str]]:
    """(name, label, raw sequence, header words after the name) per record for FASTA, CSV or
    one-sequence-per-line text."""
    lines = text.replace("\r\n", "\n").replace("\r", "\n").split("\n")
    first = next((ln for ln in lines if ln.strip()), "")
    if first.lstrip().startswith((">", ";")):
        out: list[tuple[str, str | None, list[str], str]] = []
        for ln in lines:
            s = ln.strip()
            if s.startswith(">"):
                header = s[1:].strip()
                m = _LABEL.search(header)
                name = (header.split()[0] if header else f"record {len(out) + 1}")[:80]
                rest = header.split(None, 1)[1] if len(header.split(None, 1)) > 1 else ""
                out.append((name, m.group(1).upper() if m else None, [], rest))
            elif s.startswith(";") or not s:
                continue
            else:
                if not out:
                    out.append(("record 1", None, [], ""))
                out[-1][2].append(s)
        return [(n, lab, "".join(parts), rest) for n, lab, parts, rest in out]
    if "," in first:
        return [(*r, "") for r in _csv_records(lines)]
    rows = [ln.strip() for ln in lines if ln.strip()]
    return [(f"seq{i + 1}", None, r, "") for i, r in enumerate(rows)]


def _csv_records(lines: list[str]) -> list[tuple[str, str | None, str]]:
    rows = [[c.strip() for c in ln.split(",")] for ln in lines if ln.strip()]
    header = [c.lower() for c in rows[0]]
    named = any(h in ("sequence", "seq") for h in header)
    if named:
        rows = rows[1:]
        seq_i = header.index("sequence") if "sequence" in header else header.index("seq")
        lab_i = next((header.index(h) for h in ("class", "label") if h in header), None)
        name_i = next((header.index(h) for h in ("name", "id", "donor") if h in header), None)
    else:
        seq_i = len(header) - 1
        lab_i = 0 if len(header) >= 3 else None
        name_i = len(header) - 2 if len(header) >= 2 else None
    out = []
    for i, r in enumerate(rows):
        get = (lambda j, r=r: r[j] if j is not None and j < len(r) else "")  # noqa: E731
        out.append(((get(name_i) or f"row {i + 1}")[:80], get(lab_i).upper() or None, get(seq_i)))
    return out


def check_sequence(name: str, raw: str) -> SeqRecord:
    """Validate one record; raises an ``InputError`` subclass naming the record and the fix."""
    seq = re.sub(r"\s+", "", raw)
    if not seq:
        raise EmptyInputError(f"Record '{name}' has no sequence.",
                              "Add its bases under the header line or remove the record.")
    if len(seq) > settings.MAX_SEQUENCE_LENGTH:
        raise FileTooLargeError(
            f"Record '{name}' is {len(seq):,} bases long, over the "
            f"{settings.MAX_SEQUENCE_LENGTH:,}-base limit (MAX_SEQUENCE_LENGTH).",
            "Split it into shorter pieces (e.g. 1 Mb each).")
    raw_bytes = seq.encode("utf-8")
    notes = []
    n_gaps = len(raw_bytes) - len(raw_bytes.translate(None, GAPS))
    if n_gaps:
        raw_bytes = raw_bytes.translate(None, GAPS)
        notes.append(f"{n_gaps} gap characters ('-' or '.') removed.")
    bad = raw_bytes.translate(None, IUPAC_LETTERS)
    if bad:
        text = raw_bytes.decode("utf-8", "replace").upper()
        protein = sum(text.count(c) for c in PROTEIN_ONLY)
        if protein >= 3 and protein >= 0.1 * len(text):
            raise UnsupportedFormatError(
                f"Record '{name}' looks like a protein sequence (amino-acid letters such as "
                "E, F, I, L, P, Q), not DNA.",
                "The genomics models read DNA or RNA; upload the nucleotide sequence instead.")
        chars = sorted(set(bad.decode("utf-8", "replace")))
        shown = ", ".join(repr(c) for c in chars[:8])
        # Search the text as written: upper() changes lengths ('ß' -> 'SS', both IUPAC).
        written = raw_bytes.decode("utf-8", "replace")
        pos = next(i for i, ch in enumerate(written) if ch.encode() not in IUPAC_LETTERS) + 1
        raise InvalidSequenceError(
            f"Record '{name}' has characters that are not IUPAC nucleotide codes: {shown} "
            f"(first at position {pos}).",
            "Remove them, or write unknown bases as N.")
    if not raw_bytes:
        raise EmptyInputError(f"Record '{name}' has only gap characters.", "Remove the record.")
    seq = raw_bytes.decode("ascii").upper()
    if "U" in seq:
        notes.append("RNA read as DNA (U -> T).")
        seq = seq.replace("U", "T")
    n_amb = len(seq) - sum(seq.count(b) for b in "ACGT")
    if n_amb:
        notes.append(f"{n_amb} IUPAC ambiguity codes encoded as mixtures of bases.")
    return SeqRecord(name, seq, None, notes)


def parse_text(text: str) -> FastaResult:
    """Records from text; bad records become per-record messages."""
    raw = _split_records(text)
    if len(raw) > settings.MAX_SEQUENCES:
        raise FileTooLargeError(
            f"{len(raw):,} records, over the {settings.MAX_SEQUENCES:,} limit (MAX_SEQUENCES).",
            "Split the file into smaller ones.")
    result = FastaResult([])
    first_error: InputError | None = None
    for name, label, seq, header in raw:
        try:
            rec = check_sequence(name, seq)
            rec.header = header
            place(rec)
        except InputError as err:
            first_error = first_error or err
            result.errors.append((name, str(err)))
            continue
        rec.label = label
        result.records.append(rec)
    if not result.records:
        if first_error is None:
            raise EmptyInputError("No sequences found.", "Upload FASTA or paste sequences.")
        if len(result.errors) == 1:
            raise first_error
        raise type(first_error)(f"None of the {len(result.errors)} records is usable; first: "
                                f"{first_error.problem}", first_error.fix)
    return result


def load_upload(filename: str, data: bytes) -> FastaResult:
    """Parse an uploaded file (``filename`` is only shown in messages, never opened)."""
    notes: list[str] = []
    result = parse_text(uploads.read_text(filename, data, EXPECTED, notes))
    result.notes = notes
    return result


@dataclass
class UploadedFile:
    """One uploaded path: its parsed records, or why the whole file could not be read."""

    name: str
    parsed: FastaResult | None = None
    error: str | None = None

    def error_rows(self) -> list[dict]:
        """The result rows for what failed: the file itself, else each unusable record."""
        if self.parsed is None:
            return [{"file": self.name, "error": self.error}]
        return [{"file": self.name, "record": n, "error": m} for n, m in self.parsed.errors]


def read_paths(paths: Iterable[Path | str]) -> list[UploadedFile]:
    """Parse each path; a bad file becomes an error entry and never stops the others.

    Why one reader: every genomics model answers a batch of uploads the same way.
    """
    return [UploadedFile(got.name, error=got.error) if isinstance(got, uploads.Failed) else got
            for got in uploads.each(paths, lambda name, data: UploadedFile(
                name, parsed=load_upload(name, data)))]


EXON_FORMS = ("one exon per line: 'start-end' (1-based, inclusive; genome coordinates when the "
              "record's header gives them, else the record's bases) or BED 'chrom start end' "
              "(0-based start, as BED files are)")


@dataclass(frozen=True)
class Exon:
    """An exon as 1-based inclusive coordinates (genome when ``chrom`` or the record says)."""

    start: int
    end: int
    chrom: str | None = None


def parse_exons(text: str) -> list[Exon]:
    """Exons from 'start-end' lines or BED-like 'chrom start end' lines ('#' lines skipped)."""
    out = []
    for n, line in enumerate(text.replace("\r", "").split("\n"), 1):
        s = line.strip()
        if not s or s.startswith(("#", "track", "browser")):
            continue
        cols = s.split()
        m = re.fullmatch(r"([\d,]+)\s*-\s*([\d,]+)", s)
        if m is not None:
            exon = Exon(int(m.group(1).replace(",", "")), int(m.group(2).replace(",", "")))
        elif len(cols) >= 3 and cols[1].isdigit() and cols[2].isdigit():
            exon = Exon(int(cols[1]) + 1, int(cols[2]), cols[0])
        else:
            raise SchemaError(f"Exon line {n} ('{s[:40]}') is not an exon.",
                              f"Write {EXON_FORMS}.")
        if exon.start < 1 or exon.end < exon.start:
            raise SchemaError(f"Exon line {n} ('{s[:40]}') ends before it starts.",
                              f"Write {EXON_FORMS}.")
        out.append(exon)
    return out

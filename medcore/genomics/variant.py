"""What a variant does to splicing: donor and acceptor scores around it, reference vs alternative.

Reported the way SpliceAI reports it, because that is what geneticists read: for every junction
within ``DISTANCE`` nt of the variant, the reference and alternative scores, and the four delta
scores (acceptor gain / loss, donor gain / loss) with the position of the largest of each.
Positions are in the reference sequence; "junction after base N" counts bases from 1.
For an indel, scores after it are shifted back onto the reference; a deleted base's junction
scores 0 in the alternative, and an insertion's scores are the maximum over the inserted bases.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

from medcore.errors import InvalidVariantError
from medcore.genomics import encode, network, scan
from medcore.genomics.io import COORDS, Locus, SeqRecord, same_chrom

DISTANCE = 50
MAX_ALLELE = DISTANCE  # longest REF or ALT allele: the report window must hold the change
CONTEXT = DISTANCE + scan.MARGIN  # bases scored either side so every reported score is exact
DELTAS = {"acceptor_gain": (network.IE, 1), "acceptor_loss": (network.IE, -1),
          "donor_gain": (network.EI, 1), "donor_loss": (network.EI, -1)}
FORMS = ("'120 G>A', '120 G A', '120:GT:G', or a VCF line "
         "(CHROM POS ID REF ALT, e.g. 'chr17\t43045802\t.\tG\tA')")
# SpliceAI's published cut-offs for a delta score (Jaganathan et al., Cell 2019)
CUTOFFS = ((0.8, "strong"), (0.5, "likely"), (0.2, "possible"))
AROUND = 10  # bases shown either side of the change
_SIMPLE = re.compile(r"^\s*(\d+)\s*[\s:]\s*([A-Za-z-]+)\s*(?:>|\s|:)\s*([A-Za-z-]+)\s*$")


@dataclass(frozen=True)
class Variant:
    position: int  # 1-based first base of REF in the sequence
    ref: str
    alt: str

    def __str__(self) -> str:
        return f"{self.position} {self.ref or '-'}>{self.alt or '-'}"


def reading(score: float) -> str:
    """A delta in SpliceAI's words: strong >= 0.8, likely >= 0.5, possible >= 0.2."""
    for cut, word in CUTOFFS:
        if score >= cut:
            return f"{word} (>= {cut})"
    return "unlikely (< 0.2)"


@dataclass
class Effect:
    """Scores at every junction within ``DISTANCE`` nt of the variant, and the four deltas."""

    variant: Variant
    junction_after: np.ndarray  # reference coordinates (1-based base before the junction)
    donor_ref: np.ndarray
    donor_alt: np.ndarray
    acceptor_ref: np.ndarray
    acceptor_alt: np.ndarray
    deltas: dict[str, dict]  # name -> {"score", "junction_after", "offset", "reading"}
    around: str = ""  # the bases either side of the change, '[REF>ALT]' at it (record strand)
    locus: Locus | None = None  # where the record lies, when its header says
    written: str = ""  # the variant as the user wrote it (a VCF line: genome coordinates)

    @property
    def strongest(self) -> tuple[str, dict]:
        """The largest of the four deltas (what SpliceAI's single score is)."""
        return max(self.deltas.items(), key=lambda kv: kv[1]["score"])

    def rows(self) -> list[dict]:
        return [{"junction_after": int(p),
                 **({"genomic": self.locus.junction(int(p))} if self.locus else {}),
                 "donor_ref": round(float(a), 4),
                 "donor_alt": round(float(b), 4), "acceptor_ref": round(float(c), 4),
                 "acceptor_alt": round(float(d), 4)}
                for p, a, b, c, d in zip(self.junction_after, self.donor_ref, self.donor_alt,
                                         self.acceptor_ref, self.acceptor_alt, strict=True)]

    def to_row(self) -> dict:
        name, top = self.strongest
        return {"variant": str(self.variant), "written": self.written,
                "locus": str(self.locus) if self.locus else None, "around": self.around,
                "distance": DISTANCE, "deltas": self.deltas,
                "reading": f"{name.replace('_', ' ')} {top['score']:.2f}: {top['reading']}",
                "scores": self.rows()}


def parse(text: str, seq: str, offset: int = 0, where: str = "") -> Variant:
    """A variant from '120 G>A', '120 G A', '120:GT:G' or a VCF line, checked against ``seq``.

    ``offset``: what to subtract from the written position to count bases of ``seq`` from 1
    (a genome coordinate on a record with coordinates); ``where`` names that coordinate system
    in messages (e.g. 'chr17:')."""
    line = text.strip()
    if not line:
        raise InvalidVariantError("No variant given.", f"Type one as {FORMS}.")
    cols = line.split("\t") if "\t" in line else line.split()
    if len(cols) >= 5 and cols[1].isdigit():  # VCF: CHROM POS ID REF ALT [QUAL FILTER INFO]
        pos, ref, alt = cols[1], cols[3], cols[4]
    elif (m := _SIMPLE.match(line)) is not None:
        pos, ref, alt = m.groups()
    else:
        raise InvalidVariantError(f"'{line[:60]}' is not a variant this page can read.",
                                  f"Write it as {FORMS}.")
    ref, alt = ref.upper().replace("-", ""), alt.upper().replace("-", "")
    if "," in alt or "," in ref:
        raise InvalidVariantError("Several alternative alleles in one line.",
                                  "Give one ALT allele per variant.")
    for name, allele in (("REF", ref), ("ALT", alt)):
        bad = sorted(set(allele) - set("ACGTN"))
        if bad:
            raise InvalidVariantError(f"{name} allele '{allele}' holds {', '.join(bad)}.",
                                      "Alleles are written with A, C, G, T (or N).")
    return check(Variant(int(pos) - offset, ref, alt), seq, offset, where)


def check(v: Variant, seq: str, offset: int = 0, where: str = "") -> Variant:
    """The variant if it applies to ``seq``; otherwise a message that says what does not fit."""
    if v.ref == v.alt:
        raise InvalidVariantError(f"REF and ALT are the same ('{v.ref}').",
                                  "Give an ALT allele that differs from the reference.")
    if max(len(v.ref), len(v.alt)) > MAX_ALLELE:
        raise InvalidVariantError(
            f"The change is longer than {MAX_ALLELE} nt (REF {len(v.ref)}, ALT {len(v.alt)}), "
            f"the window the deltas are reported over (±{DISTANCE} nt).",
            f"Score changes of at most {MAX_ALLELE} nt, or split a larger one.")
    if not 1 <= v.position <= len(seq):
        raise InvalidVariantError(
            f"Position {where}{v.position + offset:,} is outside the sequence "
            f"({where}{1 + offset:,}-{len(seq) + offset:,}).",
            "Positions count bases of the uploaded record from 1." if not where else
            "Check POS and the genome build.")
    found = seq[v.position - 1:v.position - 1 + len(v.ref)].upper()
    if found != v.ref:
        if where:
            raise InvalidVariantError(
                f"REF '{v.ref}' does not match the genome at {where}{v.position + offset:,}, "
                f"where the record reads '{found}' on the forward (+) strand.",
                "VCF writes REF and ALT on the forward strand: check POS, the genome build, "
                "and that the header's strand says how the sequence is written.")
        raise InvalidVariantError(
            f"REF '{v.ref}' does not match the sequence, which has '{found}' at {v.position}.",
            "Check the position (1-based, in this record) and the reference allele.")
    return v


def is_vcf(text: str) -> bool:
    cols = text.strip().split("\t") if "\t" in text else text.split()
    return len(cols) >= 5 and cols[1].isdigit()


def locate(text: str, records: list[SeqRecord], selected: SeqRecord | None = None
           ) -> tuple[SeqRecord, Variant]:
    """The record a variant applies to and the variant in that record's bases.

    A VCF line is placed by CHROM and POS (forward strand, 1-based) on the record whose header
    coordinates hold it, REF checked against the genome's forward strand; on a minus-strand
    record the alleles are reverse-complemented. A VCF line whose CHROM is a record's name
    counts bases in that record. Any other form applies to ``selected``. A line that fits no
    record is an error, never applied to another.
    """
    if not is_vcf(text):
        if selected is None:
            raise InvalidVariantError(
                f"'{text.strip()[:60]}' gives no chromosome, and no record is chosen.",
                "Choose the record, or give a VCF line (CHROM POS ID REF ALT).")
        return selected, parse(text, selected.seq)
    cols = text.strip().split("\t") if "\t" in text else text.split()
    chrom, pos = cols[0], int(cols[1])
    named = [r for r in records if r.name == chrom and r.locus is None]
    if named:
        return named[0], parse(text, named[0].seq)
    placed = [r for r in records if r.locus is not None]
    hits = [r for r in placed if same_chrom(r.locus.chrom, chrom)
            and r.locus.contains(pos, len(cols[3].replace("-", "")))]
    if not placed:
        raise InvalidVariantError(
            f"The VCF line puts the variant at {chrom}:{pos:,}, but no record has genome "
            "coordinates, so nothing says where it lies.",
            f"Give the record's coordinates in its header, as {COORDS}; or type the position "
            "in the record, e.g. '120 G>A'.")
    if not hits:
        have = ", ".join(f"{r.name} = {r.locus}" for r in placed[:4])
        raise InvalidVariantError(
            f"{chrom}:{pos:,} lies in none of the records with coordinates ({have}).",
            "Check CHROM, POS and the genome build, or upload the record that holds it.")
    if len(hits) > 1:
        raise InvalidVariantError(
            f"{chrom}:{pos:,} lies in {len(hits)} records ({', '.join(r.name for r in hits)}).",
            "Upload only the record the variant should be scored on.")
    rec = hits[0]
    genome = parse(f"{pos} {cols[3]} {cols[4]}", _forward(rec), offset=rec.locus.start - 1,
                   where=f"{rec.locus.chrom}:")
    at = Variant(genome.position + rec.locus.start - 1, genome.ref, genome.alt)
    return rec, _on_record(at, rec)


def _forward(rec: SeqRecord) -> str:
    """The record's bases on the genome's forward strand."""
    return rec.seq if rec.locus.strand == "+" else encode.reverse_complement(rec.seq)


def _on_record(v: Variant, rec: SeqRecord) -> Variant:
    """A forward-strand variant (genome coordinates) in the record's own bases and positions."""
    loc = rec.locus
    if loc.strand == "+":
        return Variant(loc.index(v.position) + 1, v.ref, v.alt)
    last = v.position + max(len(v.ref), 1) - 1
    out = Variant(loc.index(last) + 1, encode.reverse_complement(v.ref),
                  encode.reverse_complement(v.alt))
    # VCF anchors an indel on its left base; reversed, the anchor is the last: move it first
    if out.ref and out.alt and out.ref[-1] == out.alt[-1] and len(out.ref) != len(out.alt) \
            and out.position > 1:
        before = rec.seq[out.position - 2]
        out = Variant(out.position - 1, before + out.ref[:-1], before + out.alt[:-1])
    return check(out, rec.seq)


def around(seq: str, v: Variant, flank: int = AROUND) -> str:
    """``flank`` bases, '[REF>ALT]', ``flank`` bases: the sequence around the change."""
    p0 = v.position - 1
    left = seq[max(0, p0 - flank):p0].rjust(flank, ".")
    right = seq[p0 + len(v.ref):p0 + len(v.ref) + flank].ljust(flank, ".")
    return f"{left}[{v.ref or '-'}>{v.alt or '-'}]{right}"


def effect(model, seq: str, v: Variant) -> Effect:
    """Reference and alternative scores within ``DISTANCE`` nt of ``v``, and the four deltas."""
    p0, r, a = v.position - 1, len(v.ref), len(v.alt)
    lo, hi = max(0, p0 - CONTEXT), min(len(seq), p0 + r + CONTEXT)
    ref_seq = seq[lo:hi].upper()
    alt_seq = ref_seq[:p0 - lo] + v.alt + ref_seq[p0 - lo + r:]
    ref_s, alt_s = scan.site_scores(model, ref_seq), scan.site_scores(model, alt_seq)
    aligned = align(alt_s, p0 - lo, r, a, len(ref_seq))
    first, last = max(lo, p0 - DISTANCE), min(hi - 1, p0 + max(r, 1) - 1 + DISTANCE)
    keep = slice(first - lo, last - lo + 1)
    pos = np.arange(first, last + 1)  # 0-based index of the base after the junction
    ref_k, alt_k = ref_s[keep], aligned[keep]
    deltas = {}
    for name, (cls, sign) in DELTAS.items():
        d = np.clip(sign * (alt_k[:, cls] - ref_k[:, cls]), 0, None)
        i = int(d.argmax())
        deltas[name] = {"score": round(float(d[i]), 4), "junction_after": int(pos[i]),
                        "offset": int(pos[i] - p0), "reading": reading(float(d[i]))}
    return Effect(v, pos, ref_k[:, network.EI], alt_k[:, network.EI], ref_k[:, network.IE],
                  alt_k[:, network.IE], deltas, around(seq, v))


def record_effect(model, rec: SeqRecord, v: Variant, written: str = "") -> Effect:
    """:func:`effect` on a record, its positions also in genome coordinates when it has them."""
    out = effect(model, rec.seq.upper(), v)
    out.locus, out.written = rec.locus, written.strip()
    if rec.locus is not None:
        for d in out.deltas.values():
            d["genomic"] = rec.locus.junction(d["junction_after"])
    return out


def align(alt_scores: np.ndarray, start: int, ref_len: int, alt_len: int, length: int
          ) -> np.ndarray:
    """Alternative scores on reference coordinates (``start`` = REF's first index, 0-based)."""
    out = np.zeros((length, alt_scores.shape[1]), alt_scores.dtype)
    shift = alt_len - ref_len
    common = min(ref_len, alt_len)
    out[:start + common] = alt_scores[:start + common]
    out[start + ref_len:] = alt_scores[start + ref_len + shift:]
    if alt_len > ref_len and ref_len > 0:  # insertion: the last REF base takes the stretch's max
        out[start + ref_len - 1] = alt_scores[start + ref_len - 1:start + alt_len].max(axis=0)
    return out  # deleted bases (REF beyond the common part) stay 0


def dinucleotide_loss(model, seqs: list[str], start: int, cls: int) -> np.ndarray:
    """(windows, 15): the ``cls`` loss when the dinucleotide at ``start`` becomes each other one.

    The loss is SpliceAI's donor (or acceptor) loss: the largest drop of the ``cls`` score
    within ``DISTANCE`` nt. It measures whether the model has learnt that a donor needs its GT
    (an acceptor its AG), not merely that the window looks like one. Windows are of one length.
    """
    from itertools import product

    pairs = ["".join(p) for p in product("ACGT", repeat=2)]
    alts = [s[:start] + p + s[start + 2:] for s in seqs for p in pairs if p != s[start:start + 2]]
    if len(alts) != 15 * len(seqs):
        raise ValueError("every window needs an A/C/G/T dinucleotide at the changed position")
    lo, hi = max(0, start - DISTANCE), start + 2 + DISTANCE
    ref = scan.window_scores(model, seqs)[:, lo:hi, cls]
    alt = scan.window_scores(model, alts)[:, lo:hi, cls].reshape(len(seqs), 15, -1)
    return (ref[:, None, :] - alt).max(axis=2)

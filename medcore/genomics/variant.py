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
from medcore.genomics import network, scan

DISTANCE = 50
MAX_ALLELE = DISTANCE  # longest REF or ALT allele: the report window must hold the change
CONTEXT = DISTANCE + scan.MARGIN  # bases scored either side so every reported score is exact
DELTAS = {"acceptor_gain": (network.IE, 1), "acceptor_loss": (network.IE, -1),
          "donor_gain": (network.EI, 1), "donor_loss": (network.EI, -1)}
FORMS = ("'120 G>A', '120 G A', '120:GT:G', or a VCF line "
         "(CHROM POS ID REF ALT, e.g. 'seq1\t120\t.\tG\tA')")
_SIMPLE = re.compile(r"^\s*(\d+)\s*[\s:]\s*([A-Za-z-]+)\s*(?:>|\s|:)\s*([A-Za-z-]+)\s*$")


@dataclass(frozen=True)
class Variant:
    position: int  # 1-based first base of REF in the sequence
    ref: str
    alt: str

    def __str__(self) -> str:
        return f"{self.position} {self.ref or '-'}>{self.alt or '-'}"


@dataclass
class Effect:
    """Scores at every junction within ``DISTANCE`` nt of the variant, and the four deltas."""

    variant: Variant
    junction_after: np.ndarray  # reference coordinates (1-based base before the junction)
    donor_ref: np.ndarray
    donor_alt: np.ndarray
    acceptor_ref: np.ndarray
    acceptor_alt: np.ndarray
    deltas: dict[str, dict]  # name -> {"score", "junction_after", "offset"}

    def rows(self) -> list[dict]:
        return [{"junction_after": int(p), "donor_ref": round(float(a), 4),
                 "donor_alt": round(float(b), 4), "acceptor_ref": round(float(c), 4),
                 "acceptor_alt": round(float(d), 4)}
                for p, a, b, c, d in zip(self.junction_after, self.donor_ref, self.donor_alt,
                                         self.acceptor_ref, self.acceptor_alt, strict=True)]

    def to_json(self) -> dict:
        return {"variant": str(self.variant), "distance": DISTANCE, "deltas": self.deltas,
                "scores": self.rows()}


def parse(text: str, seq: str) -> Variant:
    """A variant from '120 G>A', '120 G A', '120:GT:G' or a VCF line, checked against ``seq``."""
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
    return check(Variant(int(pos), ref, alt), seq)


def check(v: Variant, seq: str) -> Variant:
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
            f"Position {v.position} is outside the sequence (1-{len(seq):,}).",
            "Positions count bases of the uploaded record from 1.")
    found = seq[v.position - 1:v.position - 1 + len(v.ref)].upper()
    if found != v.ref:
        raise InvalidVariantError(
            f"REF '{v.ref}' does not match the sequence, which has '{found}' at {v.position}.",
            "Check the position (1-based, in this record) and the reference allele.")
    return v


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
                        "offset": int(pos[i] - p0)}
    return Effect(v, pos, ref_k[:, network.EI], alt_k[:, network.EI], ref_k[:, network.IE],
                  alt_k[:, network.IE], deltas)


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

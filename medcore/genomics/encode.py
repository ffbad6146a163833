"""IUPAC-aware one-hot encoding of DNA.

Ambiguity codes are kept as fractional one-hot (N = 0.25 each, R = A/G 0.5 each, ...) so the
few ambiguous bases in the splice data carry what is known rather than being dropped.
"""

from __future__ import annotations

import numpy as np

BASES = "ACGT"

# IUPAC nucleotide code -> the bases it stands for (U is read as T).
IUPAC: dict[str, str] = {
    "A": "A", "C": "C", "G": "G", "T": "T", "U": "T",
    "R": "AG", "Y": "CT", "S": "CG", "W": "AT", "K": "GT", "M": "AC",
    "B": "CGT", "D": "AGT", "H": "ACT", "V": "ACG", "N": "ACGT",
}


def _table() -> np.ndarray:
    table = np.zeros((256, 4), dtype=np.float32)
    for code, bases in IUPAC.items():
        for b in bases:
            for ch in (code, code.lower()):
                table[ord(ch), BASES.index(b)] = 1.0 / len(bases)
    return table


TABLE = _table()


def one_hot(seq: str) -> np.ndarray:
    """(len, 4) float32 fractional one-hot of one sequence; unknown bytes become zeros."""
    codes = np.frombuffer(seq.encode("ascii", "replace"), dtype=np.uint8)
    return TABLE[codes]


def fit_length(seq: str, length: int) -> str:
    """Centre-pad with N (no information) or centre-crop a sequence to ``length``."""
    if len(seq) == length:
        return seq
    if len(seq) > length:
        start = (len(seq) - length) // 2
        return seq[start:start + length]
    left = (length - len(seq)) // 2
    return "N" * left + seq + "N" * (length - len(seq) - left)


def one_hot_batch(seqs: list[str], length: int) -> np.ndarray:
    """(n, length, 4) batch; each sequence is centre-padded/cropped to ``length``."""
    if not seqs:
        return np.zeros((0, length, 4), dtype=np.float32)
    joined = "".join(fit_length(s, length) for s in seqs)
    return one_hot(joined).reshape(len(seqs), length, 4)


_COMPLEMENT = str.maketrans("ACGTURYSWKMBDHVNacgturyswkmbdhvn", "TGCAAYRSWMKVHDBNtgcaayrswmkvhdbn")


def reverse_complement(seq: str) -> str:
    """The other strand, read 5'->3' (IUPAC codes complemented: R<->Y, K<->M, B<->V, D<->H)."""
    return seq.translate(_COMPLEMENT)[::-1]

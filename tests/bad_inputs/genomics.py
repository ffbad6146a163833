"""Genomics items of the bad-input corpus, generated in code."""

from __future__ import annotations

import gzip
import random
from dataclasses import dataclass

from medcore import settings
from tests.bad_inputs import Case

PROTEIN = "MKVLAAGIVGLLLAEFPQSWERTYIPLKHGFDSAQWERTYIPLKHGFDSQQEELLIIPPFF"
DNA60 = "CCAGCTGCATCACAGGAGGCCAGCGAGCAGGTCTGTTCCAAGGGCCTTCGAGCCAGTCTG"


def _random_bytes(n: int, seed: int = 0) -> bytes:
    rng = random.Random(seed)
    return bytes(rng.randrange(256) for _ in range(n))


def cases() -> list[Case]:
    """Every genomics case; ``expect`` is "ok" or the medcore.errors class name."""
    ten_mb = b">chr_piece\n" + (b"ACGT" * 2_621_440)
    return [
        Case("empty file", "empty.fa", b"", "EmptyInputError"),
        Case("whitespace only", "blank.fa", b"\n \n\t\n", "EmptyInputError"),
        Case("header without sequence", "header.fa", b">only_header\n", "EmptyInputError"),
        Case("binary content", "binary.fa", b"\x00\x01" + _random_bytes(2000),
             "UnsupportedFormatError"),
        Case("PNG behind .fasta", "image.fasta", b"\x89PNG\r\n\x1a\n" + _random_bytes(100),
             "UnsupportedFormatError", "wrong type behind a right extension"),
        Case("gzip behind .fa", "seqs.fa", gzip.compress(b">a\nACGT\n"), "UnsupportedFormatError"),
        Case("non-UTF-8 bytes", "latin1.fa", b">caf\xe9\nACGT\xff\n", "InvalidSequenceError",
             "read as Windows-1252 like every uploader; the stray character is named"),
        Case("non-UTF-8 header", "latin1-ok.fa", b">caf\xe9\nACGTACGT\n", "ok",
             "read as Windows-1252, said in a note"),
        Case("protein FASTA", "protein.fa", f">sp|P1|PROT\n{PROTEIN}\n".encode(),
             "UnsupportedFormatError", "detected and said"),
        Case("non-nucleotide characters", "digits.fa", b">x\nACGT123ACGT\n",
             "InvalidSequenceError"),
        Case("10 MB sequence", "big.fa", ten_mb, "FileTooLargeError",
             f"over MAX_SEQUENCE_LENGTH={settings.MAX_SEQUENCE_LENGTH}"),
        Case("too many records", "many.fa",
             b"".join(b">s%d\nACGT\n" % i for i in range(settings.MAX_SEQUENCES + 1)),
             "FileTooLargeError"),
        Case("header range does not fit the sequence", "range.fa",
             f">chr17:1000-2000(-)\n{DNA60}\n".encode(), "InvalidSequenceError",
             "the header says 1,001 bases, the sequence has 60"),
        Case("lowercase FASTA", "lower.fa", f">low\n{DNA60.lower()}\n".encode(), "ok"),
        Case("IUPAC codes", "iupac.fa", b">amb\nACGTNNRYSWKMBDHVACGT\n", "ok"),
        Case("RNA (U)", "rna.fa", b">rna\nACGUUGCA\n", "ok"),
        Case("plain text one per line", "plain.txt", f"{DNA60}\n{DNA60[::-1]}\n".encode(), "ok"),
        Case("CRLF and BOM", "windows.fa", b"\xef\xbb\xbf>w\r\nACGT\r\nTTGA\r\n", "ok"),
        Case("gaps", "aligned.fa", b">g\nAC-GT..A\n", "ok"),
        Case("splice CSV", "splice.csv",
             f"Class, Donor, Sequence\nEI, X-1, {DNA60}\nN, X-2, {DNA60}\n".encode(), "ok"),
        Case("mixed good and bad records", "mixed.fa",
             f">good\n{DNA60}\n>prot\n{PROTEIN}\n>empty\n>bad\nACGTZZ\n".encode(), "ok",
             "valid record kept, three per-record messages"),
    ]


@dataclass(frozen=True)
class VariantCase:
    """A variant typed against ``seq``; ``expect`` is "ok" or the medcore.errors class name."""

    name: str
    text: str
    expect: str
    seq: str = DNA60


def variant_cases() -> list[VariantCase]:
    """Every variant a user might type wrong (and the forms that must work)."""
    base = DNA60[29]  # 'G' at position 30
    return [
        VariantCase("position outside the sequence", f"61 {base}>A", "InvalidVariantError"),
        VariantCase("position zero", f"0 {base}>A", "InvalidVariantError"),
        VariantCase("reference does not match", "30 T>A", "InvalidVariantError"),
        VariantCase("indel longer than the window", f"30 {base}>{base}{'A' * 60}",
                    "InvalidVariantError"),
        VariantCase("malformed VCF line", "seq1\t30\t.\tG", "InvalidVariantError"),
        VariantCase("words, not a variant", "the G at thirty to A", "InvalidVariantError"),
        VariantCase("REF equals ALT", f"30 {base}>{base}", "InvalidVariantError"),
        VariantCase("two ALT alleles", f"seq1\t30\t.\t{base}\tA,C", "InvalidVariantError"),
        VariantCase("ALT with a non-base", f"30 {base}>X", "InvalidVariantError"),
        VariantCase("SNV", f"30 {base}>A", "ok"),
        VariantCase("VCF line", f"seq1\t30\t.\t{base}\tA\t.\tPASS\t.", "ok"),
        VariantCase("deletion", f"30 {DNA60[29:32]}>{base}", "ok"),
        VariantCase("insertion, lower case", f"30 {base.lower()}>{base.lower()}tt", "ok"),
    ]

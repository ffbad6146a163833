"""Every genomics bad-input case through the library parser."""

from __future__ import annotations

import pytest

from medcore import errors
from medcore.genomics.io import load_upload
from tests.bad_inputs.genomics import DNA60, cases, variant_cases

EXPECTED_OK = {
    "lowercase FASTA": [DNA60],
    "IUPAC codes": ["ACGTNNRYSWKMBDHVACGT"],
    "RNA (U)": ["ACGTTGCA"],
    "plain text one per line": [DNA60, DNA60[::-1]],
    "CRLF and BOM": ["ACGTTTGA"],
    "gaps": ["ACGTA"],
    "splice CSV": [DNA60, DNA60],
    "mixed good and bad records": [DNA60],
    "non-UTF-8 header": ["ACGTACGT"],
}


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.name)
def test_case(case):
    if case.expect == "ok":
        result = load_upload(case.filename, case.data)
        assert [r.seq for r in result.records] == EXPECTED_OK[case.name]
        if case.name == "mixed good and bad records":
            assert [n for n, _ in result.errors] == ["prot", "empty", "bad"]
            assert "protein" in result.errors[0][1]
        if case.name == "non-UTF-8 header":
            assert result.records[0].name == "caf\u00e9" and "Windows-1252" in result.notes[0]
        if case.name == "splice CSV":
            assert [r.label for r in result.records] == ["EI", "N"]
        return
    cls = getattr(errors, case.expect)
    with pytest.raises(cls) as info:
        load_upload(case.filename, case.data)
    assert isinstance(info.value, errors.InputError)
    assert info.value.fix, "every message must say how to fix it"


def test_corpus_covers_issue_items():
    names = {c.name for c in cases()}
    for item in ("protein FASTA", "binary content", "lowercase FASTA", "IUPAC codes",
                 "10 MB sequence", "header without sequence", "non-nucleotide characters"):
        assert item in names


@pytest.mark.parametrize("case", variant_cases(), ids=lambda c: c.name)
def test_variant_case(case):
    from medcore.genomics import variant

    if case.expect == "ok":
        v = variant.parse(case.text, case.seq)
        assert v.position == 30 and v.ref[0] == case.seq[29]
        return
    with pytest.raises(getattr(errors, case.expect)) as info:
        variant.parse(case.text, case.seq)
    assert info.value.fix, "every message must say how to fix it"

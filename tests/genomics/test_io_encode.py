"""Parser and encoder behaviour, plus hypothesis fuzzing of the parser."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from medcore.errors import InputError, InvalidSequenceError
from medcore.genomics import encode, synthetic
from medcore.genomics.io import load_upload, parse_text


def test_iupac_fractional_one_hot():
    x = encode.one_hot("ACGTNRSDu")
    assert x.shape == (9, 4)
    np.testing.assert_allclose(x[:4], np.eye(4))
    np.testing.assert_allclose(x[4], [0.25] * 4)
    np.testing.assert_allclose(x[5], [0.5, 0, 0.5, 0])  # R = A/G
    np.testing.assert_allclose(x[6], [0, 0.5, 0.5, 0])  # S = C/G
    np.testing.assert_allclose(x[7], [1 / 3, 0, 1 / 3, 1 / 3])  # D = A/G/T
    np.testing.assert_allclose(x[8], [0, 0, 0, 1])  # u = T
    np.testing.assert_allclose(x.sum(1), 1.0, rtol=1e-6)


def test_fit_length_pads_and_crops_centred():
    assert encode.fit_length("ACGT", 8) == "NNACGTNN"
    assert encode.fit_length("AACCGGTT", 4) == "CCGG"
    assert encode.one_hot_batch(["ACGT", "A" * 70], 60).shape == (2, 60, 4)


def test_fasta_labels_and_names():
    r = parse_text(">a label=EI desc\nACGT\nacgt\n>b class=n\nTTTT\n")
    assert [(x.name, x.label, x.seq) for x in r.records] == [("a", "EI", "ACGTACGT"),
                                                             ("b", "N", "TTTT")]


def test_invalid_message_names_position_and_fix():
    with pytest.raises(InvalidSequenceError) as info:
        parse_text(">x\nACGTACG#T\n")
    assert "position 8" in str(info.value) and "N" in info.value.fix


def test_letters_whose_capitals_are_longer_are_named_not_crashed():
    # Found by fuzzing: "ß".upper() is "SS" (both IUPAC codes), so the position search ran dry.
    with pytest.raises(InvalidSequenceError) as info:
        parse_text(">x\nACßT\n")
    assert "position 3" in str(info.value) and "'ß'" in str(info.value)


def test_synthetic_example_parses_and_is_marked():
    text = synthetic.example_fasta()
    assert "synthetic" in text.splitlines()[0]
    r = parse_text(text)
    assert len(r.records) == 25 and not r.errors
    assert r.records[-1].seq.__len__() == 3000
    assert {x.label for x in r.records[:-1]} == {"EI", "IE", "N"}


@settings(max_examples=150, deadline=2000)
@given(st.binary(max_size=3000))
def test_fuzz_bytes(data):
    try:
        result = load_upload("fuzz.fa", data)
    except InputError:
        return
    assert result.records
    for rec in result.records:
        assert set(rec.seq) <= set("ACGTRYSWKMBDHVN")


@settings(max_examples=150, deadline=2000)
@given(st.text(alphabet=">\n\r ;,acgtunACGTUNRYEFLPQ-.*0#", max_size=400))
def test_fuzz_fasta_like_text(text):
    try:
        result = load_upload("fuzz.fa", text.encode())
    except InputError:
        return
    assert all(r.seq and "U" not in r.seq for r in result.records)


def test_read_paths_keeps_going_past_bad_files(tmp_path):
    from medcore.genomics.io import read_paths

    (tmp_path / "ok.fa").write_text(">a\nACGT\n>b\nXXXX\n")
    (tmp_path / "bin.fa").write_bytes(b"%PDF-1.4")
    files = read_paths([tmp_path / "ok.fa", tmp_path / "bin.fa", tmp_path / "gone.fa"])
    assert [f.name for f in files] == ["ok.fa", "bin.fa", "gone.fa"]
    assert [r.name for r in files[0].parsed.records] == ["a"]
    assert files[0].error_rows()[0]["record"] == "b"
    assert "PDF" in files[1].error_rows()[0]["error"] and files[2].parsed is None

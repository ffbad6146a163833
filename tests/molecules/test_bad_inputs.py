"""Every case of the molecule bad-input corpus gives a correct result or its typed error."""

from __future__ import annotations

import pytest

import medcore.errors as errors
from medcore.molecules import io
from tests.bad_inputs.molecules import EXPECTED_OK, cases


@pytest.mark.parametrize("case", cases(), ids=lambda c: c.name)
def test_case(case):
    if case.expect == "ok":
        batch = io.load_upload(case.filename, case.data)
        assert (len(batch.valid), len(batch.invalid)) == EXPECTED_OK[case.name]
        for rec in batch.invalid:
            assert rec.error and len(rec.error) > 20
    else:
        with pytest.raises(getattr(errors, case.expect)) as info:
            io.load_upload(case.filename, case.data)
        assert info.value.fix, "every error says how to fix it"


def test_salts_keep_largest_fragment_and_say_so():
    case = next(c for c in cases() if c.name == "salt_and_mixture")
    batch = io.load_upload(case.filename, case.data)
    assert batch.records[0].smiles == "O=C([O-])Cc1ccccc1Nc1c(Cl)cccc1Cl"
    assert batch.records[1].smiles == "CCO"
    assert all("largest fragment" in r.note for r in batch.records)


def test_sdf_names_and_errors_per_record():
    case = next(c for c in cases() if c.name == "sdf_broken_records")
    recs = io.load_upload(case.filename, case.data).records
    assert [r.name for r in recs][0] == "aspirin" and recs[-1].name == "caffeine"
    assert "truncated" in recs[1].error or "cannot be read" in recs[1].error


def test_non_utf8_text_is_read_as_windows_1252_and_said():
    case = next(c for c in cases() if c.name == "csv_latin1")
    batch = io.load_upload(case.filename, case.data)
    assert batch.records[0].name == "caf\u00e9ine"
    assert any("Windows-1252" in n for n in batch.notes)


def test_one_guard_for_every_text_uploader():
    """The same wrong file gets the same typed error from each workbench's reader."""
    from medcore.genomics.io import load_upload as dna
    from medcore.history.io import load_upload as history

    png = b"\x89PNG\r\n\x1a\n" + bytes(64)
    for read, name in ((io.load_upload, "x.csv"), (dna, "x.fa"), (history, "x.csv")):
        with pytest.raises(errors.UnsupportedFormatError, match="is a PNG image, not text"):
            read(name, png)
        with pytest.raises(errors.EmptyInputError, match="is empty"):
            read(name, b"  \n")

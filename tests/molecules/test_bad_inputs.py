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
        counts = len(batch.valid), len(batch.invalid), len(batch.unscored)
        assert counts == EXPECTED_OK[case.name]
        for rec in batch.invalid + batch.unscored:
            assert rec.problem and len(rec.problem) > 20 and rec.smiles is None
    else:
        with pytest.raises(getattr(errors, case.expect)) as info:
            io.load_upload(case.filename, case.data)
        assert info.value.fix, "every error says how to fix it"


def _batch(name: str) -> io.MolBatch:
    case = next(c for c in cases() if c.name == name)
    return io.load_upload(case.filename, case.data)


def test_salts_score_the_parent_and_name_what_was_removed():
    diclofenac, ethanol = _batch("salt_and_mixture").records
    assert diclofenac.smiles == "O=C([O-])Cc1ccccc1Nc1c(Cl)cccc1Cl"
    assert diclofenac.note == "Removed counter-ion Na+; scored the parent C14H10Cl2NO2-."
    assert ethanol.smiles == "CCO" and "H2O (x2)" in ethanol.note
    (lidocaine,) = _batch("hydrochloride").records
    assert lidocaine.smiles == "CCN(CC)CC(=O)Nc1c(C)cccc1C"
    assert lidocaine.note == "Removed HCl; scored the parent C14H22N2O."


def test_metal_complexes_are_not_scored_and_say_why():
    plain, dative, caffeine = _batch("metal_complex").records
    for rec in (plain, dative):
        assert rec.smiles is None and rec.error is None
        assert "metal Pt" in rec.not_scored and "Cl- (x2)" in rec.not_scored
    assert caffeine.smiles and not caffeine.note
    with pytest.raises(errors.InvalidMoleculeError, match="metal Pt"):
        io.load_upload("m.smi", b"N[Pt](N)(Cl)Cl cisplatin\n")


def test_mixtures_and_inorganics_are_not_scored_and_say_why():
    mixture = _batch("comparable_mixture").records[0]
    assert "mixture of comparable organic parts" in mixture.not_scored
    assert "C7H6O3" in mixture.not_scored and "C9H7NO" in mixture.not_scored
    assert "inorganic" in _batch("inorganic_salt").records[0].not_scored


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

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

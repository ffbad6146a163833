"""Property-based fuzzing of the molecule parsers: any input -> MolBatch or InputError."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medcore.errors import InputError
from medcore.molecules import io

FUZZ = settings(max_examples=150, deadline=3000,
                suppress_health_check=[HealthCheck.too_slow])
SMILES_ALPHABET = "CNOSPFIBrcl()[]=#@+-123456789%.\\/Hn os\n,;\t"
NAMES = st.sampled_from(["x.smi", "x.txt", "x.csv", "x.tsv", "x.sdf", "x.mol", "x.bin"])


def _check(name: str, data: bytes) -> None:
    try:
        batch = io.load_upload(name, data)
    except InputError as err:
        assert str(err)
        return
    assert isinstance(batch, io.MolBatch)
    for rec in batch.records:
        assert (rec.smiles is None) != (rec.error is None)


@FUZZ
@given(NAMES, st.binary(max_size=3000))
def test_any_bytes(name, data):
    _check(name, data)


@FUZZ
@given(NAMES, st.text(alphabet=SMILES_ALPHABET, max_size=400))
def test_smiles_like_text(name, text):
    _check(name, text.encode())


@FUZZ
@given(st.lists(st.text(alphabet=SMILES_ALPHABET.replace("\n", ""), max_size=40), max_size=8))
def test_sdf_like_records(parts):
    text = "\n$$$$\n".join("t\n  x\n\n" + p + "\nM  END" for p in parts)
    _check("x.sdf", text.encode())

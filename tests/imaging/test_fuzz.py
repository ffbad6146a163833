"""Property tests: any bytes give an XrayImage or an InputError, never another exception."""

from __future__ import annotations

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medcore.errors import InputError
from medcore.imaging.io import load_upload
from tests.bad_inputs.imaging import chest_like, dicom, encode

SEEDS = [encode(chest_like(32)), encode(chest_like(32), "JPEG"), dicom(chest_like(16))]


def _check(data: bytes) -> None:
    try:
        out = load_upload("fuzz.png", data)
    except InputError:
        return
    assert out.pixels.ndim == 2 and out.pixels.dtype.name == "uint8"


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.binary(max_size=4096))
def test_random_bytes(data):
    _check(data)


@settings(max_examples=150, deadline=2000, suppress_health_check=[HealthCheck.too_slow])
@given(st.sampled_from(SEEDS), st.integers(0, 10_000), st.binary(min_size=1, max_size=16),
       st.booleans())
def test_mutated_valid_files(seed, pos, patch, truncate):
    """Flip bytes inside (or cut) real PNG/JPEG/DICOM files: headers, chunks, pixel data."""
    pos %= len(seed)
    data = seed[:pos] if truncate else seed[:pos] + patch + seed[pos + len(patch):]
    _check(data)

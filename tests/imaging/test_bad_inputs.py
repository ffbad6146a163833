"""Every corpus case: "ok" gives a usable image, anything else exactly its InputError class."""

from __future__ import annotations

import numpy as np
import pytest

from medcore import errors
from medcore.imaging.io import load_upload
from tests.bad_inputs.imaging import cases

CASES = cases()


@pytest.mark.parametrize("case", CASES, ids=[c.name for c in CASES])
def test_case(case):
    if case.expect == "ok":
        out = load_upload(case.filename, case.data)
        assert out.pixels.dtype == np.uint8 and out.pixels.ndim == 2
        assert min(out.pixels.shape) >= 8 and out.pixels.std() > 1  # real content survived
        return
    expected = getattr(errors, case.expect)
    with pytest.raises(expected) as info:
        load_upload(case.filename, case.data)
    assert type(info.value) is expected
    assert info.value.fix, "every error must say how to fix it"


def test_corpus_covers_issue_items():
    names = " ".join(c.name for c in CASES)
    for item in ("empty", "truncated png", "truncated jpeg", "bomb", "cmyk", "palette", "rgba",
                 "16-bit", "without pixel data", "monochrome1"):
        assert item in names

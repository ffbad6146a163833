"""Every upload parser, fed arbitrary bytes: a result or an InputError, within time and memory."""

from __future__ import annotations

import importlib
import time
import tracemalloc

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from medcore.errors import InputError

PARSERS = {
    "imaging": ("x.png", "medcore.imaging.io"),
    "history": ("x.csv", "medcore.history.io"),
    "molecules": ("x.smi", "medcore.molecules.io"),
    "genomics": ("x.fasta", "medcore.genomics.io"),
}
MAX_SECONDS = 5.0
MAX_PEAK_MB = 200.0


def _parser(workbench: str):
    filename, module = PARSERS[workbench]
    try:
        return filename, importlib.import_module(module).load_upload
    except ImportError:
        pytest.skip(f"{module} is not part of this checkout")


@pytest.mark.parametrize("workbench", list(PARSERS))
def test_any_bytes_give_result_or_input_error_within_bounds(workbench):
    filename, load = _parser(workbench)

    @settings(max_examples=60, deadline=None, suppress_health_check=list(HealthCheck))
    @given(st.binary(max_size=4096) | st.text(max_size=2048).map(str.encode))
    def check(data: bytes) -> None:
        tracemalloc.start()
        t0 = time.perf_counter()
        try:
            load(filename, data)
        except InputError:
            pass
        finally:
            elapsed = time.perf_counter() - t0
            peak = tracemalloc.get_traced_memory()[1] / 1e6
            tracemalloc.stop()
        assert elapsed < MAX_SECONDS, f"{workbench} took {elapsed:.1f} s"
        assert peak < MAX_PEAK_MB, f"{workbench} peaked at {peak:.0f} MB"

    check()

"""Shared fixtures: the data folder (skip when absent) and the repo root."""

from __future__ import annotations

import os
from pathlib import Path

import pytest
from hypothesis import settings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
# The fuzz tests draw the same examples on every run (profile "ci"), so a red CI run can be
# replayed and a green one is not luck of the draw. To hunt for new failures, run them with
# fresh random examples: MEDCORE_HYPOTHESIS=explore python -m pytest -k fuzz (repeat at will).
settings.register_profile("ci", derandomize=True, database=None)
settings.register_profile("explore", derandomize=False, database=None)
settings.load_profile(os.environ.get("MEDCORE_HYPOTHESIS", "ci"))
ROOT = Path(__file__).resolve().parent.parent


@pytest.fixture(scope="session")
def data_dir() -> Path:
    from medcore import settings

    d = settings.data_dir()
    if not d.is_dir():
        pytest.skip(f"data folder {d} not found; set MEDCORE_DATA_DIR to the shared data")
    return d


def require_data(relative: str) -> Path:
    """Path of a file in the data folder, or skip the test saying which file is missing."""
    from medcore import settings

    path = settings.data_dir() / relative
    if not path.exists():
        pytest.skip(f"{path} not found; set MEDCORE_DATA_DIR to the shared data folder")
    return path


def shipped_bundle(model_id: str):
    """The shipped model from assets/models, or skip saying how to train it."""
    from medcore import registry

    if not registry.is_trained(model_id):
        pytest.skip(f"{model_id} is not trained; run `python -m medcore train {model_id}`")
    return registry.load(model_id)


@pytest.hookimpl(tryfirst=True)
def pytest_collection_modifyitems(config, items) -> None:
    """Under ``-n`` (pytest-xdist, ``--dist loadgroup``) every real-browser test runs on one
    worker, in file order: they share one app server per worker, and the load test must not
    compete with another browser test; the rest of the suite spreads over the other cores."""
    e2e = ROOT / "tests" / "e2e"
    for item in items:
        if e2e in Path(item.fspath).parents:
            item.add_marker(pytest.mark.xdist_group("browser"))

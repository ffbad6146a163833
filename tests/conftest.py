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


def _browser(nodeid: str) -> bool:
    return nodeid.startswith("tests/e2e/")


def pytest_collection_modifyitems(config, items) -> None:
    """Real-browser tests first, then the slow ones: under ``-n`` the browser tests are the
    longest single share of work and the slow tests the longest single tests, so starting
    them early leaves the short tests to fill the other workers at the end."""
    items.sort(key=lambda item: (not _browser(item.nodeid),
                                 item.get_closest_marker("slow") is None))


@pytest.hookimpl(optionalhook=True)
def pytest_xdist_make_scheduler(config, log):
    """Under ``-n`` (pytest-xdist) every real-browser test runs on one worker, in file order:
    they share that worker's app server, and the load test must not compete with another
    browser test; every other test is scheduled on its own over the remaining workers.
    (xdist's ``--dist loadgroup`` does not group under pytest 9: it renames ``item._nodeid``,
    which pytest 9 no longer reads.)"""
    from xdist.scheduler import LoadScopeScheduling

    class BrowserTestsTogether(LoadScopeScheduling):
        def _split_scope(self, nodeid: str) -> str:
            return "browser" if _browser(nodeid) else nodeid

    return BrowserTestsTogether(config, log)

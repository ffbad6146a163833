"""Shared fixtures: the shipped models (skipped until trained) and the data folder."""

from __future__ import annotations

import os

import pytest

from tests.conftest import shipped_bundle

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def data_dir():
    from medcore import settings

    d = settings.data_dir()
    if not (d / "ehr" / "physionet2012_set-a.csv.gz").exists():
        pytest.skip(f"data folder {d}/ehr not found; set MEDCORE_DATA_DIR")
    return d


@pytest.fixture(scope="session")
def rnn_bundle():
    return shipped_bundle("history-rnn")


@pytest.fixture(scope="session")
def cnn_bundle():
    return shipped_bundle("history-cnn")

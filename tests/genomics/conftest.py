"""Shared fixtures: the shipped models (skipped with a reason when not trained)."""

from __future__ import annotations

import os

import pytest

from tests.conftest import shipped_bundle

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def cnn_bundle():
    return shipped_bundle("dna-cnn")


@pytest.fixture(scope="session")
def rnn_bundle():
    return shipped_bundle("dna-rnn")


@pytest.fixture(scope="session")
def data_dir():
    from medcore.settings import data_dir as dd

    path = dd()
    if not (path / "genomics" / "splice.data.csv").exists():
        pytest.skip(f"data folder {path} not found (genomics/splice.data.csv); "
                    "set MEDCORE_DATA_DIR")
    return path

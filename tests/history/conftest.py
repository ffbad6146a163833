"""Shared fixtures: the shipped models (skipped until trained) and the data folder."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def data_dir():
    from medcore import settings

    d = settings.data_dir()
    if not (d / "ehr" / "physionet2012_set-a.csv.gz").exists():
        pytest.skip(f"data folder {d}/ehr not found; set MEDCORE_DATA_DIR")
    return d


def _shipped(model_id: str):
    from medcore import registry

    if not registry.is_trained(model_id):
        pytest.skip(f"{model_id} is not trained; run `python -m medcore train {model_id}`")
    return registry.load(model_id)


@pytest.fixture(scope="session")
def rnn_bundle():
    return _shipped("history-rnn")


@pytest.fixture(scope="session")
def cnn_bundle():
    return _shipped("history-cnn")

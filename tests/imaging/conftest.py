"""Shared fixtures: the shipped models (skipped with a reason when absent) and the data folder."""

from __future__ import annotations

import os

import pytest

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


def _bundle(model_id: str):
    from medcore import registry

    if not registry.is_trained(model_id):
        pytest.skip(f"{model_id} is not trained; run `python -m medcore train {model_id}`")
    return registry.load(model_id)


@pytest.fixture(scope="session")
def cnn():
    return _bundle("xray-cnn")


@pytest.fixture(scope="session")
def gan():
    return _bundle("xray-gan")


@pytest.fixture(scope="session")
def data_dir():
    from medcore.imaging.data import npz_path
    from medcore.settings import data_dir as folder

    if not npz_path(folder()).exists():
        pytest.skip(f"data folder {folder()} not found; set MEDCORE_DATA_DIR")
    return folder()

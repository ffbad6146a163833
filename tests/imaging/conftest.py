"""Shared fixtures: the shipped models (skipped with a reason when absent) and the data folder."""

from __future__ import annotations

import os

import pytest

from tests.conftest import shipped_bundle

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")


@pytest.fixture(scope="session")
def cnn():
    return shipped_bundle("xray-cnn")


@pytest.fixture(scope="session")
def gan():
    return shipped_bundle("xray-gan")


@pytest.fixture(scope="session")
def data_dir():
    from medcore.imaging.data import npz_path
    from medcore.settings import data_dir as folder

    if not npz_path(folder()).exists() or not (folder() / "xray" / "kermany224").is_dir():
        pytest.skip(f"data folder {folder()} not found; set MEDCORE_DATA_DIR")
    return folder()

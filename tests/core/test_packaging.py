"""`pip install -e .` gives a `medcore` command and the data files the library reads."""

from __future__ import annotations

import importlib
import tomllib
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _pyproject() -> dict:
    return tomllib.loads((ROOT / "pyproject.toml").read_text())


def test_console_script_points_at_the_cli():
    target = _pyproject()["project"]["scripts"]["medcore"]
    module, func = target.split(":")
    assert callable(getattr(importlib.import_module(module), func))


def test_runtime_pins_and_test_tools_are_split():
    project = _pyproject()["project"]
    names = {d.split(">=")[0] for d in project["dependencies"]}
    pins = [line.split("==")[0] for line in (ROOT / "requirements.txt").read_text().splitlines()
            if line.strip() and not line.startswith("#")]
    tools = {"hypothesis", "pytest", "pytest-xdist", "playwright", "ruff"}
    assert set(pins) - tools == names  # every runtime pin is a dependency, no test tool is
    extras = project["optional-dependencies"]
    assert tools - {"ruff"} <= {d.split(">=")[0] for d in extras["test"]}
    assert "gpu" in extras and "dev" in extras


def test_package_data_covers_the_tables_the_library_reads():
    patterns = _pyproject()["tool"]["setuptools"]["package-data"]["medcore.history"]
    tables = [p for pattern in patterns for p in (ROOT / "medcore" / "history").glob(pattern)]
    assert {p.name for p in tables} == {"variables.csv", "units.csv", "vocabulary.csv",
                                        "ehr_items.csv", "coverage.json"}

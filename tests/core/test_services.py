"""One shape for every workbench: a ``service.analyse(bundle, inputs, ...)`` that returns typed
results, and one per-file loop for the files a command names."""

from __future__ import annotations

import dataclasses
import importlib
import inspect
import typing

import pytest

from medcore import registry, uploads
from medcore.errors import InputError

WORKBENCHES = sorted({s.workbench for s in registry.MODELS.values()})


@pytest.mark.parametrize("workbench", WORKBENCHES)
def test_each_workbench_has_a_service_that_returns_typed_results(workbench):
    service = importlib.import_module(f"medcore.{workbench}.service")
    params = list(inspect.signature(service.analyse).parameters)
    assert params[0] == "bundle" and len(params) >= 2
    ret = typing.get_type_hints(service.analyse)["return"]
    assert typing.get_origin(ret) is list
    (item,) = typing.get_args(ret)
    assert dataclasses.is_dataclass(item) or typing.is_typeddict(item), item
    assert item.__doc__, "a result type says what it holds"


def test_per_file_answers_each_file_and_never_stops_at_a_bad_one(tmp_path, monkeypatch):
    good, bad, big = tmp_path / "a.txt", tmp_path / "b.txt", tmp_path / "c.txt"
    good.write_text("fine")
    bad.write_text("broken")
    big.write_bytes(b"x" * 64)
    monkeypatch.setattr(uploads.settings, "MAX_UPLOAD_BYTES", 32)

    def answer(name: str, data: bytes) -> list[dict]:
        if data == b"broken":
            raise InputError(f"{name} is broken.", "Fix it.")
        return [{"file": name, "n": len(data)}, {"file": name, "n": 0}]

    rows = uploads.per_file([good, tmp_path / "missing.txt", bad, big, good], answer)
    assert [r["file"] for r in rows] == ["a.txt", "a.txt", "missing.txt", "b.txt", "c.txt",
                                         "a.txt", "a.txt"]
    assert "Could not read missing.txt" in rows[2]["error"]
    assert rows[3]["error"] == "b.txt is broken. Fix it."
    assert "MB limit (MAX_UPLOAD_BYTES)" in rows[4]["error"]  # the page's words
    assert rows[0]["n"] == 4

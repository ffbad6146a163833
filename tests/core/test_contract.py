"""One contract, run over every registered model (as scikit-learn's parametrize_with_checks):
the module satisfies ``ModelModule``, the shipped model loads with its card, predicts on its
spec's example file with its explanation (``EXPLANATION``) and answers a broken file with a
clear per-file error instead of raising.

The checks are functions so that a model registered elsewhere (tests/core/test_registry.py)
runs exactly the same ones. ``evaluate == card`` is checked per workbench
(tests/*/test_*shipped*, test_cnn, test_gan), where the data each needs is at hand; it is not
repeated here because it is the slowest check.
"""

from __future__ import annotations

import inspect
from pathlib import Path

import pytest

from medcore import registry
from medcore.cards import REQUIRED_FIELDS
from tests.conftest import shipped_bundle
from tests.e2e.samples import or_skip

BROKEN = b"\x00\x01\x02\x03PK\x03\x04" + bytes(range(256)) * 4


def check_module(model_id: str) -> None:
    """The module satisfies the Protocol, with the signatures the CLI and bench call."""
    mod = registry.module(model_id)
    assert isinstance(mod, registry.ModelModule)
    assert "quick" in inspect.signature(mod.train).parameters
    assert list(inspect.signature(mod.evaluate).parameters)[:2] == ["bundle", "data_dir"]


def check_predicts(bundle: registry.Bundle, folder: Path) -> None:
    """The spec's example is answered with its explanation; a broken file gets its own
    clear error and does not stop the example."""
    assert set(REQUIRED_FIELDS) <= set(bundle.card)
    name, payload = or_skip(registry.example, bundle.id)
    good, bad = folder / name, folder / f"broken{name[name.index('.'):]}"
    good.write_bytes(payload)
    bad.write_bytes(BROKEN)
    out = registry.module(bundle.id).predict_paths(bundle, [good, bad])
    answered = [e for e in out if e.get("file", good.name) == good.name and "error" not in e]
    assert answered
    key = registry.module(bundle.id).EXPLANATION
    if key is not None:
        found = list(_values(answered, key))
        assert found and all(found), f"{bundle.id}: no '{key}' in {answered}"
    errors = [e["error"] for e in out if e.get("file") == bad.name and "error" in e]
    assert errors and all(len(err) > 30 for err in errors), out


@pytest.mark.parametrize("model_id", list(registry.MODELS))
def test_module_satisfies_the_contract(model_id):
    check_module(model_id)


@pytest.mark.parametrize("model_id", list(registry.MODELS))
def test_loads_predicts_and_answers_a_broken_file(model_id, tmp_path):
    check_predicts(shipped_bundle(model_id), tmp_path)


def _values(obj, key: str):
    """Every value under ``key`` in nested rows (files hold patients or molecules)."""
    if isinstance(obj, dict):
        if key in obj:
            yield obj[key]
        for v in obj.values():
            yield from _values(v, key)
    elif isinstance(obj, list):
        for v in obj:
            yield from _values(v, key)

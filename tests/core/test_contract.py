"""One contract, run over every registered model (as scikit-learn's parametrize_with_checks):
the module satisfies ``ModelModule``, the shipped model loads with its card, predicts on a real
example file with its explanation (``EXPLANATION``) and answers a broken file with a clear
per-file error instead of raising.

``evaluate == card`` is checked per workbench (tests/*/test_*shipped*, test_cnn, test_gan),
where the data each needs is at hand; it is not repeated here because it is the slowest check.
"""

from __future__ import annotations

import inspect

import pytest

from medcore import registry
from medcore.bench import samples
from medcore.cards import REQUIRED_FIELDS
from tests.conftest import shipped_bundle
from tests.e2e.samples import or_skip

EXAMPLES = {  # workbench -> (file name, bytes of a real example)
    "imaging": ("film.png", lambda: samples.xray_png(0)),
    "history": ("stays.csv", lambda: samples.history_csv(0, 2)),
    "molecules": ("drugs.smi", lambda: samples.DRUGS_SMI),
    "genomics": ("splice.fasta", lambda: samples.splice_fasta(2)),
}
BROKEN = b"\x00\x01\x02\x03PK\x03\x04" + bytes(range(256)) * 4


@pytest.mark.parametrize("model_id", list(registry.MODELS))
def test_module_satisfies_the_contract(model_id):
    mod = registry.module(model_id)
    assert isinstance(mod, registry.ModelModule)
    assert "quick" in inspect.signature(mod.train).parameters
    assert list(inspect.signature(mod.evaluate).parameters)[:2] == ["bundle", "data_dir"]


@pytest.mark.parametrize("model_id", list(registry.MODELS))
def test_loads_predicts_and_answers_a_broken_file(model_id, tmp_path):
    bundle = shipped_bundle(model_id)
    assert set(REQUIRED_FIELDS) <= set(bundle.card)
    name, payload = EXAMPLES[registry.spec(model_id).workbench]
    good, bad = tmp_path / name, tmp_path / f"broken{name[name.index('.'):]}"
    good.write_bytes(or_skip(payload))
    bad.write_bytes(BROKEN)
    out = registry.module(model_id).predict_paths(bundle, [good, bad])
    answered = [e for e in out if e.get("file", good.name) == good.name and "error" not in e]
    assert answered
    key = registry.module(model_id).EXPLANATION
    if key is not None:
        found = list(_values(answered, key))
        assert found and all(found), f"{model_id}: no '{key}' in {answered}"
    errors = [e["error"] for e in out if e.get("file") == bad.name and "error" in e]
    assert errors and all(len(err) > 30 for err in errors), out


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

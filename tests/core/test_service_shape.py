"""The one service shape every workbench keeps: frozen typed results, ``set_level`` and
``explain`` that return new results and leave their inputs alone, and the agreed names."""

from __future__ import annotations

import copy
import dataclasses
import importlib
import inspect

import pytest

from tests.conftest import shipped_bundle


def _history():
    from medcore.history import io, service, synthetic

    bundle = shipped_bundle("history-cnn")  # explains in well under a second
    hist = io.HistoryData(synthetic.records(6, seed=3), io.ValidationReport())
    return bundle, service.analyse(bundle, hist, explain_top=0)


def _molecules():
    from medcore.molecules import io, service

    bundle = shipped_bundle("tox-cnn")
    batch = io.parse_smiles_text("CC(=O)Oc1ccccc1C(=O)O aspirin\n"
                                 "CC(C)Cc1ccc(C(C)C(=O)O)cc1 ibuprofen\n"
                                 "Cn1cnc2c1c(=O)n(C)c(=O)n2C caffeine\n"
                                 "C#CC#CC#CC#C tetrayne\n")
    return bundle, service.analyse(bundle, batch)


# (workbench, a function returning (bundle, a few unexplained results of its analyse))
CASES = [
    ("history", _history),
    ("molecules", _molecules),
]


def _explained(result) -> bool:
    return getattr(result, "explanation", None) is not None


@pytest.mark.parametrize(("workbench", "make"), CASES, ids=[w for w, _ in CASES])
def test_service_keeps_the_one_shape(workbench, make):
    service = importlib.import_module(f"medcore.{workbench}.service")
    for fn, names in ((service.analyse, ("bundle", "level", "explain_top")),
                      (service.explain, ("bundle", "results")),
                      (service.set_level, ("bundle", "results", "level"))):
        params = inspect.signature(fn).parameters
        assert set(names) <= set(params), (fn.__name__, list(params))
        assert list(params)[0] == "bundle"
    bundle, results = make()
    assert results and all(dataclasses.is_dataclass(r) for r in results)
    with pytest.raises(dataclasses.FrozenInstanceError):
        results[0].level = 0.5
    before = copy.deepcopy(results)

    low, high = (service.set_level(bundle, results, lv) for lv in (0.5, 0.99))
    assert all(a is not r for a, r in zip(high, results, strict=True))
    assert [r.level for r in high] == [0.99] * len(results)
    assert [r.prediction_set for r in low] != [r.prediction_set for r in high]
    assert results == before  # the inputs are unchanged

    assert not any(_explained(r) for r in results)
    explained = service.explain(bundle, results[:2])
    assert len(explained) == 2 and all(_explained(r) for r in explained)
    assert all(a is not r for a, r in zip(explained, results[:2], strict=True))
    assert not any(_explained(r) for r in results) and results == before

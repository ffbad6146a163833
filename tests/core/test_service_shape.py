"""The one service shape: every workbench's ``analyse`` returns frozen typed results;
``set_level`` and ``explain`` return new results and leave the given ones as they were."""

from __future__ import annotations

import copy
import dataclasses
import functools
import importlib
import inspect

import pytest

from tests.conftest import shipped_bundle
from tests.e2e import samples


@functools.cache
def _imaging():
    """Two real test films: one the model is sure of at any level, one that is not (its set
    changes between 50 % and 99 %)."""
    from medcore.imaging import io, service

    bundle = shipped_bundle("xray-cnn")
    films = [io.load_upload(f"film{i}.png", samples.xray_png(i)) for i in (0, 120)]
    return bundle, service.analyse(bundle, films, explain_top=0)


@functools.cache
def _genomics():
    """The example's 400-nt windows (each answered by its own set)."""
    from medcore.genomics import io, service, synthetic

    bundle = shipped_bundle("dna-cnn")
    records = io.parse_text(synthetic.example_fasta()).records
    windows = [r for r in records if len(r.seq) <= 400][:6]
    return bundle, service.analyse(bundle, windows, explain_top=0)


@functools.cache
def _history():
    """Six synthetic stays on history-cnn (it explains in well under a second); their sets
    change between 50 % and 99 %."""
    from medcore.history import io, service, synthetic

    bundle = shipped_bundle("history-cnn")
    hist = io.HistoryData(synthetic.records(6, seed=3), io.ValidationReport())
    return bundle, service.analyse(bundle, hist, explain_top=0)


@functools.cache
def _molecules():
    """Four scored molecules, one far from training."""
    from medcore.molecules import io, service

    bundle = shipped_bundle("tox-cnn")
    batch = io.parse_smiles_text("CC(=O)Oc1ccccc1C(=O)O aspirin\n"
                                 "CC(C)Cc1ccc(C(C)C(=O)O)cc1 ibuprofen\n"
                                 "Cn1cnc2c1c(=O)n(C)c(=O)n2C caffeine\n"
                                 "C#CC#CC#CC#C tetrayne\n")
    return bundle, service.analyse(bundle, batch, explain_top=0)


# (workbench, a function returning (bundle, a few results of its analyse with explain_top=0))
CASES = [
    ("imaging", _imaging),
    ("genomics", _genomics),
    ("history", _history),
    ("molecules", _molecules),
]
IDS = [workbench for workbench, _ in CASES]
# keywords that make an explanation cheap enough for a contract test (same code path)
EXPLAIN_OPTIONS = {"imaging": {"max_evals": 64}}


def _service(workbench: str):
    return importlib.import_module(f"medcore.{workbench}.service")


def _unset(result) -> set[str]:
    """The fields a result leaves empty (an explanation is one of them until explained)."""
    return {f.name for f in dataclasses.fields(result) if getattr(result, f.name) is None}


@pytest.mark.parametrize(("workbench", "make"), CASES, ids=IDS)
def test_results_are_frozen_dataclasses(workbench, make):
    _, results = make()
    assert results and all(dataclasses.is_dataclass(r) for r in results)
    first = dataclasses.fields(results[0])[0].name
    with pytest.raises(dataclasses.FrozenInstanceError):
        setattr(results[0], first, None)


@pytest.mark.parametrize(("workbench", "make"), CASES, ids=IDS)
def test_set_level_returns_new_results_and_leaves_the_given_ones(workbench, make):
    service = _service(workbench)
    bundle, results = make()
    before = copy.deepcopy([r.prediction_set for r in results])
    low = service.set_level(bundle, results, 0.5)
    high = service.set_level(bundle, results, 0.99)
    assert len(low) == len(high) == len(results)
    assert all(a is not r and b is not r for a, b, r in zip(low, high, results, strict=True))
    assert [r.prediction_set for r in results] == before
    assert [r.prediction_set for r in low] != [r.prediction_set for r in high]
    # a set at a higher level holds every class of the lower level's set
    assert all(set(a.prediction_set) <= set(b.prediction_set)
               for a, b in zip(low, high, strict=True) if a.prediction_set is not None)


@pytest.mark.parametrize(("workbench", "make"), CASES, ids=IDS)
def test_explain_returns_new_explained_results_and_leaves_the_given_ones(workbench, make):
    service = _service(workbench)
    bundle, results = make()
    given = results[:1]
    empty = _unset(given[0])
    out = service.explain(bundle, given, **EXPLAIN_OPTIONS.get(workbench, {}))
    assert len(out) == 1 and out[0] is not given[0]
    assert _unset(out[0]) < empty, "the explanation fills a field analyse left empty"
    assert _unset(given[0]) == empty, "the given result stays unexplained"


@pytest.mark.parametrize("workbench", IDS)
def test_the_agreed_names(workbench):
    service = _service(workbench)
    analyse = inspect.signature(service.analyse).parameters
    assert list(analyse)[0] == "bundle"
    for name in ("level", "explain_top"):
        assert analyse[name].kind is inspect.Parameter.KEYWORD_ONLY, name
    assert isinstance(analyse["explain_top"].default, int)
    explain = inspect.signature(service.explain).parameters
    assert list(explain)[:2] == ["bundle", "results"]
    assert all(p.kind is inspect.Parameter.KEYWORD_ONLY for p in list(explain.values())[2:])
    assert list(inspect.signature(service.set_level).parameters)[:3] == [
        "bundle", "results", "level"]

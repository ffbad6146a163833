"""A model is its module plus one registry entry: a tiny model registered here (this file is
its module) gets the command line, its workbench's page entry, a report and the contract test
with nothing written anywhere else.

The model is real but small: a 5-parameter Keras network that calls a DNA record GC-rich from
its base composition, saved, sealed and loaded the one checked way like every shipped model.
"""

from __future__ import annotations

import json
from pathlib import Path

import numpy as np
import pytest

from medcore import registry, uploads
from tests.core.test_contract import check_module, check_predicts

MODEL_ID = "gc-tiny"
CUSTOM_OBJECTS: dict = {}
EXPLANATION: str | None = "composition"
train_throughput = None
BASES = "ACGT"
HELD_OUT = [("GCGCGGCCGCATGC", 1), ("ATATTAAATGCATT", 0), ("GGGCCCGCGTAGCC", 1),
            ("TTATAAGCATATTA", 0), ("GCATTAATGCATAC", 0), ("CCGGCGATCGGGCC", 1)]
FASTA = b">rich\nGCGCGGCCGCGGCC\n>poor\nATATTAATATAATT\n"
CUTOFF = registry.Option("--cutoff", "GC-rich from this probability (default 0.5)",
                         lambda v: {"cutoff": float(v)}, with_report=False)
SPEC = registry.ModelSpec(MODEL_ID, "genomics", "GC-rich DNA (tiny)", __name__,
                          report=f"{__name__}:cases_from_paths", options=(CUTOFF,),
                          example=registry.Example("gc.fasta", lambda: FASTA),
                          cannot="Knows base composition only.", weakest="accuracy")


def composition(seq: str) -> np.ndarray:
    return np.array([seq.count(b) / max(len(seq), 1) for b in BASES], np.float32)


def build():
    import keras

    inp = keras.Input(shape=(4,), name="composition")
    out = keras.layers.Dense(1, activation="sigmoid", name="gc_rich")(inp)
    return keras.Model(inp, out, name="gc_tiny")


def _accuracy(model) -> dict:
    x = np.stack([composition(s) for s, _ in HELD_OUT])
    p = model.predict(x, verbose=0)[:, 0]
    return {"accuracy": round(float(np.mean((p >= 0.5) == [y for _, y in HELD_OUT])), 4)}


def train(out_dir: Path, *, quick: bool = False, **options) -> dict:
    model = build()
    model.set_weights([np.array([[-6.0], [6.0], [6.0], [-6.0]], np.float32),
                       np.zeros(1, np.float32)])
    model.save(Path(out_dir) / "model.keras")
    (Path(out_dir) / "bases.json").write_text(json.dumps(list(BASES)))
    return {"id": MODEL_ID, "task": "GC-rich or not", "architecture": "Dense(1) on composition",
            "dataset": {"name": "six sequences in this test"}, "metrics": _accuracy(model),
            "anchors": {}, "input_spec": "FASTA", "intended_use": "Testing the registry.",
            "limitations": "A test model."}


def evaluate(bundle, data_dir: Path) -> dict:
    return _accuracy(bundle.model)


def load_extras(folder: Path, card: dict) -> dict:
    return {"bases": json.loads((folder / "bases.json").read_text())}


def _rows(bundle, name: str, data: bytes, cutoff: float = 0.5) -> list[dict]:
    from medcore.genomics.io import load_upload

    records = load_upload(name, data).records
    p = bundle.model.predict(np.stack([composition(r.seq) for r in records]), verbose=0)[:, 0]
    return [{"file": name, "record": r.name, "probability": round(float(q), 4),
             "gc_rich": bool(q >= cutoff),
             "composition": dict(zip(BASES, composition(r.seq).tolist(), strict=True))}
            for r, q in zip(records, p, strict=True)]


def predict_paths(bundle, paths: list[Path], cutoff: float = 0.5) -> list[dict]:
    return uploads.per_file(paths, lambda name, data: _rows(bundle, name, data, cutoff))


def bench(bundle, quick: bool = False) -> dict:
    return {"figures": {}, "targets": []}


def cases_from_paths(bundle, paths: list[Path]) -> list:
    from medcore import report

    return [report.Failure(r["file"], r["error"]) if "error" in r else report.Case(
        kind="sequence", name=r["record"], model=report.model_facts(bundle.card),
        result="GC-rich" if r["gc_rich"] else "not GC-rich", probability=r["probability"],
        probability_of="of GC-rich") for r in predict_paths(bundle, paths)]


@pytest.fixture
def tiny(tmp_path, monkeypatch):
    """The tiny model registered (for this test only) and trained into a models folder."""
    from medcore import cli

    monkeypatch.setattr(registry, "MODELS", dict(registry.MODELS))
    monkeypatch.setenv("MEDCORE_MODELS_DIR", str(tmp_path / "models"))
    registry.register(SPEC)
    assert cli.main(["train", MODEL_ID, "--quick"]) == 0
    (tmp_path / "in").mkdir()
    (tmp_path / "in" / "gc.fasta").write_bytes(FASTA)
    return tmp_path


def _json(capsys):
    return json.loads(capsys.readouterr().out)


def test_one_entry_gives_the_command_line(tiny, capsys):
    from medcore import cli

    capsys.readouterr()
    assert cli.main(["models", "--json"]) == 0
    listed = {r["id"]: r for r in _json(capsys)}
    assert listed[MODEL_ID]["status"] == "trained"
    assert cli.main(["evaluate", MODEL_ID, "--json"]) == 0
    card = json.loads((tiny / "models" / MODEL_ID / "card.json").read_text())
    assert _json(capsys) == card["metrics"] == {"accuracy": 1.0}
    assert cli.main(["predict", MODEL_ID, str(tiny / "in"), "--json"]) == 0
    assert [r["gc_rich"] for r in _json(capsys)] == [True, False]
    assert cli.main(["predict", MODEL_ID, str(tiny / "in"), "--cutoff", "1e-9", "--json"]) == 0
    assert [r["gc_rich"] for r in _json(capsys)] == [True, True]  # the spec's option reached it
    assert cli.main(["predict", MODEL_ID, str(tiny / "in"), "--variant", "3 G>A"]) == 2
    assert "--variant applies to dna-cnn only" in capsys.readouterr().err
    assert cli.main(["predict", "dna-cnn", str(tiny / "in"), "--cutoff", "0.2"]) == 2
    assert f"--cutoff applies to {MODEL_ID} only" in capsys.readouterr().err


def test_one_entry_gives_the_page_entry_and_a_report(tiny, capsys):
    from streamlit.testing.v1 import AppTest

    from medcore import cli

    assert SPEC.page == "pages/genomics.py" and MODEL_ID in registry.ids("genomics")
    at = AppTest.from_file(str(Path(__file__).resolve().parents[2] / "app.py"),
                           default_timeout=60).run()
    assert not at.exception
    summary = [c.value for c in at.caption if f"`{MODEL_ID}`" in c.value]
    assert summary and "Knows base composition only." in summary[0]
    out = tiny / "reports"
    capsys.readouterr()
    assert cli.main(["predict", MODEL_ID, str(tiny / "in"), "--report", str(out), "--json"]) == 0
    written = [Path(r["report"]) for r in _json(capsys)]
    assert [p.name for p in written] == [f"{MODEL_ID}_rich.html", f"{MODEL_ID}_poor.html"]
    text = written[0].read_text()
    assert "GC-rich" in text and "Content-Security-Policy" in text and MODEL_ID in text


def test_one_entry_gives_the_contract_test(tiny):
    check_module(MODEL_ID)
    check_predicts(registry.load(MODEL_ID), tiny)


def test_the_protocol_is_the_one_list_of_what_a_module_needs(monkeypatch):
    import types

    assert {"CUSTOM_OBJECTS", "EXPLANATION", "train", "evaluate", "predict_paths",
            "load_extras"} <= set(registry.protocol_members(registry.ModelModule))
    half = types.ModuleType("half_model")
    half.train, half.CUSTOM_OBJECTS = train, {}
    monkeypatch.setitem(__import__("sys").modules, "half_model", half)
    monkeypatch.setattr(registry, "MODELS", dict(registry.MODELS))
    registry.register(registry.ModelSpec("half", "genomics", "Half", "half_model"))
    missing = "missing EXPLANATION, (.+, )?evaluate, load_extras, predict_paths"
    with pytest.raises(TypeError, match=missing):
        registry.module("half")
    registry.register(SPEC)
    with pytest.raises(ValueError, match="registered already"):
        registry.register(SPEC)


def test_a_spec_for_an_unknown_workbench_is_refused_when_written():
    with pytest.raises(ValueError, match="workbench 'eyes' is not one of imaging"):
        registry.ModelSpec("eye-cnn", "eyes", "Retina", "medcore.eyes.cnn")


def test_score_reads_class_subfolders_and_several_folders(tiny, capsys):
    from medcore import cli

    for rel in ("cohort/EI/a.fasta", "cohort/N/b.fasta", "cohort/N/.c.fasta", "more/d.fa"):
        (tiny / rel).parent.mkdir(parents=True, exist_ok=True)
        (tiny / rel).write_bytes(FASTA)
    capsys.readouterr()
    assert cli.main(["score", MODEL_ID, str(tiny / "cohort"), str(tiny / "more"), "--out",
                     str(tiny / "out"), "--json"]) == 0
    out = capsys.readouterr().out  # the summary is the last thing printed
    summary = json.loads(out[out.rindex("{\n"):])
    assert {k: summary[k] for k in ("inputs", "scored")} == {"inputs": 3, "scored": 6}, out
    rows = [json.loads(line) for line in (tiny / "out" / "chunk-00000.jsonl").open()]
    assert [r["file"] for r in rows] == ["a.fasta", "a.fasta", "b.fasta", "b.fasta", "d.fa",
                                         "d.fa"]
    assert cli.main(["score", MODEL_ID, str(tiny / "cohort" / "X"), "--out",
                     str(tiny / "out2")]) == 2
    assert "No files found" in capsys.readouterr().err and not (tiny / "out2").exists()

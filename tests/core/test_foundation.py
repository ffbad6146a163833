"""Settings, dataset registry, model registry and the no-Streamlit rule."""

import ast
import hashlib
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest

from medcore import datasets, registry, settings
from medcore.errors import DataUnavailableError, ModelIntegrityError, ModelNotTrainedError

ROOT = Path(__file__).resolve().parents[2]


def test_medcore_never_imports_streamlit_in_source():
    offenders = []
    for path in (ROOT / "medcore").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            names = []
            if isinstance(node, ast.Import):
                names = [a.name for a in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module:
                names = [node.module]
            if any(n == "streamlit" or n.startswith("streamlit.") for n in names):
                offenders.append(str(path.relative_to(ROOT)))
    assert offenders == []


def test_importing_every_medcore_module_does_not_load_streamlit():
    mods = sorted(
        ".".join(p.relative_to(ROOT).with_suffix("").parts)
        for p in (ROOT / "medcore").rglob("*.py") if p.name != "__main__.py"
    )
    code = ("import importlib, sys\n"
            f"for m in {mods!r}: importlib.import_module(m)\n"
            "assert 'streamlit' not in sys.modules, 'streamlit was imported'\n")
    res = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True,
                         timeout=300)
    assert res.returncode == 0, res.stderr[-2000:]


def test_data_dir_comes_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDCORE_DATA_DIR", str(tmp_path))
    assert settings.data_dir() == tmp_path
    monkeypatch.delenv("MEDCORE_DATA_DIR")
    assert settings.data_dir() == ROOT.parent / "shared" / "data"


def test_fetch_uses_local_copy_and_verifies_checksum(monkeypatch, tmp_path):
    payload = b"ACGT\n"
    ds = datasets.Dataset("toy", "toy/toy.txt", "http://127.0.0.1:9/toy.txt",
                          hashlib.sha256(payload).hexdigest(), "CC0", "nobody")
    monkeypatch.setitem(datasets.DATASETS, "toy", ds)
    monkeypatch.setenv("MEDCORE_DATA_DIR", str(tmp_path / "data"))
    monkeypatch.setenv("MEDCORE_CACHE_DIR", str(tmp_path / "cache"))
    (tmp_path / "cache" / "toy").mkdir(parents=True)
    (tmp_path / "cache" / "toy" / "toy.txt").write_bytes(payload)
    assert datasets.fetch("toy") == tmp_path / "cache" / "toy" / "toy.txt"
    # a corrupted copy is ignored, and with no network the error says how to get the file
    (tmp_path / "cache" / "toy" / "toy.txt").write_bytes(b"tampered")
    with pytest.raises(DataUnavailableError, match="MEDCORE_DATA_DIR"):
        datasets.fetch("toy", progress=False)


def test_every_shipped_dataset_is_registered_with_matching_checksum(data_dir):
    for name, ds in datasets.DATASETS.items():
        path = data_dir / ds.path
        if path.exists():
            assert datasets.local_path(name) == path, name


def test_unknown_and_untrained_models_give_clear_errors(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDCORE_MODELS_DIR", str(tmp_path))
    with pytest.raises(ModelNotTrainedError, match="Use one of"):
        registry.spec("nope")
    with pytest.raises(ModelNotTrainedError, match="python -m medcore train xray-cnn"):
        registry.load("xray-cnn")


def _tiny_model_folder(folder: Path) -> None:
    import keras

    from medcore.train import seal_card

    inp = keras.Input((3,))
    keras.Model(inp, keras.layers.Dense(1)(inp)).save(folder / "model.keras")
    card = {k: "x" for k in ("task", "architecture", "intended_use", "limitations",
                             "input_spec")}
    card.update(id="dna-cnn", dataset={}, metrics={}, anchors=[])
    seal_card(folder, card)


def test_tampered_model_is_refused(monkeypatch, tmp_path):
    monkeypatch.setenv("MEDCORE_MODELS_DIR", str(tmp_path))
    folder = tmp_path / "dna-cnn"
    folder.mkdir()
    _tiny_model_folder(folder)
    stand_in = SimpleNamespace(CUSTOM_OBJECTS={}, load_extras=lambda folder, card: {})
    monkeypatch.setattr(registry, "module", lambda mid: stand_in)
    assert registry.load("dna-cnn").model.output_shape == (None, 1)
    with open(folder / "model.keras", "ab") as f:
        f.write(b"\0")
    with pytest.raises(ModelIntegrityError, match="does not match the sha256"):
        registry.load("dna-cnn")


def test_trained_cards_are_complete_and_hashes_match():
    from medcore.cards import REQUIRED_FIELDS, load_card

    for mid in registry.MODELS:
        if not registry.is_trained(mid):
            continue
        folder = registry.model_folder(mid)
        card = load_card(folder)
        assert [f for f in REQUIRED_FIELDS if f not in card] == [], mid
        assert card["id"] == mid
        registry.verify_files(folder, card)
        assert (folder / "model.keras").stat().st_size < 20 * 1024 * 1024

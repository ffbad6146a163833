"""Quick-trained tox-cnn and mol-gan (tiny, 1 epoch / 10 steps): contract, evaluate == card,
predictions, explanations, drawings and the generator's SDF export."""

from __future__ import annotations

import json

import numpy as np
import pytest

from medcore import registry, settings
from medcore.cards import REQUIRED_FIELDS
from medcore.molecules import draw, examples, explain, generator, io
from medcore.train import train

pytestmark = pytest.mark.skipif(
    not (settings.data_dir() / "molecules" / "tox21.csv").exists(),
    reason=f"data folder {settings.data_dir()} not found; set MEDCORE_DATA_DIR")


def _bundle(model_id: str, folder) -> registry.Bundle:
    import keras

    card = json.loads((folder / "card.json").read_text())
    registry.verify_files(folder, card)
    model = keras.saving.load_model(folder / "model.keras", safe_mode=True, compile=False)
    mod = registry.module(model_id)
    return registry.Bundle(model_id, model, card, folder, mod.load_extras(folder, card))


@pytest.fixture(scope="module")
def tox(tmp_path_factory):
    folder = tmp_path_factory.mktemp("m") / "tox-cnn"
    train("tox-cnn", folder, quick=True)
    return _bundle("tox-cnn", folder)


@pytest.fixture(scope="module")
def gan(tmp_path_factory):
    folder = tmp_path_factory.mktemp("m") / "mol-gan"
    train("mol-gan", folder, quick=True)
    return _bundle("mol-gan", folder)


def test_tox_card_and_evaluate_agree(tox):
    card = tox.card
    assert set(REQUIRED_FIELDS) <= set(card) and card["class_names"][0] == "NR-AR"
    assert {"scaffold_split", "baselines", "ci95", "per_assay_roc_auc"} <= set(card["metrics"])
    assert set(card["extra_files"]) == {"baselines.npz", "preprocess.json", "scaffold.keras"}
    assert registry.module("tox-cnn").evaluate(tox, settings.data_dir()) == card["metrics"]


def test_tox_predict_paths_good_and_bad(tox, tmp_path):
    good = tmp_path / "good.smi"
    good.write_text(examples.examples_text() + "C1CC broken\n")
    bad = tmp_path / "bad.csv"
    bad.write_bytes(b"a,b\n1,2\n")
    out = registry.module("tox-cnn").predict_paths(tox, [good, bad], explain_top=2)
    assert out[1]["file"] == "bad.csv" and "SMILES column" in out[1]["error"]
    rows = out[0]["molecules"]
    assert len(rows) == len(examples.EXAMPLES) + 1 and "error" in rows[-1]
    assert all(0 <= p <= 1 for p in rows[0]["probabilities"].values())
    assert len(rows[0]["top_atoms"]) == 5 and "top_atoms" not in rows[2]
    json.dumps(out)


def test_atom_shap_is_deterministic_and_near_additive(tox):
    smi = io.standardise(examples.EXAMPLES["tamoxifen"]).smiles
    a = explain.atom_shap(tox, smi, 0, nsamples=400)
    assert a.shape == (28,) and np.allclose(a, explain.atom_shap(tox, smi, 0, nsamples=400))
    from medcore.molecules import featurize, smiles_cnn

    pre = tox.extras["preprocess"]
    length = smiles_cnn.bucket_len(smi)
    fx = float(tox.model(featurize.one_hot([smi], pre["vocab"], length))[0, 0])
    fb = float(np.mean(tox.model(featurize.one_hot(pre["background"], pre["vocab"], length))[:, 0]))
    assert abs(a.sum() - (fx - fb)) < 0.25 * abs(fx - fb) + 0.01


def test_drawings_are_png(tox):
    smi = io.standardise(examples.EXAMPLES["aspirin"]).smiles
    w = np.linspace(-1, 1, 13)
    assert draw.similarity_map_png(smi, w)[:4] == b"\x89PNG"
    assert draw.grid_png([smi, "CCO"], ["a", "b"], [w, None])[:4] == b"\x89PNG"


def test_gan_card_evaluate_and_samples(gan):
    mod = registry.module("mol-gan")
    m = gan.card["metrics"]
    assert m["validity"] == 1.0 and m["n_generated"] == 200
    assert mod.evaluate(gan, settings.data_dir()) == m
    assert mod.generate(gan, 50, seed=3) == mod.generate(gan, 50, seed=3)


def test_generator_rows_and_sdf_roundtrip(gan, tox):
    rows = generator.propose(gan, tox, 40, seed=1, max_tox=1.0, min_qed=0.0)
    assert rows and all(r["passes"] for r in rows)
    assert {"qed", "sa_score", "novel", "max_tox_probability"} <= set(rows[0])
    batch = io.load_upload("gen.sdf", generator.to_sdf(rows[:5]).encode())
    assert [r.smiles for r in batch.records] == [r["smiles"] for r in rows[:5]]

"""Quick-trained tox-cnn and mol-gan (tiny, 1 epoch / 10 steps): contract, evaluate == card,
predictions, explanations, drawings and the generator's SDF export."""

from __future__ import annotations

import json

import numpy as np
import pytest

from medcore import registry, settings
from medcore.cards import REQUIRED_FIELDS
from medcore.molecules import draw, examples, generator, io
from medcore.molecules.tox import explain
from medcore.train import train

pytestmark = [pytest.mark.skipif(
    not (settings.data_dir() / "molecules" / "tox21.csv").exists(),
    reason=f"data folder {settings.data_dir()} not found; set MEDCORE_DATA_DIR"),
    pytest.mark.slow]  # two quick trainings


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
    assert set(card["extra_files"]) == {"baselines.npz", "calls.json", "conformal.npz",
                                        "domain.npz", "measured.npz", "preprocess.json",
                                        "scaffold.keras"}
    conf = card["metrics"]["conformal"]
    assert set(conf["per_assay"]) == set(card["class_names"]) and 0 < conf["coverage"] <= 1
    assert {"bins", "threshold", "rule"} <= set(card["metrics"]["applicability_domain"])
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
    assert len(rows[0]["top_properties"]) == 5 and "top_properties" not in rows[2]
    assert rows[0]["level"] == 0.9
    assert set(rows[0]["prediction_sets"]) == set(tox.card["thresholds"])
    assert rows[0]["prediction_set"] == rows[0]["prediction_sets"][rows[0]["top_assay"]]
    assert all(0 <= v < 0.5 for v in rows[0]["member_sd"].values())
    json.dumps(out)


def test_prediction_sets_follow_the_level(tox, tmp_path):
    from medcore.molecules.service import analyse, set_level

    batch = io.parse_smiles_text(examples.examples_text())
    rows = analyse(tox, batch)
    same = set_level(tox, rows, 0.9)
    assert [r.prediction_sets for r in same] == [r.prediction_sets for r in rows]
    wide = set_level(tox, rows, 0.99)
    size = lambda rs: sum(len(s) for r in rs for s in r.prediction_sets.values())  # noqa: E731
    assert size(wide) >= size(rows) and size(set_level(tox, rows, 0.5)) <= size(rows)


def test_atom_attribution_is_deterministic_and_complete(tox):
    smi = io.standardise(examples.EXAMPLES["tamoxifen"]).smiles
    parts = explain.attribution(tox, smi, 0)
    a = parts["atoms"]
    assert a.shape == (28,) and np.allclose(a, explain.atom_attribution(tox, smi, 0))
    desc = list(parts["descriptors"].values())
    assert len(desc) == 92 and np.isfinite(desc).all()
    from medcore.molecules.service import score

    fx = float(score(tox, [smi])[0, 0])
    assert abs(parts["probability"] - fx) < 1e-5
    total = a.sum() + sum(desc) + parts["absent_substructures"]
    assert abs(total - (fx - parts["expected"])) < 0.05 * abs(fx - parts["expected"]) + 1e-3
    top = explain.top_descriptors(parts, 3)
    assert len(top) == 3 and abs(top[0][1]) >= abs(top[2][1])
    from medcore.errors import InputError

    with pytest.raises(InputError, match="Not a valid SMILES"):
        explain.attribution(tox, "C1CC", 0)


def test_graph_batches_do_not_change_a_molecules_score(tox):
    from medcore.molecules import featurize
    from medcore.molecules.tox import dmpnn

    smiles = [io.standardise(s).smiles for s in examples.EXAMPLES.values()]
    feats = featurize.of_smiles(smiles)
    g = feats.graphs[0]
    assert np.array_equal(g.src[0::2], g.dst[1::2]) and np.array_equal(g.dst[0::2], g.src[1::2])
    together = dmpnn.run(tox.model, feats)["assays"]
    alone = np.concatenate([dmpnn.run(tox.model, feats.take([i]))["assays"]
                            for i in range(len(smiles))])
    assert np.abs(together - alone).max() < 1e-5
    assert dmpnn.batch_graphs([g])["atoms"].shape[1] % 8 == 0


def test_fingerprint_bits_map_onto_their_atoms():
    from rdkit import Chem

    from medcore.molecules import featurize

    mol = Chem.MolFromSmiles("CCO")
    envs = featurize.bit_atoms(mol)
    assert all(set(a) <= {0, 1, 2} for e in envs.values() for a in e)
    assert any(a == [0, 1, 2] for e in envs.values() for a in e)  # radius-1 around the CH2
    values = np.zeros(featurize.N_BITS)
    bit = next(b for b, e in envs.items() if [0, 1, 2] in e)
    values[bit] = 0.3
    values[(set(range(featurize.N_BITS)) - set(envs)).pop()] = -0.1
    atoms, absent = explain.bits_to_atom_values(mol, values)
    assert np.isclose(atoms.sum(), 0.3) and np.isclose(absent, -0.1) and atoms.min() > 0


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
    rows = generator.propose(gan, tox, 40, seed=1, min_qed=0.0, drop=())
    assert rows and all(r["passes"] for r in rows)
    assert {"qed", "sa_score", "novel", "active_assays", "uncertain_assays"} <= set(rows[0])
    batch = io.load_upload("gen.sdf", generator.to_sdf(rows[:5]).encode())
    for rec, row in zip(batch.records, rows[:5], strict=True):  # inorganic ones are not scored
        assert rec.smiles == row["smiles"] or (rec.smiles is None and rec.not_scored)
    assert [r.smiles for r in batch.records].count(None) < 5


def test_gan_on_a_kept_decoder_learns_realistic_latents(tmp_path):
    """v3's recipe in quick mode: the shipped decoder is copied byte for byte, the WGAN-GP sees
    only realistic training molecules, and the sampling temperature travels with the model."""
    base = registry.model_folder("mol-gan")
    if not registry.is_trained("mol-gan"):
        pytest.skip("mol-gan is not trained")
    folder = tmp_path / "mol-gan"
    train("mol-gan", folder, quick=True, base=base, realistic_latents=True, temperature=0.8)
    bundle = _bundle("mol-gan", folder)
    for name in ("decoder_init.keras", "decoder_step.keras"):
        assert (folder / name).read_bytes() == (base / name).read_bytes()
    assert bundle.extras["preprocess"]["temperature"] == 0.8
    arch = bundle.card["architecture"]
    assert "pass the realism rule" in arch["text"] and "temperature 0.8" in arch["text"]
    assert "refit_encoder" in arch["autoencoder"] and "selection_rule" in arch["design_v2"]
    mod = registry.module("mol-gan")
    assert mod.evaluate(bundle, settings.data_dir()) == bundle.card["metrics"]


def test_gan_with_v4s_autoencoder_recipe(tmp_path):
    """v4's recipe in quick mode on the MOSES corpus: a new BiGRU-encoder heteroencoder
    (randomised SMILES in) under the WGAN-GP on realistic latents; the card says so, carries the
    MOSES table and evaluate == card."""
    folder = tmp_path / "mol-gan"
    train("mol-gan", folder, quick=True, ae_encoder="bigru", randomised=2,
          realistic_latents=True, temperature=0.8, corpus="moses")
    bundle = _bundle("mol-gan", folder)
    arch = bundle.card["architecture"]
    assert "bidirectional GRU(128)" in arch["text"] and "Heteroencoder" in arch["text"]
    ae = arch["autoencoder"]
    assert ae["epochs_run"] == 1 and "heteroencoder" in ae and "halved" in ae["training"]
    assert "selection_rule" in arch["design_v3"] and "shipping_rule" in arch["design_v4_moses"]
    assert "MOSES" in bundle.card["dataset"]["name"]
    moses = bundle.card["metrics"]["moses"]
    assert moses["reference"]["n_per_set"] == 300 and 0.0 < moses["snn_test"] <= 1.0
    mod = registry.module("mol-gan")
    assert mod.evaluate(bundle, settings.data_dir()) == bundle.card["metrics"]

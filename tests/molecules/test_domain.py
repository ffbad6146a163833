"""Applicability domain: nearest training molecule by ECFP4 Tanimoto, the measured threshold."""

from __future__ import annotations

import numpy as np
import pytest

from medcore import registry
from medcore.molecules import featurize
from medcore.molecules.tox import domain

DRUGS = ["CC(=O)Oc1ccccc1C(=O)O", "Cn1c(=O)c2c(ncn2C)n(C)c1=O", "CC(C)Cc1ccc(cc1)C(C)C(=O)O",
         "CC(=O)Nc1ccc(O)cc1", "CC(C)(c1ccc(O)cc1)c1ccc(O)cc1"]


def _bits(smiles: list[str]) -> np.ndarray:
    from rdkit import Chem

    return featurize.ecfp4_bits([Chem.MolFromSmiles(s) for s in smiles])


def test_nearest_equals_rdkit_bulk_tanimoto():
    from rdkit import Chem, DataStructs

    gen = featurize.ecfp4_generator()
    fps = [gen.GetFingerprint(Chem.MolFromSmiles(s)) for s in DRUGS]
    queries = ["CC(=O)Oc1ccccc1C(=O)OC", "CCO", "Cn1cnc2c1c(=O)[nH]c(=O)n2C"]
    ref = domain.Reference.from_bits(_bits(DRUGS), DRUGS)
    sims, idx = domain.nearest(ref, _bits(queries))
    for q, s, i in zip(queries, sims, idx, strict=True):
        expected = DataStructs.BulkTanimotoSimilarity(gen.GetFingerprint(Chem.MolFromSmiles(q)),
                                                      fps)
        assert np.isclose(s, max(expected)) and i == int(np.argmax(expected))


def test_reference_round_trips_and_flags_far_molecules(tmp_path):
    domain.save_reference(tmp_path / domain.FILE, _bits(DRUGS), DRUGS)
    ref = domain.load_reference(tmp_path / domain.FILE)
    near = domain.neighbours(ref, _bits(["CC(=O)Nc1ccc(O)cc1", "FC(F)(F)C(F)(F)S(=O)(=O)O"]), 0.4)
    assert near[0] == domain.Neighbour(1.0, "CC(=O)Nc1ccc(O)cc1", False)
    assert near[1].similarity < 0.4 and near[1].far


def test_threshold_rule_finds_where_auc_drops():
    """Far molecules get random scores, near ones informative scores: the rule must put the
    threshold at the edge between them, and report nothing when there is no drop."""
    rng = np.random.default_rng(0)
    sim = rng.uniform(0, 1, 4000)
    y = rng.integers(0, 2, (4000, 3)).astype(np.float32)
    noise = rng.normal(0, 1, y.shape)
    p = np.where(sim[:, None] >= 0.5, y * 2 + noise, noise)
    bins = domain.curve(sim, y, p)
    assert [b["from"] for b in bins] == list(domain.EDGES[:-1])
    found = domain.choose_threshold(sim, y, p, bins)
    assert found["threshold"] == 0.5
    assert found["roc_auc_below"] < 0.55 < found["roc_auc_at_or_above"]
    flat = y * 2 + noise
    assert domain.choose_threshold(sim, y, flat, domain.curve(sim, y, flat))["threshold"] == 0.0


def test_shipped_reference_and_card_threshold():
    if not registry.is_trained("tox-cnn"):
        pytest.skip("tox-cnn is not trained")
    bundle = registry.load("tox-cnn")
    ref = bundle.extras["domain"]
    assert ref.bits.shape == (6258, 2048) and len(ref.smiles) == 6258
    ad = bundle.card["metrics"]["applicability_domain"]
    assert 0 < ad["threshold"] < 1 and ad["roc_auc_below"] < ad["roc_auc_at_or_above"]
    from medcore.molecules import io
    from medcore.molecules.service import score_with_domain

    smiles = [io.standardise(s).smiles for s in ("CC(=O)Oc1ccccc1C(=O)O",
                                                 "C#CC#CC#CC#C")]
    out = score_with_domain(bundle, smiles)
    assert out.probabilities.shape == (2, 12)
    aspirin, odd = out.neighbours
    assert aspirin.similarity > 0.6 and not aspirin.far
    assert odd.similarity < ad["threshold"] and odd.far


def test_predict_json_and_csv_carry_domain_notes_and_reasons(tmp_path):
    if not registry.is_trained("tox-cnn"):
        pytest.skip("tox-cnn is not trained")
    import json

    from medcore.molecules import service
    from medcore.molecules.service import predict_paths, rows_to_frame, top_assay

    bundle = registry.load("tox-cnn")
    path = tmp_path / "formulary.csv"
    path.write_text("Drug name,smiles\nLidocaine HCl,CCN(CC)CC(=O)Nc1c(C)cccc1C.Cl\n"
                    "Cisplatin,[NH3][Pt]([NH3])(Cl)Cl\nTetrayne,C#CC#CC#CC#C\n")
    rows = predict_paths(bundle, [path], explain_top=1)[0]["molecules"]
    json.dumps(rows)
    lido, cis, far = rows
    assert lido["name"] == "Lidocaine HCl" and lido["note"].startswith("Removed HCl")
    assert "top_atoms" in lido and not lido["far_from_training"]
    thr = service.thresholds(bundle)  # the call thresholds (inf where an assay makes no call)
    p = np.array(list(lido["probabilities"].values()))
    assert lido["top_assay"] == bundle.extras["preprocess"]["assays"][top_assay(p, thr)]
    assert np.isclose(lido["top_assay_vs_threshold"], (p / thr).max(), atol=0.01)
    assert "metal Pt" in cis["not_scored"] and "probabilities" not in cis
    assert far["far_from_training"] and far["nearest_training_similarity"] < 0.4
    from medcore.molecules import io

    frame = rows_to_frame(service.analyse(bundle, io.load_upload(path.name,
                                                                 path.read_bytes())))
    assert list(frame["name"]) == ["Lidocaine HCl", "Cisplatin", "Tetrayne"]
    assert {"nearest_training_similarity", "far_from_training", "note"} <= set(frame.columns)

"""Tokenising, one-hot encoding, atom mapping, splits and multitask metrics."""

from __future__ import annotations

import numpy as np
from rdkit import Chem

from medcore.molecules import data, explain, featurize, mtmetrics, smiles_cnn


def test_atom_tokens_follow_rdkit_atom_order():
    smi = "CC(=O)Nc1ccc2[nH]ccc2c1Cl.[Na+]"
    toks = featurize.tokenize(smi)
    assert "".join(toks) == smi
    pos = featurize.atom_token_positions(toks)
    mol = Chem.MolFromSmiles(smi)
    assert [toks[p] for p in pos][-2:] == ["Cl", "[Na+]"]
    symbols = [a.GetSymbol() for a in mol.GetAtoms()]
    assert symbols[-2:] == ["Cl", "Na"] and len(symbols) == len(pos)
    assert symbols[pos.index(toks.index("[nH]"))] == "N"


def test_token_values_move_onto_atoms_and_keep_the_sum():
    toks = featurize.tokenize("C(=O)O")  # C ( = O ) O
    vals = np.array([1.0, 0.5, 0.25, 2.0, 0.125, 4.0])
    atoms = explain.token_to_atom_values(toks, vals, 3)
    assert atoms.tolist() == [1.75, 2.125, 4.0]
    assert explain.token_to_atom_values(toks, vals, 4) is None


def test_one_hot_pads_and_buckets():
    vocab = featurize.build_vocab(["CCO", "CCN"] * 3)
    x = featurize.one_hot(["CCO", "CCS"], vocab, 16)
    assert x.shape == (2, 16, len(vocab)) and np.allclose(x.sum(-1), 1)
    assert x[1, 2, vocab.index(featurize.UNK)] == 1  # S was never seen
    assert x[0, 3:, 0].all()  # padding
    assert smiles_cnn.bucket_len("C" * 17) == 32 and smiles_cnn.bucket_len("C" * 999) == 208


def test_buckets_cover_every_index_once():
    sm = ["C" * n for n in range(1, 60)]
    idx = np.concatenate([i for _, i in smiles_cnn.buckets(sm, 7, np.random.default_rng(0))])
    assert sorted(idx.tolist()) == list(range(len(sm)))


def test_splits_are_disjoint_and_scaffold_groups_stay_together():
    smiles = ["c1ccccc1C", "c1ccccc1CC", "C1CCCCC1O", "C1CCCCC1N", "CCO", "c1ccncc1C",
              "c1ccncc1O", "C1CC1C", "c1ccc2ccccc2c1", "CCCC"] * 3
    mols = [Chem.MolFromSmiles(s) for s in smiles]
    sp = data.scaffold_split(mols)
    assert sum(len(v) for v in sp.values()) == len(smiles)
    assert not set(sp["train"]) & set(sp["test"])
    r = data.random_split(100)
    assert (len(r["train"]), len(r["valid"]), len(r["test"])) == (80, 10, 10)


def test_mean_auc_ignores_missing_labels():
    y = np.array([[1, np.nan], [0, 1], [1, 0], [0, np.nan]], float)
    p = np.array([[0.9, 0.0], [0.1, 0.8], [0.8, 0.3], [0.2, 1.0]])
    rep = mtmetrics.report(y, p, ["a", "b"], n_boot=20)
    assert rep["mean_roc_auc"] == 1.0 and rep["n_labels"] == 6
    assert mtmetrics._rank_auc(np.array([0, 1, 1]), np.array([0.5, 0.5, 0.9])) == 0.75

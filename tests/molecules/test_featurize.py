"""Splits and multitask metrics."""

from __future__ import annotations

import numpy as np
from rdkit import Chem

from medcore.molecules.tox import data
from medcore.molecules.tox import metrics as mtmetrics


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

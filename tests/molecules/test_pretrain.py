"""Pretraining's leakage guard: a ToxCast molecule matching a held-out Tox21 molecule is dropped
however it is written (salt, stereo, charge), and assays left without enough actives go."""

from __future__ import annotations

import numpy as np
import pandas as pd
from rdkit import Chem

from medcore.molecules.tox import pretrain


def test_held_out_molecules_are_removed_however_written(tmp_path, monkeypatch):
    (tmp_path / "molecules").mkdir()
    held_out = Chem.MolFromSmiles("C[C@H](N)C(=O)O")           # L-alanine, a Tox21 test molecule
    rows = ["CC(N)C(=O)O.Cl",                                  # its salt, no stereo
            "C[C@@H](N)C(=O)[O-].[Na+]",                        # D-form sodium salt
            "c1ccccc1O", "CCO", "CCCCO", "not a smiles"]
    labels = {"A_common": [1, 0, 1, 0, 1, 0], "B_rare": [1, 1, np.nan, 0, np.nan, 0]}
    pd.DataFrame({"smiles": rows, **labels}).to_csv(tmp_path / "molecules" / pretrain.FILE,
                                                    index=False)
    monkeypatch.setattr(pretrain, "MIN_CLASS", 1)
    tc = pretrain.load_toxcast(tmp_path, {pretrain.skeleton_key(held_out)})
    assert tc.smiles == ["Oc1ccccc1", "CCO", "CCCCO"]
    assert (tc.n_excluded, tc.n_unparsable) == (2, 1)
    assert tc.assays == ["A_common"]                    # B_rare keeps no active once they go
    assert tc.labels[:, 0].tolist() == [1, 0, 1]

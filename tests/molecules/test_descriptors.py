"""The fingerprint branch's inputs: exact descriptor values, serial == parallel, odd molecules."""

from __future__ import annotations

import numpy as np
import pytest
from rdkit import Chem
from rdkit.Chem import rdMolDescriptors as R

from medcore.molecules import examples, featurize, io

DRUGS = [io.standardise(s).smiles for s in examples.EXAMPLES.values()]


@pytest.mark.parametrize("smiles", [*DRUGS, "C", "[Na+]", "c1ccccc1", "C[N+](C)(C)C"])
def test_shared_crippen_typing_equals_rdkit(smiles):
    mol = Chem.MolFromSmiles(smiles)
    logp, mr, slogp, smr = featurize._crippen(mol)
    assert np.allclose([logp, mr], R.CalcCrippenDescriptors(mol), atol=1e-9)
    assert np.allclose(slogp, R.SlogP_VSA_(mol), atol=1e-9)
    assert np.allclose(smr, R.SMR_VSA_(mol), atol=1e-9)


def test_features_shape_names_and_finiteness():
    x = featurize.matrix_of_smiles(DRUGS)
    assert x.shape == (len(DRUGS), featurize.N_FEATURES) == (len(DRUGS), 2048 + 92)
    assert len(set(featurize.DESCRIPTOR_NAMES)) == 92 and np.isfinite(x).all()
    assert set(np.unique(x[:, :2048])) <= {0.0, 1.0}
    aspirin = x[0, 2048:]  # sign-log1p of raw values: logP of aspirin is 1.31
    assert np.isclose(np.expm1(aspirin[0]), R.CalcCrippenDescriptors(Chem.MolFromSmiles(
        DRUGS[0]))[0], atol=1e-4)
    assert featurize.matrix_of_smiles([]).shape == (0, featurize.N_FEATURES)


def test_worker_processes_give_the_serial_result(monkeypatch):
    monkeypatch.setattr(featurize, "PARALLEL_FROM", 4)
    monkeypatch.setattr(featurize, "CHUNK", 3)
    smiles = DRUGS * 2
    serial = featurize.matrix_of_smiles(smiles, workers=1)
    assert np.array_equal(featurize.matrix_of_smiles(smiles, workers=2), serial)

"""The plain-words glossary covers everything the page shows and says what RDKit computes."""

from __future__ import annotations

import pytest

from medcore.molecules import featurize, glossary
from medcore.molecules.tox import data


def test_every_assay_and_descriptor_has_text():
    assert list(glossary.ASSAYS) == data.ASSAYS
    for name in [*data.ASSAYS, *featurize.DESCRIPTOR_NAMES, "substructures absent (ECFP4)"]:
        assert len(glossary.describe(name)) > 30, name
    assert glossary.describe("no such thing") == ""


@pytest.mark.parametrize("smiles, mqn, count, word", [
    ("Clc1ccc(Cl)cc1", 3, 2, "chlorine"),
    ("FC(F)(F)c1ccccc1", 2, 3, "fluorine"),
    ("C1CCOC1", 11, 1, "oxygen atoms in rings"),
    ("c1ccc2[nH]ccc2c1", 35, 1, "5-membered rings"),
    ("c1ccc2ccccc2c1", 41, 2, "atoms shared by fused rings"),
])
def test_mqn_text_matches_what_rdkit_counts(smiles, mqn, count, word):
    from rdkit import Chem
    from rdkit.Chem import rdMolDescriptors

    assert rdMolDescriptors.MQNs_(Chem.MolFromSmiles(smiles))[mqn - 1] == count
    assert word in glossary.describe(f"MQN{mqn}")


def test_vsa_bins_are_rdkit_bins():
    from rdkit.Chem import MolSurf

    assert glossary.PEOE_BINS == list(MolSurf.chgBins)
    assert "from -0.05 to below 0" in glossary.describe("PEOE_VSA7")
    assert "below -0.3" in glossary.describe("PEOE_VSA1")
    assert "0.3 or more" in glossary.describe("PEOE_VSA14")
    assert "0.6 or more" in glossary.describe("SlogP_VSA12")

"""The parent rule: what is scored of a salt, and what is refused with a reason."""

from __future__ import annotations

import pytest

from medcore import settings
from medcore.molecules import parent


def _find(smiles: str) -> parent.Parent:
    from rdkit import Chem

    return parent.find_parent(Chem.MolFromSmiles(smiles))


def _smiles(found: parent.Parent) -> str:
    from rdkit import Chem

    return Chem.MolToSmiles(found.mol)


def test_single_organic_molecule_is_scored_as_given():
    found = _find("CC(=O)Oc1ccccc1C(=O)O")
    assert found.reason is None and not found.removed and found.note == ""


def test_small_organic_counter_ion_removed_but_named():
    found = _find("CN(C)CCCN1c2ccccc2CCc2ccccc21.OC(=O)/C=C\\C(=O)O")  # imipramine maleate
    assert _smiles(found) == "CN(C)CCCN1c2ccccc2CCc2ccccc21"
    assert found.removed == ["organic counter-ion C4H4O4"]


def test_copies_of_the_parent_count_once_and_are_said():
    found = _find("COCCc1ccc(OCC(O)CNC(C)C)cc1.COCCc1ccc(OCC(O)CNC(C)C)cc1")
    assert found.mol.GetNumHeavyAtoms() == 19 and "1 more copy of the parent" in found.note


def test_charges_are_kept_as_in_training():
    found = _find("CCn1cc[n+](C)c1C.O=S(=O)([O-])C(F)(F)F")
    assert _smiles(found) == "CCn1cc[n+](C)c1C" and "counter-ion CF3O3S-" in found.note


@pytest.mark.parametrize("smiles, words", [
    ("[NH3][Pt]([NH3])(Cl)Cl", ["metal Pt", "H3N (x2)"]),
    ("N.N.Cl[Pt]Cl", ["metal Pt", "Cl- (x2)"]),
    ("[CH3][Hg]Cl", ["metal Hg"]),
    ("CCCCCCCC(=O)[O-].CCCCCCCC(=O)[O-].[Zn+2]", ["metal Zn"]),
    ("Cl", ["inorganic"]),
    ("[K+].[I-]", ["inorganic"]),
    ("Oc1ccc(Cl)cc1.Nc1ccc(Br)cc1", ["mixture", "C6H5ClO", "C6H6BrN"]),
])
def test_refused_with_a_reason_never_a_fragment(smiles, words):
    found = _find(smiles)
    assert found.mol is None
    assert all(w in found.reason for w in words), found.reason


def test_metal_share_of_training_data_is_as_small_as_the_docstring_says():
    """The rule's reason (1.2 % of the training split holds a metal) checked on the data."""
    from medcore.molecules.tox import data

    if not (settings.data_dir() / "molecules" / "tox21.csv").exists():
        pytest.skip("data folder not found; set MEDCORE_DATA_DIR")
    t = data.load_tox21(settings.data_dir())
    train = data.random_split(len(t.smiles))["train"]
    metal = [i for i in train if any(parent._is_metal(a) for a in t.mols[i].GetAtoms())]
    assert len(train) == 6258 and len(metal) == 72
    assert "1.2 %" in parent.find_parent(t.mols[metal[0]]).reason

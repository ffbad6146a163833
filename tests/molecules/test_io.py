"""SMILES/CSV/SDF parsing: canonical output, per-row messages, column choice, limits."""

from __future__ import annotations

import pytest

from medcore import settings
from medcore.errors import FileTooLargeError, SchemaError
from medcore.molecules import examples, io


def test_examples_parse_to_canonical_smiles():
    batch = io.load_upload("ex.smi", examples.examples_text().encode())
    assert len(batch.valid) == len(examples.EXAMPLES) and not batch.invalid
    assert batch.records[0].name == "aspirin"
    assert batch.records[0].smiles == "CC(=O)Oc1ccccc1C(=O)O"


def test_header_and_comments_are_skipped():
    batch = io.load_upload("x.smi", b"smiles name\n# comment\nOCC ethanol\n")
    assert [(r.row, r.smiles) for r in batch.records] == [(3, "CCO")]


def test_ambiguous_csv_returns_candidates_then_uses_choice():
    data = b"id,smiles_a,smiles_b\n1,CCO,c1ccccc1\n"
    batch = io.load_upload("t.csv", data)
    assert batch.needs_column and batch.column_candidates == ["smiles_a", "smiles_b"]
    chosen = io.load_upload("t.csv", data, smiles_column="smiles_b")
    assert chosen.valid[0].smiles == "c1ccccc1" and chosen.valid[0].name == "1"
    with pytest.raises(SchemaError):
        io.load_upload("t.csv", data, smiles_column="nope")


def test_csv_column_found_by_content():
    batch = io.load_upload("t.csv", b"compound,structure\na,CCO\nb,CCN\nc,c1ccccc1\n")
    assert batch.column == "structure" and len(batch.valid) == 3


def test_heavy_atom_limit_named(monkeypatch):
    monkeypatch.setattr(settings, "MAX_HEAVY_ATOMS", 5)
    rec = io.standardise("CCCCCCCC")
    assert rec.smiles is None and "MAX_HEAVY_ATOMS" in rec.error


def test_molecule_count_limit(monkeypatch):
    monkeypatch.setattr(settings, "MAX_MOLECULES", 3)
    with pytest.raises(FileTooLargeError, match="MAX_MOLECULES"):
        io.load_upload("x.smi", b"C\nCC\nCCC\nCCCC\nCCCCC\n")


def test_chemistry_vs_syntax_messages():
    assert "chemically impossible" in io.standardise("C(C)(C)(C)(C)C").error
    assert "syntax" in io.standardise("C1CC").error


@pytest.mark.parametrize("header, expected", [
    ("Drug name,smiles", "Drug name"), ("compound_id,SMILES", "compound_id"),
    ("ID,structure_smiles,Compound Name", "Compound Name"), ("MolID,smiles", "MolID"),
    ("Title;smiles", "Title"), ("drug_smiles,value", None), ("hidden,smiles", None),
])
def test_name_column_found_by_its_words(header, expected):
    cols = header.replace(";", ",").split(",")
    smiles_col = next(c for c in cols if "smiles" in c.lower())
    j = io.name_column(cols, exclude=smiles_col)
    assert (None if j is None else cols[j]) == expected


def test_drug_name_column_names_the_results():
    batch = io.load_upload("f.csv",
                           b"Drug name,SMILES\nLidocaine HCl,CCN(CC)CC(=O)Nc1c(C)cccc1C.Cl\n")
    assert batch.records[0].name == "Lidocaine HCl"


def test_sdf_without_title_named_by_a_name_field():
    from rdkit import Chem

    block = Chem.MolToMolBlock(Chem.MolFromSmiles("CCO")).split("\n", 1)[1]
    sdf = f"\n{block}> <Drug Name>\nethanol\n\n$$$$\n"
    assert io.load_upload("x.sdf", sdf.encode()).records[0].name == "ethanol"

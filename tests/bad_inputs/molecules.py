"""Bad-input corpus for the drug-discovery uploader (SMILES text, CSV, SDF), generated in code.

``EXPECTED_OK`` gives, for each "ok" case, the (scored, unreadable, not scored) record counts a
correct parse has: a molecule read fine but deliberately not scored (a metal complex, a mixture
of comparable parts, an inorganic salt) carries its reason instead of an error.
"""

from __future__ import annotations

import zlib

from tests.bad_inputs import Case

ASPIRIN = "CC(=O)Oc1ccccc1C(=O)O"
CAFFEINE = "Cn1c(=O)c2c(ncn2C)n(C)c1=O"


def _molblock(smiles: str, name: str) -> str:
    from rdkit import Chem

    mol = Chem.MolFromSmiles(smiles, sanitize=False)
    mol.SetProp("_Name", name)
    return Chem.MolToMolBlock(mol)


def _png_bytes() -> bytes:
    raw = b"\x00" + b"\xff" * 3
    ihdr = b"IHDR" + (1).to_bytes(4, "big") * 2 + bytes([8, 2, 0, 0, 0])
    body = ihdr + zlib.crc32(ihdr).to_bytes(4, "big")
    idat = b"IDAT" + zlib.compress(raw)
    return (b"\x89PNG\r\n\x1a\n" + (13).to_bytes(4, "big") + body
            + (len(idat) - 4).to_bytes(4, "big") + idat + zlib.crc32(idat).to_bytes(4, "big"))


def cases() -> list[Case]:
    big = "C" * 500
    sdf_ok = _molblock(ASPIRIN, "aspirin") + "$$$$\n"
    broken = "broken\n  RDKit\n\n  3  2  0  0  0  0  0  0  0  0999 V2000\n    0.0 junk\n$$$$\n"
    bad_valence = _molblock("C(C)(C)(C)(C)C", "pentavalent carbon")
    sdf = sdf_ok + broken + bad_valence + "$$$$\n" + _molblock(CAFFEINE, "caffeine") + "$$$$\n"
    return [
        Case("empty", "empty.smi", b"", "EmptyInputError"),
        Case("blank_lines_only", "blank.smi", b"\n\n   \n", "EmptyInputError"),
        Case("png_named_csv", "table.csv", _png_bytes(), "UnsupportedFormatError",
             "wrong type behind a right extension"),
        Case("zip_named_sdf", "mols.sdf", b"PK\x03\x04" + bytes(200), "UnsupportedFormatError"),
        Case("unsupported_extension", "mols.xlsx", b"smiles\nCCO\n", "UnsupportedFormatError"),
        Case("invalid_smiles_only", "bad.smi", b"C1CC\nXyz\n", "InvalidMoleculeError"),
        Case("invalid_and_valid", "mixed.smi", f"{ASPIRIN} aspirin\nC1CC ring\n\n".encode(), "ok",
             "per-row message, valid row still scored"),
        Case("salt_and_mixture", "salts.smi",
             b"[Na+].[O-]C(=O)Cc1ccccc1Nc1c(Cl)cccc1Cl diclofenac\nCCO.O.O ethanol_water\n", "ok",
             "counter-ion and solvent removed and named"),
        Case("hydrochloride", "salt.smi", b"CCN(CC)CC(=O)Nc1c(C)cccc1C.Cl lidocaine_HCl\n", "ok",
             "HCl removed and named, the free base scored"),
        Case("metal_complex", "metal.smi",
             f"N.N.Cl[Pt]Cl cisplatin\n[NH3][Pt]([NH3])(Cl)Cl cisplatin_dative\n{CAFFEINE} "
             "caffeine\n".encode(), "ok", "not scored, never cut down to Cl-Pt-Cl"),
        Case("metal_complex_only", "metal.smi", b"N.N.Cl[Pt]Cl cisplatin\n",
             "InvalidMoleculeError", "nothing scorable: the reason names the metal"),
        Case("comparable_mixture", "mix.smi",
             f"O=C(O)c1ccccc1O.Oc1cccc2cccnc12 salicylic_acid_and_oxine\n{ASPIRIN}\n".encode(),
             "ok", "two organic parts of similar size: not scored"),
        Case("inorganic_salt", "inorganic.smi", f"[Na+].[Cl-] salt\n{ASPIRIN}\n".encode(), "ok",
             "no carbon: not scored"),
        Case("huge_molecule_only", "huge.smi", big.encode(), "InvalidMoleculeError",
             "500 heavy atoms > MAX_HEAVY_ATOMS"),
        Case("huge_and_valid", "huge2.smi", f"{big}\n{CAFFEINE}\n".encode(), "ok"),
        Case("sdf_broken_records", "lib.sdf", sdf.encode(), "ok", "2 good, 2 broken"),
        Case("sdf_all_broken", "junk.sdf", b"not\nan\nsdf\n$$$$\n", "CorruptFileError"),
        Case("csv_no_smiles_column", "t.csv", b"name,value\naspirin,3\ncaffeine,4\n",
             "SchemaError"),
        Case("csv_semicolon", "t.csv", f"name;smiles\naspirin;{ASPIRIN}\n".encode(), "ok",
             "wrong delimiter is sniffed"),
        Case("csv_bom", "t.csv", ("\ufeffsmiles,name\n" + f"{CAFFEINE},caffeine\n").encode(),
             "ok"),
        Case("csv_latin1", "t.csv", f"name,smiles\ncaf\xe9ine,{CAFFEINE}\n".encode("latin-1"),
             "ok", "non-UTF-8 bytes"),
        Case("csv_missing_and_extra_columns", "t.csv",
             f"id,smiles,x\n1,{ASPIRIN},a,extra,more\n2\n3,{CAFFEINE},c\n".encode(), "ok"),
        Case("csv_million_rows", "big.csv", b"smiles\n" + b"CCO\n" * 1_000_000,
             "FileTooLargeError", "1 million rows > MAX_MOLECULES"),
        Case("smiles_only_comments", "c.smi", b"# nothing here\n", "EmptyInputError"),
    ]


EXPECTED_OK: dict[str, tuple[int, int, int]] = {
    "invalid_and_valid": (1, 1, 0),
    "salt_and_mixture": (2, 0, 0),
    "hydrochloride": (1, 0, 0),
    "metal_complex": (1, 0, 2),
    "comparable_mixture": (1, 0, 1),
    "inorganic_salt": (1, 0, 1),
    "huge_and_valid": (1, 1, 0),
    "sdf_broken_records": (2, 2, 0),
    "csv_semicolon": (1, 0, 0),
    "csv_bom": (1, 0, 0),
    "csv_latin1": (1, 0, 0),
    "csv_missing_and_extra_columns": (2, 1, 0),
}

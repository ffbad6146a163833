"""Well-known drugs as SMILES, so the page works on a machine without the data folder."""

from __future__ import annotations

EXAMPLES: dict[str, str] = {
    "aspirin": "CC(=O)Oc1ccccc1C(=O)O",
    "caffeine": "Cn1c(=O)c2c(ncn2C)n(C)c1=O",
    "ibuprofen": "CC(C)Cc1ccc(cc1)C(C)C(=O)O",
    "paracetamol": "CC(=O)Nc1ccc(O)cc1",
    "bisphenol_A": "CC(C)(c1ccc(O)cc1)c1ccc(O)cc1",
    "tamoxifen": "CCC(=C(c1ccccc1)c1ccc(OCCN(C)C)cc1)c1ccccc1",
    "estradiol": "C[C@]12CC[C@H]3[C@@H](CCc4cc(O)ccc34)[C@@H]1CC[C@@H]2O",
    "diclofenac_sodium": "[Na+].[O-]C(=O)Cc1ccccc1Nc1c(Cl)cccc1Cl",
    "nicotine": "CN1CCC[C@H]1c1cccnc1",
    "triclosan": "Oc1cc(Cl)ccc1Oc1ccc(Cl)cc1Cl",
}


def examples_text() -> str:
    """The examples as a .smi text: 'SMILES name' per line."""
    return "\n".join(f"{s} {n}" for n, s in EXAMPLES.items()) + "\n"

"""The Generator tab's logic: sample mol-gan (through its realism rule unless switched off), score
with tox-cnn, filter by toxicity and QED."""

from __future__ import annotations

import numpy as np

from medcore.molecules import genmetrics


def propose(gan_bundle, tox_bundle, n: int, seed: int, max_tox: float, min_qed: float,
            realistic: bool = True) -> list[dict]:
    """Draw n molecules (seeded; with ``realistic``, n different ones that pass the model's
    realism rule, by rejection sampling, so the user gets the number asked for), keep unique
    valid ones, add QED, SA, novelty and the highest predicted assay probability; ``passes``
    marks those within both filters."""
    from medcore.molecules.gan import generate, generate_realistic

    raw = (generate_realistic(gan_bundle, n, seed, distinct=True).smiles if realistic
           else generate(gan_bundle, n, seed))
    unique = list(dict.fromkeys(c for c in map(genmetrics.canon_or_none, raw) if c))
    if not unique:
        return []
    props = genmetrics.properties(unique)
    tox = None
    if tox_bundle is not None:
        from medcore.molecules.service import score

        tox = score(tox_bundle, unique)
        assays = tox_bundle.extras["preprocess"]["assays"]
    train = gan_bundle.extras["train_smiles"]
    rows = []
    for i, s in enumerate(unique):
        row = {"smiles": s, "qed": round(float(props["qed"][i]), 3),
               "sa_score": round(float(props["sa"][i]), 2), "novel": s not in train}
        if tox is not None:
            j = int(np.argmax(tox[i]))
            row["max_tox_probability"] = round(float(tox[i, j]), 3)
            row["max_tox_assay"] = assays[j]
        row["passes"] = bool(row["qed"] >= min_qed and
                             row.get("max_tox_probability", 0.0) <= max_tox)
        rows.append(row)
    return rows


def to_sdf(rows: list[dict]) -> str:
    """SDF text with 2-D coordinates and the properties as data fields."""
    from rdkit import Chem
    from rdkit.Chem import AllChem

    buf = []
    for k, row in enumerate(rows, 1):
        mol = Chem.MolFromSmiles(row["smiles"])
        AllChem.Compute2DCoords(mol)
        mol.SetProp("_Name", row.get("name", f"medcore_gan_{k}"))
        for key, val in row.items():
            if key not in ("smiles", "name"):
                mol.SetProp(key, str(val))
        buf.append(Chem.MolToMolBlock(mol) + "".join(
            f">  <{p}>\n{mol.GetProp(p)}\n\n" for p in mol.GetPropNames()) + "$$$$\n")
    return "".join(buf)

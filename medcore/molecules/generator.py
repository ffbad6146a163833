"""The Generator tab's logic: sample mol-gan (through its realism rule unless switched off), score
with tox-cnn through the Score tab's own path (``service.analyse``), and filter on the same
calls the Score tab shows (``calls.decide``) and on QED."""

from __future__ import annotations

from medcore import conformal
from medcore.molecules.generate import metrics as genmetrics
from medcore.molecules.tox import calls

DROP = (calls.ACTIVE, calls.UNCERTAIN)  # calls that fail the filter by default


def propose(gan_bundle, tox_bundle, n: int, seed: int, min_qed: float,
            realistic: bool = True, drop: tuple[str, ...] = DROP,
            level: float = conformal.LEVEL) -> list[dict]:
    """Draw n molecules (seeded; with ``realistic``, n different ones that pass the model's
    realism rule, by rejection sampling, so the user gets the number asked for), keep unique
    valid ones, add QED, SA, novelty and tox-cnn's calls at ``level``; ``passes`` marks those
    with QED >= ``min_qed`` and no assay whose call is in ``drop``. Without tox-cnn only QED
    filters."""
    from medcore.molecules.generate.gan import generate, generate_realistic

    raw = (generate_realistic(gan_bundle, n, seed, distinct=True).smiles if realistic
           else generate(gan_bundle, n, seed))
    unique = list(dict.fromkeys(c for c in map(genmetrics.canon_or_none, raw) if c))
    if not unique:
        return []
    props = genmetrics.properties(unique)
    scored = score_calls(tox_bundle, unique, level) if tox_bundle is not None else None
    train = gan_bundle.extras["train_smiles"]
    rows = []
    for i, s in enumerate(unique):
        row = {"smiles": s, "qed": round(float(props["qed"][i]), 3),
               "sa_score": round(float(props["sa"][i]), 2), "novel": s not in train}
        flagged: list[str] = []
        if scored is not None:
            r = scored[i]
            if r.scored:
                row["active_assays"] = ", ".join(r.active_assays)
                row["uncertain_assays"] = ", ".join(r.uncertain_assays)
                row["far_from_training"] = r.far_from_training
                flagged = [a for a, w in r.calls.items() if w in drop]
            else:  # not scored by tox-cnn: no call can clear it of the calls dropped
                row["active_assays"] = r.not_scored or r.error or ""
                flagged = ["not scored"] if drop else []
        row["passes"] = bool(row["qed"] >= min_qed and not flagged)
        rows.append(row)
    return rows


def score_calls(tox_bundle, smiles: list[str], level: float = conformal.LEVEL) -> list:
    """The Score tab's rows for these SMILES, in order (one per SMILES)."""
    from medcore.molecules import io
    from medcore.molecules.service import analyse

    batch = io.MolBatch(records=[io.standardise(s, i + 1) for i, s in enumerate(smiles)])
    return analyse(tox_bundle, batch, level=level)


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

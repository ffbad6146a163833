"""Molecule pictures: RDKit similarity maps of per-atom SHAP, and attribution-coloured grids."""

from __future__ import annotations

import io

import numpy as np

RED, BLUE = (0.85, 0.2, 0.2), (0.2, 0.4, 0.9)


def similarity_map_png(smiles: str, weights: np.ndarray, size: int = 420) -> bytes:
    """Contour map of atom weights over the 2-D depiction (red raises, blue lowers the score)."""
    from rdkit import Chem
    from rdkit.Chem.Draw import SimilarityMaps, rdMolDraw2D

    mol = Chem.MolFromSmiles(smiles)
    d2d = rdMolDraw2D.MolDraw2DCairo(size, size)
    w = [float(v) for v in weights]
    SimilarityMaps.GetSimilarityMapFromWeights(mol, w, draw2d=d2d, colorMap="bwr",
                                               contourLines=5)
    d2d.FinishDrawing()
    return d2d.GetDrawingText()


def _atom_colours(weights: np.ndarray) -> dict[int, tuple[float, float, float]]:
    scale = float(np.max(np.abs(weights))) or 1.0
    out = {}
    for i, v in enumerate(weights):
        a = min(abs(float(v)) / scale, 1.0)
        base = RED if v > 0 else BLUE
        out[i] = tuple(1 - a * (1 - c) for c in base)
    return out


def grid_png(smiles: list[str], legends: list[str], weights: list[np.ndarray | None] | None = None,
             per_row: int = 4, size: int = 220) -> bytes:
    """MolsToGridImage PNG; atoms shaded by attribution where weights are given."""
    from rdkit import Chem
    from rdkit.Chem import Draw

    mols = [Chem.MolFromSmiles(s) for s in smiles]
    kwargs = {}
    if weights is not None:
        colours = [_atom_colours(w) if w is not None else {} for w in weights]
        kwargs = {"highlightAtomLists": [list(c) for c in colours],
                  "highlightAtomColors": colours}
    img = Draw.MolsToGridImage(mols, molsPerRow=per_row, subImgSize=(size, size),
                               legends=[lg[:40] for lg in legends], **kwargs)
    if isinstance(img, bytes | bytearray):
        return bytes(img)
    buf = io.BytesIO()
    img.save(buf, format="PNG")
    return buf.getvalue()

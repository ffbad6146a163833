"""Everything tox-cnn reads from a molecule, computed once: ECFP4 bits and descriptors (the
fingerprint branch and the applicability domain) and the directed graph (the D-MPNN)."""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from medcore.molecules import descriptors, graph


@dataclass(frozen=True)
class Features:
    bits: np.ndarray              # (n, 2048) uint8 ECFP4
    desc: np.ndarray              # (n, 92) float32 sign-log1p descriptors
    graphs: list[graph.Graph]

    def __len__(self) -> int:
        return len(self.graphs)

    def take(self, idx) -> Features:
        idx = np.asarray(idx, int)
        return Features(self.bits[idx], self.desc[idx], [self.graphs[i] for i in idx])

    def extra(self) -> dict[str, np.ndarray]:
        """The network's per-molecule inputs beside the graph, by input name."""
        return {"descriptors": self.desc,
                "fingerprint": descriptors.join(self.bits, self.desc)}


def of_mols(mols: list) -> Features:
    bits, desc = descriptors.compact(mols)
    return Features(bits, desc, [graph.from_mol(m) for m in mols])


def _of_smiles(smiles: list[str]) -> Features:
    from rdkit import Chem

    return of_mols([Chem.MolFromSmiles(s) for s in smiles])


def of_smiles(smiles: list[str], workers: int | None = None) -> Features:
    """Features of canonical SMILES from ``io``; large batches over worker processes."""
    parts = descriptors.pooled(_of_smiles, smiles, workers)
    if len(parts) == 1:
        return parts[0]
    return Features(np.concatenate([p.bits for p in parts]),
                    np.concatenate([p.desc for p in parts]),
                    [g for p in parts for g in p.graphs])

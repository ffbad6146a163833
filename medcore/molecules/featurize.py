"""Everything the molecule models read from a molecule, defined once for training,
prediction, the applicability domain and explanation: standardisation helpers, the one ECFP4
definition, tox-cnn's 92 physico-chemical descriptors (its fingerprint branch) and the directed
graph its D-MPNN reads, all computed in one pass (``of_smiles``).

Descriptors: chosen on the validation split, they carry what local message passing misses
(lipophilicity, charge, size), and this set costs ~1.3 ms per molecule, so 10,000 SMILES still
score inside the 20 s target on two cores (the full RDKit list costs ~12 ms per molecule). They
are sign-log1p compressed here; the model standardises them with its training statistics.

Graphs: each bond becomes two directed edges stored next to each other (edge ``2k`` is u -> v,
edge ``2k + 1`` is v -> u), so an edge's reverse is found by swapping neighbours instead of
carrying an index. Atom and bond features follow Chemprop's (Yang et al. 2019), trimmed to what
Tox21 holds; padding into batches is the network's (``tox.dmpnn.batch_graphs``).
"""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache

import numpy as np


def silence_rdkit() -> None:
    """RDKit logs parse errors to stderr; medcore reports them itself."""
    from rdkit import RDLogger

    RDLogger.DisableLog("rdApp.*")


def largest_fragment(mol):
    """Keep the fragment with most heavy atoms (salts, solvents); return (mol, n_dropped)."""
    from rdkit import Chem

    frags = Chem.GetMolFrags(mol, asMols=True, sanitizeFrags=True)
    if len(frags) <= 1:
        return mol, 0
    best = max(frags, key=lambda m: (m.GetNumHeavyAtoms(), m.GetNumAtoms()))
    return best, len(frags) - 1


def canonical(mol) -> str:
    from rdkit import Chem

    return Chem.MolToSmiles(mol)


def ecfp4_generator(n_bits: int = 2048):
    """The one ECFP4 definition (Morgan radius 2): the bits the models read and the atoms an
    explanation maps them back to must come from the same generator."""
    from rdkit.Chem import rdFingerprintGenerator

    return rdFingerprintGenerator.GetMorganGenerator(radius=2, fpSize=n_bits)


def ecfp4_bits(mols: list, n_bits: int = 2048) -> np.ndarray:
    """2048-bit ECFP4 (Morgan radius 2) as uint8, the RF baseline's input."""
    gen = ecfp4_generator(n_bits)
    return np.stack([gen.GetFingerprintAsNumPy(m).astype(np.uint8) for m in mols])


SCALARS = ["logP (Crippen)", "molar refractivity", "TPSA", "Labute ASA", "exact mass",
           "H-bond donors", "H-bond acceptors", "fraction sp3 C", "rotatable bonds",
           "aromatic rings", "aliphatic rings", "heteroatoms", "amide bonds", "formal charge"]
DESCRIPTOR_NAMES = (SCALARS + [f"MQN{i}" for i in range(1, 43)]
                    + [f"SlogP_VSA{i}" for i in range(1, 13)]
                    + [f"SMR_VSA{i}" for i in range(1, 11)]
                    + [f"PEOE_VSA{i}" for i in range(1, 15)])
N_BITS = 2048
N_FEATURES = N_BITS + len(DESCRIPTOR_NAMES)


# RDKit MolSurf's bin edges for SlogP_VSA and SMR_VSA (a contribution goes to the first bin
# whose edge exceeds it; the last bin is open).
SLOGP_BINS = [-0.4, -0.2, 0, 0.1, 0.15, 0.2, 0.25, 0.3, 0.4, 0.5, 0.6]
SMR_BINS = [1.29, 1.82, 2.24, 2.45, 2.75, 3.05, 3.63, 3.8, 4.0]


def _crippen(mol) -> tuple[float, float, np.ndarray, np.ndarray]:
    """logP, MR, SlogP_VSA and SMR_VSA from one Crippen atom typing instead of three: RDKit's
    own functions each re-type the atoms (~0.3 ms per molecule each). Equal to
    ``CalcCrippenDescriptors``, ``SlogP_VSA_`` and ``SMR_VSA_`` on all of Tox21 (a test
    checks them on drugs)."""
    from rdkit import Chem
    from rdkit.Chem import rdMolDescriptors as R

    contribs = np.array(R._CalcCrippenContribs(Chem.AddHs(mol))).reshape(-1, 2)
    heavy = contribs[: mol.GetNumAtoms()]
    asa = np.array(R._CalcLabuteASAContribs(mol)[0])
    slogp, smr = np.zeros(len(SLOGP_BINS) + 1), np.zeros(len(SMR_BINS) + 1)
    np.add.at(slogp, np.searchsorted(SLOGP_BINS, heavy[:, 0], side="right"), asa)
    np.add.at(smr, np.searchsorted(SMR_BINS, heavy[:, 1], side="right"), asa)
    return float(contribs[:, 0].sum()), float(contribs[:, 1].sum()), slogp, smr


def physchem(mol) -> list[float]:
    """The 92 raw descriptors of one RDKit molecule, in ``DESCRIPTOR_NAMES`` order."""
    from rdkit import Chem
    from rdkit.Chem import rdMolDescriptors as R

    logp, mr, slogp, smr = _crippen(mol)
    out = [logp, mr, R.CalcTPSA(mol), R.CalcLabuteASA(mol), R.CalcExactMolWt(mol),
           R.CalcNumHBD(mol), R.CalcNumHBA(mol), R.CalcFractionCSP3(mol),
           R.CalcNumRotatableBonds(mol), R.CalcNumAromaticRings(mol),
           R.CalcNumAliphaticRings(mol), R.CalcNumHeteroatoms(mol), R.CalcNumAmideBonds(mol),
           Chem.GetFormalCharge(mol)]
    return out + list(R.MQNs_(mol)) + slogp.tolist() + smr.tolist() + list(R.PEOE_VSA_(mol))


def compact(mols: list) -> tuple[np.ndarray, np.ndarray]:
    """(ECFP4 bits as uint8 (n, 2048), sign-log1p descriptors as float32 (n, 92)); kept apart
    because 20,000 molecules as one float32 matrix would take 170 MB, this 48 MB."""
    d = np.array([physchem(m) for m in mols], np.float64).reshape(len(mols),
                                                                   len(DESCRIPTOR_NAMES))
    d = np.nan_to_num(d, nan=0.0, posinf=0.0, neginf=0.0)
    d = np.sign(d) * np.log1p(np.abs(d))
    bits = ecfp4_bits(mols, N_BITS) if mols else np.zeros((0, N_BITS), np.uint8)
    return bits, d.astype(np.float32)


def join(bits: np.ndarray, desc: np.ndarray) -> np.ndarray:
    """The model's (n, 2140) float32 input from ``compact``'s two parts."""
    return np.hstack([bits.astype(np.float32), desc])


PARALLEL_FROM = 2000  # molecules; below this a process pool's start-up costs more than it saves
CHUNK = 1000


def _compact_smiles(smiles: list[str]) -> tuple[np.ndarray, np.ndarray]:
    from rdkit import Chem

    return compact([Chem.MolFromSmiles(s) for s in smiles])


def compact_of_smiles(smiles: list[str], workers: int | None = None
                      ) -> tuple[np.ndarray, np.ndarray]:
    """``compact`` of canonical SMILES from ``io`` (they parse: io checked them), over worker
    processes for large batches (``pooled``)."""
    parts = pooled(_compact_smiles, smiles, workers)
    if len(parts) == 1:
        return parts[0]
    return np.concatenate([b for b, _ in parts]), np.concatenate([d for _, d in parts])


def pooled(fn, items: list, workers: int | None = None) -> list:
    """``fn`` over chunks of ``items`` (SMILES): one call in this process for small batches,
    else spread over worker processes. RDKit holds the GIL, so processes, one
    per core, spawned fresh and closed when done: nothing lingers in a long-running app; the
    descriptors are ~0.7 ms per molecule, the largest part of featurising."""
    import os

    workers = workers or os.cpu_count() or 1
    if workers < 2 or len(items) < PARALLEL_FROM:
        return [fn(items)]
    import multiprocessing
    from concurrent.futures import ProcessPoolExecutor

    chunks = [items[i:i + CHUNK] for i in range(0, len(items), CHUNK)]
    with ProcessPoolExecutor(workers, mp_context=multiprocessing.get_context("spawn")) as pool:
        return list(pool.map(fn, chunks))


def matrix_of_smiles(smiles: list[str], workers: int | None = None) -> np.ndarray:
    """(n, 2140) float32 of canonical SMILES: ECFP4 bits, then sign-log1p descriptors
    (non-finite values -> 0); see ``compact_of_smiles``."""
    return join(*compact_of_smiles(smiles, workers))


def bit_atoms(mol) -> dict[int, list[list[int]]]:
    """For each ECFP4 bit set in ``mol``: the atom sets of the environments that set it, so a
    bit's attribution can be drawn on the atoms it stands for."""
    from rdkit import Chem
    from rdkit.Chem import rdFingerprintGenerator

    gen = ecfp4_generator(N_BITS)
    info = rdFingerprintGenerator.AdditionalOutput()
    info.AllocateBitInfoMap()
    gen.GetFingerprint(mol, additionalOutput=info)
    out: dict[int, list[list[int]]] = {}
    for bit, envs in info.GetBitInfoMap().items():
        for centre, radius in envs:
            atoms = {centre}
            for b in Chem.FindAtomEnvironmentOfRadiusN(mol, radius, centre) if radius else []:
                bond = mol.GetBondWithIdx(b)
                atoms |= {bond.GetBeginAtomIdx(), bond.GetEndAtomIdx()}
            out.setdefault(int(bit), []).append(sorted(atoms))
    return out


ELEMENTS = ["C", "N", "O", "S", "F", "Cl", "Br", "I", "P", "B", "Si", "Se", "Na", "K", "Ca",
            "Fe", "Zn", "Cu", "Sn", "Hg", "As", "Al"]
DEGREES = [0, 1, 2, 3, 4, 5]
CHARGES = [-2, -1, 0, 1, 2]
HYDROGENS = [0, 1, 2, 3, 4]
HYBRID = ["SP", "SP2", "SP3", "SP3D", "SP3D2"]
CHIRAL = ["CHI_UNSPECIFIED", "CHI_TETRAHEDRAL_CW", "CHI_TETRAHEDRAL_CCW"]
RING_SIZES = [3, 4, 5, 6, 7, 8]
BONDS = ["SINGLE", "DOUBLE", "TRIPLE", "AROMATIC"]
STEREO = ["STEREONONE", "STEREOZ", "STEREOE", "STEREOCIS", "STEREOTRANS"]

# one-hot blocks carry an "other" slot, except the ring sizes (a set of flags)
N_ATOM = (len(ELEMENTS) + 1 + len(DEGREES) + 1 + len(CHARGES) + 1 + len(HYDROGENS) + 1
          + len(HYBRID) + 1 + len(CHIRAL) + 1 + len(RING_SIZES) + 3)
N_BOND = len(BONDS) + 1 + len(STEREO) + 1 + 2
N_EDGE = N_ATOM + N_BOND


@dataclass(frozen=True)
class Graph:
    """One molecule: atom features, directed-edge features (source atom's and the bond's),
    and each edge's source and destination atom."""

    atoms: np.ndarray   # (n_atoms, N_ATOM) float32
    bonds: np.ndarray   # (n_bonds, N_BOND) float32
    src: np.ndarray     # (2 * n_bonds,) int32
    dst: np.ndarray     # (2 * n_bonds,) int32

    def edges(self) -> np.ndarray:
        """(2 * n_bonds, N_EDGE): each directed edge's source atom and bond features (built
        when batching: a tenth of the bytes to pass between processes)."""
        return np.concatenate([self.atoms[self.src], np.repeat(self.bonds, 2, axis=0)], axis=1)


def _codes(names: list[str], enum) -> dict:
    """RDKit enum value -> its slot in ``names`` (values not listed fall in the "other" slot)."""
    return {enum.names[n]: i for i, n in enumerate(names)}


@cache
def _blocks() -> tuple[list, list[int]]:
    """Each atom one-hot block's lookup (value -> slot) and where the block starts."""
    from rdkit import Chem

    lookups = [{e: i for i, e in enumerate(ELEMENTS)}, {d: i for i, d in enumerate(DEGREES)},
               {c: i for i, c in enumerate(CHARGES)}, {h: i for i, h in enumerate(HYDROGENS)},
               _codes(HYBRID, Chem.HybridizationType), _codes(CHIRAL, Chem.ChiralType)]
    starts = np.cumsum([0] + [len(x) + 1 for x in lookups]).tolist()
    return lookups, starts


def _atom_matrix(mol) -> np.ndarray:
    """(n_atoms, N_ATOM) float32: per block, one-hot of the value (its last slot: any other
    value), then the ring sizes the atom is in, aromatic, in a ring, mass / 100. One pass of
    RDKit calls per atom and numpy for the rest: the per-atom Python lists cost 4x more."""
    lookups, starts = _blocks()
    atoms = [mol.GetAtomWithIdx(i) for i in range(mol.GetNumAtoms())]
    raw = [(a.GetSymbol(), a.GetTotalDegree(), a.GetFormalCharge(), a.GetTotalNumHs(),
            a.GetHybridization(), a.GetChiralTag()) for a in atoms]
    out = np.zeros((len(atoms), N_ATOM), np.float32)
    rows = np.arange(len(atoms))
    for k, (lookup, start) in enumerate(zip(lookups, starts, strict=False)):
        other = len(lookup)
        out[rows, start + np.array([lookup.get(r[k], other) for r in raw], int)] = 1.0
    ring_at = starts[-1]
    for ring in mol.GetRingInfo().AtomRings():
        if len(ring) in RING_SIZES:
            out[list(ring), ring_at + RING_SIZES.index(len(ring))] = 1.0
    out[:, -3] = [a.GetIsAromatic() for a in atoms]
    out[:, -2] = [a.IsInRing() for a in atoms]
    out[:, -1] = np.array([a.GetMass() for a in atoms]) / 100.0
    return out


@cache
def _bond_codes() -> tuple[dict, dict]:
    from rdkit import Chem

    return _codes(BONDS, Chem.BondType), _codes(STEREO, Chem.BondStereo)


def _bond_matrix(bonds: list) -> np.ndarray:
    """(n_bonds, N_BOND) float32: bond type and stereo one-hot, conjugated, in a ring."""
    types, stereo = _bond_codes()
    out = np.zeros((len(bonds), N_BOND), np.float32)
    rows = np.arange(len(bonds))
    out[rows, [types.get(b.GetBondType(), len(BONDS)) for b in bonds]] = 1.0
    out[rows, [len(BONDS) + 1 + stereo.get(b.GetStereo(), len(STEREO)) for b in bonds]] = 1.0
    out[:, -2] = [b.GetIsConjugated() for b in bonds]
    out[:, -1] = [b.IsInRing() for b in bonds]
    return out


def graph_of(mol) -> Graph:
    """The directed graph of one RDKit molecule (heavy atoms only, as the SMILES has them)."""
    bonds = [mol.GetBondWithIdx(i) for i in range(mol.GetNumBonds())]
    ends = np.array([(b.GetBeginAtomIdx(), b.GetEndAtomIdx()) for b in bonds],
                    np.int32).reshape(-1, 2)
    return Graph(_atom_matrix(mol), _bond_matrix(bonds), ends.reshape(-1),
                 ends[:, ::-1].reshape(-1))


@dataclass(frozen=True)
class Features:
    """One batch of molecules as tox-cnn reads them, computed once (``of_smiles``)."""

    bits: np.ndarray              # (n, 2048) uint8 ECFP4
    desc: np.ndarray              # (n, 92) float32 sign-log1p descriptors
    graphs: list[Graph]

    def __len__(self) -> int:
        return len(self.graphs)

    def take(self, idx) -> Features:
        idx = np.asarray(idx, int)
        return Features(self.bits[idx], self.desc[idx], [self.graphs[i] for i in idx])

    def extra(self) -> dict[str, np.ndarray]:
        """The network's per-molecule inputs beside the graph, by input name."""
        return {"descriptors": self.desc,
                "fingerprint": join(self.bits, self.desc)}


def of_mols(mols: list) -> Features:
    bits, desc = compact(mols)
    return Features(bits, desc, [graph_of(m) for m in mols])


def _of_smiles(smiles: list[str]) -> Features:
    from rdkit import Chem

    return of_mols([Chem.MolFromSmiles(s) for s in smiles])


def of_smiles(smiles: list[str], workers: int | None = None) -> Features:
    """Features of canonical SMILES from ``io``; large batches over worker processes."""
    parts = pooled(_of_smiles, smiles, workers)
    if len(parts) == 1:
        return parts[0]
    return Features(np.concatenate([p.bits for p in parts]),
                    np.concatenate([p.desc for p in parts]),
                    [g for p in parts for g in p.graphs])

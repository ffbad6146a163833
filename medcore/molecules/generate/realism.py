"""Realism of generated molecules beyond validity, and the rule that keeps the realistic ones.

Validity is free with SELFIES, so it says little about whether a molecule looks like a drug.
These figures follow MOSES (Polykovskiy et al. 2020), whose ``mol_passes_filters`` rejects rings
of 8+ atoms, charged atoms, atoms other than C N S O F Cl Br H, and matches of its MCF and PAINS
SMARTS. MOSES's MCF list is not part of RDKit, so RDKit's own ``FilterCatalog`` stands in for
the SMARTS: PAINS (families A, B and C, 480 patterns; Baell & Holloway 2010) and Brenk (105
unwanted groups; Brenk et al. 2008). Ring sizes come from RDKit's ring perception (SSSR).

Per molecule we keep a few flags (``features``); the shares are computed from them
(``summary``), so the training-set reference (flags stored with the model) and the generated
molecules go through the same code.
"""

from __future__ import annotations

import functools
from dataclasses import dataclass

import numpy as np

ALLOWED_ATOMS = frozenset({"C", "N", "S", "O", "F", "Cl", "Br", "H"})  # as MOSES
LARGE_RING = 8  # MOSES rejects rings of this size or more
MACROCYCLE = 12  # the usual definition of a macrocycle: a ring of 12 or more atoms
SA_PERCENTILE = 90  # the filter rejects SA scores above this percentile of the training set
FILTERS_TEXT = ("MOSES-style structural filters: RDKit FilterCatalog PAINS (A+B+C, 480 SMARTS) "
                "and Brenk (105 SMARTS) in place of MOSES's MCF+PAINS, no formal charge, only "
                "C N S O F Cl Br H atoms, no ring of 8 or more atoms")
FLAGS = ("max_ring", "pains", "brenk", "charged", "other_atoms")


@functools.cache
def _catalog(name: str):
    from rdkit.Chem import FilterCatalog

    params = FilterCatalog.FilterCatalogParams()
    params.AddCatalog(getattr(FilterCatalog.FilterCatalogParams.FilterCatalogs, name))
    return FilterCatalog.FilterCatalog(params)


def _max_ring(mol) -> int:
    return max((len(r) for r in mol.GetRingInfo().AtomRings()), default=0)


def _cheap_fail(mol) -> bool:
    """The atom and ring rules: checked before the SMARTS catalogues because they are fast."""
    return (_max_ring(mol) >= LARGE_RING
            or any(a.GetFormalCharge() != 0 or a.GetSymbol() not in ALLOWED_ATOMS
                   for a in mol.GetAtoms()))


def features(smiles: list[str]) -> dict[str, np.ndarray]:
    """Per molecule (valid SMILES): largest ring size and which filter it fails."""
    from rdkit import Chem

    mols = [Chem.MolFromSmiles(s) for s in smiles]
    return {
        "max_ring": np.array([_max_ring(m) for m in mols], np.int16),
        "pains": np.array([_catalog("PAINS").HasMatch(m) for m in mols], bool),
        "brenk": np.array([_catalog("BRENK").HasMatch(m) for m in mols], bool),
        "charged": np.array([any(a.GetFormalCharge() != 0 for a in m.GetAtoms())
                             for m in mols], bool),
        "other_atoms": np.array([any(a.GetSymbol() not in ALLOWED_ATOMS for a in m.GetAtoms())
                                 for m in mols], bool),
    }


def summary(flags: dict[str, np.ndarray], digits: int = 4) -> dict:
    """Shares of molecules with a ring of 8+ atoms, with a macrocycle, passing all structural
    filters, and failing each one."""
    ring = np.asarray(flags["max_ring"])
    if not len(ring):
        return {"ring8_share": None, "macrocycle_share": None, "filters_pass": None}
    large = ring >= LARGE_RING
    fails = {"pains": flags["pains"], "brenk": flags["brenk"], "charged": flags["charged"],
             "other_atoms": flags["other_atoms"], "ring8": large}
    any_fail = np.logical_or.reduce([np.asarray(v, bool) for v in fails.values()])
    r = functools.partial(round, ndigits=digits)
    return {"ring8_share": r(float(large.mean())),
            "macrocycle_share": r(float((ring >= MACROCYCLE).mean())),
            "filters_pass": r(float(1.0 - any_fail.mean())),
            "filters_fail": {k: r(float(np.mean(v))) for k, v in fails.items()}}


@dataclass(frozen=True)
class RealismRule:
    """What the generator keeps: a valid molecule passing the structural filters whose SA score
    is no higher than ``sa_max`` (the training set's SA_PERCENTILE-th percentile)."""

    sa_max: float

    @classmethod
    def from_training(cls, train_sa: np.ndarray) -> RealismRule:
        return cls(round(float(np.percentile(train_sa, SA_PERCENTILE)), 4))

    def passes(self, smiles: str) -> bool:
        from rdkit import Chem
        from rdkit.Contrib.SA_Score import sascorer

        from medcore.molecules.featurize import silence_rdkit

        silence_rdkit()
        mol = Chem.MolFromSmiles(smiles) if smiles else None
        if mol is None or mol.GetNumAtoms() == 0:
            return False
        # cheapest and most often failed first: atoms/rings, Brenk, SA, then PAINS (480 SMARTS)
        return not (_cheap_fail(mol) or _catalog("BRENK").HasMatch(mol)
                    or sascorer.calculateScore(mol) > self.sa_max
                    or _catalog("PAINS").HasMatch(mol))

    def describe(self) -> dict:
        return {"filters": FILTERS_TEXT, "sa_max": self.sa_max,
                "sa_max_is": f"the training set's {SA_PERCENTILE}th percentile of SA score"}


@dataclass(frozen=True)
class Sampled:
    """Molecules kept by ``rejection_sample``, in draw order, and what it took to get them."""

    smiles: list[str]
    n_drawn: int

    @property
    def acceptance_rate(self) -> float:
        return len(self.smiles) / self.n_drawn if self.n_drawn else 0.0


def round_seed(seed: int, k: int) -> int:
    """Round k's seed: round 0 is ``seed`` itself, later rounds independent streams."""
    return seed if k == 0 else int(np.random.SeedSequence([seed, k]).generate_state(1)[0])


def _canonical(smiles: str) -> str:
    from rdkit import Chem

    return Chem.MolToSmiles(Chem.MolFromSmiles(smiles))


def rejection_sample(draw, keep, n: int, seed: int, max_draws: int, distinct: bool = False,
                     first_rate: float = 0.1) -> Sampled:
    """Draw in seeded rounds until ``n`` molecules pass ``keep`` (or ``max_draws`` is spent);
    with ``distinct``, a molecule (canonical SMILES) already kept is rejected too.

    ``draw(k, seed)`` returns k SMILES. Each round asks for what is still missing divided by the
    acceptance rate seen so far (``first_rate`` before any is seen), plus 10 %, but at most five
    times what is missing, so a poor first guess wastes little; the result is deterministic for
    a given seed.
    """
    kept: list[str] = []
    seen: set[str] = set()
    drawn, k = 0, 0
    while len(kept) < n and drawn < max_draws:
        need = n - len(kept)
        rate = len(kept) / drawn if kept else first_rate
        size = min(max_draws - drawn, max(1000, 5 * need),
                   int(np.ceil(need / max(rate, 0.01) * 1.1)) + 8)
        for smiles in draw(size, round_seed(seed, k)):
            drawn += 1  # counted up to the n-th kept molecule, so the rate is exact
            if not keep(smiles):
                continue
            if distinct:
                key = _canonical(smiles)
                if key in seen:
                    continue
                seen.add(key)
            kept.append(smiles)
            if len(kept) == n:
                break
        k += 1
    return Sampled(kept, drawn)


COMPARED = (("filters_pass", "Passes the structural filters"),
            ("ring8_share", "Has a ring of 8+ atoms"),
            ("macrocycle_share", "Has a macrocycle (12+ atoms)"),
            ("sa_mean", "Mean SA score (1 easy - 10 hard to make)"),
            ("qed_mean", "Mean QED (drug-likeness)"),
            ("uniqueness_10k", "Unique among 10,000"),
            ("novelty", "Not in the training set"),
            ("int_div1", "Internal diversity"))


def comparison(metrics: dict) -> list[dict]:
    """Rows of a mol-gan card's figures for the raw generator, the realism-filtered one and the
    training set, side by side (a figure a column lacks is None)."""
    def pick(block: dict, key: str):
        if key in ("sa_mean", "qed_mean"):
            return block.get(key[:-5], {}).get("mean")
        return block.get(key)

    cols = {"raw": metrics, "filtered": metrics.get("realism_filtered", {}),
            "training set": metrics.get("training_set", {})}
    return [{"figure": label, **{c: pick(b, key) for c, b in cols.items()}}
            for key, label in COMPARED]

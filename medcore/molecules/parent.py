"""Which part of an uploaded structure tox-cnn scores: the parent of a salt, or nothing.

The rule, applied to every upload (training data is standardised by ``data.load_tox21``):

1. **Metals**: a molecule with any metal atom other than a lone alkali or alkaline-earth
   counter-ion (Na+, K+, Ca2+, ...) is not scored. In the shipped model's training split 72 of
   6,258 molecules (1.2 %) hold a metal, spread over 24 elements, at most 14 for one element
   (tin) and 2 for platinum: too few to learn what a metal does in an assay, and cutting the
   metal off (cisplatin to two ammonias and Cl-Pt-Cl, or to nothing) would score a different
   substance. RDKit's ``MetalDisconnector`` names the metal and its ligands in the reason.
2. **Salts and solvents**: RDKit's ``FragmentRemover`` drops the fragments on its list of
   common salts and solvents (HCl, Na+, water, ...); inorganic fragments left beside an organic
   one (no carbon) are counter-ions too. Each removal is named in the note.
3. **Mixtures**: of the organic fragments left, copies of the same fragment count once;
   ``LargestFragmentChooser`` picks the parent, and any other organic fragment with more than
   half the parent's heavy atoms makes the input a mixture of comparable parts, which is not
   scored (which part is "the" drug is not knowable from the structure). Smaller organic
   fragments (maleate, besylate) are removed as counter-ions and named.
4. **Inorganic**: an input with no carbon left is not scored; Tox21's few inorganic salts do
   not teach a SMILES or fingerprint model about them.

Charges are kept as written (no ``Uncharger``): Tox21's salts were reduced to their largest
fragment with its charge, so a neutralised parent would be a form the model has not seen.
"""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field

COUNTER_ION_METALS = frozenset({3, 11, 19, 37, 55, 4, 12, 20, 38, 56})  # Li..Cs, Be..Ba
NON_METALS = frozenset({1, 2, 5, 6, 7, 8, 9, 10, 14, 15, 16, 17, 18, 32, 33, 34, 35, 36,
                        51, 52, 53, 54, 85, 86})  # incl. the metalloids B, Si, Ge, As, Sb, Te
MIXTURE_RATIO = 0.5  # another organic part over half the parent's heavy atoms: a mixture


@dataclass
class Parent:
    """The molecule to score (``mol``) and what was removed, or why nothing is scored."""

    mol: object | None
    removed: list[str] = field(default_factory=list)   # formulas, e.g. "counter-ion Cl-"
    reason: str | None = None                          # set when nothing is scored

    @property
    def note(self) -> str:
        if self.reason or not self.removed:
            return ""
        from rdkit.Chem import rdMolDescriptors

        return (f"Removed {', '.join(self.removed)}; scored the parent "
                f"{rdMolDescriptors.CalcMolFormula(self.mol)}.")


def formula(mol) -> str:
    from rdkit.Chem import rdMolDescriptors

    return rdMolDescriptors.CalcMolFormula(mol)


def _is_metal(atom) -> bool:
    return atom.GetAtomicNum() not in NON_METALS


def _lone_counter_ion(frag) -> bool:
    return frag.GetNumAtoms() == 1 and frag.GetAtomWithIdx(0).GetAtomicNum() in COUNTER_ION_METALS


def _organic(frag) -> bool:
    return any(a.GetAtomicNum() == 6 for a in frag.GetAtoms())


def _counted(formulas: list[str]) -> list[str]:
    return [f if n == 1 else f"{f} (x{n})" for f, n in Counter(formulas).items()]


def _metal_reason(mol) -> str:
    from rdkit import Chem
    from rdkit.Chem.MolStandardize import rdMolStandardize

    metals = sorted({a.GetSymbol() for a in mol.GetAtoms() if _is_metal(a)})
    parts = Chem.GetMolFrags(rdMolStandardize.MetalDisconnector().Disconnect(Chem.Mol(mol)),
                             asMols=True, sanitizeFrags=False)
    ligands = _counted([formula(f) for f in parts if not any(_is_metal(a) for a in f.GetAtoms())])
    with_what = f"; with {', '.join(ligands)}" if ligands else ""
    return (f"Not scored: contains the metal {', '.join(metals)} (a metal complex, salt or "
            f"organometallic{with_what}). Tox21's training set holds too few metal compounds "
            "(1.2 %, at most 14 per element) to score them honestly, and scoring the organic "
            "part alone would describe a different substance.")


def find_parent(mol) -> Parent:
    """Apply the rule in this module's docstring to one sanitised RDKit molecule."""
    from rdkit import Chem
    from rdkit.Chem.MolStandardize import rdMolStandardize

    frags = Chem.GetMolFrags(mol, asMols=True, sanitizeFrags=True)
    if any(_is_metal(a) for f in frags if not _lone_counter_ion(f) for a in f.GetAtoms()):
        return Parent(None, reason=_metal_reason(mol))
    if len(frags) == 1:
        if not _organic(mol):
            return Parent(None, reason=(f"Not scored: {formula(mol)} is inorganic (no carbon). "
                                        "tox-cnn scores organic molecules."))
        return Parent(mol)
    kept = Chem.GetMolFrags(rdMolStandardize.FragmentRemover().remove(mol), asMols=True,
                            sanitizeFrags=True)
    removed = _removed_formulas(frags, kept)
    organic, unique = [f for f in kept if _organic(f)], {}
    for f in organic:
        unique.setdefault(Chem.MolToSmiles(f), f)
    if not unique:
        return Parent(None, reason=(f"Not scored: {formula(mol)} is inorganic (no carbon "
                                    "in any part). tox-cnn scores organic molecules."))
    copies = len(organic) - len(unique)
    parent = rdMolStandardize.LargestFragmentChooser(preferOrganic=True).choose(
        Chem.MolFromSmiles(".".join(unique)))
    parent_smiles = Chem.MolToSmiles(parent)
    others = [f for s, f in unique.items() if s != parent_smiles]
    big = [f for f in others if f.GetNumHeavyAtoms() > MIXTURE_RATIO * parent.GetNumHeavyAtoms()]
    if big:
        names = ", ".join(formula(f) for f in [parent, *big])
        return Parent(None, reason=(f"Not scored: a mixture of comparable organic parts "
                                    f"({names}); which one is the active substance cannot be "
                                    "told from the structure. Put each part on its own row."))
    removed += [f"organic counter-ion {formula(f)}" for f in others]
    removed += [f"counter-ion {formula(f)}" if Chem.GetFormalCharge(f) else formula(f)
                for f in kept if not _organic(f)]
    if copies:
        removed.append(f"{copies} more cop{'ies' if copies > 1 else 'y'} of the parent")
    return Parent(parent, _counted(removed))


def _removed_formulas(before, after) -> list[str]:
    """Formulas of the fragments ``FragmentRemover`` took out (as a multiset difference)."""
    from rdkit import Chem

    left = Counter(formula(f) for f in after)
    out = []
    for f in before:
        name = formula(f)
        if left[name]:
            left[name] -= 1
            continue
        out.append(f"counter-ion {name}" if Chem.GetFormalCharge(f) else name)
    return out

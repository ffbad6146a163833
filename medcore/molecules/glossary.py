"""Plain-words glossary of what the Drug discovery page shows: the 12 Tox21 assays and the 92
descriptors tox-cnn's fingerprint branch reads (any of them can be among the whole-molecule
contributions beside a drawing). Kept as data here so the page, the CSV help and tests share
one text; the page never writes its own definitions.

Sources: the Tox21 Data Challenge 2014 assay descriptions (NCATS; Huang et al., Front Environ
Sci 2016), RDKit's descriptor documentation (``rdMolDescriptors``, ``MolSurf``) and Nguyen et
al., ChemMedChem 2009 for the 42 Molecular Quantum Numbers.
"""

from __future__ import annotations

from dataclasses import dataclass

from medcore.molecules import featurize


@dataclass(frozen=True)
class Assay:
    title: str
    measures: str
    matters: str

    def text(self) -> str:
        return f"{self.title}. {self.measures} Why it matters: {self.matters}"


SCOPE = ("Tox21 covers twelve in-vitro cell assays (seven nuclear-receptor, five stress-response), "
         "not toxicity in general: a molecule active in none of them is not thereby safe, and "
         "an active one is a prompt for a lab test, not a verdict.")

ASSAYS: dict[str, Assay] = {
    "NR-AR": Assay(
        "Androgen receptor, whole receptor (agonist)",
        "Whether the molecule switches on the androgen receptor, the receptor of testosterone, "
        "in a breast-cancer cell line carrying a light-emitting reporter (MDA-kb2).",
        "molecules that act like male hormones can disturb sexual development and fertility "
        "(endocrine disruption)."),
    "NR-AR-LBD": Assay(
        "Androgen receptor, ligand-binding domain (agonist)",
        "The same question as NR-AR, but only the hormone-binding part of the receptor is "
        "used, fused to a yeast switch in kidney cells (HEK293).",
        "separates molecules that bind the hormone pocket itself from those acting elsewhere "
        "in the cell."),
    "NR-AhR": Assay(
        "Aryl hydrocarbon receptor (agonist)",
        "Whether the molecule switches on the aryl hydrocarbon receptor in liver cells (HepG2); "
        "flat aromatic molecules such as dioxins and PAHs do.",
        "the receptor behind dioxin toxicity; it turns on metabolism enzymes (CYP1A1) that can "
        "make some chemicals carcinogenic."),
    "NR-Aromatase": Assay(
        "Aromatase inhibition",
        "Whether the molecule blocks aromatase (CYP19), the enzyme that turns male hormones "
        "into estrogens, in breast-cancer cells (MCF-7 aro ERE).",
        "less estrogen disturbs reproduction and bone; it is also how drugs such as letrozole "
        "treat breast cancer, so activity can be intended."),
    "NR-ER": Assay(
        "Estrogen receptor alpha, whole receptor (agonist)",
        "Whether the molecule switches on estrogen receptor alpha in an ovarian cell line "
        "(BG1) with a light-emitting reporter.",
        "estrogen mimics (bisphenol A, some pesticides) can disturb reproduction and "
        "development and feed hormone-sensitive cancers."),
    "NR-ER-LBD": Assay(
        "Estrogen receptor alpha, ligand-binding domain (agonist)",
        "The same question as NR-ER, with only the hormone-binding part of the receptor "
        "(kidney cells, HEK293).",
        "confirms a direct fit in the estrogen pocket rather than an indirect effect."),
    "NR-PPAR-gamma": Assay(
        "PPAR-gamma (agonist)",
        "Whether the molecule switches on the peroxisome proliferator-activated receptor "
        "gamma, which controls fat-cell formation and sugar handling (HEK293 cells).",
        "the target of diabetes drugs (glitazones); unintended activation is linked to weight "
        "gain, fluid retention and 'obesogen' chemicals."),
    "SR-ARE": Assay(
        "Antioxidant response element (Nrf2)",
        "Whether the molecule triggers the cell's antioxidant defence (Nrf2/ARE) in liver "
        "cells (HepG2).",
        "a sign of oxidative stress or of reactive (electrophilic) molecules or metabolites "
        "that can damage proteins and DNA."),
    "SR-ATAD5": Assay(
        "ATAD5 (genotoxicity)",
        "Whether the molecule raises the level of ATAD5, a protein that accumulates when DNA "
        "copying stalls (HEK293T cells).",
        "flags molecules that damage DNA or block its replication: possible mutagens and "
        "carcinogens."),
    "SR-HSE": Assay(
        "Heat-shock response",
        "Whether the molecule switches on the heat-shock factor response (HeLa cells), the "
        "cell's reaction to misfolded proteins.",
        "a sign of protein damage by heat, heavy metals or reactive chemicals."),
    "SR-MMP": Assay(
        "Mitochondrial membrane potential",
        "Whether the molecule collapses the voltage across mitochondrial membranes in liver "
        "cells (HepG2), read with a dye.",
        "mitochondria make the cell's energy; disrupting them is a common cause of drug-induced "
        "liver and heart injury."),
    "SR-p53": Assay(
        "p53 activation",
        "Whether the molecule switches on p53, the cell's DNA-damage alarm (HCT-116 colon "
        "cells).",
        "p53 responds to DNA damage and severe stress; activation points to genotoxic or "
        "cell-damaging molecules."),
}

_SCALARS = {
    "logP (Crippen)": "Lipophilicity: how much the molecule prefers fat to water (Crippen's "
                      "atom-based estimate of log P). High values cross membranes and build up "
                      "in fat.",
    "molar refractivity": "Crippen's molar refractivity: the molecule's size and how easily its "
                          "electrons are polarised.",
    "TPSA": "Topological polar surface area (Å²) of nitrogens, oxygens and their hydrogens: "
            "high values mean a polar molecule that crosses membranes poorly.",
    "Labute ASA": "Labute's approximate solvent-accessible surface area (Å²): overall size.",
    "exact mass": "Monoisotopic mass of the scored molecule in daltons (Da).",
    "H-bond donors": "Hydrogen-bond donors (OH and NH groups, Lipinski-style count).",
    "H-bond acceptors": "Hydrogen-bond acceptors (mainly N and O atoms).",
    "fraction sp3 C": "Share of carbons that are saturated (sp3): 0 for flat aromatic molecules, "
                      "near 1 for fully saturated ones.",
    "rotatable bonds": "Bonds the molecule can turn around freely: its flexibility.",
    "aromatic rings": "Number of aromatic rings (benzene-like).",
    "aliphatic rings": "Number of non-aromatic rings (saturated or partly saturated).",
    "heteroatoms": "Atoms other than carbon and hydrogen (N, O, S, halogens, ...).",
    "amide bonds": "Number of amide bonds (C(=O)-N), as in peptides.",
    "formal charge": "Net charge of the scored molecule as written (e.g. -1 for a carboxylate).",
}

# Molecular Quantum Numbers (Nguyen et al. 2009), in RDKit's MQNs_ order.
_MQN = [
    "carbon atoms", "fluorine atoms", "chlorine atoms", "bromine atoms", "iodine atoms",
    "sulfur atoms", "phosphorus atoms", "nitrogen atoms outside rings",
    "nitrogen atoms in rings", "oxygen atoms outside rings", "oxygen atoms in rings",
    "heavy (non-hydrogen) atoms", "hydrogen-bond acceptor sites (lone pairs)",
    "hydrogen-bond acceptor atoms", "hydrogen-bond donor sites (H on N or O)",
    "hydrogen-bond donor atoms", "negative charges", "positive charges",
    "single bonds outside rings", "double bonds outside rings", "triple bonds outside rings",
    "single bonds in rings", "double bonds in rings", "triple bonds in rings",
    "rotatable bonds", "atoms outside rings with one heavy neighbour (chain ends)",
    "atoms outside rings with two heavy neighbours", "atoms outside rings with three heavy "
    "neighbours (branch points)", "atoms outside rings with four heavy neighbours",
    "ring atoms with two heavy neighbours", "ring atoms with three heavy neighbours",
    "ring atoms with four heavy neighbours", "3-membered rings", "4-membered rings",
    "5-membered rings", "6-membered rings", "7-membered rings", "8-membered rings",
    "9-membered rings", "rings of 10 or more atoms", "atoms shared by fused rings",
    "bonds shared by fused rings",
]

# Gasteiger partial-charge bin edges of RDKit's PEOE_VSA (MolSurf.chgBins).
PEOE_BINS = [-0.3, -0.25, -0.2, -0.15, -0.1, -0.05, 0, 0.05, 0.1, 0.15, 0.2, 0.25, 0.3]


def _range(edges: list[float], k: int) -> str:
    """Plain words for bin k (1-based) of RDKit's VSA descriptors: a value goes to the first
    bin whose upper edge exceeds it; the last bin is open."""
    if k == 1:
        return f"below {edges[0]:g}"
    if k == len(edges) + 1:
        return f"{edges[-1]:g} or more"
    return f"from {edges[k - 2]:g} to below {edges[k - 1]:g}"


def _vsa(name: str) -> str:
    prefix, k = name.rsplit("_VSA", 1)
    k = int(k)
    if prefix == "SlogP":
        what, edges = "Crippen logP contribution", featurize.SLOGP_BINS
        hint = ("negative contributions are polar, water-loving atoms (N, O); high ones are "
                "fat-loving carbons and halogens")
    elif prefix == "SMR":
        what, edges = "molar-refractivity contribution", featurize.SMR_BINS
        hint = ("low contributions are small, hard atoms (hydrogen-bonding N and O); high ones "
                "are large, polarisable atoms (aromatic C, S, Br, I)")
    else:
        what, edges = "Gasteiger partial charge", PEOE_BINS
        hint = ("negative charges sit on electron-rich atoms (O, N), positive ones on "
                "electron-poor carbons beside them")
    return (f"Surface area (Å²) of the atoms whose {what} is {_range(edges, k)}; {hint}. "
            "A way to say where on the surface the molecule is polar or greasy.")


DESCRIPTORS: dict[str, str] = {
    **_SCALARS,
    **{f"MQN{i}": f"Molecular Quantum Number {i}: count of {w}." for i, w in enumerate(_MQN, 1)},
    **{n: _vsa(n) for n in featurize.DESCRIPTOR_NAMES if "_VSA" in n},
    "substructures absent (ECFP4)": "The summed effect of the ECFP4 substructures (atom "
                                    "neighbourhoods up to two bonds) this molecule does not "
                                    "have: what its absence of typical groups says.",
}

DOMAIN = ("Nearest training molecule: the most similar of tox-cnn's 6,258 training molecules, "
          "by Tanimoto similarity of 2048-bit ECFP4 fingerprints (1 = same substructures, 0 = "
          "none shared). Below the measured threshold the molecule is far from training and "
          "its scores are less reliable.")


def describe(name: str) -> str:
    """The plain-words text of an assay or descriptor name ('' if unknown)."""
    if name in ASSAYS:
        return ASSAYS[name].text()
    return DESCRIPTORS.get(name, "")

"""The ``tox-cnn`` model card: data, splits, architecture, anchors, use and limits."""

from __future__ import annotations

import numpy as np

from medcore.molecules import calls, data, descriptors, graph

THRESHOLD_RULE = calls.RULE
CALLS_LIMITATION = (
    "Calls: an assay calls active only at its validation-chosen threshold (see threshold_rule "
    "and metrics.calls for each threshold's precision and sensitivity on the test molecules); "
    "below it the model makes no call of activity, which is not a call of inactivity (most "
    "assays' sensitivity at their threshold is under 0.7).")


DESIGN_V3 = (
    "Committed before the fit and before any test scoring. Version 3 keeps the id and the "
    "splits. Members: directed message-passing networks (D-MPNN as in Chemprop, "
    "medcore.molecules.dmpnn): atom and bond features as in Chemprop, trimmed to Tox21's "
    "elements; hidden 300, depth 3, mean over atoms, the 92 RDKit descriptors (standardised) "
    "concatenated at the readout, FFN 300, dropout 0.1, 12 sigmoids, masked binary "
    "cross-entropy, Adam 1e-3, batch 50, at most 30 epochs, keeping the epoch with the best "
    "validation mean ROC-AUC (patience 6). Three members per split, seeds 0, 1, 2. The "
    "fingerprint MLP of version 2 is refitted on each split (40 epochs, patience 6); the "
    "SMILES CNN branch is dropped. Two candidates: (A) the mean of the three D-MPNN members; "
    "(B) the mean of (A) and the MLP, at 1/2 each. The run takes the one with the higher mean "
    "of the random and scaffold splits' validation mean ROC-AUC (A on a tie), for both splits. "
    "Thresholds: Youden's J on the random split's validation part. Prediction sets: Mondrian "
    "split conformal per assay, calibrated on the random split's validation part. Ensemble "
    "spread: the members' probabilities (D-MPNNs and, under B, the MLP). Attribution: "
    "integrated gradients from a featureless copy of the molecule (48 steps). Test parts of "
    "both splits are scored once, at the end of the run. Goals: scaffold-split mean test "
    "ROC-AUC >= 0.80, random split >= 0.87. Exploration before this commitment (validation "
    "only): one D-MPNN member scored 0.878 on the random split's validation part, the MLP "
    "0.870, their mean 0.886.")


def build_card(t: data.Tox21, splits: dict, model, metrics: dict, history: dict,
               valid_auc: dict, pre: dict, calls_cfg: dict, *, epochs: int, members: int,
               arch: dict, quick: bool, seconds: float) -> dict:
    return {
        "id": "tox-cnn",
        "task": "Multitask toxicity: probability of activity in each of the 12 Tox21 assays "
                "(nuclear-receptor and stress-response pathways) for a small molecule.",
        "architecture": {
            "text": "Version 3: an ensemble of directed message-passing networks over the "
                    f"molecular graph ({members} D-MPNN members, hidden {arch['hidden']}, "
                    f"depth {arch['depth']}, RDKit descriptors at the readout)"
                    + (", averaged at 1/2 with an MLP over 2048-bit ECFP4 plus 92 RDKit "
                       "descriptors" if pre["combination"] == "dmpnn_with_fingerprint" else "")
                    + f" (chosen on validation: {pre['combination']}). Version 2 averaged a "
                    "SMILES CNN with the MLP; version 1 was the SMILES CNN alone.",
            "design_v3": DESIGN_V3,
            "params": int(model.count_params()),
            "quick": quick,
        },
        "dataset": {
            "name": "Tox21 (MoleculeNet)",
            "source": "data folder molecules/tox21.csv (chemprop copy of MoleculeNet tox21.csv.gz)",
            "licence": "Tox21 Data Challenge 2014, NIH/EPA, public domain",
            "citation": "Wu et al., MoleculeNet: a benchmark for molecular machine learning, "
                        "Chem Sci 2018; Huang et al., Tox21 Challenge, Front Env Sci 2016.",
            "split": "Seeded random 80/10/10 (numpy default_rng(0) permutation) for the shipped "
                     "model; a second CNN on a Bemis-Murcko scaffold split (largest scaffold "
                     "groups to train, rarest to test, 80/10/10). Validation used for early "
                     "stopping, assay thresholds and the prediction sets' calibration; test scored "
                     "once.",
            "n_rows": t.n_raw,
            "n_used": len(t.smiles),
            "skipped_unparsable": t.skipped,
            "counts": {k: data.counts(t.labels, sp) for k, sp in splits.items()},
        },
        "metrics": metrics,
        "headline_metrics": ["mean_roc_auc", "scaffold_mean_roc_auc"],
        "class_names": list(data.ASSAYS),
        "anchors": [
            {"name": "GraphConv (MoleculeNet)", "value": 0.829, "metric": "mean test ROC-AUC, "
             "random split", "source": "Wu et al. 2018, MoleculeNet"},
            {"name": "Weave (MoleculeNet)", "value": 0.820, "metric": "mean test ROC-AUC, random "
             "split", "source": "Wu et al. 2018, MoleculeNet"},
            {"name": "RF on ECFP (MoleculeNet)", "value": 0.77, "metric": "mean test ROC-AUC, "
             "random split", "source": "Wu et al. 2018, MoleculeNet"},
            {"name": "Chemprop D-MPNN", "value": 0.85, "metric": "mean test ROC-AUC, random "
             "split (approx.)", "source": "Yang et al., J Chem Inf Model 2019"},
            {"name": "DeepTox (Tox21 challenge winner)", "value": 0.846, "metric": "mean "
             "ROC-AUC on the challenge's final evaluation compounds (not in this data set; "
             "not comparable with the split figures)", "source": "Mayr et al., Front Environ "
             "Sci 2016"},
            {"name": "200-tree RF, 2048-bit ECFP4, this data", "value": 0.801, "metric": "mean "
             "test ROC-AUC, seeded 80/10/10", "source": "measured by the project"},
        ],
        "input_spec": {
            "shape": "graph of heavy atoms padded per batch: atoms (batch, atoms, "
                     f"{graph.N_ATOM}), mask (batch, atoms), directed edges (batch, edges, "
                     f"{graph.N_EDGE}) with source and destination atom; descriptors (batch, "
                     f"{len(descriptors.NAMES)}); fingerprint (batch, {descriptors.N_FEATURES}) "
                     "when the MLP is part of the model",
            "preprocessing": "RDKit parse, parent molecule (salts removed, largest organic "
                             "fragment), canonical SMILES; graph, ECFP4 radius 2 and "
                             "descriptors from the same molecule",
            "descriptors": list(descriptors.NAMES),
        },
        **calls_fields(calls_cfg),
        "training": {"epochs_max": epochs, "members": members, "arch": arch,
                     "valid_mean_roc_auc_per_epoch": history,
                     "valid_mean_roc_auc_best": valid_auc, "seconds": round(seconds, 1),
                     "label_fraction_measured": round(float(np.mean(~np.isnan(t.labels))), 4)},
        "intended_use": "Research triage of small molecules for in-vitro Tox21 assay activity; "
                        "a prompt for which assays to run, not a safety assessment.",
        "limitations": [
            "Trained on ~6k mostly environmental/industrial chemicals and drugs; scaffolds far "
            "from Tox21 score less reliably (see the scaffold-split figure).",
            "Assay activity in vitro is not clinical toxicity; probabilities are not calibrated "
            "per assay beyond the validation-chosen thresholds.",
            "Training molecules were reduced to their largest fragment. Uploads: salts are "
            "reduced to their parent (RDKit's FragmentRemover, then the largest organic part) "
            "and each removal is named; metal complexes, mixtures of comparable organic parts "
            "and inorganics are not scored (72 of 6,258 training molecules hold a metal). "
            "Stereo is read from SMILES but the model has seen few stereo-specific labels.",
            "Applicability domain: a molecule whose nearest training molecule (ECFP4 Tanimoto) "
            "is below metrics.applicability_domain.threshold is flagged far from training; "
            "the threshold and its curve are measured on the scaffold split by evaluate.",
            "Molecules over 150 heavy atoms are refused.",
            "Attribution on atoms (integrated gradients) covers the graph's atom and bond "
            "features and the ECFP4 substructures a molecule has; descriptors (logP, charge, "
            "...) and substructures it lacks are whole-molecule contributions, shown beside "
            "the drawing rather than on atoms.",
            CALLS_LIMITATION,
            "Prediction sets are calibrated per assay on 573 to 700 validation molecules "
            "with few actives (19 to 100 per assay): at levels above about 95 % the rarest "
            "assays' sets always hold 'active'.",
        ],
    }


def calls_fields(cfg: dict) -> dict:
    """The card's ``thresholds`` (each assay's call threshold; None for no call), the rule
    and the validation figures behind them (``calls.json``)."""
    return {"thresholds": {a: c["threshold"] for a, c in cfg["assays"].items()},
            "threshold_rule": calls.RULE, "calls": cfg}

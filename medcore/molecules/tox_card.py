"""The ``tox-cnn`` model card: data, splits, architecture, anchors, use and limits."""

from __future__ import annotations

import numpy as np

from medcore.molecules import data, descriptors

THRESHOLD_RULE = ("Per assay, Youden's J (the cut-off maximising sensitivity + specificity - 1) "
                  "on the random split's validation molecules measured for that assay; 0.5 "
                  "where that part had one class only. A probability at or above it is "
                  "called active.")


def build_card(t: data.Tox21, splits: dict, model, metrics: dict, history: dict,
               valid_auc: dict, pre: dict,
               *, epochs: int, augment: int, quick: bool, seconds: float) -> dict:
    return {
        "id": "tox-cnn",
        "task": "Multitask toxicity: probability of activity in each of the 12 Tox21 assays "
                "(nuclear-receptor and stress-response pathways) for a small molecule.",
        "architecture": {
            "text": "Version 2: the mean of two branches' probabilities. (1) 1-D CNN over "
                    "one-hot canonical SMILES tokens (largest fragment): Conv1D(96,7)-"
                    "Conv1D(96,5)-GlobalMaxPool-Dense(256)-12 sigmoids. (2) MLP over 2048-bit "
                    "ECFP4 plus 92 RDKit physico-chemical descriptors (standardised with "
                    "training statistics): Dense(1024)-Dense(512)-12 sigmoids. Each branch: "
                    "masked binary cross-entropy (missing labels ignored, not zero), Adam "
                    "1e-3, batch 64, early stopping on validation mean ROC-AUC. Version 1 "
                    "was branch (1) alone.",
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
                     "stopping and assay thresholds; test scored once.",
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
            {"name": "200-tree RF, 2048-bit ECFP4, this data", "value": 0.801, "metric": "mean "
             "test ROC-AUC, seeded 80/10/10", "source": "measured by the project"},
        ],
        "input_spec": {
            "shape": "[(batch, tokens, vocab) float32 one-hot, tokens padded to a multiple of "
                     f"{pre['bucket']} (max {pre['max_tokens']}, longer SMILES truncated); "
                     f"(batch, {descriptors.N_FEATURES}) ECFP4 bits and sign-log1p "
                     "descriptors]",
            "vocab_size": len(pre["vocab"]),
            "preprocessing": "RDKit parse, keep largest fragment, canonical SMILES, regex "
                             "tokenisation (preprocess.json holds vocab and thresholds); "
                             "ECFP4 radius 2 and descriptors from the same molecule",
            "descriptors": list(descriptors.NAMES),
        },
        "thresholds": dict(zip(data.ASSAYS, pre["thresholds"], strict=True)),
        "threshold_rule": THRESHOLD_RULE,
        "training": {"epochs_max": epochs, "augment_random_smiles": augment,
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
            "Molecules over 150 heavy atoms are refused; SMILES over 208 tokens are truncated.",
            "SHAP on atoms covers the SMILES tokens and the ECFP4 substructures a molecule has; "
            "descriptors (logP, charge, ...) and substructures it lacks are whole-molecule "
            "contributions, shown beside the drawing rather than on atoms.",
        ],
    }

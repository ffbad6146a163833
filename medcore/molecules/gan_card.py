"""The ``mol-gan`` model card."""

from __future__ import annotations

from medcore.molecules import gan_core


def build_card(gen, metrics: dict, n_train: int, steps: int, quick: bool, seconds: float,
               vocab: list[str]) -> dict:
    return {
        "id": "mol-gan",
        "task": "Generate new drug-like small molecules (SMILES) from random noise and a seed.",
        "architecture": {
            "text": f"WGAN-GP over one-hot SELFIES ({gan_core.MAX_LEN} tokens x {len(vocab)}). "
                    "Generator: noise(64)-Dense(256)-Dense(384)-Dense(L*V)-softmax per position; "
                    "critic: Conv1D(64,5)-Conv1D(128,5,stride 2)-Dense(1), gradient penalty 10, "
                    f"5 critic steps per generator step, {steps} generator steps, batch 64. "
                    "Sampling draws each token from the generator's probabilities (seeded).",
            "params": int(gen.count_params()),
            "quick": quick,
        },
        "dataset": {
            "name": "MoleculeNet Tox21 + BBBP + ClinTox + ESOL structures (labels unused)",
            "source": "data folder molecules/*.csv",
            "licence": "Tox21 public domain; MoleculeNet copies as distributed with chemprop (MIT)",
            "citation": "Wu et al., MoleculeNet, Chem Sci 2018; Krenn et al., SELFIES, Mach "
                        "Learn Sci Technol 2020; Gulrajani et al., WGAN-GP, NeurIPS 2017.",
            "split": "No held-out split (generative model): all parsable, de-duplicated largest "
                     "fragments with >= 3 heavy atoms and <= 48 SELFIES tokens are training data; "
                     "metrics are computed on 10,000 samples (seed 0) against that set.",
            "counts": {"train": {"molecules": n_train}},
        },
        "metrics": metrics,
        "headline_metrics": ["validity", "uniqueness_10k", "novelty"],
        "class_names": [],
        "anchors": [
            {"name": "Goal (issue 5)", "value": 1.0, "metric": "validity", "source": "issue 5"},
            {"name": "Goal (issue 5)", "value": 0.95, "metric": "uniqueness@10k",
             "source": "issue 5"},
            {"name": "Goal (issue 5)", "value": 0.90, "metric": "novelty", "source": "issue 5"},
            {"name": "MolGAN (QM9)", "value": 0.981, "metric": "validity (uniqueness 0.104)",
             "source": "De Cao & Kipf 2018, MolGAN"},
            {"name": "CharRNN (MOSES)", "value": 0.975, "metric": "validity",
             "source": "Polykovskiy et al. 2020, MOSES"},
        ],
        "input_spec": {"shape": "(batch, 64) standard-normal noise", "preprocessing":
                       "output (batch, 48, V) token probabilities; sample, join, SELFIES-decode, "
                       "RDKit-canonicalise (preprocess.json holds the vocabulary)"},
        "training": {"seconds": round(seconds, 1), "steps": steps},
        "intended_use": "Idea generation for medicinal chemists: candidates to be filtered by "
                        "predicted toxicity (tox-cnn) and QED, then judged by a chemist.",
        "limitations": [
            "Trained on ~12k small molecules; outputs are often simple and chemically odd.",
            "Validity 1.0 comes from SELFIES decoding, not from learned chemistry; synthesis "
            "accessibility (SA score) is only an estimate.",
            "No target or activity conditioning: filtering happens after generation.",
        ],
    }

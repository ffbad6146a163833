"""The ``mol-gan`` model card."""

from __future__ import annotations

from medcore.molecules.generate import autoencoder, gan_core, selfies_codec

# Pre-committed (before any fitting) for the realism goals: the filtered stream's
# uniqueness@10k was 0.6671 against the 0.95 goal. Copied into every card built from now on.
DESIGN_V2 = {
    "date": "2026-11-30",
    "problem": "The Generator tab rejection-samples the raw generator against the realism rule "
               "(realism.RealismRule, unchanged by this design); what passes is mostly small "
               "simple molecules that the generator repeats (seed-123 diagnosis: mean 9.6 heavy "
               "atoms accepted vs 14.6 raw), so uniqueness@10k of the filtered stream is 0.6671.",
    "candidates": {
        "A": "the shipped v2 generator and decoder, decoder temperature 1.0 (baseline, "
             "re-measured)",
        "B": "the shipped decoder unchanged; an encoder is re-fit against the frozen decoder on "
             "the whole corpus (the v2 encoder was not shipped; the decoder's weights do not "
             "move), then the WGAN-GP (same architecture, 4000 steps, seed 0) is trained only "
             "on the latents of the training molecules that pass the realism rule (~42 %), so "
             "the generator samples the realistic region; temperature 1.0",
        "C": "B's generator with decoder temperature 0.8 (token probabilities p^(1/0.8), "
             "renormalised): at 1.0 the per-token draws add odd rings and atoms to larger "
             "molecules, so mostly small ones survive the rule; a sharper draw keeps more of the "
             "molecule the latent encodes",
        "D": "A's generator with decoder temperature 0.8 (isolates the temperature effect; no "
             "fitting)",
    },
    "measured_on": "10,000 molecules accepted by the realism rule (generate_realistic, not "
                   "de-duplicated) and 10,000 raw molecules, both drawn with seed 1 (the card's "
                   "seed-0 figures are scored once, on the chosen model only)",
    "selection_rule": "on the seed-1 filtered stream, count the issue goals met: validity 1.0, "
                      "uniqueness@10k >= 0.95, novelty >= 0.90, filters_pass >= 0.90, |mean SA "
                      "- training mean SA| <= 0.5, ring8_share <= training ring8_share + 0.01; "
                      "choose the candidate meeting the most, ties by uniqueness@10k; anything "
                      "other than A ships only if it beats A by this rule",
}


# Pre-committed (before any fitting) for the same goals after v3: the filtered stream's
# uniqueness@10k was 0.7627 (seed 0) against the 0.95 goal; the bottleneck found was the decoder.
DESIGN_V3 = {
    "date": "2026-11-30",
    "problem": "v3's decoder (v2's, GRU(256) under a Dense(512) encoder over the flattened "
               "one-hot string; validation token accuracy 0.91, greedy exact reconstruction "
               "~0.2) writes a realistic training molecule's own latent back as a molecule that "
               "passes the realism rule only 28-47 % of the time; the survivors are small "
               "molecules that repeat (CCC(C)C, CC(C)C, CCC), so the filtered stream's "
               "uniqueness@10k is 0.7627 (seed 0). The realism rule is not changed and the "
               "measured stream is not de-duplicated.",
    "candidates": {
        "A": "the shipped v3 (baseline; its seed-1 figures re-measured)",
        "B": "a new autoencoder fit from scratch on the whole corpus (autoencoder.fit_v4): the "
             "encoder is a bidirectional GRU(128) reading the one-hot string token by token "
             "(not tied to positions as Dense over the flattened string is), then "
             "latent(64, tanh, Gaussian noise 0.05); the decoder is v2's shape, GRU(256) (kept so "
             "sampling cost and the 60 s generation target stay; GRU(512) does not fit the "
             "2-core time budget); Adam 1e-3 halved after 2 epochs without a better validation "
             "loss, early stopping patience 5 (best weights), at most 30 epochs (the cap is the "
             "time budget), the same 10 % validation slice; then the WGAN-GP (v3's: 4000 steps, "
             "seed 0) on the latents of the training molecules that pass the realism rule; "
             "decoder temperature 0.8",
        "C": "B as a heteroencoder (LatentGAN's idea): each epoch the encoder reads the SELFIES "
             "of one of 8 seeded randomised SMILES of the molecule (canonical where a "
             "randomisation is longer than 48 tokens or uses a token outside the vocabulary) "
             "and the decoder writes the canonical string, so the latent has to capture the "
             "molecule, not the string; validation and the WGAN-GP's latents use the canonical "
             "strings; temperature 0.8",
        "D": "B's model at decoder temperature 1.0 (no fitting: a decoder that writes more "
             "faithfully may repeat training molecules, which a wider draw offsets)",
        "E": "C's model at decoder temperature 1.0 (no fitting)",
    },
    "order": "B and C are fit (in parallel) and measured first, then D and E; fitting and "
             "measuring stop at 00:05 UTC (the session's budget): a candidate not measured by "
             "then is reported as not measured and cannot be chosen",
    "measured_on": "as design_v2: 10,000 molecules accepted by the realism rule "
                   "(generate_realistic, not de-duplicated) and 10,000 raw molecules, both "
                   "drawn with seed 1 (gan.candidate_figures); the card's seed-0 figures are "
                   "scored once, on the chosen model only",
    "selection_rule": "as design_v2: on the seed-1 filtered stream, count the issue goals met "
                      "(validity 1.0, uniqueness@10k >= 0.95, novelty >= 0.90, filters_pass >= "
                      "0.90, |mean SA - training mean SA| <= 0.5, ring8_share <= training "
                      "ring8_share + 0.01); choose the candidate meeting the most, ties by "
                      "uniqueness@10k; anything other than A ships (as v4) only if it beats A "
                      "by this rule",
}


def realism_goals(filtered: dict, training: dict) -> dict[str, bool]:
    """The realism goals (DESIGN_V2's selection rule) on a filtered stream's figures."""
    return {"validity": filtered["validity"] >= 1.0,
            "uniqueness_10k": filtered["uniqueness_10k"] >= 0.95,
            "novelty": filtered["novelty"] >= 0.90,
            "filters_pass": filtered["filters_pass"] >= 0.90,
            "sa_within_0.5": abs(filtered["sa_mean_minus_train"]) <= 0.5,
            "ring8_at_most_train_plus_0.01":
                filtered["ring8_share"] <= training["ring8_share"] + 0.01}


def build_card(gen, decoder, metrics: dict, ae_report: dict, n_train: int, steps: int,
               quick: bool, seconds: float, vocab: list[str],
               gan_data: str = "the encoded corpus", temperature: float = 1.0) -> dict:
    units = int(decoder.init.outputs[0].shape[-1])
    decoder_text = ("this decoder was trained for an earlier version and is kept unchanged "
                    "(autoencoder.decoder_from; its encoder was re-fit against it, "
                    "autoencoder.refit_encoder)" if "decoder_from" in ae_report else "")
    return {
        "id": "mol-gan",
        "task": "Generate new drug-like small molecules (SMILES) from random noise and a seed.",
        "architecture": {
            "text": f"LatentGAN (Prykhodko et al. 2019) over SELFIES ({selfies_codec.MAX_LEN} "
                    f"tokens x {len(vocab)}). "
                    + ("Heteroencoder (as LatentGAN's: randomised SMILES in, the canonical one "
                       "out, see autoencoder.heteroencoder): " if "heteroencoder" in ae_report
                       else "Autoencoder (it reconstructs its input; LatentGAN's heteroencoder "
                       "maps randomised SMILES to canonical ones): ")
                    + ae_report.get("encoder", autoencoder.ENCODERS["dense"]) + " - "
                    f"latent({autoencoder.LATENT}, tanh, Gaussian noise 0.05 in training); "
                    f"decoder GRU({units}) writes the string token by token from "
                    "the latent (teacher forcing in training, early stopping on a 10 % "
                    f"validation slice){'; ' + decoder_text if decoder_text else ''}. WGAN-GP on "
                    f"{gan_data}: generator "
                    f"noise({gan_core.NOISE})-Dense(256)-Dense(256)-latent, critic "
                    f"Dense(256)-Dense(256)-1, gradient penalty 10, 5 critic steps per generator "
                    f"step, {steps} generator steps, batch 64. Sampling: seeded noise, then a "
                    "seeded categorical draw of each token from the decoder"
                    + (f" at temperature {temperature:g} (probabilities ^ 1/T, renormalised)."
                       if temperature != 1.0 else "."),
            "params": int(gen.count_params() + decoder.step.count_params()
                          + decoder.init.count_params()),
            "autoencoder": ae_report,
            "design_v2": DESIGN_V2,
            "design_v3": DESIGN_V3,
            "quick": quick,
        },
        "dataset": {
            "name": "MoleculeNet Tox21 + BBBP + ClinTox + ESOL structures (labels unused)",
            "source": "data folder molecules/*.csv",
            "licence": "Tox21 public domain; MoleculeNet copies as distributed with chemprop (MIT)",
            "citation": "Wu et al., MoleculeNet, Chem Sci 2018; Krenn et al., SELFIES, Mach "
                        "Learn Sci Technol 2020; Gulrajani et al., WGAN-GP, NeurIPS 2017; "
                        "Prykhodko et al., LatentGAN, J Cheminform 2019.",
            "split": "No held-out split (generative model): all parsable, de-duplicated largest "
                     "fragments with >= 3 heavy atoms and <= 48 SELFIES tokens are training data; "
                     "metrics are computed on 10,000 samples (seed 0) against that set.",
            "counts": {"train": {"molecules": n_train}},
        },
        "metrics": metrics,
        "headline_metrics": ["validity", "uniqueness_10k", "novelty"],
        "class_names": [],
        "anchors": [
            {"name": "Goal set for mol-gan", "value": 1.0, "metric": "validity",
             "source": "project goal"},
            {"name": "Goal set for mol-gan", "value": 0.95, "metric": "uniqueness@10k",
             "source": "project goal"},
            {"name": "Goal set for mol-gan", "value": 0.90, "metric": "novelty",
             "source": "project goal"},
            {"name": "MolGAN (QM9)", "value": 0.981, "metric": "validity (uniqueness 0.104)",
             "source": "De Cao & Kipf 2018, MolGAN"},
            {"name": "CharRNN (MOSES)", "value": 0.975, "metric": "validity",
             "source": "Polykovskiy et al. 2020, MOSES"},
            {"name": "LatentGAN (MOSES, 1.6M training molecules)", "value": 0.997,
             "metric": "uniqueness@10k (validity 0.897, novelty 0.949)",
             "source": "Polykovskiy et al. 2020, MOSES"},
        ],
        "input_spec": {"shape": f"(batch, {gan_core.NOISE}) standard-normal noise",
                       "preprocessing": f"output (batch, {autoencoder.LATENT}) latent vectors; "
                       "decoder_step.keras writes tokens one at a time, then SELFIES-decode and "
                       "RDKit-canonicalise (preprocess.json holds the vocabulary)"},
        "training": {"seconds": round(seconds, 1), "steps": steps},
        "intended_use": "Idea generation for medicinal chemists: candidates to be filtered by "
                        "predicted toxicity (tox-cnn) and QED, then judged by a chemist.",
        "limitations": [
            "Trained on ~12k small molecules; outputs are often simple and chemically odd.",
            "Validity 1.0 comes from SELFIES decoding, not from learned chemistry; synthesis "
            "accessibility (SA score) is only an estimate.",
            "No target or activity conditioning: filtering happens after generation.",
            "The realism rule (metrics.realism_filtered.rule) is rejection sampling on top of "
            "the raw generator: the WGAN-GP can learn only the realistic training molecules' "
            "latents, but the decoder's token draws still spoil most larger molecules, so the "
            f"rule keeps {metrics.get('realism_filtered', {}).get('acceptance_rate', 0):.0%} "
            "of draws, mostly small molecules that repeat (compare uniqueness with the raw "
            "figures; a generator that reproduced the realistic training latents exactly would "
            "repeat more, see architecture.design_v2). Brenk's "
            "alerts are strict (aspirin's phenyl ester fails; about half the training set "
            "fails the structural filters, see metrics.training_set.filters_pass).",
        ],
    }

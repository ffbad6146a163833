"""Model id ``mol-gan``: a LatentGAN that proposes new molecules (see ``gan_core``).

``model.keras`` is the GAN's generator (noise -> latent); the autoencoder's decoder that writes
latents out as SELFIES ships beside it (``decoder_init.keras``, ``decoder_step.keras``); its
sampling temperature is ``preprocess.json``'s ``temperature`` (1.0 if absent). Since v3 the
WGAN-GP learns only the latents of training molecules that pass the realism rule
(``train(..., base=..., realistic_latents=True)``; design and selection in
``card.DESIGN_V2``). A v4 with a new autoencoder (``train(..., ae_encoder="bigru",
randomised=k)``) was tried and not shipped (``card.DESIGN_V3``).

There is no held-out split for a generator: ``metrics`` are the MOSES/GuacaMol figures of 10,000
molecules drawn with seed 0, against the training set stored in ``training_set.npz``; the
baseline (a position-wise token-frequency sampler) is refit from that file deterministically.
``metrics["realism_filtered"]`` are the same figures for the generator users run: 10,000
molecules (seed 0) that pass the realism rule (``realism.RealismRule``), by rejection sampling.
"""

from __future__ import annotations

import hashlib
import json
import logging
import shutil
import time
from pathlib import Path

import numpy as np

from medcore import settings
from medcore.molecules.generate import autoencoder, gan_core, realism, selfies_codec
from medcore.molecules.generate import metrics as genmetrics

log = logging.getLogger(__name__)
CUSTOM_OBJECTS: dict = {}
EXPLANATION: str | None = None  # a generator: nothing to explain
N_EVAL = 10_000


class HashedSmiles:
    """Membership in the training set without shipping its molecules: only sha256 prefixes of
    the canonical SMILES are stored (the data files stay out of the repo)."""

    def __init__(self, digests) -> None:
        self._digests = {str(d) for d in digests}

    @staticmethod
    def digest(smiles: str) -> str:
        return hashlib.sha256(smiles.encode()).hexdigest()[:20]

    def __contains__(self, smiles: object) -> bool:
        return isinstance(smiles, str) and self.digest(smiles) in self._digests

    def __len__(self) -> int:
        return len(self._digests)


def training_summary(smiles: list[str], x: np.ndarray, props: dict, flags: dict) -> dict:
    """What generation metrics need of the training set: hashes, token frequencies, and the
    properties and realism flags (``realism.features``) of the reference sample."""
    return {"smiles_sha256": np.array([HashedSmiles.digest(s) for s in smiles]),
            "position_freq": x.mean(0), "qed": props["qed"], "sa": props["sa"],
            **{f"realism_{k}": v for k, v in flags.items()}}


def _load_decoder(folder: Path) -> autoencoder.Decoder:
    from medcore.registry import load_keras_file

    return autoencoder.Decoder(load_keras_file(Path(folder) / "decoder_init.keras"),
                               load_keras_file(Path(folder) / "decoder_step.keras"))


def load_extras(folder: Path, card: dict) -> dict:
    with np.load(Path(folder) / "training_set.npz") as z:
        train = {k: z[k] for k in z.files}
    pre = json.loads((Path(folder) / "preprocess.json").read_text())
    return {"preprocess": pre, "decoder": _load_decoder(folder),
            "train_smiles": HashedSmiles(train["smiles_sha256"]),
            "position_freq": train["position_freq"],
            "train_props": {"qed": train["qed"], "sa": train["sa"]},
            "train_realism": {k: train[f"realism_{k}"] for k in realism.FLAGS
                              if f"realism_{k}" in train},
            "realism_rule": realism.RealismRule.from_training(train["sa"])}


def _sample(model, extras: dict, n: int, seed: int) -> list[str]:
    """The model's raw draw: its decoder temperature is in preprocess.json (1.0 if absent)."""
    pre = extras["preprocess"]
    return gan_core.sample(model, extras["decoder"], pre["vocab"], n, seed,
                           pre.get("temperature", 1.0))


def generate(bundle, n: int, seed: int = 0) -> list[str]:
    """n raw SMILES in generation order ('' marks an empty decode)."""
    return _sample(bundle.model, bundle.extras, n, seed)


def generate_realistic(bundle, n: int, seed: int = 0, distinct: bool = False,
                       max_draws: int | None = None) -> realism.Sampled:
    """n SMILES that pass the model's realism rule (``distinct``: n different ones), by
    rejection sampling in seeded rounds; at most ``max_draws`` (default 50 n + 1000) drawn."""
    return _realistic(bundle.model, bundle.extras, n, seed, distinct, max_draws)


def _realistic(model, extras: dict, n: int, seed: int, distinct: bool = False,
               max_draws: int | None = None) -> realism.Sampled:
    return realism.rejection_sample(lambda k, s: _sample(model, extras, k, s),
                                    extras["realism_rule"].passes, n, seed,
                                    max_draws or 50 * n + 1000, distinct)


def generate_with_metrics(bundle, n: int, seed: int = 0) -> tuple[list[str], dict]:
    smiles = generate(bundle, n, seed)
    ex = bundle.extras
    return smiles, genmetrics.generation_report(smiles, ex["train_smiles"], ex["train_props"])


def _wilson(k: float, n: int) -> list[float]:
    if not n:
        return [0.0, 0.0]
    z, p = 1.96, k / n
    mid = (p + z * z / (2 * n)) / (1 + z * z / n)
    half = z * np.sqrt(p * (1 - p) / n + z * z / (4 * n * n)) / (1 + z * z / n)
    return [round(float(mid - half), 4), round(float(mid + half), 4)]


def _held_out_metrics(model, extras: dict, data_dir: Path | None = None) -> dict:
    """Figures of N_EVAL samples (seed 0) and of the token-frequency baseline (seed 0)."""
    pre = extras["preprocess"]
    n = pre.get("n_eval", N_EVAL)
    gen = _sample(model, extras, n, seed=0)  # the eval draw
    out = genmetrics.generation_report(gen, extras["train_smiles"], extras["train_props"])
    out["ci95"] = {"validity": _wilson(out["validity"] * n, n),
                   "novelty": _wilson(out["novelty"] * out["n_unique"], out["n_unique"])}
    base = gan_core.positional_unigram(extras["position_freq"], n, pre["vocab"], seed=0)
    out["baselines"] = {"positional_token_frequency": genmetrics.generation_report(
        base, extras["train_smiles"], extras["train_props"])}
    got = _realistic(model, extras, n, 0)  # the filtered stream, seed 0, not de-duplicated
    out["realism_filtered"] = {
        "rule": extras["realism_rule"].describe(), "n_drawn": got.n_drawn,
        "acceptance_rate": round(got.acceptance_rate, 4),
        **genmetrics.generation_report(got.smiles, extras["train_smiles"], extras["train_props"])}
    props = extras["train_props"]
    out["training_set"] = {"qed": genmetrics._dist(props["qed"]),
                           "sa": genmetrics._dist(props["sa"]),
                           "int_div1": pre["train_int_div1"]}
    if extras["train_realism"]:
        out["training_set"].update(realism.summary(extras["train_realism"]))
    return out


CANDIDATE_KEYS = ("validity", "uniqueness_10k", "novelty", "filters_pass",
                  "sa_mean_minus_train", "ring8_share", "int_div1")


def candidate_figures(folder: Path, seed: int = 1, n: int = N_EVAL) -> dict:
    """A candidate model's figures for ``card.DESIGN_V2``'s selection rule: n raw and n
    realism-filtered molecules (not de-duplicated) drawn with ``seed`` (not the card's 0), the
    acceptance rate, and which of the realism goals the filtered stream meets."""
    from medcore.molecules.generate.card import realism_goals
    from medcore.registry import load_keras_file

    model = load_keras_file(Path(folder) / "model.keras")
    ex = load_extras(Path(folder), {})
    ref = ex["train_smiles"], ex["train_props"]
    raw = genmetrics.generation_report(_sample(model, ex, n, seed), *ref)
    got = _realistic(model, ex, n, seed)
    filt = genmetrics.generation_report(got.smiles, *ref)
    goals = realism_goals(filt, realism.summary(ex["train_realism"]))
    return {"seed": seed, "temperature": ex["preprocess"].get("temperature", 1.0),
            "raw": {k: raw[k] for k in CANDIDATE_KEYS},
            "filtered": {k: filt[k] for k in CANDIDATE_KEYS},
            "acceptance_rate": round(got.acceptance_rate, 4), "n_drawn": got.n_drawn,
            "goals_met": sum(goals.values()), "goals": goals}


def _histograms(model, extras: dict) -> dict:
    gen = [c for c in map(genmetrics.canon_or_none, _sample(model, extras, 2000, seed=0)) if c]
    props = genmetrics.properties(gen)
    out = {}
    for key, lo, hi in (("qed", 0.0, 1.0), ("sa", 1.0, 10.0)):
        bins = np.linspace(lo, hi, 21)
        out[key] = {"bins": [round(b, 3) for b in bins.tolist()],
                    "generated": np.histogram(props[key], bins, density=True)[0].round(4).tolist(),
                    "train": np.histogram(extras["train_props"][key], bins, density=True
                                          )[0].round(4).tolist()}
    return {"histograms": out}


def train(out_dir: Path, *, quick: bool = False, steps: int = 4000, ae_epochs: int = 40,
          data_dir: Path | None = None, base: Path | None = None,
          realistic_latents: bool = False, temperature: float = 1.0,
          encoder_epochs: int = 30, ae_encoder: str | None = None, randomised: int = 0) -> dict:
    """Autoencoder first (early-stopped on a 10 % validation slice of the corpus), then the
    WGAN-GP on the encoded corpus.

    ``base``: a trained mol-gan folder whose decoder is kept as it is (copied); as decoders ship
    without their encoder, a new encoder is fit against the frozen decoder
    (``autoencoder.fit_encoder``). ``realistic_latents``: the WGAN-GP learns only the latents of
    the training molecules that pass the realism rule. ``temperature``: the decoder's sampling
    temperature (``autoencoder.write``), kept in preprocess.json. ``ae_encoder``: a new
    autoencoder is fit with v4's recipe (``autoencoder.fit_with_lr_halving``: learning-rate
    halving, longer early stopping) and this encoder ("dense" or "bigru"); None keeps v2's recipe
    (``autoencoder.fit``). ``randomised``: with ``ae_encoder``, a heteroencoder whose encoder
    reads one of this many randomised SMILES per molecule (``selfies_codec.randomised``).
    """
    return card(out_dir, fit(out_dir, quick=quick, steps=steps, ae_epochs=ae_epochs,
                             data_dir=data_dir, base=base, realistic_latents=realistic_latents,
                             temperature=temperature, encoder_epochs=encoder_epochs,
                             ae_encoder=ae_encoder, randomised=randomised))


def fit(out_dir: Path, *, quick: bool = False, steps: int = 4000, ae_epochs: int = 40,
        data_dir: Path | None = None, base: Path | None = None,
        realistic_latents: bool = False, temperature: float = 1.0,
        encoder_epochs: int = 30, ae_encoder: str | None = None, randomised: int = 0) -> dict:
    """``train`` without the metrics: writes the model files into ``out_dir`` and returns what
    ``card`` needs (JSON-serialisable), so candidates can be compared on other seeds before the
    card's seed-0 draw is scored."""
    t0 = time.time()
    out_dir = Path(out_dir)
    smiles = selfies_codec.corpus(Path(data_dir or settings.data_dir()),
                                  limit=150 if quick else None)
    if quick:
        steps, ae_epochs, encoder_epochs = 10, 1, 1
    if base is not None:
        base = Path(base)
        vocab = json.loads((base / "preprocess.json").read_text())["vocab"]
        if not quick and selfies_codec.vocabulary(smiles) != vocab:
            raise ValueError(f"the corpus's vocabulary differs from {base}'s")
        decoder = _load_decoder(base)
        x = selfies_codec.encode(smiles, vocab)
        encoder, enc_report = autoencoder.fit_encoder(x, decoder, encoder_epochs)
        base_card = json.loads((base / "card.json").read_text())
        ae_report = {**base_card["architecture"].get("autoencoder", {}),
                     "decoder_from": "kept from the mol-gan whose decoder_step.keras has "
                                     f"sha256 {base_card['extra_files']['decoder_step.keras']}",
                     "refit_encoder": enc_report}
    elif ae_encoder is not None:
        vocab = selfies_codec.vocabulary(smiles)
        x = selfies_codec.encode(smiles, vocab)
        inputs = selfies_codec.randomised(smiles, vocab, randomised) if randomised else None
        encoder, decoder, ae_report = autoencoder.fit_with_lr_halving(
            x, ae_epochs, encoder=ae_encoder, inputs=inputs)
    else:
        vocab = selfies_codec.vocabulary(smiles)
        x = selfies_codec.encode(smiles, vocab)
        encoder, decoder, ae_report = autoencoder.fit(x, ae_epochs)
    rng = np.random.default_rng(0)
    ref = [smiles[i] for i in rng.choice(len(smiles), min(2000, len(smiles)), replace=False)]
    props = genmetrics.properties(ref)
    latents = encoder.predict(x, verbose=0)
    gan_data = f"the {len(smiles)} encoded training molecules"
    if realistic_latents:
        keep = np.array([realism.RealismRule.from_training(props["sa"]).passes(s)
                         for s in smiles])
        if keep.sum() < 2:  # a tiny quick corpus: nothing to learn from otherwise
            keep[:] = True
        latents = latents[keep]
        gan_data = (f"the latents of the {int(keep.sum())} training molecules "
                    f"({keep.mean():.1%}) that pass the realism rule")
    gen = gan_core.train_wgan(latents, steps)
    gen.save(out_dir / "model.keras")
    for name, part in (("decoder_init.keras", decoder.init), ("decoder_step.keras", decoder.step)):
        if base is not None:  # the same bytes, so the card's sha256 shows the decoder is kept
            shutil.copyfile(base / name, out_dir / name)
        else:
            part.save(out_dir / name)
    np.savez_compressed(out_dir / "training_set.npz",
                        **training_summary(smiles, x, props, realism.features(ref)))
    pre = {"vocab": vocab, "max_len": selfies_codec.MAX_LEN, "noise": gan_core.NOISE,
           "latent": autoencoder.LATENT, "n_eval": 200 if quick else N_EVAL,
           "train_int_div1": round(genmetrics.internal_diversity(genmetrics.fingerprints(ref)), 4)}
    if temperature != 1.0:
        pre["temperature"] = float(temperature)
    (out_dir / "preprocess.json").write_text(json.dumps(pre, indent=1))
    return {"ae_report": ae_report, "n_train": len(smiles), "steps": steps, "quick": quick,
            "seconds": round(time.time() - t0, 1), "gan_data": gan_data}


def card(folder: Path, info: dict) -> dict:
    """The card of the model in ``folder`` (written by ``fit``; ``info`` is what fit returned):
    the seed-0 metrics and histograms."""
    from medcore.molecules.generate.card import build_card
    from medcore.registry import load_keras_file

    folder = Path(folder)
    t0 = time.time()
    gen = load_keras_file(folder / "model.keras")
    extras = load_extras(folder, {})
    pre = extras["preprocess"]
    metrics = _held_out_metrics(gen, extras)
    out = build_card(gen, extras["decoder"], metrics, info["ae_report"], info["n_train"],
                     info["steps"], info["quick"], info["seconds"] + time.time() - t0,
                     pre["vocab"], gan_data=info["gan_data"],
                     temperature=pre.get("temperature", 1.0))
    out["curves"] = _histograms(gen, extras)
    return out


def evaluate(bundle, data_dir: Path) -> dict:
    return _held_out_metrics(bundle.model, bundle.extras, data_dir)


def predict_paths(bundle, paths: list[Path]) -> list[dict]:
    """Per file: each molecule's QED, SA score and whether it is in the GAN's training set."""
    from medcore import uploads
    from medcore.molecules import io

    def answer(name: str, data: bytes) -> dict:
        batch = io.load_upload(name, data)
        valid = batch.valid
        props = genmetrics.properties([r.smiles for r in valid]) if valid else {}
        rows = [{"row": r.row, "name": r.name, "error": r.problem}
                for r in batch.invalid + batch.unscored]
        rows += [{"row": r.row, "name": r.name, "smiles": r.smiles,
                  "qed": round(float(q), 4), "sa": round(float(s), 4),
                  "in_training_set": r.smiles in bundle.extras["train_smiles"]}
                 for r, q, s in zip(valid, props.get("qed", []), props.get("sa", []),
                                    strict=True)]
        return {"file": name, "molecules": sorted(rows, key=lambda d: d["row"])}

    return uploads.per_file(paths, answer)

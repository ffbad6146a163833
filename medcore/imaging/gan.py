"""Model module for ``xray-gan``: a conditional DCGAN of 64 px chest X-rays (``SIZE``), measured.

``model.keras`` is the generator ((noise, label) -> 0-255 image). Extra files make the
measurements reproducible without retraining: ``feature_extractor.keras`` (the xray-cnn feature
layers frozen at GAN training time, so FD does not drift if xray-cnn is retrained) and the two
same-budget classifiers of the augmentation experiment (``aug_real.keras``,
``aug_synth.keras``). ``evaluate`` regenerates the images from fixed seeds and rescores these
saved models on the test split; it does not retrain the experiment.
"""

from __future__ import annotations

import json
import logging
from pathlib import Path

import numpy as np

from medcore.imaging import data as xdata

log = logging.getLogger(__name__)
CUSTOM_OBJECTS: dict = {}
EXPLANATION: str | None = None  # a generator: nothing to explain
MODEL_ID = "xray-gan"
EXTRA_MODELS = ("feature_extractor", "aug_real", "aug_synth")
# v2's design, committed in the card (design_v2) before its one scoring of the test split.
SIZE, EPOCHS = 64, 15


def _feature_extractor(size: int):
    """Pooled features of the shipped xray-cnn (an untrained member if there is none); images
    are resized to its input size first (bicubic), so FD is measured in its feature space."""
    import keras
    from keras import layers

    from medcore import registry
    from medcore.errors import ModelError
    from medcore.imaging.cnn_model import export_ensemble, feature_model

    try:
        bundle = registry.load("xray-cnn")
        cnn_size = int(bundle.extras["size"])
        features = feature_model(bundle.model)
        if cnn_size == size:
            return features, bundle.card.get("sha256", "")
        inp = keras.Input((size, size, 1), name="image")
        x = layers.Resizing(cnn_size, cnn_size, interpolation="bicubic", name="to_cnn_size")(inp)
        return (keras.Model(inp, features(x), name="xray_features_resized"),
                bundle.card.get("sha256", ""))
    except ModelError:
        pass
    from medcore.imaging.cnn_model import build_member

    log.warning("xray-cnn not trained at size %d: FD uses an untrained member", size)
    return feature_model(export_ensemble([build_member(size, 8)], size, 8, 1.0)), "untrained"


def train(out_dir: Path, *, quick: bool = False, size: int = SIZE, epochs: int = EPOCHS,
          aug_epochs: int = 4, width: int = 16, gan_width: int = 32, seed: int = 0,
          **_options) -> dict:
    """Train the GAN, run the augmentation experiment, then score the test split once."""
    import keras

    from medcore.imaging.cnn_fit import fit_member
    from medcore.imaging.cnn_model import export_ensemble
    from medcore.imaging.gan_card import build_card
    from medcore.imaging.gan_fit import fit_gan, generate
    from medcore.settings import data_dir

    logging.getLogger("tensorflow").setLevel(logging.ERROR)
    splits = xdata.load_kermany(data_dir(), size)
    tr = splits["train"]
    if quick:
        epochs, aug_epochs, width, gan_width = 1, 1, 8, 8
        tr = xdata.subset(tr, 256)
    extractor, cnn_sha = _feature_extractor(size)
    gen = fit_gan(tr.x, tr.y, size, epochs, seed, width=gan_width)
    gen.save(out_dir / "model.keras")
    extractor.save(out_dir / "feature_extractor.keras")
    synth = xdata.Split(generate(gen, len(tr.y), seed=seed + 1,
                                 labels=np.random.default_rng(seed).permutation(tr.y)),
                        np.random.default_rng(seed).permutation(tr.y))
    steps = aug_epochs * int(np.ceil(len(tr.y) / 64))
    for name, extra in (("aug_real", None), ("aug_synth", synth)):
        member = fit_member(tr, size, width, aug_epochs, seed, "m0", extra=extra, steps=steps)
        export_ensemble([member], size, width, 1.0).save(out_dir / f"{name}.keras")
    config = {"size": size, "epochs": epochs, "gan_width": gan_width,
              "aug_epochs": aug_epochs, "aug_steps": steps,
              "aug_width": width, "seed": seed, "quick": quick, "n_synthetic": len(tr.y),
              "xray_cnn_sha256": cnn_sha}
    (out_dir / "gan_config.json").write_text(json.dumps(config, indent=2))
    extras = load_extras(out_dir, {})
    held_out = _held_out_metrics(gen, extras, data_dir())
    card = build_card(gen, config, held_out, xdata.class_counts(splits))
    keras.backend.clear_session(free_memory=False)
    return card


def load_extras(folder: Path, card: dict) -> dict:
    from medcore.registry import load_keras_file

    extras = json.loads((Path(folder) / "gan_config.json").read_text())
    for name in EXTRA_MODELS:
        extras[name] = load_keras_file(Path(folder) / f"{name}.keras")
    return extras


def _held_out_metrics(generator, extras: dict, data_dir: Path) -> dict:
    from medcore.imaging.gan_metrics import augmentation_report, fd_report

    splits = xdata.load_kermany(data_dir, extras["size"])
    if extras.get("quick"):
        splits["train"] = xdata.subset(splits["train"], 256)
    out = fd_report(generator, extras["feature_extractor"], splits["test"], splits["train"])
    out["augmentation"] = augmentation_report(extras["aug_real"], extras["aug_synth"],
                                              splits["test"], generator)
    auc = out["augmentation"]["test_roc_auc"]
    out["baselines"] = {"real_test_halves_fd_floor": out["fd_real_test_halves_floor"],
                        "real_only_classifier_auc": auc["real_only"]}
    return out


def evaluate(bundle, data_dir: Path) -> dict:
    return _held_out_metrics(bundle.model, bundle.extras, Path(data_dir))


def generate_images(bundle, n: int, seed: int = 0, label: int | None = None) -> np.ndarray:
    """``n`` uint8 images; ``label`` 0/1 for one class, None alternates normal/pneumonia."""
    from medcore.imaging.gan_fit import generate

    labels = None if label is None else np.full(n, int(label))
    return generate(bundle.model, n, seed=seed, labels=labels)


def predict_paths(bundle, paths: list[Path]) -> list[dict]:
    """A generator has no inputs to predict on: score each file's realism instead (OOD check
    of the xray-cnn). Returned per file so the CLI contract holds."""
    from medcore import registry

    cnn = registry.module("xray-cnn")
    return cnn.predict_paths(registry.load("xray-cnn"), paths)


def example_upload(gan_bundle, seed: int = 7, label: int = 1) -> tuple[str, bytes]:
    """A GAN-generated X-ray (upscaled to 224 px PNG) for "Try an example"; no data needed."""
    from PIL import Image

    from medcore.imaging.figures import png_bytes

    img = generate_images(gan_bundle, 1, seed=seed, label=label)[0]
    big = np.asarray(Image.fromarray(img, mode="L").resize((224, 224), Image.Resampling.BICUBIC))
    kind = "pneumonia" if label else "normal"
    return f"synthetic_{kind}_seed{seed}.png", png_bytes(big)


def generate_gallery(gan_bundle, n: int, seed: int, label: int | None
                     ) -> tuple[list[np.ndarray], list[str]]:
    """``n`` generated images and their file names (``<i>_<class>_seed<seed>.png``)."""

    images = generate_images(gan_bundle, n, seed=seed, label=label)
    classes = [label if label is not None else i % 2 for i in range(n)]
    names = [f"{i:03d}_{'pneumonia' if c else 'normal'}_seed{seed}.png"
             for i, c in enumerate(classes)]
    return list(images), names

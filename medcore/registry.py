"""Model ids -> the module that trains, evaluates and predicts with them; loading with checks.

Every model module satisfies :class:`ModelModule` (checked when the registry imports it; one
parametrised test runs the contract over every registered model):

- ``train(out_dir: Path, *, quick: bool = False, **options) -> dict``  writes ``model.keras``
  (plus any extra files) and returns the card dict; :func:`medcore.cards.save_card` stores it.
- ``evaluate(bundle: Bundle, data_dir: Path) -> dict``  recomputes the card's ``metrics`` on the
  held-out split (same keys, same rounding), including ``baselines``.
- ``predict_paths(bundle: Bundle, paths: list[Path]) -> list[dict]``  one JSON-able dict per
  input with the prediction and a compact explanation, or ``{"file", "error"}``.
- ``load_extras(folder: Path, card: dict) -> dict``  the files beside ``model.keras``.
- ``bench(bundle: Bundle, quick: bool = False) -> dict``  speed on the path users run.
- ``EXPLANATION``  the key of a ``predict_paths`` row that holds its explanation (None for
  a model that explains nothing: the generators, the embedding model);
- ``CUSTOM_OBJECTS``  Keras classes the saved model needs (empty for most);
  ``train_throughput``  a function for models whose training loop is not ``fit``, else None.
"""

from __future__ import annotations

import importlib
import threading
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from medcore import settings
from medcore.cards import load_card
from medcore.checksums import sha256_of
from medcore.errors import ModelIntegrityError, ModelNotTrainedError


@dataclass(frozen=True)
class ModelSpec:
    """What a model id is, described as data."""

    id: str
    workbench: str
    title: str
    module: str


MODELS: dict[str, ModelSpec] = {
    s.id: s
    for s in [
        ModelSpec("xray-cnn", "imaging", "Pneumonia CNN (chest X-ray)", "medcore.imaging.cnn"),
        ModelSpec("xray-gan", "imaging", "Chest X-ray GAN", "medcore.imaging.gan"),
        ModelSpec("history-rnn", "history", "ICU mortality GRU (GRU-D-style inputs)",
                  "medcore.history.rnn"),
        ModelSpec("history-cnn", "history", "ICU mortality temporal CNN", "medcore.history.cnn"),
        ModelSpec("tox-cnn", "molecules", "Tox21 toxicity, graph networks (D-MPNN)",
                  "medcore.molecules.cnn"),
        ModelSpec("mol-gan", "molecules", "SELFIES LatentGAN", "medcore.molecules.gan"),
        ModelSpec("dna-cnn", "genomics", "Splice-junction CNN", "medcore.genomics.cnn"),
        ModelSpec("dna-rnn", "genomics", "DNA BiGRU embeddings", "medcore.genomics.rnn"),
    ]
}


@runtime_checkable
class ModelModule(Protocol):
    """What every model module provides (modules satisfy it structurally)."""

    CUSTOM_OBJECTS: dict
    EXPLANATION: str | None
    train_throughput: Callable[..., dict] | None

    def train(self, out_dir: Path, *, quick: bool = False, **options: Any) -> dict: ...

    def evaluate(self, bundle: Bundle, data_dir: Path) -> dict: ...

    def predict_paths(self, bundle: Bundle, paths: list[Path]) -> list[dict]: ...

    def load_extras(self, folder: Path, card: dict) -> dict: ...

    def bench(self, bundle: Bundle, quick: bool = False) -> dict: ...


@dataclass
class Bundle:
    """A loaded model with its card and folder (extra files live beside ``model.keras``)."""

    id: str
    model: Any
    card: dict
    folder: Path
    extras: dict[str, Any] = field(default_factory=dict)


def spec(model_id: str) -> ModelSpec:
    """The spec for an id, or a clear error listing the valid ids."""
    try:
        return MODELS[model_id]
    except KeyError:
        raise ModelNotTrainedError(
            f"Unknown model id '{model_id}'.", f"Use one of: {', '.join(MODELS)}."
        ) from None


def module(model_id: str) -> ModelModule:
    """Import the implementing module lazily (TensorFlow loads only when a model is used) and
    check that it satisfies :class:`ModelModule`."""
    mod = importlib.import_module(spec(model_id).module)
    if not isinstance(mod, ModelModule):
        missing = [name for name in ("CUSTOM_OBJECTS", "EXPLANATION", "train_throughput",
                                     "train", "evaluate", "predict_paths", "load_extras", "bench")
                   if not hasattr(mod, name)]
        raise TypeError(f"{spec(model_id).module} does not satisfy ModelModule: "
                        f"missing {', '.join(missing)}")
    return mod


def model_folder(model_id: str) -> Path:
    return settings.models_dir() / spec(model_id).id


def is_trained(model_id: str) -> bool:
    folder = model_folder(model_id)
    return (folder / "model.keras").exists() and (folder / "card.json").exists()


def verify_files(folder: Path, card: dict) -> None:
    """Refuse a model whose files differ from the hashes recorded in its card."""
    expected = {"model.keras": card.get("sha256", "")}
    expected.update(card.get("extra_files", {}))
    for name, digest in expected.items():
        path = folder / name
        if not path.exists():
            raise ModelNotTrainedError(
                f"Model file {name} is missing for '{card.get('id')}'.",
                f"Retrain with `python -m medcore train {card.get('id')}`.",
            )
        if sha256_of(path) != digest:
            raise ModelIntegrityError(
                f"{name} of model '{card.get('id')}' does not match the sha256 in its card; "
                "it was modified or corrupted and will not be loaded.",
                f"Restore it from git (`git checkout assets/models/{card.get('id')}`) or retrain.",
            )


_lock = threading.Lock()


def load_keras_file(path: Path, custom_objects: dict | None = None):
    """One ``.keras`` file, loaded the one safe way (safe_mode, no compile) for a model and the
    extra networks that ship beside it; the caller has checked its hash via the card."""
    import keras

    return keras.saving.load_model(Path(path), safe_mode=True, custom_objects=custom_objects,
                                   compile=False)


def load(model_id: str) -> Bundle:
    """Load a trained model: check hashes, then ``keras.saving.load_model(safe_mode=True)``.

    Thread-safe so Streamlit sessions can share one cached copy.
    """
    folder = model_folder(model_id)
    if not is_trained(model_id):
        raise ModelNotTrainedError(
            f"Model '{model_id}' is not trained yet.",
            f"Train it with `python -m medcore train {model_id}`.",
        )
    card = load_card(folder)
    verify_files(folder, card)
    with _lock:
        mod = module(model_id)
        model = load_keras_file(folder / "model.keras", mod.CUSTOM_OBJECTS or None)
        bundle = Bundle(model_id, model, card, folder)
        bundle.extras = mod.load_extras(folder, card)
    return bundle

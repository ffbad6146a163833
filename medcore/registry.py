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
- ``EXPLANATION``  the key of a ``predict_paths`` row that holds its explanation (None for
  a model that explains nothing: the generators, the embedding model);
- ``CUSTOM_OBJECTS``  Keras classes the saved model needs (empty for most).

Measuring a model (its speed, a training loop that is not ``fit``) lives in ``medcore.bench``,
which no model module imports.
"""

from __future__ import annotations

import importlib
import threading
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
    cannot: str = ""  # what the model cannot do, in a user's words (home page, model card)
    weakest: str = ""  # the card metric (dotted for nested) furthest from what users need


MODELS: dict[str, ModelSpec] = {
    s.id: s
    for s in [
        ModelSpec("xray-cnn", "imaging", "Pneumonia CNN (chest X-ray)", "medcore.imaging.cnn",
                  cannot="Reads frontal chest films of children aged 1-5 for pneumonia only: not "
                  "adults, lateral views, tuberculosis, effusions, nodules, fractures or devices. "
                  "Films unlike its training films are flagged, not answered.",
                  weakest="accuracy"),
        ModelSpec("xray-gan", "imaging", "Chest X-ray GAN", "medcore.imaging.gan",
                  cannot="Makes 64-pixel synthetic films for teaching: they are not patients, "
                  "look plausible only at thumbnail size and did not help a classifier.",
                  weakest="fd_generated_vs_test"),
        ModelSpec("history-rnn", "history", "ICU mortality GRU (GRU-D-style inputs)",
                  "medcore.history.rnn",
                  cannot="Learned at one Boston hospital (2001-2008) from the first 48 h of adult "
                  "ICU stays: risks shift at other hospitals and eras, so check it on your own "
                  "patients first. Associations, not causes.",
                  weakest="event1"),
        ModelSpec("history-cnn", "history", "ICU mortality temporal CNN", "medcore.history.cnn",
                  cannot="Same data as the GRU (one Boston hospital, 2001-2008, first 48 h of "
                  "adult stays) and ranks patients less well; shown beside it for comparison.",
                  weakest="event1"),
        ModelSpec("tox-cnn", "molecules", "Tox21 toxicity, graph networks (D-MPNN)",
                  "medcore.molecules.cnn",
                  cannot="Predicts in-vitro Tox21 assay activity, not clinical toxicity; less "
                  "reliable for scaffolds unlike its ~6,000 training chemicals; metal complexes "
                  "and mixtures are not scored.",
                  weakest="scaffold_mean_roc_auc"),
        ModelSpec("mol-gan", "molecules", "SELFIES LatentGAN", "medcore.molecules.gan",
                  cannot="Proposes small molecules with no target in mind; many are simple or "
                  "repeat among the drug-like ones, and every one needs a chemist's judgement.",
                  weakest="realism_filtered.uniqueness_10k"),
        ModelSpec("dna-cnn", "genomics", "Splice-junction CNN", "medcore.genomics.cnn",
                  cannot="Finds splice junctions in human and primate DNA for research; it is not "
                  "a test of whether a variant causes disease.",
                  weakest="mcc"),
        ModelSpec("dna-rnn", "genomics", "DNA BiGRU embeddings", "medcore.genomics.rnn",
                  cannot="Maps 60 nt around a junction for exploring clusters; the classifier is "
                  "dna-cnn.",
                  weakest="macro_f1"),
    ]
}


@runtime_checkable
class ModelModule(Protocol):
    """What every model module provides (modules satisfy it structurally)."""

    CUSTOM_OBJECTS: dict
    EXPLANATION: str | None

    def train(self, out_dir: Path, *, quick: bool = False, **options: Any) -> dict: ...

    def evaluate(self, bundle: Bundle, data_dir: Path) -> dict: ...

    def predict_paths(self, bundle: Bundle, paths: list[Path]) -> list[dict]: ...

    def load_extras(self, folder: Path, card: dict) -> dict: ...


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
        missing = [name for name in ("CUSTOM_OBJECTS", "EXPLANATION", "train", "evaluate",
                                     "predict_paths", "load_extras")
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

"""Model ids -> everything specific to each (:class:`ModelSpec`: its module, workbench page,
report adapter, command-line options, example input, words for users); loading with checks.

A model is registered once, here; the CLI, the pages, reports, validation and the contract test
read its spec. Every model module satisfies :class:`ModelModule` (checked when the registry
imports it; one parametrised test runs the contract over every registered model):

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
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from medcore import settings
from medcore.cards import load_card
from medcore.checksums import sha256_of
from medcore.errors import ModelIntegrityError, ModelNotTrainedError

Ref = str | Callable[..., Any]  # "package.module:attribute", or the object itself


def resolve(ref: Ref) -> Any:
    """The object a spec names: a ``"module:attribute"`` string is imported only when used, so
    listing models never imports TensorFlow or a workbench."""
    if not isinstance(ref, str):
        return ref
    mod, _, attr = ref.partition(":")
    return getattr(importlib.import_module(mod), attr)


@dataclass(frozen=True)
class Workbench:
    """A workbench: its page, and how the home page introduces it."""

    key: str
    title: str
    page: str  # the Streamlit page file, relative to the repo root
    icon: str
    what: str  # one paragraph for the home page, in a user's words


WORKBENCHES: dict[str, Workbench] = {
    w.key: w
    for w in [
        Workbench("imaging", "Imaging", "pages/imaging.py", ":material/radiology:",
                  "Chest X-rays (PNG, JPEG, DICOM): pneumonia or normal with a prediction set, "
                  "a Grad-CAM heat map and SHAP, or a plain reason why the film cannot be read; "
                  "a GAN that makes synthetic X-rays, with measured realism."),
        Workbench("history", "Patient history", "pages/history.py", ":material/monitor_heart:",
                  "ICU vitals and labs over time, as a hospital exports them (long or wide CSV, "
                  "FHIR): in-hospital mortality risk from a GRU and a temporal CNN, beside the "
                  "ICU's base rate, with the variables and hours that drove it."),
        Workbench("molecules", "Drug discovery", "pages/drugs.py", ":material/medication:",
                  "SMILES, CSV or SDF: Tox21 assay activity per assay with the atoms that drove "
                  "it (integrated gradients); a GAN that proposes new valid molecules."),
        Workbench("genomics", "Genomics", "pages/genomics.py", ":material/genetics:",
                  "FASTA or raw DNA: splice-junction class with a prediction set and per-base "
                  "importance, scans of longer records and variant effects; RNN embeddings "
                  "clustered in a map."),
    ]
}


@dataclass(frozen=True)
class Option:
    """A command-line option of ``predict``/``score`` that some models take."""

    flag: str  # "--mapping"
    help: str
    parse: Ref  # value -> keyword arguments of predict_paths; a bad value raises InputError
    commands: tuple[str, ...] = ("predict", "score")
    with_report: bool = True  # may be combined with ``predict --report``

    @property
    def dest(self) -> str:
        return self.flag.lstrip("-").replace("-", "_")


@dataclass(frozen=True)
class Example:
    """A real input file for the contract test: its name (the suffix says the format) and a
    callable that makes its bytes (may raise ``DataUnavailableError``)."""

    name: str
    make: Ref


@dataclass(frozen=True)
class Goal:
    """A held-out quality target from the workbench issues: the card metric (dotted for
    nested), the goal and its direction; ``bench`` reports it as passed or short."""

    metric: str
    goal: float
    direction: str = ">="


@dataclass(frozen=True)
class Measure:
    """How ``python -m medcore bench`` measures a model beyond what every model gets (load
    time, quality, the shared Keras timings). Each ref names a function in ``medcore.bench``
    (``"module:function"`` there), which no model module imports: the registry only names it.

    ``speed(bundle, quick)``: figures and targets on the path users run. ``training(bundle,
    quick)``: a training loop that is not Keras ``fit`` (the GANs). ``case_report(bundle)``: a
    callable building one case as the download button does. ``validation()``: labelled uploads
    for one local validation, timed against ``validation_s`` seconds."""

    speed: str | None = None
    training: str | None = None
    case_report: str | None = None
    validation: str | None = None
    validation_s: float | None = None
    goals: tuple[Goal, ...] = ()

    def ref(self, name: str) -> Callable | None:
        """The bench function ``name`` names (imported now), or None."""
        value = getattr(self, name)
        return resolve("medcore.bench." + value) if value else None


CLASSIFIER, GENERATOR, EMBEDDING = "classifier", "generator", "embedding"


@dataclass(frozen=True)
class ModelSpec:
    """Everything specific to a model id, as data: the one place a model is registered."""

    id: str
    workbench: str  # a key of WORKBENCHES: the page that shows the model
    title: str
    module: str  # satisfies ModelModule
    kind: str = CLASSIFIER  # classifiers are validated locally and take --site
    report: Ref | None = None  # cases_from_paths(bundle, paths, **options) -> cases, failures
    options: tuple[Option, ...] = ()  # predict/score options beyond the shared ones
    example: Example | None = None  # what the contract test predicts on
    cannot: str = ""  # what the model cannot do, in a user's words (home page, model card)
    weakest: str = ""  # the card metric (dotted for nested) furthest from what users need
    measure: Measure = field(default_factory=Measure)  # what the bench times and checks

    def __post_init__(self) -> None:
        if self.workbench not in WORKBENCHES:
            raise ValueError(f"{self.id}: workbench '{self.workbench}' is not one of "
                             f"{', '.join(WORKBENCHES)}; add a Workbench for it first.")
        if self.kind not in (CLASSIFIER, GENERATOR, EMBEDDING):
            raise ValueError(f"{self.id}: kind '{self.kind}' is not classifier, generator or "
                             "embedding.")

    @property
    def page(self) -> str:
        return WORKBENCHES[self.workbench].page


def _keyword(key: str) -> Callable[[str], dict]:
    return lambda value: {key: value}


MAPPING = Option("--mapping", "a mapping file saved from the Patient history page",
                 "medcore.history.mapping:cli_option")
VARIANT = Option("--variant", "a variant such as '120 G>A' or a VCF line (CHROM POS: a "
                 "chromosome and position inside a record whose header gives coordinates, or "
                 "a record's name and a base in it); adds its splice deltas",
                 _keyword("variant"), commands=("predict",), with_report=False)
FILM = Example("film.png", "medcore.bench.samples:xray_png")
STAYS = Example("stays.csv", "medcore.bench.samples:history_csv")
DRUGS = Example("drugs.smi", lambda: b"CC(=O)Oc1ccccc1C(=O)O aspirin\n"
                                     b"CN1C=NC2=C1C(=O)N(C(=O)N2C)C caffeine\n")
SPLICE = Example("splice.fasta", "medcore.bench.samples:splice_fasta")

MODELS: dict[str, ModelSpec] = {}


def register(spec: ModelSpec) -> ModelSpec:
    """Add a model id (refused when the id is taken); the CLI, the pages, reports and the
    contract test read it from here."""
    if spec.id in MODELS:
        raise ValueError(f"Model id '{spec.id}' is registered already.")
    MODELS[spec.id] = spec
    return spec


for _spec in [
    ModelSpec("xray-cnn", "imaging", "Pneumonia CNN (chest X-ray)", "medcore.imaging.cnn",
              report="medcore.report.imaging:cases_from_paths", example=FILM,
              cannot="Reads frontal chest films of children aged 1-5 for pneumonia only: not "
              "adults, lateral views, tuberculosis, effusions, nodules, fractures or devices. "
              "Films unlike its training films are flagged, not answered.",
              weakest="accuracy",
              measure=Measure("imaging:bench_cnn", case_report="case_report:imaging",
                              validation="validation:films", validation_s=60,
                              goals=(Goal("roc_auc", 0.98), Goal("accuracy", 0.93)))),
    ModelSpec("xray-gan", "imaging", "Chest X-ray GAN", "medcore.imaging.gan", kind=GENERATOR,
              example=FILM,
              cannot="Makes 64-pixel synthetic films for teaching: they are not patients, "
              "look plausible only at thumbnail size and did not help a classifier.",
              weakest="fd_generated_vs_test",
              measure=Measure("imaging:bench_gan", training="imaging:gan_training")),
    ModelSpec("history-rnn", "history", "ICU mortality GRU (GRU-D-style inputs)",
              "medcore.history.rnn", report="medcore.report.history:cases_from_paths",
              options=(MAPPING,), example=STAYS,
              cannot="Learned at one Boston hospital (2001-2008) from the first 48 h of adult "
              "ICU stays: risks shift at other hospitals and eras, so check it on your own "
              "patients first. Associations, not causes.",
              weakest="event1",
              measure=Measure("history:bench_history", case_report="case_report:history",
                              validation="validation:patients", validation_s=60,
                              goals=(Goal("roc_auc", 0.87), Goal("event1", 0.55)))),
    ModelSpec("history-cnn", "history", "ICU mortality temporal CNN", "medcore.history.cnn",
              report="medcore.report.history:cases_from_paths", options=(MAPPING,),
              example=STAYS,
              cannot="Same data as the GRU (one Boston hospital, 2001-2008, first 48 h of "
              "adult stays) and ranks patients less well; shown beside it for comparison.",
              weakest="event1",
              measure=Measure("history:bench_history", case_report="case_report:history",
                              validation="validation:patients", validation_s=60)),
    ModelSpec("tox-cnn", "molecules", "Tox21 toxicity, graph networks (D-MPNN)",
              "medcore.molecules.tox.model", report="medcore.report.molecules:cases_from_paths",
              example=DRUGS,
              cannot="Predicts in-vitro Tox21 assay activity, not clinical toxicity; less "
              "reliable for scaffolds unlike its ~6,000 training chemicals; metal complexes "
              "and mixtures are not scored.",
              weakest="scaffold_mean_roc_auc",
              measure=Measure("molecules:bench_tox", case_report="case_report:molecules",
                              validation="validation:molecules", validation_s=30,
                              goals=(Goal("mean_roc_auc", 0.87),
                                     Goal("scaffold_mean_roc_auc", 0.80)))),
    ModelSpec("mol-gan", "molecules", "SELFIES LatentGAN", "medcore.molecules.generate.gan",
              kind=GENERATOR, example=DRUGS,
              cannot="Proposes small molecules with no target in mind; many are simple or "
              "repeat among the drug-like ones, and every one needs a chemist's judgement.",
              weakest="realism_filtered.uniqueness_10k",
              measure=Measure("molecules:bench_gan", training="molecules:gan_training",
                              goals=(Goal("validity", 1.0),
                                     Goal("realism_filtered.uniqueness_10k", 0.95),
                                     Goal("novelty", 0.90)))),
    ModelSpec("dna-cnn", "genomics", "Splice-junction CNN", "medcore.genomics.cnn",
              report="medcore.report.genomics:cases_from_paths", options=(VARIANT,),
              example=SPLICE,
              cannot="Finds splice junctions in human and primate DNA for research; it is not "
              "a test of whether a variant causes disease.",
              weakest="mcc",
              measure=Measure("genomics:bench_cnn", case_report="case_report:genomics",
                              goals=(Goal("mcc", 0.85), Goal("uci_test.accuracy", 0.97)))),
    ModelSpec("dna-rnn", "genomics", "DNA BiGRU embeddings", "medcore.genomics.rnn",
              kind=EMBEDDING, example=SPLICE,
              cannot="Maps 60 nt around a junction for exploring clusters; the classifier is "
              "dna-cnn.",
              weakest="macro_f1",
              measure=Measure("genomics:bench_rnn")),
]:
    register(_spec)


def ids(workbench: str | None = None, kind: str | None = None) -> list[str]:
    """Model ids in registration order, of one workbench and/or kind."""
    return [m for m, s in MODELS.items()
            if (workbench is None or s.workbench == workbench) and (kind is None or s.kind == kind)]


def options() -> dict[str, tuple[Option, list[str]]]:
    """Every model-specific command-line option, by flag, with the ids that take it."""
    out: dict[str, tuple[Option, list[str]]] = {}
    for s in MODELS.values():
        for opt in s.options:
            out.setdefault(opt.flag, (opt, []))[1].append(s.id)
    return out


def report_adapter(model_id: str) -> Callable[..., list] | None:
    """The model's ``cases_from_paths`` (one HTML report per case), or None when it has none."""
    ref = spec(model_id).report
    return None if ref is None else resolve(ref)


def example(model_id: str) -> tuple[str, bytes]:
    """(file name, bytes) of the model's example input."""
    ex = spec(model_id).example
    if ex is None:
        raise ValueError(f"{model_id} has no example input: give its ModelSpec an Example.")
    data = resolve(ex.make)()
    return ex.name, data.encode() if isinstance(data, str) else data


def protocol_members(protocol: type) -> list[str]:
    """The names a Protocol requires (its annotations and its methods), read from the class
    itself so that the check below never repeats them."""
    methods = [n for n, v in vars(protocol).items() if callable(v) and not n.startswith("_")]
    return list(getattr(protocol, "__annotations__", {})) + methods


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
        missing = sorted(set(protocol_members(ModelModule)) - set(dir(mod)))
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

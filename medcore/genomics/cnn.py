"""dna-cnn: a 1-D CNN classifying 60-nt windows as donor (EI), acceptor (IE) or neither (N).

Follows the model-module contract in ``medcore.registry``. The first convolution is named
``motif_conv`` so its filters can be read as motifs (``medcore.genomics.motifs``).
"""

from __future__ import annotations

import json
import logging
import os
from pathlib import Path

import numpy as np

from medcore import ensemble
from medcore.explain import background
from medcore.genomics import data, encode, training

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
log = logging.getLogger(__name__)
CUSTOM_OBJECTS: dict = {}
MODEL_ID = "dna-cnn"
BASELINE_C = 0.1
N_BOOT = 200
QUICK_N = 400
MEMBERS = 5
N_BACKGROUND = 40  # SHAP background rows, expanded from the stored centroids
N_CENTROIDS = 16  # k-means summary of the training windows shipped as background.npz
# Architectures compared by 10-fold CV on the training part only; the best mean is trained.
CANDIDATES: dict[str, dict[str, int]] = {
    "filters32_kernel9": {"filters": 32, "kernel": 9},
    "filters64_kernel9": {"filters": 64, "kernel": 9},
    "filters32_kernel15": {"filters": 32, "kernel": 15},
    "filters64_kernel15": {"filters": 64, "kernel": 15},
}
# Keras fit trains this model, so the bench times fit (no own training loop to time).
train_throughput = None


def build_model(width: int = data.WINDOW, filters: int = 32, seed: int = 0,
                name: str = "dna_cnn", kernel: int = 9):
    """Conv(kernel) -> pool(3) -> Conv(5) -> flatten (keeps position: the junction is central).

    Valid padding everywhere so ``fastscan`` can slide it along long sequences exactly.
    """
    import keras
    from keras import layers

    keras.utils.set_random_seed(seed)
    reg = keras.regularizers.l2(1e-4)
    inp = keras.Input((width, 4), name="one_hot")
    h = layers.Conv1D(filters, kernel, activation="relu", name="motif_conv",
                      kernel_regularizer=reg)(inp)
    h = layers.MaxPooling1D(3, name="pool")(h)
    h = layers.Conv1D(filters, 5, activation="relu", name="conv2", kernel_regularizer=reg)(h)
    h = layers.Flatten(name="flatten")(h)
    h = layers.Dropout(0.5, name="dropout")(h)
    out = layers.Dense(3, activation="softmax", name="proba",
                       kernel_regularizer=keras.regularizers.l2(1e-3))(h)
    model = keras.Model(inp, out, name=name)
    model.compile(keras.optimizers.Adam(1e-3), "sparse_categorical_crossentropy",
                  metrics=["accuracy"])
    return model


def first_member(model):
    """The model whose ``motif_conv`` filters are shown (member 0 of an ensemble)."""
    import keras

    nested = [lay for lay in model.layers if isinstance(lay, keras.Model)]
    return nested[0] if nested else model


def baseline_proba(split: data.Split, n_train: int | None = None) -> np.ndarray:
    """Positional one-hot + logistic regression, refit deterministically (lbfgs, fixed C)."""
    from sklearn.linear_model import LogisticRegression

    n = n_train or len(split.x_train)
    xtr = encode.one_hot_batch(split.x_train[:n], data.WINDOW).reshape(n, -1)
    xte = encode.one_hot_batch(split.x_test, data.WINDOW).reshape(len(split.x_test), -1)
    from threadpoolctl import threadpool_limits

    with threadpool_limits(1):  # tiny problem: threads only add contention
        lr = LogisticRegression(C=BASELINE_C, max_iter=5000).fit(xtr, split.y_train[:n])
    return lr.predict_proba(xte)


def _held_out_metrics(model, extras: dict, data_dir: Path) -> dict:
    """Test-split metrics of the CNN and of the LR baseline (the one scoring path)."""
    from medcore.genomics import scan
    from medcore.metrics import multiclass_report

    quick = bool(extras["preprocess"].get("quick"))
    n_boot = 50 if quick else N_BOOT
    split = data.split(data_dir)
    proba = scan.classify(model, split.x_test, data.WINDOW)
    out = multiclass_report(split.y_test, proba, data.CLASS_NAMES, n_boot=n_boot)
    n_train = QUICK_N if quick else None
    base = multiclass_report(split.y_test, baseline_proba(split, n_train), data.CLASS_NAMES,
                             n_boot=n_boot)
    base.pop("confusion")
    out["baselines"] = {"positional_onehot_logreg": {
        **base, "note": f"LogisticRegression(C={BASELINE_C}) on positional one-hot, fitted on "
                        "the same training part; refit deterministically by evaluate"}}
    out["bootstrap_resamples"] = n_boot
    return out


def train(out_dir: Path, *, quick: bool = False, **options) -> dict:
    """Train on the 80 % split (10-fold CV first unless quick), score the test split once."""
    from medcore.genomics import motifs

    out_dir = Path(out_dir)
    split = data.split(options.get("data_dir") or _data_dir())
    x = encode.one_hot_batch(split.x_train, data.WINDOW)
    y = split.y_train
    if quick:
        x, y = x[:QUICK_N], y[:QUICK_N]
    n_members = 1 if quick else int(options.get("members", MEMBERS))
    chosen, cv = select_architecture(x, y) if not quick else (next(iter(CANDIDATES)), None)
    arch = CANDIDATES[chosen]
    members, history = [], {}
    for i in range(n_members):
        m, history[f"member{i}"] = training.fit(
            lambda seed, i=i: build_model(seed=seed, name=f"member{i}", **arch), x, y,
            epochs=1 if quick else 100, seed=100 + i)
        members.append(m)
    model = ensemble.average(members, mean_name="ensemble_mean", name="dna_cnn_ensemble")
    model.save(out_dir / "model.keras")
    background.save(out_dir / "background.npz", x, N_CENTROIDS)
    prep = {"window": data.WINDOW, "alphabet": "ACGT", "encoding": "IUPAC fractional one-hot",
            "class_names": data.CLASS_NAMES, "quick": quick}
    (out_dir / "preprocess.json").write_text(json.dumps(prep, indent=1))
    pwms = motifs.filter_pwms(first_member(model), x)
    (out_dir / "motifs.json").write_text(json.dumps(pwms))
    extras = {"preprocess": prep}
    metrics = _held_out_metrics(model, extras, options.get("data_dir") or _data_dir())
    return training.card(MODEL_ID, model, split, metrics, cv, history, quick, {
        "task": "Classify a 60-nt DNA window as exon->intron (EI, donor), intron->exon "
                "(IE, acceptor) or neither (N).",
        "architecture_text": f"Mean of {n_members} 1-D CNNs (seeds 100..{99 + n_members}), each "
                             f"Conv1D({arch['filters']}, {arch['kernel']}, relu, valid) -> "
                             f"MaxPool(3) -> Conv1D({arch['filters']}, 5, relu) -> Flatten -> "
                             "Dropout(0.5) -> Dense(3, softmax); L2 1e-4; architecture "
                             f"'{chosen}' chosen by 10-fold CV on the training part",
        "explanation": "SHAP per base by expected gradients (medcore.explain.shap_gradient)",
        "motifs": [{"filter": m["filter"], "consensus": m["consensus"], "matches": m["matches"]}
                   for m in pwms if m["matches"]],
    })


def select_architecture(x: np.ndarray, y: np.ndarray) -> tuple[str, dict]:
    """10-fold CV of every candidate on the training part; the best mean accuracy wins.

    Why here: the test split must not pick the architecture, so the choice is part of training
    and the card records every candidate's CV figures.
    """
    cvs = {name: training.cross_validate(
        lambda seed, arch=arch: build_model(seed=seed, **arch), x, y, folds=10)
        for name, arch in CANDIDATES.items()}
    chosen = max(cvs, key=lambda n: cvs[n]["accuracy_mean"])
    summary = {n: {"accuracy_mean": c["accuracy_mean"], "accuracy_std": c["accuracy_std"]}
               for n, c in cvs.items()}
    return chosen, {**cvs[chosen], "chosen": chosen, "candidates": summary}


def _data_dir() -> Path:
    from medcore.settings import data_dir

    return data_dir()


def load_extras(folder: Path, card: dict) -> dict:
    del card
    return {"preprocess": json.loads((folder / "preprocess.json").read_text()),
            "background": background.load(folder / "background.npz", N_BACKGROUND),
            "motifs": json.loads((folder / "motifs.json").read_text())}


def evaluate(bundle, data_dir: Path) -> dict:
    return _held_out_metrics(bundle.model, bundle.extras, data_dir)


def predict_paths(bundle, paths: list[Path]) -> list[dict]:
    """One dict per record (a file may hold many); one error dict per bad file or record."""
    from medcore.genomics import analyse
    from medcore.genomics.io import read_paths

    out: list[dict] = []
    for f in read_paths(paths):
        if f.parsed is not None:
            out.extend({"file": f.name, **r.to_json()}
                       for r in analyse.analyse(bundle, f.parsed.records))
        out.extend(f.error_rows())
    return out


def bench(bundle, quick: bool = False) -> dict:
    from medcore.genomics.bench import run

    return run(bundle, quick)

"""Timings every Keras model shares: training throughput, batch inference, the tutorial ratio.

Backend-neutral (only ``keras`` and ``numpy``), so the same functions run under TensorFlow on
this CPU and under JAX on a GPU machine that has no TensorFlow. Inputs are random tensors
shaped like the model's inputs: the cost of dense convolution and recurrent layers does not
depend on the values, and the GPU machine has no data folder. Quality is measured elsewhere.
"""

from __future__ import annotations

import time
from collections.abc import Callable

import numpy as np

DEFAULT_STEPS = 64  # length used for a variable-length time axis (SMILES tokens, DNA bases)


def steps_for(preprocess: dict) -> int:
    """Length for variable-length axes: the model's window where its preprocessing names one."""
    return int(preprocess.get("window", DEFAULT_STEPS))


def times_ms(fn: Callable[[], object], reps: int) -> np.ndarray:
    """Wall-clock milliseconds of ``reps`` calls of ``fn`` (the caller warms up first)."""
    out = []
    for _ in range(reps):
        start = time.perf_counter()
        fn()
        out.append((time.perf_counter() - start) * 1000)
    return np.array(out)


def random_inputs(model, n: int, steps: int = DEFAULT_STEPS, seed: int = 0) -> list[np.ndarray]:
    """One random array per model input: integers in [0, 2) for integer inputs, else N(0, 1).

    Args:
        model: a built Keras model.
        n: batch size.
        steps: length substituted for unknown (None) non-batch dimensions.
        seed: random seed.
    """
    rng = np.random.default_rng(seed)
    out = []
    for inp in model.inputs:
        shape = (n, *[steps if d is None else int(d) for d in inp.shape[1:]])
        if "int" in str(inp.dtype):
            out.append(rng.integers(0, 2, shape).astype(str(inp.dtype)))
        else:
            out.append(rng.standard_normal(shape).astype("float32"))
    return out


def _is_softmax(model, steps: int = DEFAULT_STEPS) -> bool:
    """Whether the output is one distribution over classes (rows sum to 1).

    Why by output, not by last layer: an ensemble ends in ``Average``, which is a softmax head
    for dna-cnn's members but a sigmoid one for history-rnn's folds and tox-cnn's 12 assays.
    """
    if int(model.outputs[0].shape[-1]) < 2:
        return False
    p = np.asarray(model(_unpack(random_inputs(model, 4, steps)), training=False))
    return bool(np.allclose(p.sum(axis=-1), 1.0, atol=1e-3))


def random_targets(model, n: int, seed: int = 1, softmax: bool | None = None,
                   steps: int = DEFAULT_STEPS) -> np.ndarray:
    """Labels shaped like the single output (a per-position output gets one per position):
    one-hot for softmax heads, 0/1 otherwise (``softmax`` None: probe with :func:`_is_softmax`)."""
    rng = np.random.default_rng(seed)
    shape = (n, *[steps if d is None else int(d) for d in model.outputs[0].shape[1:]])
    if _is_softmax(model, steps) if softmax is None else softmax:
        return np.eye(shape[-1], dtype="float32")[rng.integers(0, shape[-1], shape[:-1])]
    return rng.integers(0, 2, shape).astype("float32")


def _unpack(x: list[np.ndarray]):
    return x[0] if len(x) == 1 else x


def _rows(x: list[np.ndarray], sel) -> list[np.ndarray]:
    return [a[sel] for a in x]


def train_throughput(model, n: int = 1024, batch_size: int = 64, steps: int = DEFAULT_STEPS,
                     dtype_policy: str | None = None, pipeline: str = "numpy") -> dict:
    """Samples per second of one training epoch of a fresh copy of ``model`` (same architecture).

    The first epoch traces and compiles; the second is timed. Classification loss matches the
    head (categorical or binary cross-entropy).

    Args:
        model: the shipped model; its weights are not touched.
        n: samples per epoch.
        batch_size: batch size of the epoch.
        steps: length for variable-length axes.
        dtype_policy: e.g. ``"mixed_float16"``; None keeps the model's own policy.
        pipeline: ``"numpy"`` (arrays straight into ``fit``), ``"tf.data"`` (shuffled, batched,
            prefetched dataset) or ``"tf.data+xla"`` (the same, compiled with
            ``jit_compile=True``); the last two need TensorFlow.
    """
    import keras

    clone = fresh_copy(model, dtype_policy)
    softmax = _is_softmax(model, steps)  # one probe (a forward pass) serves loss and targets
    loss = "categorical_crossentropy" if softmax else "binary_crossentropy"
    clone.compile(optimizer="adam", loss=loss, jit_compile=pipeline.endswith("xla") or "auto")
    x, y = random_inputs(model, n, steps), random_targets(model, n, softmax=softmax,
                                                          steps=steps)
    if pipeline == "numpy":
        kwargs = {"x": _unpack(x), "y": y, "batch_size": batch_size}
    else:
        from medcore.pipeline import dataset

        kwargs = {"x": dataset(x, y, batch_size), "shuffle": False}  # the dataset shuffles
    clone.fit(**kwargs, epochs=1, verbose=0)
    start = time.perf_counter()
    clone.fit(**kwargs, epochs=1, verbose=0)
    seconds = time.perf_counter() - start
    keras.backend.clear_session(free_memory=False)
    return {"train_samples_per_s": round(n / seconds, 1), "train_epoch_ms": round(seconds * 1e3, 1),
            "train_batch_size": batch_size, "train_samples": n}


def fresh_copy(model, dtype_policy: str | None):
    """A fresh-weight copy; with ``dtype_policy`` every layer but the output runs in that policy."""
    import keras

    if dtype_policy is None:
        return keras.models.clone_model(model)
    last = model.layers[-1].name

    def relayer(layer):
        cfg = layer.get_config()
        if layer.name != last and "dtype" in cfg:
            cfg["dtype"] = dtype_policy
        return layer.__class__.from_config(cfg)

    return keras.models.clone_model(model, clone_function=relayer)


def predict_throughput(model, n: int = 2048, batch_size: int = 512, steps: int = DEFAULT_STEPS,
                       reps: int = 3) -> dict:
    """Inputs per second of batched ``model.predict`` (median of ``reps`` after a warm-up)."""
    x = _unpack(random_inputs(model, n, steps))
    model.predict(x, batch_size=batch_size, verbose=0)
    ms = times_ms(lambda: model.predict(x, batch_size=batch_size, verbose=0), reps)
    return {"predict_batch_per_s": round(n / (float(np.median(ms)) / 1000), 1)}


def single_latency(model, steps: int = DEFAULT_STEPS, reps: int = 50) -> dict:
    """p50/p95 of one input through ``model.predict_on_batch``, after a warm-up.

    The one-input path every model has; a workbench's own figure (e.g. xray-cnn's analyse)
    may be faster.
    """
    x = _unpack(random_inputs(model, 1, steps))
    for _ in range(5):
        model.predict_on_batch(x)
    times = times_ms(lambda: model.predict_on_batch(x), reps)
    return {"single_p50_ms": round(float(np.percentile(times, 50)), 3),
            "single_p95_ms": round(float(np.percentile(times, 95)), 3)}


def tutorial_ratio(model, medcore_batch: Callable[[list[np.ndarray]], object] | None = None,
                   n: int = 200, n_tutorial: int = 30, steps: int = DEFAULT_STEPS) -> dict:
    """Time per input: a tutorial's per-input ``model.predict`` vs medcore's batched scoring.

    The tutorial loop gets a model loaded once (kinder to it than reloading per request, which
    an uncached Streamlit page does); ``medcore_batch`` is the workbench's own batched path.

    Args:
        model: the shipped model.
        medcore_batch: scores a list of model inputs the way the workbench does; by default
            batched ``model.predict`` (batch 512), which most workbenches use.
        n: inputs scored by medcore's path.
        n_tutorial: inputs scored one by one (extrapolated per input).
        steps: length for variable-length axes.
    """
    if medcore_batch is None:
        def medcore_batch(xs: list[np.ndarray]):
            return model.predict(_unpack(xs), batch_size=512, verbose=0)
    x = random_inputs(model, n, steps)
    medcore_batch(_rows(x, slice(0, 8)))
    start = time.perf_counter()
    medcore_batch(x)
    ours = (time.perf_counter() - start) / n
    model.predict(_unpack(_rows(x, slice(0, 1))), verbose=0)
    start = time.perf_counter()
    for i in range(n_tutorial):
        model.predict(_unpack(_rows(x, slice(i, i + 1))), verbose=0)
    tutorial = (time.perf_counter() - start) / n_tutorial
    return {"tutorial_ms_per_input": round(tutorial * 1e3, 3),
            "medcore_ms_per_input": round(ours * 1e3, 4),
            "tutorial_ratio": round(tutorial / ours, 1)}


def epoch_difference(fit: Callable[[int], object], units: int, samples_per_unit: int,
                     repeats: int = 2) -> dict:
    """Training throughput of a custom loop (GANs): time ``fit(2u) - fit(u)`` to drop tracing.

    Why the fastest of ``repeats`` interleaved runs: a fit that builds fresh models traces each
    time, and that cost varies by seconds here; a difference of single runs once came out
    negative (a throughput of 2.6e12 samples/s). When the difference is still not positive the
    throughput is reported as not measured, never as a number.
    """
    ones, twos = [], []
    for _ in range(repeats):
        for n, times in ((units, ones), (2 * units, twos)):
            start = time.perf_counter()
            fit(n)
            times.append(time.perf_counter() - start)
    seconds = min(twos) - min(ones)
    out = {"train_samples": units * samples_per_unit}
    if seconds <= 0:
        return {**out, "train_note": "not measured: the longer run was not slower"}
    return {**out, "train_samples_per_s": round(units * samples_per_unit / seconds, 1)}

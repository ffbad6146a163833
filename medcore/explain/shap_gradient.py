"""SHAP values for Keras 3 models by expected gradients: the estimator of shap.GradientExplainer.

GradientExplainer is the SHAP path that works on CNN, RNN and 1-D CNN models with
Keras 3 (DeepExplainer fails on LSTMs). Its estimator (Erion et al. 2021) is written here over
the model's input-gradient function (``medcore.explain.gradients``, traced once for recurrent
models) because the shap library re-traces the model on every call: one patient through the
five-member history-rnn took 6.5-8 s that way and 0.27 s here, a molecule 10+ s.
``tests/core/test_shap_gradient.py`` checks this estimator against shap.GradientExplainer.
"""

from __future__ import annotations

import numpy as np


def expected_gradients(model, background: np.ndarray | list[np.ndarray],
                       x: np.ndarray | list[np.ndarray], output_index: int | None = None,
                       nsamples: int = 200, seed: int = 0) -> np.ndarray | list[np.ndarray]:
    """SHAP values with the shape of ``x`` (one array per input of a multi-input model).

    For each row of ``x``: the mean over ``nsamples`` draws of a background row ``b`` and
    ``alpha`` ~ U(0, 1) of grad f(b + alpha (x - b)) * (x - b). One draw is shared by all
    inputs of a multi-input model, so the parts sum to f(x) - E[f(background)] up to sampling
    error.

    Args:
        model: Keras model; one tensor input, or a list of inputs given as lists.
        background: reference samples (a few dozen are enough), per input.
        x: batch to explain, per input.
        output_index: output column; None sums all outputs.
        nsamples: draws per row (more = smoother, slower).
        seed: makes the draws repeatable.
    """
    from medcore.explain.gradients import input_gradients

    single = not isinstance(x, (list, tuple))
    xs = [np.asarray(x)] if single else [np.asarray(v) for v in x]
    bgs = [np.asarray(background)] if single else [np.asarray(v) for v in background]
    rng = np.random.default_rng(seed)
    out = [np.zeros(v.shape, np.float32) for v in xs]
    for row in range(len(xs[0])):
        pick = rng.integers(0, len(bgs[0]), nsamples)
        alpha = rng.random(nsamples).astype(np.float32)
        diffs = [v[row][None] - bg[pick] for v, bg in zip(xs, bgs, strict=True)]
        points = [(bg[pick] + alpha.reshape((-1,) + (1,) * (d.ndim - 1)) * d).astype(np.float32)
                  for bg, d in zip(bgs, diffs, strict=True)]
        grads = input_gradients(model, points if not single else points[0], output_index)
        grads = [grads] if single else grads
        for k, (g, d) in enumerate(zip(grads, diffs, strict=True)):
            out[k][row] = (g * d).mean(0)
    return out[0] if single else out

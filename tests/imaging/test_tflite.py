"""The shipped TFLite graph scores exactly like the Keras model, alone or from many threads."""

from concurrent.futures import ThreadPoolExecutor

import numpy as np

from medcore.imaging import tflite
from medcore.imaging.infer import fast_predict, predict_proba


def _images(n: int, seed: int = 0) -> np.ndarray:
    rng = np.random.default_rng(seed)
    return rng.integers(0, 256, (n, 28, 28, 1)).astype(np.float32)


def test_tflite_matches_keras_for_small_and_chunked_batches(cnn):
    assert cnn.extras["tflite"] is not None, "xray-cnn ships model.tflite"
    for n in (1, 7, tflite.SMALL, tflite.CHUNK + 5):  # one-by-one, padded and multi-chunk paths
        x = _images(n, seed=n)
        got = predict_proba(cnn, x)
        ref = np.asarray(fast_predict(cnn.model)(x)).ravel()
        assert got.shape == (n,)
        np.testing.assert_allclose(got, ref, atol=1e-5)


def test_concurrent_sessions_get_their_own_answers(cnn):
    batches = [_images(3, seed=s) for s in range(8)]
    expected = [predict_proba(cnn, b) for b in batches]
    with ThreadPoolExecutor(4) as pool:
        results = list(pool.map(lambda b: predict_proba(cnn, b), batches))
    for got, want in zip(results, expected, strict=True):
        np.testing.assert_array_equal(got, want)


def test_a_model_without_tflite_falls_back_to_keras(cnn, tmp_path):
    assert tflite.load(tmp_path, 28) is None

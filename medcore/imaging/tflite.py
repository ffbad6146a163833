"""The xray-cnn inference graph as a TensorFlow Lite flatbuffer, for fast scoring without gradients.

Why: on the shared 2-core CPU the XNNPACK kernels scored v1's three-member ensemble at
2,100-3,600 images/s depending on the machine's state (chunks of 32, see ``CHUNK``; near the
peak of two AVX2 cores; v2's cheaper members ~5,000/s) and 0.4-0.6 ms per single image, against
800-1,400/s and 4.8 ms for a compiled ``tf.function`` (``python -m medcore bench`` and side
runs), with outputs equal to within 1e-6. Grad-CAM and SHAP still use the Keras model, which
has gradients. ``model.tflite`` ships beside ``model.keras``; its sha256 is in the card like
every extra file. The graph runs in LiteRT (``ai-edge-litert``, the successor of the deprecated
``tf.lite.Interpreter``: same flatbuffer, same kernels, identical outputs here); converting a
trained model still uses TensorFlow's ``TFLiteConverter``.
"""

from __future__ import annotations

import threading
from pathlib import Path

import numpy as np

FILE = "model.tflite"
# Images per interpreter call in batches (the last chunk is zero-padded). Small chunks keep the
# activations in cache: on 2,048 test X-rays, interleaved rounds on this 2-core CPU scored
# 3,300-3,600 images/s in chunks of 16-32 against 2,900-3,250 in chunks of 1,024.
CHUNK = 32
SMALL = 16  # below this many images, score one by one (0.6 ms each) instead of padding a chunk


def export(model, path: Path) -> Path:
    """Convert a Keras model to a float32 TFLite flatbuffer at ``path`` (no quantisation)."""
    import tensorflow as tf

    Path(path).write_bytes(tf.lite.TFLiteConverter.from_keras_model(model).convert())
    return Path(path)


class Predictor:
    """Thread-safe scoring with one interpreter per batch shape (1 and ``CHUNK``).

    Interpreters are not thread-safe and Streamlit sessions share the cached bundle: one lock.
    """

    def __init__(self, content: bytes, size: int) -> None:
        self.content = content
        self.size = size
        self._interpreters: dict[int, object] = {}
        self._lock = threading.Lock()

    def _interpreter(self, batch: int):
        it = self._interpreters.get(batch)
        if it is None:
            from ai_edge_litert.interpreter import Interpreter

            it = Interpreter(model_content=self.content, num_threads=2)
            it.resize_tensor_input(it.get_input_details()[0]["index"],
                                   (batch, self.size, self.size, 1))
            it.allocate_tensors()
            self._interpreters[batch] = it
        return it

    def _run(self, x: np.ndarray) -> np.ndarray:
        it = self._interpreter(len(x))
        it.set_tensor(it.get_input_details()[0]["index"], x)
        it.invoke()
        return np.array(it.get_tensor(it.get_output_details()[0]["index"])).ravel()

    def __call__(self, x: np.ndarray) -> np.ndarray:
        """P(pneumonia) for a float32 (n, size, size, 1) batch of 0-255 pixel values."""
        x = np.ascontiguousarray(x, np.float32)
        with self._lock:
            if len(x) < SMALL:  # a few uploads: one call each beats padding a whole chunk
                return np.concatenate([self._run(x[i:i + 1]) for i in range(len(x))]) \
                    if len(x) else np.zeros(0, np.float32)
            out = []
            for i in range(0, len(x), CHUNK):
                part = x[i:i + CHUNK]
                pad = CHUNK - len(part)
                if pad:
                    part = np.concatenate([part, np.zeros((pad, *part.shape[1:]), np.float32)])
                out.append(self._run(part)[:CHUNK - pad])
            return np.concatenate(out)


def load(folder: Path, size: int) -> Predictor | None:
    """The predictor for ``folder/model.tflite``, or None where a model was trained without one."""
    path = Path(folder) / FILE
    return Predictor(path.read_bytes(), size) if path.exists() else None

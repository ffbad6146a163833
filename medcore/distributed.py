"""Scale-out training with ``tf.distribute``, chosen from the environment.

- ``TF_CONFIG`` set (one JSON per worker, see README): ``MultiWorkerMirroredStrategy``, so the
  same ``python -m medcore train ID`` runs on several machines in sync.
- several local GPUs: ``MirroredStrategy``.
- otherwise the default strategy (one device), which costs nothing.
"""

from __future__ import annotations

import json
import os


def tf_config() -> dict:
    raw = os.environ.get("TF_CONFIG", "")
    return json.loads(raw) if raw else {}


def is_chief() -> bool:
    """Only the chief writes the model and card; other workers train and discard."""
    cfg = tf_config()
    task = cfg.get("task", {})
    if not cfg:
        return True
    if "chief" in cfg.get("cluster", {}):
        return task.get("type") == "chief"
    return task.get("type") == "worker" and int(task.get("index", 0)) == 0


def strategy():
    """The ``tf.distribute`` strategy this process should train under."""
    import tensorflow as tf

    if tf_config():
        return tf.distribute.MultiWorkerMirroredStrategy()
    if len(tf.config.list_physical_devices("GPU")) > 1:
        return tf.distribute.MirroredStrategy()
    return tf.distribute.get_strategy()

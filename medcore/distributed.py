"""Scale-out training with ``tf.distribute``, chosen from the environment.

- ``TF_CONFIG`` set (one JSON per worker, see README): ``MultiWorkerMirroredStrategy``, so the
  same ``python -m medcore train ID`` runs on several machines in sync.
- several local GPUs: ``MirroredStrategy``.
- otherwise the default strategy (one device), which costs nothing.

Keras 3's ``model.fit`` does not run under ``MultiWorkerMirroredStrategy`` (keras-team/keras
#20585: "unsupported type PerReplica"), so :func:`fit` switches to a synchronous custom loop
(``strategy.run`` + all-reduced gradients) when several workers train together.
"""

from __future__ import annotations

import json
import os

import numpy as np

_STRATEGY = None


def tf_config() -> dict:
    raw = os.environ.get("TF_CONFIG", "")
    return json.loads(raw) if raw else {}


def is_multi_worker() -> bool:
    return len(tf_config().get("cluster", {}).get("worker", [])) + \
        len(tf_config().get("cluster", {}).get("chief", [])) > 1


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
    """The ``tf.distribute`` strategy this process trains under (created once per process)."""
    global _STRATEGY
    if _STRATEGY is None:
        import tensorflow as tf

        if tf_config():
            _STRATEGY = tf.distribute.MultiWorkerMirroredStrategy()
        elif len(tf.config.list_physical_devices("GPU")) > 1:
            _STRATEGY = tf.distribute.MirroredStrategy()
        else:
            _STRATEGY = tf.distribute.get_strategy()
    return _STRATEGY


def fit(model, x: np.ndarray, y: np.ndarray, *, epochs: int, batch_size: int, **fit_kwargs
        ) -> dict[str, list[float]]:
    """``model.fit`` on one worker; a synchronous all-reduce loop across workers.

    The multi-worker loop runs a fixed number of epochs with the compiled loss and optimizer
    (callbacks such as early stopping are single-worker features). Returns the loss history.
    """
    if not is_multi_worker():
        return model.fit(x, y, epochs=epochs, batch_size=batch_size, verbose=0,
                         **fit_kwargs).history
    import keras
    import tensorflow as tf

    strat = tf.distribute.get_strategy()
    loss_fn = keras.losses.get(model.loss)
    opt = model.optimizer
    ds = tf.data.Dataset.from_tensor_slices((x.astype("float32"), y)).batch(batch_size)
    dist = strat.experimental_distribute_dataset(ds)

    @tf.function
    def step(xb, yb):
        def replica(xb, yb):
            with tf.GradientTape() as tape:
                data_loss = tf.reduce_mean(loss_fn(yb, model(xb, training=True)))
                loss = (data_loss + tf.add_n(model.losses or [0.0])) / strat.num_replicas_in_sync
            grads = tape.gradient(loss, model.trainable_variables)
            opt.apply_gradients(zip(grads, model.trainable_variables, strict=True))
            return loss
        return strat.reduce("SUM", strat.run(replica, args=(xb, yb)), axis=None)

    history: dict[str, list[float]] = {"loss": []}
    for _ in range(epochs):
        losses = [float(step(xb, yb)) for xb, yb in dist]
        history["loss"].append(float(np.mean(losses)))
    return history

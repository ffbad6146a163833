"""history-cnn: temporal 1-D CNN over the same hourly grid (as in Deepr, Nguyen et al. 2017).

Reads the same channels as history-rnn (values with masks, deltas, last observation, static),
so the comparison isolates the architecture.
"""

from __future__ import annotations

from pathlib import Path

from medcore.history import deep, service

CUSTOM_OBJECTS: dict = {}
EXPLANATION: str | None = "top_reasons"  # top three reasons per patient (SHAP)
MODEL_ID = "history-cnn"
CARD_TEXT = {
    "id": MODEL_ID,
    "architecture_text": ("Temporal CNN: Conv1D(64,k3) -> Conv1D(64,k3,dilation 2) -> "
                          "Conv1D(64,k3,dilation 4) (ReLU, same padding) -> global average + "
                          "max pooling -> dropout 0.3 -> dense sigmoid. Temperature-scaled."),
    "intended_use": ("Research and teaching: in-hospital mortality risk from the first 48 h of "
                     "an adult ICU stay, as a comparison for history-rnn. Not a medical device."),
    "limitations": ("Same data limits as history-rnn (MIMIC-II, one challenge, PhysioNet "
                    "variable names and units). Explanations are associations, not causes."),
}


def build(shape: tuple[int, ...], filters: int = 64):
    import keras

    inp = keras.Input(shape=shape, name="grid")
    h = inp
    for i, rate in enumerate((1, 2, 4)):
        h = keras.layers.Conv1D(filters, 3, dilation_rate=rate, padding="same",
                                activation="relu", name=f"conv{i + 1}")(h)
    h = keras.layers.Concatenate()([keras.layers.GlobalAveragePooling1D()(h),
                                    keras.layers.GlobalMaxPooling1D()(h)])
    h = keras.layers.Dropout(0.3)(h)
    out = keras.layers.Dense(1, activation="sigmoid", name="risk")(h)
    return keras.Model(inp, out, name="history_cnn")


def train(out_dir: Path, *, quick: bool = False, **options) -> dict:
    return deep.train_model(Path(out_dir), lambda s: build(s, options.get("filters", 64)),
                            CARD_TEXT, quick=quick, epochs=options.get("epochs", 40),
                            lr=options.get("lr", 1e-3))


load_extras = deep.load_extras
evaluate = deep.evaluate


predict_paths = service.predict_paths

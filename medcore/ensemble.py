"""Seed and fold ensembles as one functional model that averages the members' probabilities.

Why one model: one ``.keras`` file to hash, load and cache, and one differentiable function
for SHAP and input gradients. Used by the cross-fitted ``history-rnn`` and the ``dna-cnn``
seed ensemble.
"""

from __future__ import annotations

from medcore import memo


def average(members: list, *, mean_name: str, name: str,
            member_names: list[str] | None = None):
    """Members (same input shape, probability outputs) -> one model returning their mean.

    Args:
        members: fitted Keras models; a single member is returned as it is.
        mean_name: name of the ``Average`` layer.
        name: name of the combined model.
        member_names: new names for the nested members, needed when they share one name
            (a functional model may not hold two layers of the same name).
    """
    import keras

    if len(members) == 1:
        return members[0]
    first = members[0].inputs[0]  # the new input keeps the members' name, so callers feed it alike
    inp = keras.Input(shape=tuple(first.shape[1:]), name=first.name)
    if member_names is not None:
        members = [keras.Model(m.input, m.output, name=n)
                   for m, n in zip(members, member_names, strict=True)]
    out = keras.layers.Average(name=mean_name)([m(inp) for m in members])
    return keras.Model(inp, out, name=name)


@memo.per_model
def with_members(model, mean_name: str):
    """The averaged model returning ``[mean, member 1, ..., member k]`` from one forward pass,
    or ``None`` when ``model`` has no ``mean_name`` layer (a single model).

    Why: an ensemble should say how far its members disagree, and reading the members' outputs
    from the pass that computes the mean costs nothing extra. Built once per loaded model.
    """
    import keras

    try:
        mean = model.get_layer(mean_name)
    except ValueError:
        return None
    inputs = mean.input if isinstance(mean.input, list) else [mean.input]
    return keras.Model(model.inputs, [model.output, *inputs])


def members(model) -> list:
    """The nested member models of an averaged ensemble, in order (the model itself if it
    has none)."""
    import keras

    return [lay for lay in model.layers if isinstance(lay, keras.Model)] or [model]

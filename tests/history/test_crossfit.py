"""Cross-fitting: every stay is scored by the one member that never trained on it."""

import numpy as np
import pytest

from medcore import ensemble
from medcore.history import crossfit


def test_splits_cover_every_row_once_and_keep_the_class_ratio():
    y = np.array([0] * 80 + [1] * 20)
    folds = crossfit.splits(y, 5, seed=0)
    held = np.concatenate([va for _, va in folds])
    assert sorted(held) == list(range(100))
    for tr, va in folds:
        assert not set(tr) & set(va) and len(tr) + len(va) == 100
        assert y[va].sum() == 4  # stratified: 20 % positives in every fold


def test_out_of_fold_scores_come_from_the_member_that_did_not_see_the_row():
    y = np.array([0, 1] * 10)
    folds = crossfit.splits(y, 4, seed=0)
    seen = []

    def fit_predict(tr, va, i):
        seen.append(set(tr))
        return i, np.full(len(va), float(i))

    fitted, oof = crossfit.out_of_fold(fit_predict, folds, len(y))
    assert fitted == [0, 1, 2, 3]
    for row, member in enumerate(oof.astype(int)):
        assert row not in seen[member]


def test_out_of_fold_refuses_folds_that_leave_rows_unscored():
    folds = [(np.array([0, 1]), np.array([2]))]
    with pytest.raises(ValueError, match="cover"):
        crossfit.out_of_fold(lambda tr, va, i: (None, np.zeros(len(va))), folds, 4)


def test_combined_model_averages_member_probabilities():
    import keras

    shape = (3, 2)

    def member(seed):
        keras.utils.set_random_seed(seed)
        inp = keras.Input(shape, name="grid")
        out = keras.layers.Dense(1, activation="sigmoid")(keras.layers.Flatten()(inp))
        return keras.Model(inp, out, name="history_rnn")

    members = [member(s) for s in range(3)]
    names = [f"fold{i}" for i in range(3)]
    model = ensemble.average(members, mean_name="fold_mean",
                             name="history_rnn", member_names=names)
    x = np.random.default_rng(0).normal(size=(5, *shape)).astype("float32")
    want = np.mean([m.predict_on_batch(x) for m in members], axis=0)
    np.testing.assert_allclose(model.predict_on_batch(x), want, rtol=1e-5)
    assert [lay.name for lay in model.layers[1:4]] == names
    assert model.inputs[0].name == "grid"  # the members' input name, so callers feed it alike
    assert ensemble.average(members[:1], mean_name="fold_mean",
                            name="history_rnn") is members[0]

"""Things built per model are held per model object, weakly, never by ``id``."""

from __future__ import annotations

import gc
import weakref

from medcore import memo


class Model:
    """Stands in for a Keras model: hashable by identity and weakly referable."""


def test_built_once_per_model_and_key_and_freed_with_the_model():
    calls = []

    @memo.per_model
    def build(model, key=None):
        calls.append((model, key))
        return object()

    a, b = Model(), Model()
    assert build(a) is build(a) and build(a, 1) is build(a, 1)
    assert build(a) is not build(a, 1) and build(b) is not build(a)
    assert len(calls) == 3 and set(build.built(a)) == {(), (1,)}
    ref = weakref.ref(a)
    del a, calls[:]
    gc.collect()
    assert ref() is None


def test_a_new_model_never_gets_a_freed_models_entry():
    """``id()`` of a freed object is often reused at once; a cache keyed by it would hand the
    new model the old one's function."""

    @memo.per_model
    def build(model):
        return model.tag

    for tag in range(50):
        m = Model()
        m.tag = tag
        assert build(m) == tag
        del m

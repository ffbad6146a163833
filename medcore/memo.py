"""Things built once per loaded Keras model: traced functions, sub-models, ensemble views.

Why one helper: tracing a ``tf.function`` or wrapping a sub-model costs up to seconds, so each
is made once per model and reused by every page session. Entries are keyed by the model itself,
held weakly, never by ``id(model)``: a freed model's id can be reused by the next model, which
would then be served the old one's function. A lock keeps two sessions from building the same
entry twice. A build that must not keep its model alive refers to it through ``weakref.ref``.
"""

from __future__ import annotations

import functools
import threading
import weakref
from collections.abc import Callable, Hashable
from typing import Any, TypeVar

T = TypeVar("T")


def per_model(build: Callable[..., T]) -> Callable[..., T]:
    """Decorate ``build(model, *key)``: the first call for a model and key builds, later calls
    return what was built; ``.built(model)`` shows what is held for a model (key -> value)."""
    cache: weakref.WeakKeyDictionary[Any, dict[tuple, Any]] = weakref.WeakKeyDictionary()
    lock = threading.Lock()

    @functools.wraps(build)
    def get(model: Any, *key: Hashable) -> T:
        with lock:
            built = cache.setdefault(model, {})
            if key not in built:
                built[key] = build(model, *key)
            return built[key]

    def built(model: Any) -> dict[tuple, Any]:
        with lock:
            return dict(cache.get(model, {}))

    get.built = built  # type: ignore[attr-defined]
    return get

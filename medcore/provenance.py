"""The columns every downloaded result row carries: its warnings and notes, the model id and
version it came from, the threshold it was read at and, where the model has one, its conformal
prediction set and level.

Why one helper: a CSV row leaves the app alone, so it must say on its own how far it can be
trusted and what produced it; four pages writing these columns by hand would drift apart.
"""

from __future__ import annotations

from collections.abc import Sequence

import pandas as pd

from medcore import conformal

COLUMNS = ("notes", "model", "model_version", "threshold", "prediction_set", "level")


def model_version(card: dict) -> str:
    """``v3, trained 2026-11-30, sha256 1822f784`` (a card without a version number gives the
    training date and hash alone)."""
    parts = [f"v{card['version']}"] if card.get("version") else []
    parts.append(f"trained {card.get('date_trained', '?')}")
    parts.append(f"sha256 {str(card.get('sha256', ''))[:8]}")
    return ", ".join(parts)


def _per_row(value, n: int) -> list:
    """One value for every row, or the given per-row values (checked for length)."""
    if isinstance(value, (list, tuple, pd.Series)):
        if len(value) != n:
            raise ValueError(f"{len(value)} values for {n} rows")
        return list(value)
    return [value] * n


def _notes(value) -> str:
    if value is None:
        return ""
    return value if isinstance(value, str) else " ".join(str(v) for v in value if v)


def with_columns(df: pd.DataFrame, card: dict, *, notes=None, threshold=None,
                 prediction_set: Sequence | None = None, level=None,
                 suffix: str = "") -> pd.DataFrame:
    """``df`` with the common columns appended (same-named columns replaced).

    Each keyword is one value for all rows or a sequence of one per row. ``notes``: a string
    or a list of strings per row. ``prediction_set``: one list of class names per row (``None``
    where the row has no set, e.g. a withheld result); the set columns are left out when the
    model has none. ``suffix`` (e.g. ``" (history-rnn)"``) tells several models' columns apart.
    """
    n = len(df)
    cols = {"notes": [_notes(v) for v in _per_row(notes, n)],
            "model": [card.get("id", "")] * n,
            "model_version": [model_version(card)] * n,
            "threshold": _per_row(threshold, n)}
    if prediction_set is not None:
        sets = _per_row(list(prediction_set), n)
        cols["prediction_set"] = ["" if s is None else conformal.describe(list(s)) for s in sets]
        cols["level"] = _per_row(level, n)
    return df.assign(**{f"{k}{suffix}": v for k, v in cols.items()})


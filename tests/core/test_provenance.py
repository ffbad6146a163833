"""Every downloaded row carries its notes, model version, threshold and prediction set."""

from __future__ import annotations

import pandas as pd
import pytest

from medcore import provenance

CARD = {"id": "history-rnn", "version": 3, "date_trained": "2026-11-30", "sha256": "ab" * 32}


def test_common_columns_per_row_and_shared():
    df = pd.DataFrame({"patient_id": ["a", "b", "c"], "notes": ["old", "old", "old"]})
    out = provenance.with_columns(df, CARD, notes=[["w1", "w2"], [], "plain"], threshold=0.1,
                                  prediction_set=[["survived"], ["survived", "died"], None],
                                  level=0.9)
    assert list(out["notes"]) == ["w1 w2", "", "plain"]  # replaced, not duplicated
    assert list(out["prediction_set"]) == ["{survived}", "{survived, died}", ""]
    assert set(out["model"]) == {"history-rnn"} and set(out["threshold"]) == {0.1}
    assert set(out["model_version"]) == {"v3, trained 2026-11-30, sha256 abababab"}
    assert list(df.columns) == ["patient_id", "notes"]  # the input is left alone


def test_no_set_columns_without_a_set_and_suffix_per_model():
    df = pd.DataFrame({"x": [1, 2]})
    out = provenance.with_columns(df, {"id": "tox-cnn"}, threshold=[0.2, 0.3],
                                  suffix=" (tox-cnn)")
    assert "prediction_set (tox-cnn)" not in out and list(out["threshold (tox-cnn)"]) == [0.2, 0.3]
    assert out["model_version (tox-cnn)"][0].startswith("trained ?")
    with pytest.raises(ValueError, match="3 values for 2 rows"):
        provenance.with_columns(df, CARD, notes=["a", "b", "c"])

"""Reasons ranking over 6 h windows, from measured cells only (no data folder needed)."""

from __future__ import annotations

import numpy as np
import pytest

from medcore.history import explain, grid


def _attr() -> np.ndarray:
    attr = np.zeros((grid.HOURS, len(explain.VARIABLES)))
    attr[13, explain.VARIABLES.index("Lactate")] = 0.3
    attr[14, explain.VARIABLES.index("Lactate")] = 0.1
    attr[2, explain.VARIABLES.index("GCS")] = -0.25
    attr[0, explain.VARIABLES.index("Age")] = 0.05
    attr[44, explain.VARIABLES.index("HR")] = 0.9
    return attr


def test_top_reasons_pick_largest_window():
    r = explain.top_reasons(_attr(), k=4)
    assert [x["variable"] for x in r] == ["HR", "Lactate", "GCS", "Age"]
    assert r[1]["window"] == "12-18 h" and r[1]["contribution"] == pytest.approx(0.4)
    assert r[2]["direction"] == "lowers risk" and r[3]["window"] == "admission"


def test_unmeasured_cells_are_never_reasons():
    measured = np.zeros((grid.HOURS, len(explain.VARIABLES)), bool)
    measured[:15, explain.VARIABLES.index("Lactate")] = True  # data end at hour 14
    measured[:15, explain.VARIABLES.index("Age")] = True
    r = explain.top_reasons(_attr(), measured, last_hour=14, k=3)
    # HR's large late contribution and GCS (never given) are not reasons
    assert [x["variable"] for x in r] == ["Lactate", "Age"]
    assert r[0]["window"] == "12-15 h"

"""Sequence logos with logomaker (matplotlib figures): PWMs in bits, attributions signed."""

from __future__ import annotations

import numpy as np

from medcore.genomics.encode import BASES


def _frame(matrix: np.ndarray, start: int = 1):
    import pandas as pd

    return pd.DataFrame(np.asarray(matrix, float), columns=list(BASES),
                        index=range(start, start + len(matrix)))


def pwm_logo(pwm: np.ndarray, title: str = "", height: float = 1.6):
    """Information-content logo of a PWM."""
    import logomaker
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    df = logomaker.transform_matrix(_frame(pwm), from_type="probability", to_type="information")
    fig, ax = plt.subplots(figsize=(max(2.5, 0.35 * len(pwm)), height))
    logomaker.Logo(df, ax=ax, color_scheme="classic")
    ax.set_ylim(0, 2)
    ax.set_ylabel("bits")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def contribution_logo(contrib: np.ndarray, title: str = "", start: int = 1, height: float = 2.8):
    """Signed per-base contributions (positions x ACGT; positive pushes towards the class)."""
    import logomaker
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    fig, ax = plt.subplots(figsize=(max(4.0, 0.18 * len(contrib)), height))
    logomaker.Logo(_frame(contrib, start), ax=ax, color_scheme="classic")
    ax.axhline(0, color="grey", lw=0.5)
    ax.set_xlabel("position")
    ax.set_ylabel("SHAP contribution")
    ax.set_title(title, fontsize=9)
    fig.tight_layout()
    return fig


def png(fig, dpi: int = 110) -> bytes:
    """The figure as PNG bytes, then closed: pages cache these instead of redrawing logos."""
    import io

    import matplotlib.pyplot as plt

    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, bbox_inches="tight")
    plt.close(fig)
    return buf.getvalue()

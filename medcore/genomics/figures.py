"""Plotly figures of the genomics page: score tracks, variant deltas, per-base importance, map."""

from __future__ import annotations

import numpy as np
import pandas as pd
import plotly.graph_objects as go

from medcore.genomics import scan
from medcore.genomics.encode import BASES

COLOURS = {"EI": "#1f77b4", "IE": "#d62728", "A": "#2ca02c", "C": "#1f77b4", "G": "#ff7f0e",
           "T": "#d62728", "N": "#7f7f7f"}
LABELS = {"EI": "donor (EI)", "IE": "acceptor (IE)"}


def track(scores: np.ndarray, title: str, mark: int | None = None,
          known: dict[int, str] | None = None) -> go.Figure:
    """Donor and acceptor scores along a record (bin maxima past 4,000 points, so no peak hides).

    x is "junction after base N"; ``mark`` draws a line at one junction; ``known`` (junction ->
    "donor" / "acceptor", from the user's exons) draws a triangle under each.
    """
    x, v = scan.downsample_track(np.arange(len(scores)), scores)
    fig = go.Figure([go.Scatter(x=x, y=v[:, c], name=LABELS[n], mode="lines",
                                line={"color": COLOURS[n], "width": 1.2})
                     for c, n in enumerate(("EI", "IE"))])
    if mark is not None:
        fig.add_vline(x=mark, line_dash="dot", line_color="grey",
                      annotation_text=f"junction after {mark}")
    for kind, cls in (("donor", "EI"), ("acceptor", "IE")):
        at = [i for i, k in (known or {}).items() if k == kind]
        if at:
            fig.add_trace(go.Scatter(
                x=at, y=[-0.04] * len(at), mode="markers", name=f"known {kind} (your exons)",
                marker={"symbol": "triangle-up", "size": 11, "color": COLOURS[cls]}))
    fig.update_layout(height=300, title=title, xaxis_title="junction after base (nt)",
                      yaxis_title="probability", yaxis_range=[-0.08 if known else 0, 1.02],
                      margin={"t": 40, "b": 40}, legend={"orientation": "h", "y": -0.3})
    return fig


def variant_effect(rows: pd.DataFrame, variant_at: int, title: str) -> go.Figure:
    """Reference (solid) and alternative (dashed) donor and acceptor scores around a variant."""
    fig = go.Figure()
    for kind, cls in (("donor", "EI"), ("acceptor", "IE")):
        for allele, dash in (("ref", "solid"), ("alt", "dash")):
            fig.add_trace(go.Scatter(x=rows["junction_after"], y=rows[f"{kind}_{allele}"],
                                     name=f"{kind} {allele}", mode="lines+markers",
                                     marker={"size": 3},
                                     line={"color": COLOURS[cls], "dash": dash}))
    fig.add_vline(x=variant_at, line_color="black", line_width=1,
                  annotation_text="variant")
    fig.update_layout(height=320, title=title, xaxis_title="junction after base (nt)",
                      yaxis_title="probability", yaxis_range=[0, 1.02],
                      margin={"t": 40, "b": 40}, legend={"orientation": "h", "y": -0.3})
    return fig


def importance(contrib: np.ndarray, seq: str, start: int, junction_after: int,
               title: str) -> go.Figure:
    """Every base's SHAP contribution as a bar coloured by the base, the whole context shown."""
    per_pos = contrib.sum(axis=-1)
    pos = np.arange(start, start + len(per_pos))
    bases = [seq[p - 1] if 0 < p <= len(seq) else "N" for p in pos]
    fig = go.Figure()
    for b in BASES + "N":
        keep = [i for i, x in enumerate(bases) if x == b]
        if keep:
            fig.add_trace(go.Bar(x=pos[keep], y=per_pos[keep], name=b,
                                 marker_color=COLOURS[b]))
    fig.add_vline(x=junction_after + 0.5, line_dash="dot", line_color="grey")
    span = float(np.abs(per_pos).max()) or 1.0
    fig.update_layout(height=260, title=title, xaxis_title="base (nt)",
                      yaxis_title="SHAP contribution", bargap=0,
                      yaxis_range=[-1.1 * span, 1.1 * span], margin={"t": 40, "b": 40})
    return fig


def embedding_map(df: pd.DataFrame, colour: str, label_points: bool) -> go.Figure:
    """Every record as a point; names written beside them when there are few enough to read."""
    fig = go.Figure()
    for value, part in df.groupby(df[colour].astype(str), sort=True):
        fig.add_trace(go.Scatter(x=part["x"], y=part["y"], name=f"{colour} {value}",
                                 mode="markers+text" if label_points else "markers",
                                 text=part["name"], textposition="top center",
                                 hovertext=part["name"], marker={"size": 9}))
    fig.update_layout(height=460, xaxis_title="", yaxis_title="", margin={"t": 20})
    return fig

"""Plotly figures for model cards (ROC, reliability, confusion matrix), built from card data."""

from __future__ import annotations

import plotly.graph_objects as go


def roc_figure(curves: dict, auc: float | None = None) -> go.Figure:
    roc = curves["roc"]
    name = f"model (AUC {auc:.3f})" if auc is not None else "model"
    fig = go.Figure(go.Scatter(x=roc["fpr"], y=roc["tpr"], mode="lines", name=name))
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="chance",
                             line={"dash": "dash", "color": "grey"}))
    fig.update_layout(title="ROC curve (held-out)", xaxis_title="1 - specificity",
                      yaxis_title="sensitivity", height=380)
    return fig


def calibration_figure(curves: dict) -> go.Figure:
    bins = curves["calibration"]
    fig = go.Figure(go.Scatter(
        x=[b["mean_predicted"] for b in bins], y=[b["observed"] for b in bins],
        mode="lines+markers", name="model", text=[f"n={b['count']}" for b in bins]))
    fig.add_trace(go.Scatter(x=[0, 1], y=[0, 1], mode="lines", name="perfect",
                             line={"dash": "dash", "color": "grey"}))
    fig.update_layout(title="Calibration (held-out)", xaxis_title="mean predicted probability",
                      yaxis_title="observed frequency", height=380)
    return fig


def confusion_figure(confusion: dict) -> go.Figure:
    labels, matrix = confusion["labels"], confusion["matrix"]
    fig = go.Figure(go.Heatmap(z=matrix, x=labels, y=labels, colorscale="Blues",
                               text=matrix, texttemplate="%{text}", showscale=False))
    fig.update_layout(title="Confusion matrix (held-out)", xaxis_title="predicted",
                      yaxis_title="true", yaxis_autorange="reversed", height=380)
    return fig

"""Plotly figures and PNG/ZIP bytes for the Imaging page (no Streamlit here).

Everything is built in memory: uploads and generated images are never written to disk.
"""

from __future__ import annotations

import io
import zipfile

import numpy as np
import plotly.graph_objects as go

_LAYOUT = dict(margin=dict(l=0, r=0, t=30, b=0), height=260,
               xaxis=dict(visible=False), yaxis=dict(visible=False, scaleanchor="x"))


def image_figure(pixels: np.ndarray, title: str) -> go.Figure:
    """A grayscale image as a plotly heatmap (y axis downwards, square pixels)."""
    fig = go.Figure(go.Heatmap(z=pixels, colorscale="gray", showscale=False, zmin=0, zmax=255,
                               hoverinfo="skip"))
    fig.update_layout(title=title, **_LAYOUT)
    fig.update_yaxes(autorange="reversed")
    return fig


def window(pixels: np.ndarray, level: float, width: float) -> np.ndarray:
    """Window/level (brightness/contrast) of an 8-bit film: ``level`` +- ``width``/2 -> 0-255."""
    lo = level - width / 2.0
    out = (np.asarray(pixels, np.float32) - lo) * (255.0 / max(width, 1.0))
    return np.clip(np.round(out), 0, 255).astype(np.uint8)


def view(pixels: np.ndarray, brightness: float, width: float) -> np.ndarray:
    """The film as the page shows it: ``brightness`` 0-255 (higher is brighter; the grey value
    shown as mid-grey is ``255 - brightness``) and window ``width`` (narrower: more contrast)."""
    return window(pixels, 255.0 - brightness, width)


def _lut(name: str) -> np.ndarray:
    """A plotly colour scale as a (256, 3) uint8 lookup table."""
    from plotly.colors import sample_colorscale, unlabel_rgb

    return np.array([unlabel_rgb(c) for c in sample_colorscale(name, 256)], np.uint8)


def blend(film: np.ndarray, heat: np.ndarray | None, opacity: float,
          diverging: bool = False) -> np.ndarray:
    """(H, W, 3) uint8: the film with ``heat`` (any size, stretched over the whole film as the
    model saw it) coloured on top; Jet for Grad-CAM in [0, 1], red-blue for signed SHAP."""
    from PIL import Image

    grey = np.repeat(np.asarray(film, np.float32)[..., None], 3, axis=2)
    if heat is None or opacity <= 0:
        return grey.astype(np.uint8)
    h, w = film.shape
    big = np.asarray(Image.fromarray(np.asarray(heat, np.float32), mode="F")
                     .resize((w, h), Image.Resampling.BILINEAR))
    if diverging:
        lim = float(np.abs(big).max()) or 1.0
        idx = np.round((big / lim + 1.0) * 127.5)
    else:
        idx = np.round(np.clip(big, 0.0, 1.0) * 255.0)
    colour = _lut("RdBu_r" if diverging else "Jet")[np.clip(idx, 0, 255).astype(int)]
    return np.round((1 - opacity) * grey + opacity * colour).astype(np.uint8)


def film_figure(rgb: np.ndarray, title: str, height: int = 420,
                scale: str | None = None, scale_range: tuple[float, float] = (0.0, 1.0),
                scale_title: str = "") -> go.Figure:
    """An RGB image as a zoomable plotly figure, sent as one PNG (a 1,024 px film as a heat map
    would be a million numbers in the page). ``scale``: the colour scale of an overlay (``Jet``
    for Grad-CAM, ``RdBu_r`` for SHAP), drawn as a colour bar beside the film."""
    import base64

    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(rgb).save(buf, format="PNG")
    uri = "data:image/png;base64," + base64.b64encode(buf.getvalue()).decode()
    fig = go.Figure(go.Image(source=uri, hoverinfo="skip"))
    if scale is not None:
        lo, hi = scale_range
        fig.add_trace(go.Scatter(
            x=[None], y=[None], mode="markers", hoverinfo="skip", showlegend=False,
            marker=dict(colorscale=scale, cmin=lo, cmax=hi, color=[lo], showscale=True,
                        colorbar=dict(thickness=10, len=0.85, title=dict(text=scale_title,
                                                                         side="right")))))
    fig.update_layout(title=dict(text=title, font=dict(size=13)),
                      **{**_LAYOUT, "height": height, "margin": dict(l=0, r=0, t=48, b=0)})
    return fig


def shap_limit(values: np.ndarray) -> float:
    """The symmetric colour range of a SHAP map (what :func:`blend` maps to full red/blue)."""
    return float(np.abs(values).max()) or 1.0


ANSWER_COLOURS = {"pneumonia": "#d62728", "normal": "#1f77b4", "uncertain": "#e8a33d",
                  "fits_neither": "#8c8c8c", "withheld": "#bbbbbb"}


def answer_colour(summary: dict) -> str:
    """One colour per answer, for the bar and the words: the class when decided, else what the
    set or the check says."""
    if summary["prediction"]:
        return ANSWER_COLOURS[summary["prediction"]]
    return ANSWER_COLOURS.get(summary["status"], ANSWER_COLOURS["withheld"])


def probability_figure(summary: dict) -> go.Figure:
    """A horizontal bar of P(pneumonia) coloured by the film's answer, over the bands where
    the answer at this level is normal, uncertain (or fits neither) and pneumonia."""
    p, band = summary["probability_pneumonia"], summary["band"]
    lo, hi = band["normal_below"], band["pneumonia_from"]
    fig = go.Figure(go.Bar(x=[p], y=["P(pneumonia)"], orientation="h",
                           marker_color=answer_colour(summary), text=[f"{p:.3f}"],
                           textposition="auto", width=0.5))
    middle = "uncertain" if hi >= lo else "fits neither"
    for x0, x1, colour, text in ((0.0, lo, ANSWER_COLOURS["normal"], "normal"),
                                 (min(lo, hi), max(lo, hi), ANSWER_COLOURS["uncertain"], middle),
                                 (hi, 1.0, ANSWER_COLOURS["pneumonia"], "pneumonia")):
        if x1 > x0:
            fig.add_vrect(x0=x0, x1=x1, fillcolor=colour, opacity=0.12, line_width=0,
                          annotation_text=text, annotation_position="top left",
                          annotation_font_size=10)
    fig.update_layout(xaxis=dict(range=[0, 1]), height=120, margin=dict(l=0, r=0, t=24, b=0))
    return fig


def gallery_figure(images: list[np.ndarray], titles: list[str], cols: int = 8) -> go.Figure:
    """Small multiples of same-size grayscale images in one figure."""
    from plotly.subplots import make_subplots

    cols = min(cols, max(4, len(images)))
    rows = max(1, int(np.ceil(len(images) / cols)))
    fig = make_subplots(rows=rows, cols=cols, subplot_titles=titles,
                        horizontal_spacing=0.01, vertical_spacing=0.06)
    fig.update_annotations(font_size=10)
    for i, im in enumerate(images):
        fig.add_trace(go.Heatmap(z=im, colorscale="gray", showscale=False, zmin=0, zmax=255,
                                 hoverinfo="skip"), row=i // cols + 1, col=i % cols + 1)
    fig.update_xaxes(visible=False, constrain="domain")
    fig.update_yaxes(visible=False, autorange="reversed")
    for i in range(1, len(images) + 1):  # square pixels in every cell
        suffix = "" if i == 1 else str(i)
        fig.update_layout({f"yaxis{suffix}": dict(scaleanchor=f"x{suffix}")})
    fig.update_layout(height=100 * rows + 30, margin=dict(l=0, r=0, t=30, b=0))
    return fig


def png_bytes(pixels: np.ndarray) -> bytes:
    from PIL import Image

    buf = io.BytesIO()
    Image.fromarray(np.asarray(pixels, np.uint8), mode="L").save(buf, format="PNG")
    return buf.getvalue()


def zip_pngs(images: list[np.ndarray], names: list[str]) -> bytes:
    buf = io.BytesIO()
    with zipfile.ZipFile(buf, "w", zipfile.ZIP_DEFLATED) as zf:
        for im, name in zip(images, names, strict=True):
            zf.writestr(name, png_bytes(im))
    return buf.getvalue()

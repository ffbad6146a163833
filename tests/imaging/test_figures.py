"""What the page draws: the brightness slider brightens, overlays carry their colour scale, the
probability bar is coloured by the answer over its bands, a withheld film's report shows it."""

from __future__ import annotations

import numpy as np

from medcore.imaging import figures
from tests.bad_inputs.imaging import chest_like, encode


def test_brightness_slider_brightens():
    film = chest_like(64)
    dim, bright = (figures.view(film, b, 256).mean() for b in (60, 200))
    assert bright > dim


def test_overlays_carry_a_colour_scale():
    rgb = figures.blend(chest_like(64), np.random.default_rng(0).random((14, 14)), 0.4)
    fig = figures.film_figure(rgb, "t", scale="Jet", scale_title="Grad-CAM (0-1)")
    bars = [t for t in fig.data if getattr(t, "marker", None) is not None
            and t.marker.showscale]
    assert len(bars) == 1 and bars[0].marker.colorscale


def test_probability_bar_is_coloured_by_the_answer():
    row = {"probability_pneumonia": 0.5, "prediction": None, "status": "uncertain",
           "band": {"normal_below": 0.2, "pneumonia_from": 0.8}}
    fig = figures.probability_figure(row)
    assert fig.data[0].marker.color == figures.ANSWER_COLOURS["uncertain"]
    assert len(fig.layout.shapes) == 3  # normal, uncertain and pneumonia bands
    decided = {**row, "probability_pneumonia": 0.9, "prediction": "pneumonia",
               "status": "decided"}
    assert figures.probability_figure(decided).data[0].marker.color == \
        figures.ANSWER_COLOURS["pneumonia"]


def test_a_withheld_films_report_shows_the_film(cnn):
    from medcore import report
    from medcore.imaging import service
    from medcore.report import imaging

    noise = np.random.default_rng(0).integers(0, 256, (300, 300)).astype(np.uint8)
    result = next(iter(service.analyse_uploads(cnn, [("noise.png", encode(noise))]).values()))
    assert result.to_row()["status"] == "not_chest_xray"
    text = report.build(imaging.case(cnn, result))
    assert "The film as uploaded" in text and text.count("data:image/png;base64,") >= 1
    assert "p_chest_xray" not in text  # the checks table speaks in words

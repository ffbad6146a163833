"""In a real browser, the Imaging page tells three uploads apart: a real chest film gets a
result, a photo is told it is not a chest X-ray (no probability for it), a broken file gets a
clear error; all side by side, no exception box."""

from __future__ import annotations

import io

import numpy as np
import pytest

from tests.e2e import samples
from tests.e2e.conftest import assert_no_exception, screenshotted_page, wait_idle

pytestmark = pytest.mark.browser


def _photo_jpeg() -> bytes:
    from PIL import Image
    from sklearn.datasets import load_sample_images

    buf = io.BytesIO()
    Image.fromarray(np.asarray(load_sample_images().images[1])).save(buf, format="JPEG")
    return buf.getvalue()


def test_film_photo_and_broken_file(browser, server_url, shots):
    files = [("real_film.png", samples.xray_png(0, size=512), "image/png"),
             ("holiday_photo.jpg", _photo_jpeg(), "image/jpeg"),
             ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "image/png")]
    with screenshotted_page(browser, shots, "imaging_checks", height=3200) as page:
        page.goto(f"{server_url}/imaging", timeout=60_000)
        wait_idle(page)
        samples.upload(page, files)
        page.get_by_text("P(pneumonia) =", exact=False).first.wait_for(timeout=180_000)
        wait_idle(page, 180_000)
        alerts = page.locator("[data-testid^='stAlertContent']")
        not_xray = alerts.filter(has_text="not a chest X-ray")
        not_xray.first.wait_for(timeout=60_000)
        assert "photo" in not_xray.first.inner_text()
        broken = alerts.filter(has_text="broken.png")
        broken.first.wait_for(timeout=60_000)
        assert "damaged" in broken.first.inner_text()
        body = page.locator("body").inner_text()
        assert body.count("P(pneumonia) =") == 1  # only the real film has a probability
        assert "could not be read" in body  # the status does not say all were analysed
        assert_no_exception(page)

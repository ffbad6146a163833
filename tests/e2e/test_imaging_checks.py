"""In a real browser, the Imaging page tells uploads apart: a real chest film gets a result, a
photo is told it is not a chest X-ray (no probability for it), a broken file gets a clear error;
an adult film, a DICOM whose tags say the patient is 62 and a low-contrast portable film are
flagged in plain words and never told "not a chest X-ray"; no exception box."""

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


def _adult_and_portable() -> list[tuple[str, bytes, str]]:
    """An adult normal film from another hospital, a child's test film written as a DICOM whose
    tags say the patient is 62, and an adult film made low-contrast and portable-like."""
    from PIL import Image

    from medcore.imaging import ood_probe
    from medcore.imaging.dicom import write
    from medcore.settings import data_dir
    from tests.bad_inputs.imaging import encode

    folder = data_dir() / "xray" / "adult-normal" / "img"
    if not folder.is_dir():
        pytest.skip(f"{folder} not found (set MEDCORE_DATA_DIR to the shared data folder)")
    adult = (folder / "Normal-1.jpg").read_bytes()
    with Image.open(folder / "Normal-10005.jpg") as im:
        other = np.asarray(im.convert("L"))
    portable = ood_probe.ELSEWHERE["portable"](np.random.default_rng(2), other)
    child = np.asarray(Image.open(io.BytesIO(samples.xray_png(5))).convert("L"))
    return [("adult_film.jpg", adult, "image/jpeg"),
            ("aged_62.dcm", write(child, age="062Y"), "application/dicom"),
            ("portable_low_contrast.png", encode(portable), "image/png")]


def test_film_photo_broken_adult_dicom_and_portable(browser, server_url, shots):
    files = [("real_film.png", samples.xray_png(0, size=512), "image/png"),
             ("real_film_2.png", samples.xray_png(1, size=512), "image/png"),
             ("holiday_photo.jpg", _photo_jpeg(), "image/jpeg"),
             ("broken.png", b"\x89PNG\r\n\x1a\n" + b"\x00" * 40, "image/png"),
             *_adult_and_portable()]
    with screenshotted_page(browser, shots, "imaging_checks", height=5200) as page:
        page.goto(f"{server_url}/imaging", timeout=60_000)
        wait_idle(page)
        samples.upload(page, files)
        page.get_by_text("P(pneumonia) =", exact=False).first.wait_for(timeout=180_000)
        wait_idle(page, 180_000)
        alerts = page.locator("[data-testid^='stAlertContent']")
        not_xray = alerts.filter(has_text="not a chest X-ray")
        not_xray.first.wait_for(timeout=60_000)
        assert "photo" in not_xray.first.inner_text()
        assert not_xray.count() == 1  # the adult, DICOM and portable films are chest X-rays
        broken = alerts.filter(has_text="broken.png")
        broken.first.wait_for(timeout=60_000)
        assert "damaged" in broken.first.inner_text()
        aged = alerts.filter(has_text="The file says the patient is 62")
        assert "the model learned from children aged 1-5" in aged.first.inner_text()
        unlike = alerts.filter(has_text="unlike the films the model learned from")
        assert unlike.count() + aged.count() >= 3  # adult, DICOM and portable films, in words
        body = page.locator("body").inner_text()
        # a probability for each real film and, greyed, for the three flagged films; none for
        # the photo
        assert body.count("P(pneumonia) =") == 5 and body.count("not a result") == 3
        assert "p_chest_xray" not in body and "feature_distance" not in body  # no raw names
        assert "could not be read" in body  # the status does not say all were analysed
        # five films to explain: SHAP waits for the button beside each "not computed" message
        message = page.get_by_text("SHAP is not computed yet", exact=False)
        assert message.count() == 5
        button = page.get_by_role("button", name="Compute SHAP for all 5 images")
        assert button.count() == 5
        assert_no_exception(page)

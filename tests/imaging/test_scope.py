"""The checks read everything a file says: DICOM age, view and modality flag a film in plain
words; real chest films (adult, low-contrast, portable, rotated) are never "not a chest X-ray";
a MONOCHROME1 film stored inverted gets one message."""

from __future__ import annotations

import numpy as np
import pytest

from medcore.imaging.dicom import age_in_years, write


def test_dicom_ages_read_in_years():
    assert age_in_years("062Y") == 62 and age_in_years("018M") == 1.5
    assert age_in_years("") is None and age_in_years("abc") is None
    assert age_in_years("003W") == pytest.approx(3 * 7 / 365.25)


@pytest.fixture(scope="module")
def test_film(data_dir):
    from medcore.imaging.data import load_kermany

    return load_kermany(data_dir)["test"].x[2]


def test_dicom_tags_flag_the_film_with_the_reason(cnn, test_film):
    from medcore.imaging import service

    files = [("adult.dcm", write(test_film, age="062Y")),
             ("lateral.dcm", write(test_film, age="003Y", view="LL")),
             ("ct.dcm", write(test_film, age="003Y", modality="CT")),
             ("child.dcm", write(test_film, age="003Y", view="PA", modality="CR"))]
    res = {r.name: r.to_row() for r in service.analyse_uploads(cnn, files).values()}
    adult = res["adult.dcm"]
    assert adult["status"] == "unlike_training" and adult["prediction"] is None
    assert "The file says the patient is 62; the model learned from children aged 1-5." \
        in adult["message"]
    assert "lateral view" in res["lateral.dcm"]["message"]
    assert "modality is CT" in res["ct.dcm"]["message"]
    assert not res["child.dcm"]["check"]["file_says"]  # nothing in the tags against it
    for s in res.values():
        assert "_" not in s["message"] and "{" not in s["message"]  # plain words


def test_monochrome1_stored_inverted_gets_one_message(cnn, test_film):
    from medcore.imaging import service

    data = write(255 - test_film, photometric="MONOCHROME1")  # decodes to a negative film
    s = next(iter(service.analyse_uploads(cnn, [("m1.dcm", data)]).values())).to_row()
    assert s["status"] == "not_chest_xray"
    assert "MONOCHROME1" in s["message"] and "inverted already" in s["message"]
    assert not [n for n in s["notes"] if "MONOCHROME1" in n]  # no second, contradicting note


def test_real_films_are_never_told_not_a_chest_xray(cnn, data_dir):
    """Kept-aside adult films and test films, as they are and made low-contrast, portable-like
    (low contrast, border, tilt, label) and rotated (the card measures every real film)."""
    from medcore.imaging import ood, ood_probe
    from medcore.imaging.data import load_adult_normal, load_kermany

    rng = np.random.default_rng(11)
    films = np.concatenate([load_adult_normal(data_dir)["aside"].x[:60],
                            load_kermany(data_dir)["test"].x[::20]])
    changed = [ood_probe.ELSEWHERE[c](rng, im) for c in ood.REAL_CHANGES for im in films]
    x = np.concatenate([films, ood._inputs(changed, films.shape[1])])
    params = cnn.extras["ood"]
    refused = ood._detect(params, x)[:, 0] < params["xray_limit"]
    assert refused.sum() <= 1, f"{refused.sum()} of {len(x)} real films refused"

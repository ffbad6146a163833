"""Decoding details that matter clinically: inversion, bit depth, tags, format sniffing."""

from __future__ import annotations

import numpy as np
import pytest

from medcore.errors import CorruptFileError, UnsupportedFormatError
from medcore.imaging.io import load_upload, sniff
from medcore.imaging.preprocess import to_uint8
from tests.bad_inputs.imaging import chest_like, dicom, encode, png16


def test_png_roundtrip_keeps_pixels():
    img = chest_like()
    out = load_upload("a.png", encode(img))
    assert out.source == "png" and out.original_size == (96, 96)
    np.testing.assert_array_equal(out.pixels, img)


def test_monochrome1_is_inverted_to_match_monochrome2():
    img = chest_like()
    mono2 = load_upload("a.dcm", dicom(img, bits=8)).pixels
    mono1 = load_upload("b.dcm", dicom(255 - img, "MONOCHROME1", bits=8)).pixels
    np.testing.assert_array_equal(mono1, mono2)
    assert mono2[48, 48] > mono2[48, 28]  # body brighter than lung: polarity kept


def test_dicom_tags_returned_apart_from_pixels():
    out = load_upload("a.dcm", dicom(chest_like(), patient="SECRET^NAME"))
    assert out.dicom_tags["PatientName"] == "SECRET^NAME"
    assert all("SECRET" not in n for n in out.notes)


def test_sixteen_bit_png_uses_full_range():
    out = load_upload("a.png", png16(chest_like()))
    assert out.pixels.dtype == np.uint8 and out.pixels.min() == 0 and out.pixels.max() == 255
    ref = load_upload("b.png", encode(chest_like())).pixels.astype(int)
    assert np.corrcoef(out.pixels.ravel(), ref.ravel())[0, 1] > 0.999


def test_voi_window_changes_contrast():
    raw = chest_like().astype(np.uint16) * 16
    plain = load_upload("a.dcm", dicom(raw)).pixels
    windowed = load_upload("b.dcm", dicom(raw, window=(2400.0, 800.0))).pixels
    assert not np.array_equal(plain, windowed)
    assert (windowed == 0).mean() > (plain == 0).mean()  # narrow window clips dark values


def test_format_comes_from_bytes_not_name():
    assert sniff(encode(chest_like(), "JPEG")) == "jpeg"
    assert load_upload("looks_like.dcm", encode(chest_like())).source == "png"
    with pytest.raises(UnsupportedFormatError, match="PDF"):
        load_upload("x.png", b"%PDF-1.5 rest")


def test_colour_photo_gets_chroma():
    rgb = np.zeros((64, 64, 3), np.uint8)
    rgb[..., 0] = 200
    assert load_upload("red.png", encode(rgb)).chroma > 0.5
    assert load_upload("gray.png", encode(chest_like())).chroma == 0.0


def test_to_uint8_constant_and_nan():
    assert to_uint8(np.full((4, 4), 7.0)).max() == 0
    with pytest.raises(CorruptFileError):
        to_uint8(np.full((4, 4), np.nan))

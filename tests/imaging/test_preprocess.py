"""The reduction must match how MedMNIST built PneumoniaMNIST (centre crop + bicubic resize)."""

from __future__ import annotations

import numpy as np

from medcore.imaging.preprocess import batch, centre_crop_box, to_model_input
from tests.bad_inputs.imaging import chest_like


def test_crop_box_is_centred_square():
    assert centre_crop_box(300, 200) == (50, 0, 250, 200)
    assert centre_crop_box(200, 301) == (0, 50, 200, 250)


def test_model_size_input_is_unchanged():
    img = chest_like(28)
    np.testing.assert_array_equal(to_model_input(img, 28), img)


def test_wide_image_ignores_side_margins():
    img = chest_like(112)
    wide = np.zeros((112, 212), np.uint8)
    wide[:, 50:162] = img
    np.testing.assert_array_equal(to_model_input(wide, 28), to_model_input(img, 28))


def test_size_is_a_parameter():
    assert to_model_input(chest_like(300), 64).shape == (64, 64)
    x = batch([to_model_input(chest_like(90), 28)] * 3)
    assert x.shape == (3, 28, 28, 1) and x.dtype == np.float32

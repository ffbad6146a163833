"""DICOM decoding with pydicom: modality + VOI LUT, MONOCHROME1 inversion, tags kept apart.

Patient-identifying tags are returned separately so the page can hide them unless asked.
"""

from __future__ import annotations

import io
from collections.abc import Callable

import numpy as np

from medcore.errors import UnsupportedFormatError
from medcore.imaging.preprocess import to_uint8

PATIENT_TAGS = ("PatientName", "PatientID", "PatientBirthDate", "PatientSex", "PatientAge",
                "StudyDate", "AccessionNumber", "InstitutionName", "ReferringPhysicianName")


def decode_dicom(data: bytes, notes: list[str], check_pixels: Callable[..., None]
                 ) -> tuple[np.ndarray, tuple[int, int], str, dict[str, str]]:
    """Pixels as uint8 (height, width), (width, height), photometric interpretation, tags."""
    import pydicom
    from pydicom.pixels import apply_modality_lut, apply_voi_lut

    ds = pydicom.dcmread(io.BytesIO(data))
    tags = {t: str(ds.get(t, "")) for t in PATIENT_TAGS if t in ds}
    if "PixelData" not in ds:
        raise UnsupportedFormatError(
            "This DICOM file holds no image (no PixelData element; e.g. a report or "
            "a structured document).",
            "Export the X-ray image itself from the PACS or viewer as DICOM, PNG or JPEG.",
        )
    rows, cols = int(ds.get("Rows", 0)), int(ds.get("Columns", 0))
    frames = int(ds.get("NumberOfFrames", 1) or 1)
    check_pixels(cols, rows, frames)
    photometric = str(ds.get("PhotometricInterpretation", "MONOCHROME2"))
    try:
        arr = ds.pixel_array
    except (NotImplementedError, RuntimeError) as err:
        raise UnsupportedFormatError(
            f"The DICOM pixel data uses a compression this installation cannot decode ({err}).",
            "Export the image uncompressed (Explicit VR Little Endian) or as PNG.",
        ) from None
    if frames > 1:
        arr = arr[0]
        notes.append(f"Multi-frame DICOM: first of {frames} frames used.")
    if photometric in ("RGB", "YBR_FULL", "YBR_FULL_422") or arr.ndim == 3:
        arr = np.asarray(arr, float)[..., :3] @ np.array([0.299, 0.587, 0.114])
        notes.append(f"{photometric} DICOM converted to grayscale.")
    else:
        arr = apply_modality_lut(arr, ds)
        if "WindowCenter" in ds or "VOILUTSequence" in ds:
            arr = apply_voi_lut(arr, ds)
            notes.append("DICOM VOI LUT (window) applied.")
    if photometric == "MONOCHROME1":
        arr = np.max(arr) - np.asarray(arr, float) + np.min(arr)
        notes.append("MONOCHROME1 inverted so bone is bright.")

    return to_uint8(arr), (cols, rows), photometric, tags

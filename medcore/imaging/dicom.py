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


AGE_UNITS = {"Y": 1.0, "M": 1 / 12, "W": 7 / 365.25, "D": 1 / 365.25}


def age_in_years(value: str) -> float | None:
    """A DICOM Age String (``062Y``, ``018M``, ``003W``, ``010D``) in years; None if absent or
    not in that form (a bare number is read as years)."""
    text = str(value or "").strip().upper()
    if not text:
        return None
    unit = AGE_UNITS.get(text[-1])
    digits = text[:-1] if unit else text
    try:
        return float(digits) * (unit or 1.0)
    except ValueError:
        return None


def scope_facts(ds) -> dict:
    """What the file states about the film that bears on the model's scope: age, view, modality
    and the photometric interpretation (none of it identifies the patient by itself)."""
    return {"age_years": age_in_years(ds.get("PatientAge", "")),
            "age_text": str(ds.get("PatientAge", "") or ""),
            "view": str(ds.get("ViewPosition", "") or "").strip().upper(),
            "modality": str(ds.get("Modality", "") or "").strip().upper(),
            "photometric": str(ds.get("PhotometricInterpretation", "") or "")}


def decode_dicom(data: bytes, notes: list[str], check_pixels: Callable[..., None]
                 ) -> tuple[np.ndarray, tuple[int, int], dict, dict[str, str]]:
    """Pixels as uint8 (height, width), (width, height), the file's scope facts, tags."""
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

    return to_uint8(arr), (cols, rows), scope_facts(ds), tags


def write(pixels: np.ndarray, photometric: str = "MONOCHROME2", scale: int = 1,
          window: bool = False, age: str | None = None, view: str | None = None,
          modality: str = "DX") -> bytes:
    """A film (uint8, bone bright) as a minimal DICOM file: how the checks are measured on
    films read back through the DICOM path (``photometric`` MONOCHROME1 stores it inverted;
    ``scale`` 16 stores 12-bit values in 16 bits; ``window`` adds a VOI window over its range).
    """
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=["medcore-film"])
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.Modality = modality
    if age is not None:
        ds.PatientAge = age
    if view is not None:
        ds.ViewPosition = view
    values = np.asarray(pixels, np.int32)
    if photometric == "MONOCHROME1":
        values = 255 - values
    bits = 16 if scale > 1 else 8
    arr = (values * scale).astype(np.uint16 if bits == 16 else np.uint8)
    ds.Rows, ds.Columns = arr.shape
    ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, photometric
    ds.BitsAllocated, ds.BitsStored, ds.HighBit = bits, bits, bits - 1
    ds.PixelRepresentation = 0
    if window:
        lo, hi = float(arr.min()), float(arr.max())
        ds.WindowCenter, ds.WindowWidth = (lo + hi) / 2, max(hi - lo, 1.0)
    ds.PixelData = arr.tobytes()
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()

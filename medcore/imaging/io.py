"""Decode uploaded X-rays (PNG, JPEG, 16-bit PNG, DICOM) into 8-bit grayscale, safely.

Why here: every check that protects the app happens before pixels are decoded. The format is
read from the bytes (never the file name), the pixel count from the header is checked against
``settings.MAX_IMAGE_PIXELS`` before decoding (decompression bombs), and every decoder failure
becomes one typed :class:`medcore.errors.InputError` with a fix-it message.
"""

from __future__ import annotations

import io
import logging
import struct
import warnings
from dataclasses import dataclass, field

import numpy as np

from medcore import settings
from medcore.errors import (
    CorruptFileError,
    EmptyInputError,
    FileTooLargeError,
    InputError,
    UnsupportedFormatError,
)
from medcore.imaging.dicom import decode_dicom
from medcore.imaging.preprocess import to_uint8
from medcore.uploads import check_limit

log = logging.getLogger(__name__)
MIN_SIDE = 8
ACCEPTED = "PNG, JPEG or DICOM (.dcm)"


@dataclass
class XrayImage:
    """A decoded upload: 8-bit grayscale pixels plus what was done to get them."""

    name: str
    pixels: np.ndarray  # (height, width) uint8
    source: str  # "png" | "jpeg" | "dicom"
    original_size: tuple[int, int]  # (width, height)
    notes: list[str] = field(default_factory=list)
    chroma: float = 0.0  # mean (max-min of R,G,B)/255 of a colour original; 0 for grayscale
    dicom_tags: dict[str, str] = field(default_factory=dict)  # patient data: hidden by default
    facts: dict = field(default_factory=dict)  # what a DICOM states: age, view, modality


def sniff(data: bytes) -> str | None:
    """The format from magic bytes, or None."""
    if data[:8] == b"\x89PNG\r\n\x1a\n":
        return "png"
    if data[:3] == b"\xff\xd8\xff":
        return "jpeg"
    if len(data) >= 132 and data[128:132] == b"DICM":
        return "dicom"
    return None


def _describe(data: bytes) -> str:
    head = data[:8]
    for magic, what in ((b"%PDF", "a PDF"), (b"PK\x03\x04", "a ZIP/Office file"),
                        (b"GIF8", "a GIF"), (b"BM", "a BMP"), (b"II*\x00", "a TIFF"),
                        (b"MM\x00*", "a TIFF"), (b"RIFF", "a WebP/RIFF file")):
        if head.startswith(magic):
            return what
    try:
        data[:512].decode("utf-8")
        return "text"
    except UnicodeDecodeError:
        return "unrecognised binary data"


def _check_pixels(width: int, height: int, frames: int = 1) -> None:
    total = int(width) * int(height) * max(int(frames), 1)
    if total > settings.MAX_IMAGE_PIXELS:
        raise FileTooLargeError(
            f"Image header says {width}x{height} pixels ({total / 1e6:.0f} megapixels), over the "
            f"{settings.MAX_IMAGE_PIXELS / 1e6:.0f}-megapixel limit (MAX_IMAGE_PIXELS); it was "
            "not decoded (possible decompression bomb).",
            "Downscale the image (the model only needs 224x224) and upload it again.",
        )
    if min(width, height) < MIN_SIDE:
        raise UnsupportedFormatError(
            f"Image is only {width}x{height} pixels, too small to be an X-ray.",
            f"Upload the full image (at least {MIN_SIDE}x{MIN_SIDE} pixels).",
        )


def _chroma(im) -> float:
    """Mean colourfulness of an RGB image (0 = gray), on a thumbnail for speed."""
    small = im.convert("RGB")
    small.thumbnail((128, 128))
    rgb = np.asarray(small, dtype=np.float32)
    return float((rgb.max(axis=2) - rgb.min(axis=2)).mean() / 255.0)


def _decode_pil(data: bytes, kind: str, notes: list[str]) -> tuple[np.ndarray, tuple, str, float]:
    from PIL import Image, ImageOps

    with warnings.catch_warnings():
        warnings.simplefilter("error", Image.DecompressionBombWarning)
        if kind == "png" and len(data) >= 24 and data[12:16] == b"IHDR":
            _check_pixels(*struct.unpack(">II", data[16:24]))  # before PIL sees the file
        try:
            im = Image.open(io.BytesIO(data))  # lazy: reads the header only
        except (Image.DecompressionBombError, Image.DecompressionBombWarning):
            raise FileTooLargeError(
                "The image header declares more pixels than the decoder's safety limit; it was "
                "not decoded (possible decompression bomb).",
                "Downscale the image (the model only needs 224x224) and upload it again.",
            ) from None
        _check_pixels(*im.size)
        size, mode = im.size, im.mode
        im.load()
    if kind == "jpeg":
        im = ImageOps.exif_transpose(im)
    if mode in ("I;16", "I;16B", "I;16L", "I", "F"):
        notes.append(f"{mode} (high bit depth) image stretched to 8 bits by min-max.")
        return to_uint8(np.asarray(im)), size, mode, 0.0
    if mode == "P":
        im = im.convert("RGBA" if "transparency" in im.info else "RGB")
        notes.append("Palette image converted to grayscale.")
    if im.mode in ("RGBA", "LA", "PA", "La", "RGBa"):
        notes.append("Transparency removed (flattened onto black).")
        rgba = im.convert("RGBA")
        flat = Image.new("RGBA", rgba.size, (0, 0, 0, 255))
        im = Image.alpha_composite(flat, rgba)
    chroma = 0.0
    if im.mode == "1":
        im = im.convert("L")
    elif im.mode != "L":
        if mode != "P":
            notes.append(f"{im.mode} image converted to grayscale (ITU-R 601 luma).")
        chroma = _chroma(im)
        im = im.convert("RGB").convert("L")
    return np.asarray(im, dtype=np.uint8), size, mode, chroma


def load_upload(filename: str, data: bytes) -> XrayImage:
    """Validate and decode one uploaded file; raises only ``InputError`` subclasses.

    ``filename`` is only displayed, never opened: the format comes from the bytes.
    """
    if not data:
        raise EmptyInputError("The file is empty (0 bytes).", "Upload the image file again.")
    check_limit("The file", len(data),
                "Export a smaller image (the model only needs 224x224 pixels).")
    kind = sniff(data)
    if kind is None:
        raise UnsupportedFormatError(
            f"The content is {_describe(data)}, not a {ACCEPTED} image, whatever its extension.",
            f"Upload the X-ray as {ACCEPTED}.",
        )
    notes: list[str] = []
    tags: dict[str, str] = {}
    facts: dict = {}
    chroma = 0.0
    try:
        if kind == "dicom":
            pixels, size, facts, tags = decode_dicom(data, notes, _check_pixels)
        else:
            pixels, size, _, chroma = _decode_pil(data, kind, notes)
    except InputError:
        raise
    except Exception as err:  # any decoder failure is a damaged file, never a crash
        log.info("decode failed: %s", type(err).__name__)
        raise CorruptFileError(
            f"The {kind.upper()} file could not be decoded ({type(err).__name__}); "
            "it is truncated or damaged.",
            "Re-export or re-download the image and upload it again.",
        ) from None
    return XrayImage(filename, pixels, kind, tuple(size), notes, chroma, tags, facts)

"""Imaging uploader corpus, generated in code: PNG/JPEG/DICOM edge cases."""

from __future__ import annotations

import io
import struct
import zlib

import numpy as np

from tests.bad_inputs import Case


def chest_like(size: int = 96, seed: int = 0) -> np.ndarray:
    """A smooth X-ray-ish uint8 image (two dark lung fields on a brighter body)."""
    rng = np.random.default_rng(seed)
    yy, xx = np.mgrid[0:size, 0:size] / size
    body = 150 + 60 * np.exp(-((xx - 0.5) ** 2) / 0.08)
    lungs = 90 * (np.exp(-((xx - 0.3) ** 2 + (yy - 0.5) ** 2) / 0.03)
                  + np.exp(-((xx - 0.7) ** 2 + (yy - 0.5) ** 2) / 0.03))
    return np.clip(body - lungs + rng.normal(0, 4, (size, size)), 0, 255).astype(np.uint8)


def encode(pixels: np.ndarray, fmt: str = "PNG", mode: str | None = None, **kw) -> bytes:
    from PIL import Image

    im = Image.fromarray(pixels)
    if mode:
        im = im.convert(mode)
    buf = io.BytesIO()
    im.save(buf, format=fmt, **kw)
    return buf.getvalue()


def png16(pixels: np.ndarray) -> bytes:
    from PIL import Image

    im = Image.fromarray((pixels.astype(np.uint16) * 16 + 5).astype(np.uint16))  # 12-bit range
    buf = io.BytesIO()
    im.save(buf, format="PNG")
    return buf.getvalue()


def png_bomb(width: int = 30000, height: int = 30000) -> bytes:
    """A PNG whose header claims width x height (the body is a few valid rows)."""
    def chunk(tag: bytes, body: bytes) -> bytes:
        return (struct.pack(">I", len(body)) + tag + body
                + struct.pack(">I", zlib.crc32(tag + body) & 0xFFFFFFFF))

    ihdr = struct.pack(">IIBBBBB", width, height, 8, 0, 0, 0, 0)
    idat = zlib.compress(b"\x00" * (width + 1) * 4)
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IDAT", idat) + chunk(b"IEND", b"")


def dicom(pixels: np.ndarray | None, photometric: str = "MONOCHROME2", bits: int = 16,
          window: tuple[float, float] | None = None, patient: str = "DOE^JANE") -> bytes:
    """A minimal Explicit VR Little Endian DICOM file (no pixels when ``pixels`` is None)."""
    from pydicom.dataset import Dataset, FileMetaDataset
    from pydicom.uid import ExplicitVRLittleEndian, SecondaryCaptureImageStorage, generate_uid

    meta = FileMetaDataset()
    meta.MediaStorageSOPClassUID = SecondaryCaptureImageStorage
    meta.MediaStorageSOPInstanceUID = generate_uid(entropy_srcs=["medcore-test"])
    meta.TransferSyntaxUID = ExplicitVRLittleEndian
    ds = Dataset()
    ds.file_meta = meta
    ds.SOPClassUID = meta.MediaStorageSOPClassUID
    ds.SOPInstanceUID = meta.MediaStorageSOPInstanceUID
    ds.PatientName, ds.PatientID, ds.Modality = patient, "MC-0001", "CR"
    if pixels is not None:
        arr = pixels.astype(np.uint16 if bits == 16 else np.uint8)
        ds.Rows, ds.Columns = arr.shape
        ds.SamplesPerPixel, ds.PhotometricInterpretation = 1, photometric
        ds.BitsAllocated, ds.BitsStored, ds.HighBit = bits, bits, bits - 1
        ds.PixelRepresentation = 0
        if window:
            ds.WindowCenter, ds.WindowWidth = window
        ds.PixelData = arr.tobytes()
    buf = io.BytesIO()
    ds.save_as(buf, enforce_file_format=True)
    return buf.getvalue()


def cases() -> list[Case]:
    img = chest_like()
    png, jpg = encode(img), encode(np.tile(chest_like(256)[..., None], 3), "JPEG", quality=90)
    rgba = np.dstack([np.tile(img[..., None], 3), np.full_like(img, 200)])
    return [
        Case("empty", "xray.png", b"", "EmptyInputError"),
        Case("pdf behind .png", "xray.png", b"%PDF-1.7\n1 0 obj\n<<>>\nendobj\n%%EOF",
             "UnsupportedFormatError"),
        Case("text behind .jpg", "xray.jpg", b"patient,age\nA,3\n", "UnsupportedFormatError"),
        Case("gif behind .png", "xray.png", encode(img, "GIF"), "UnsupportedFormatError"),
        Case("truncated png", "xray.png", png[: len(png) // 2], "CorruptFileError"),
        Case("truncated jpeg", "xray.jpg", jpg[: len(jpg) // 2], "CorruptFileError"),
        Case("png header only", "xray.png", png[:40], "CorruptFileError"),
        Case("decompression bomb 30000x30000", "bomb.png", png_bomb(), "FileTooLargeError"),
        Case("tiny 4x4", "tiny.png", encode(img[:4, :4]), "UnsupportedFormatError"),
        Case("plain 8-bit png", "xray.png", png, "ok"),
        Case("jpeg", "xray.jpg", jpg, "ok"),
        Case("cmyk jpeg", "cmyk.jpg", encode(np.tile(img[..., None], 3), "JPEG", mode="CMYK"),
             "ok"),
        Case("palette png", "palette.png", encode(img, mode="P"), "ok"),
        Case("palette png with transparency", "ptrans.png",
             encode(img, mode="P", transparency=0), "ok"),
        Case("rgba png", "rgba.png", encode(rgba), "ok"),
        Case("gray+alpha png", "la.png", encode(np.tile(img[..., None], 3), mode="LA"), "ok"),
        Case("1-bit png", "bw.png", encode(img, mode="1"), "ok"),
        Case("16-bit png", "xray16.png", png16(img), "ok", "12-bit values in a 16-bit PNG"),
        Case("dicom monochrome2 16-bit", "xray.dcm", dicom(img.astype(np.uint16) * 16), "ok"),
        Case("dicom monochrome1", "mono1.dcm", dicom(255 - img, "MONOCHROME1", bits=8), "ok",
             "must be inverted"),
        Case("dicom with VOI window", "window.dcm",
             dicom(img.astype(np.uint16) * 16, window=(2000.0, 3000.0)), "ok"),
        Case("dicom without pixel data", "report.dcm", dicom(None), "UnsupportedFormatError"),
        Case("truncated dicom", "cut.dcm", dicom(img.astype(np.uint16))[:600],
             "CorruptFileError"),
    ]

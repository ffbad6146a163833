"""One guard for every uploader: emptiness, size, binary content, text decoding, and the
one per-file loop (:func:`each`) that answers a batch of files with failures as values.

Why one module: the workbenches read different formats, but a wrong file (an image, a PDF, a
spreadsheet) must be refused with the same words on every page, and text that is not UTF-8
must be read the same way everywhere (as Windows-1252, and said so in a note), never silently.
Images have their own decoder (``medcore.imaging.io``) and share only :func:`check_size`.
"""

from __future__ import annotations

import glob
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TypeVar

from medcore import settings
from medcore.errors import (
    CorruptFileError,
    EmptyInputError,
    FileTooLargeError,
    InputError,
    UnsupportedFormatError,
)

MAGIC = {b"\x89PNG": "a PNG image", b"\xff\xd8\xff": "a JPEG image", b"GIF8": "a GIF image",
         b"%PDF": "a PDF document", b"PK\x03\x04": "a ZIP archive (an .xlsx or .docx is one)",
         b"\x1f\x8b": "gzip-compressed data"}
BOM = b"\xef\xbb\xbf"
NOT_UTF8 = ("The file is not UTF-8; it was read as Windows-1252 (Latin-1). Save it as UTF-8 to "
            "be sure names are read correctly.")


def check_limit(name: str, size: int, fix: str = "Split it into smaller files.") -> None:
    """The one upload-size guard (page uploads, command-line files, reports): a file over
    ``MAX_UPLOAD_BYTES`` is refused before it is decoded, with the limit named."""
    if size > settings.MAX_UPLOAD_BYTES:
        raise FileTooLargeError(
            f"{name} is {size / 1e6:.1f} MB, over the "
            f"{settings.MAX_UPLOAD_BYTES / 1e6:.0f} MB limit (MAX_UPLOAD_BYTES).", fix)


def check_size(name: str, data: bytes, expected: str) -> None:
    """Refuse an empty or over-limit file (``expected`` says what to upload instead)."""
    if not data or not data.strip():
        raise EmptyInputError(f"{name} is empty.", f"Upload {expected}.")
    check_limit(name, len(data))


def binary_kind(data: bytes) -> str | None:
    """What a binary file looks like ('a PNG image', ...), or None for text."""
    for magic, what in MAGIC.items():
        if data.startswith(magic):
            return what
    if data[128:132] == b"DICM":
        return "a DICOM image"
    if b"\x00" in data[:65536]:
        return "binary data"
    sample = data[:4096]
    if sum(b < 9 or 13 < b < 32 for b in sample) > len(sample) // 20:
        return "binary data"
    return None


def read_text(name: str, data: bytes, expected: str, notes: list[str]) -> str:
    """The text of an upload; notes say what was assumed (a byte-order mark, Windows-1252)."""
    check_size(name, data, expected)
    kind = binary_kind(data)
    if kind:
        raise UnsupportedFormatError(f"{name} is {kind}, not text.", f"Upload {expected}.")
    if data.startswith(BOM):
        notes.append("A UTF-8 byte-order mark was removed.")
        data = data[len(BOM):]
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        notes.append(NOT_UTF8)
        return data.decode("cp1252", errors="replace")


def read_path(path: Path | str) -> bytes:
    """The bytes of a file named on the command line, refused before reading when it is over
    the upload limit; a file that cannot be read is an ``InputError`` with the reason."""
    path = Path(path)
    try:
        check_limit(path.name, path.stat().st_size)
        return path.read_bytes()
    except OSError as err:
        raise CorruptFileError(f"Could not read {path.name} ({err.strerror or err}).",
                               "Check the path and that the file is readable.") from None


@dataclass(frozen=True)
class Failed:
    """A file that gave no answer: its name and the message a page shows for it."""

    name: str
    error: str

    def to_row(self) -> dict:
        return {"file": self.name, "error": self.error}


T = TypeVar("T")
File = Path | str | tuple[str, bytes]  # a file named on disk, or an upload held in memory


def each(files: Iterable[File], answer: Callable[[str, bytes], T]) -> list[T | Failed]:
    """``answer(name, data)`` for each file, in order: the one per-file loop. A path is read
    with the size guard (:func:`read_path`); an upload's ``(name, bytes)`` passed the same
    guard when it was uploaded. A file that fails with an ``InputError`` (unreadable, too large,
    not parsable) becomes a :class:`Failed` value and never stops the others."""
    out: list[T | Failed] = []
    for f in files:
        name = f[0] if isinstance(f, tuple) else Path(f).name
        try:
            out.append(answer(name, f[1] if isinstance(f, tuple) else read_path(f)))
        except InputError as err:
            out.append(Failed(name, str(err)))
    return out


def flat(answers: Iterable[T | list[T]]) -> list[T]:
    """Per-file answers in one list, a file that holds several records giving several."""
    return [x for a in answers for x in (a if isinstance(a, list) else [a])]


def partition(answers: Iterable[T | Failed]) -> tuple[list[T], list[Failed]]:
    """The answers, and the files that gave none."""
    answers = list(answers)
    return ([a for a in answers if not isinstance(a, Failed)],
            [a for a in answers if isinstance(a, Failed)])


def per_file(paths: Iterable[Path | str], answer: Callable[[str, bytes], dict | list[dict]]
             ) -> list[dict]:
    """JSON-able rows: ``answer(name, data)`` for each file, a failed file as
    ``{"file", "error"}`` (what every ``predict_paths`` returns)."""
    return [a.to_row() if isinstance(a, Failed) else a for a in flat(each(paths, answer))]


def expand_inputs(specs: str | Path | Iterable[str | Path]) -> list[Path]:
    """The files named on a command line: each spec a file, a folder (searched recursively, so
    class subfolders are included; hidden files skipped) or a glob pattern; several specs are
    read in turn and a file named twice is scored once. A name that matches nothing is kept, so
    that it is answered per file like any unreadable one; nothing found at all is an
    ``InputError`` that says what was searched."""
    specs = [specs] if isinstance(specs, (str, Path)) else list(specs)
    found: dict[Path, None] = {}
    for spec in specs:
        path = Path(spec)
        if path.is_dir():
            hits = sorted(p for p in path.rglob("*") if p.is_file()
                          and not any(part.startswith(".") for part in p.relative_to(path).parts))
        elif path.is_file():
            hits = [path]
        else:  # a glob; a name that matches nothing stays, to be answered "could not read"
            hits = sorted(Path(p) for p in glob.glob(str(spec), recursive=True)
                          if Path(p).is_file()) or [path]
        found.update(dict.fromkeys(hits))
    if not any(p.exists() for p in found):
        raise InputError(f"No files found in {', '.join(map(str, specs))}.",
                         "Name files, folders (searched with their subfolders) or a glob "
                         "pattern such as 'films/*.png'.")
    return list(found)

"""The bad-input corpus: generated in code (never hand-placed binaries), one module per uploader.

Each ``tests/bad_inputs/<workbench>.py`` defines ``cases() -> list[Case]``. ``expect`` is "ok" for
valid-but-unusual inputs (which must give a correct result) or the name of the
``medcore.errors`` class the library must raise.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Case:
    name: str
    filename: str
    data: bytes
    expect: str  # "ok" or an InputError subclass name from medcore.errors
    note: str = ""

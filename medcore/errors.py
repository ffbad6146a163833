"""Typed errors: each says what is wrong and how to fix it.

Pages show ``str(err)`` next to the file that caused it; the CLI prints it and exits 2.
"""

from __future__ import annotations


class MedcoreError(Exception):
    """Base of every error medcore raises on purpose."""

    def __init__(self, problem: str, fix: str = "") -> None:
        self.problem = problem
        self.fix = fix
        super().__init__(f"{problem} {fix}".strip())


class InputError(MedcoreError):
    """The user's input cannot be used; the message says why and what to do."""


class EmptyInputError(InputError):
    """The file or text is empty."""


class FileTooLargeError(InputError):
    """The input is over a limit from ``medcore.settings``."""


class UnsupportedFormatError(InputError):
    """The bytes are not the format the uploader accepts (e.g. a PDF named .png)."""


class CorruptFileError(InputError):
    """The format is right but the content is truncated or damaged."""


class SchemaError(InputError):
    """A table lacks required columns or has unusable values."""


class InvalidMoleculeError(InputError):
    """A SMILES string or SDF record does not describe a usable molecule."""


class InvalidSequenceError(InputError):
    """A sequence holds letters that are not nucleotides, or none at all."""


class InvalidVariantError(InputError):
    """A variant that cannot be applied to the sequence it was given for."""


class ModelError(MedcoreError):
    """A model cannot be loaded or used."""


class ModelNotTrainedError(ModelError):
    """No trained model with this id is in the models folder."""


class ModelIntegrityError(ModelError):
    """The model file's sha256 differs from its card: it was changed or corrupted."""


class DataUnavailableError(MedcoreError):
    """A dataset is neither in the data folder nor in the cache, and cannot be downloaded."""

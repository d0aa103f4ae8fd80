"""Errors a user can act on.

Every exception raised because of user input (a file, a flag, a setting, a
checkpoint) is a :class:`StudioError`. Its message is shown to the person as is,
by the CLI on stderr and by the window in a dialog: it says what went wrong and
what to do about it. Anything else reaching the top is a bug.

The base and :class:`ConfigError` are defined in :mod:`models.errors` (the
models raise them and import nothing from here); import them from this module.
"""

from models.errors import ConfigError, StudioError

__all__ = ["StudioError", "CorpusError", "EncodingProblem", "TokenizerError", "ConfigError",
           "CheckpointError", "TrainingError", "Cancelled"]


class CorpusError(StudioError):
    """A corpus file or folder cannot be read or used."""


class EncodingProblem(CorpusError):
    """A file is not in a detected encoding; ``fallback`` names a choice to offer."""

    def __init__(self, message: str, *, path: str, line: int, byte_offset: int,
                 suggested_fallback: str = "cp1252"):
        super().__init__(message)
        self.path = path
        self.line = line
        self.byte_offset = byte_offset
        self.suggested_fallback = suggested_fallback


class TokenizerError(StudioError):
    """A tokenizer cannot be trained, loaded or used."""


class CheckpointError(StudioError):
    """A run or checkpoint is missing, damaged, incompatible or unsafe."""


class TrainingError(StudioError):
    """Training cannot go on (for example the loss stayed non-finite)."""


class Cancelled(StudioError):
    """The user stopped a long operation: a translation, or preparing the data (nlp.cancel)."""

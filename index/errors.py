"""Errors raised while turning files into an index.

    IngestError
    ├── InvalidDocument   the file cannot be read as a text document
    └── StoreUnavailable  Chroma cannot be opened or reached

The service maps these into its own HTTP errors (`service/errors.py`).
"""


class IngestError(Exception):
    """Base of every error the index package raises; `str()` is a message for the user."""


class InvalidDocument(IngestError):
    """The document is empty, binary, not UTF-8, or of an unsupported type."""


class StoreUnavailable(IngestError):
    """Chroma could not be opened or reached."""

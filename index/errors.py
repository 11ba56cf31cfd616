"""Every error citeqa raises, in one tree. It sits at the bottom of the package so that
every layer (index, engine, HTTP, CLI, eval) raises the same classes; the HTTP layer maps
them to responses in one place (`service/http/errors.py`).

    CiteqaError                 500 internal_error          (its cause is never shown)
    ├── InvalidRequest          422 invalid_request         a body or parameter is wrong
    ├── InvalidDocument         422 invalid_document        a document cannot be indexed
    ├── UnsupportedMediaType    415 unsupported_media_type  not UTF-8 text, or a file type
    │                                                       citeqa does not read
    ├── DocumentTooLarge        413 document_too_large
    ├── DocumentNotFound        404 document_not_found
    ├── MissingKey              401 missing_api_key
    ├── WrongKey                403 forbidden               a wrong key, or writing disabled
    ├── IndexBusy               409 index_busy              another process writes the index
    ├── IndexNotReady           503 index_not_ready         nothing is indexed yet
    ├── StoreUnavailable        503 store_unavailable       Chroma cannot be opened or reached
    ├── ModelFailed             502 model_failed            the LLM gave no answer; callers
    │                                                       answer extractively instead
    └── EvaluationError         (command line only)         an evaluation cannot run
        ├── DatasetError                                    a question set is malformed
        └── TargetError                                     the evaluated service failed

Every error's `message` is for people and names the fix; `code` is stable, for programs.
"""

from __future__ import annotations


class CiteqaError(Exception):
    """Base of every citeqa error; `message` is safe to show to a client."""

    status_code = 500
    code = "internal_error"

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidRequest(CiteqaError):
    """The request body or a parameter is wrong."""

    status_code = 422
    code = "invalid_request"


class InvalidDocument(CiteqaError):
    """The document is empty, binary, not UTF-8, or of an unsupported type."""

    status_code = 422
    code = "invalid_document"


class UnsupportedMediaType(CiteqaError):
    """An upload that is not UTF-8 text, or of a file type citeqa does not read."""

    status_code = 415
    code = "unsupported_media_type"


class DocumentTooLarge(CiteqaError):
    """A document over `CITEQA_MAX_DOCUMENT_BYTES`."""

    status_code = 413
    code = "document_too_large"


class DocumentNotFound(CiteqaError):
    """No document has the id asked for."""

    status_code = 404
    code = "document_not_found"


class CollectionNotFound(CiteqaError):
    """No collection has the name asked for."""

    status_code = 404
    code = "collection_not_found"


class MissingKey(CiteqaError):
    """An endpoint that needs an API key got none."""

    status_code = 401
    code = "missing_api_key"


class WrongKey(CiteqaError):
    """The key is wrong, was sent in the URL, or writing over HTTP is disabled."""

    status_code = 403
    code = "forbidden"


class IndexBusy(CiteqaError):
    """Another process holds the embedded index for writing."""

    status_code = 409
    code = "index_busy"


class IndexNotReady(CiteqaError):
    """Nothing is indexed yet."""

    status_code = 503
    code = "index_not_ready"


class StoreUnavailable(CiteqaError):
    """Chroma could not be opened or reached."""

    status_code = 503
    code = "store_unavailable"


class DeviceUnavailable(CiteqaError):
    """The embedding model was asked to run on a device this machine does not have."""

    status_code = 503
    code = "device_unavailable"


class ModelFailed(CiteqaError):
    """The language model gave no usable answer; the message says why, for warnings."""

    status_code = 502
    code = "model_failed"


class EvaluationError(CiteqaError):
    """An evaluation could not run; the message says why and what to do."""


class DatasetError(EvaluationError):
    """A question set file is malformed; the message names the file, line and field."""


class TargetError(EvaluationError):
    """The evaluated target cannot be reached or refused a question."""

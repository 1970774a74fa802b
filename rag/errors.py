"""One exception tree: every error the product reports to a person derives from `RagError`.

Its message is one line that names the file, field, setting or server at fault and, where
there is one, what to do. The CLI prints it as `error: …` and exits 2; the page shows it in
place. Anything else that escapes is a bug and keeps its traceback.

    RagError
    ├── LoadError          a file or record that cannot be read as articles (rag.loaders)
    ├── StoreError         the index cannot be used as configured (rag.store)
    │   ├── ModelMismatch      built with another embedding model
    │   └── StoreUnavailable   the ChromaDB server cannot be reached
    ├── EmbeddingError     an embedding backend misconfigured (rag.embeddings)
    ├── BackendError       a language-model backend misconfigured or unreachable (rag.llms)
    ├── FilterError        a restriction that cannot be read, e.g. a date that is not ISO (rag.filters)
    ├── QuestionError      a question that cannot be asked: empty, or longer than a question (rag.question)
    ├── SuiteError         an eval suite that cannot be read (rag.eval.suite)
    ├── ExposedWithoutLogin  serving beyond loopback without a login or an API key (ui.server)
    ├── KeyRingError       an API key that cannot be created or revoked as asked (rag.keys)
    └── RequestRefused     an HTTP API request refused, with the status it answers with (rag.api)
        ├── Unauthorized       401: no key, or one that is wrong or revoked
        ├── NotFound           404: no such article, eval run or model
        ├── TooLarge           413: a request or uploaded file over its limit
        └── Busy               429: this key already has as many answers being written as it may
"""

from __future__ import annotations


class RagError(Exception):
    """An error with a one-line message for the person using the product."""


class EmbeddingError(RagError):
    """The embedding backend or model named in the settings cannot be used."""


class StoreError(RagError):
    """The index cannot be used as configured; the message says what to do."""


class FilterError(RagError, ValueError):
    """A filter value that cannot be read (a ValueError too, as a bad argument is)."""


class QuestionError(RagError, ValueError):
    """A question that cannot be asked: empty, or longer than the embedding model reads."""


class KeyRingError(RagError):
    """An API key that cannot be created or revoked as asked (a duplicate name, no such key)."""


class RequestRefused(RagError):
    """An HTTP API request refused; the API answers with `status` and this one-line message."""

    status = 400


class Unauthorized(RequestRefused):
    status = 401


class NotFound(RequestRefused):
    status = 404


class TooLarge(RequestRefused):
    status = 413


class Busy(RequestRefused):
    status = 429

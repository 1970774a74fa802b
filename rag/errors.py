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
    ├── SuiteError         an eval suite that cannot be read (rag.eval.suite)
    └── ExposedWithoutLogin  serving beyond loopback without a login (ui.app)
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

"""Where uploaded files go: `index/uploads/`, each under its own name, made safe.

The page and the HTTP API both keep an upload under its own (cleaned) name, so an edited
re-upload replaces the article it replaced, and both ingest from there like `rag ingest`.
"""

from __future__ import annotations

import re
from pathlib import Path

from rag.settings import Settings

MAX_FILES = 500  # per upload; a folder of more goes through `rag ingest`
_UNSAFE_NAME = re.compile(r"[^\w.\- ]+")


def upload_name(name: str) -> str:
    """A file name safe to write under the uploads folder: no separators, control
    characters or leading dots; its suffix kept so the loader knows the format."""
    cleaned = _UNSAFE_NAME.sub("_", name).strip(" .")[:200]
    return cleaned or "upload.txt"


def plain_name(name: str) -> bool:
    """Whether a client-sent file name is a name, not a path ("../x.txt", "a/b.txt", "C:\\x.txt")."""
    return bool(name) and not re.search(r"[/\\:\x00]", name) and name not in (".", "..")


def upload_path(settings: Settings, name: str) -> Path:
    """Where the upload called `name` is kept (the folder is made if need be)."""
    folder = settings.index_dir / "uploads"
    folder.mkdir(parents=True, exist_ok=True)
    return folder / upload_name(name)

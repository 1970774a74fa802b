"""Where uploaded files go: `index/uploads/`, each in a folder of its own, under its name made safe.

The page and the HTTP API keep an upload in a folder named by the hash of its bytes,
`index/uploads/<hash>/<name>`, and ingest it from there like `rag ingest`. A path is an
article's place in the index (a changed file at one path replaces its article), so two
different files that share a name, sent by two people, must not share a path: each gets its
own and both are kept, while the same file sent again lands on the path it had and is
"unchanged". Citations still name the file as it was sent (`harbour.txt`). An edited file is
a new article beside its old version; the old one is removed by its id.

The folder holds only what is indexed: a file that could not be ingested (empty, binary, bad
JSON, a type that is not read) is deleted once its failure is reported, and removing an
uploaded article deletes its file, unless another article still comes from it (another
record of the same .jsonl). Files ingested from anywhere else are never touched.
"""

from __future__ import annotations

import contextlib
import hashlib
import re
from collections.abc import Callable, Iterable
from pathlib import Path

from rag.catalog import CatalogReader
from rag.ingest import Report, ingest
from rag.loaders import JSON_SUFFIXES
from rag.settings import Settings
from rag.store import Store

MAX_FILES = 500  # per upload; a folder of more goes through `rag ingest`
_UNSAFE_NAME = re.compile(r"[^\w.\- ]+")
_RECORD = re.compile(r"(?:#|:)\d+$")  # a record's path: its file and its place, "a.json#2", "a.jsonl:7"
_HASH_CHARS = 16  # of the SHA-256 of an upload's bytes: its folder's name


def upload_name(name: str) -> str:
    """A file name safe to write under the uploads folder: no separators, control
    characters or leading dots; its suffix kept so the loader knows the format."""
    cleaned = _UNSAFE_NAME.sub("_", name).strip(" .")[:200]
    return cleaned or "upload.txt"


def plain_name(name: str) -> bool:
    """Whether a client-sent file name is a name, not a path ("../x.txt", "a/b.txt", "C:\\x.txt")."""
    return bool(name) and not re.search(r"[/\\:\x00]", name) and name not in (".", "..")


def uploads_folder(settings: Settings) -> Path:
    return settings.index_dir / "uploads"


def keep_upload(settings: Settings, name: str, data: bytes) -> Path:
    """Write `data` as `name` in the folder of its hash (unless it is there already); where it is."""
    folder = uploads_folder(settings) / hashlib.sha256(data).hexdigest()[:_HASH_CHARS]
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / upload_name(name)
    if not (target.is_file() and target.stat().st_size == len(data)):  # same hash, same size: the same bytes
        target.write_bytes(data)
    return target


def uploaded_file(settings: Settings, path: str) -> Path | None:
    """The file in the uploads folder that an article loaded from `path` came from (a record's path
    names its file and its place), resolved; None for a file anywhere else."""
    folder = uploads_folder(settings).resolve()
    file = Path(path)
    if not file.is_file():
        file = Path(_RECORD.sub("", path))  # an upload's own name never holds ':' or '#' (`upload_name`)
    file = file.resolve()
    return file if file != folder and file.is_relative_to(folder) else None


def still_used(catalog: CatalogReader, file: Path) -> bool:
    """Whether an article still comes from `file`: the file itself, or a record of a .json or .jsonl."""
    name = str(file)
    if catalog.article_of_path(name) is not None:
        return True
    if file.suffix.lower() not in JSON_SUFFIXES:
        return False  # one file, one article
    found, total = catalog.find_articles(name, None, 0, 20)
    records = any(p.startswith((name + ":", name + "#")) for row in found for p in row.paths)
    return records or total > len(found)  # more matches than looked at: keep it rather than guess


def discard_unused(store: Store, files: Iterable[Path]) -> None:
    """Delete those of `files` in the uploads folder that no article comes from, and their folder once empty."""
    folder = uploads_folder(store.settings).resolve()
    for path in files:
        file = uploaded_file(store.settings, str(path))
        if file is None or still_used(store.catalog, file):
            continue
        file.unlink(missing_ok=True)
        if file.parent != folder:
            with contextlib.suppress(OSError):  # not empty: the same bytes under another name
                file.parent.rmdir()


def ingest_uploads(store: Store, sent: list[tuple[str, bytes]], on_file: Callable[[str], None] | None = None) -> Report:
    """Keep each (name, bytes) sent (`keep_upload`) and ingest them; the files that could not be indexed are
    then deleted, so a failed upload leaves nothing behind."""
    kept = [keep_upload(store.settings, name, data) for name, data in sent]
    try:
        report = ingest(store, kept, on_file=on_file)
    except BaseException:
        with contextlib.suppress(Exception):  # the ingest's own error is the one to report
            discard_unused(store, kept)  # articles it left pending still hold their files
        raise
    discard_unused(store, kept)
    return report


def remove_article(store: Store, article_id: str) -> None:
    """Remove an article from every index, and delete the uploaded files it came from that no other article
    still comes from (never a file outside the uploads folder)."""
    files = [f for p in store.catalog.paths_of(article_id) if (f := uploaded_file(store.settings, p))]
    store.remove(article_id)
    discard_unused(store, files)

"""The index: the catalog (texts, passages, BM25) and ChromaDB vectors, kept in step.

Order of every write, so a kill at any point leaves nothing half-visible:
1. the article's text goes into the catalog as `pending` (invisible);
2. its vectors go into ChromaDB (a dense hit is shown only if the catalog has the passage);
3. one catalog transaction adds its passages and keyword rows and marks it `ready`.
Removal runs the other way round. `recover()` finishes whatever a crash interrupted.
"""

from __future__ import annotations

import contextlib
import fcntl
import importlib
import os
import sys
import time
import types
from collections import OrderedDict
from collections.abc import Callable, Iterator, Sequence
from contextlib import contextmanager
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any, TypeVar

import numpy as np

from rag.articles import Article
from rag.catalog import Catalog, CatalogReader, PassageRow, passage_key
from rag.chunking import Passage, chunk_text
from rag.embeddings import Embedder, embedding_name, make_embedding
from rag.errors import StoreError
from rag.filters import Filters, vector_metadata
from rag.settings import Settings, http_url
from rag.stories import SCHEME_NAME, band_keys

if TYPE_CHECKING:  # LlamaIndex and ChromaDB are imported where used: `rag list` needs neither
    from llama_index.core.schema import BaseNode
    from llama_index.vector_stores.chroma import ChromaVectorStore

os.environ.setdefault("ANONYMIZED_TELEMETRY", "False")

T = TypeVar("T")
SERVER_RETRIES = (0.5, 1.0, 2.0, 4.0)  # seconds between tries of a call to a ChromaDB server
VECTOR_FIELDS = "article_id,source,published_day"  # the metadata filters read; recorded in the catalog
LOCAL_RANKING_MAX = 512  # filtered dense search ranks this many allowed passages itself, from their vectors
OVERFETCH = 1000  # else it keeps the allowed ones among this many nearest (about 8 ms at 100k passages)
# How widely HNSW searches (ChromaDB's `ef_search`). Its default, 100, missed one or more of the true 20
# nearest passages for 105 of 698 eval questions on the BBC corpus (8,269 passages), and which it missed
# changed from one build of the index to the next, so one corpus gave two retrievals; 1,000 missed none
# in either of two builds, at 2.0 ms a search against 1.2 (`evals/README.md`).
SEARCH_EF = 1000
# Copies of one text (a corpus holds reposted articles) have one vector, and HNSW returns tied passages in
# an order that differs from one build of the index to the next; ties are put in the order of their keys,
# and a few more than asked are fetched so the copies tied at the cut are all among them.
TIE_SLACK = 8
SCORE_DIGITS = 5  # cosines equal to this many digits are tied (identical texts, or one text embedded twice)
TEXT_VECTORS_KEPT = 20_000  # sentence vectors kept in memory (float32: about 30 MB at 384 dimensions)


class ModelMismatch(StoreError):
    """The index was built with another embedding model."""


class StoreUnavailable(StoreError):
    """The ChromaDB server cannot be reached, or went away during the work."""


@dataclass(frozen=True)
class Hit:
    """A retrieved passage and its score under one retriever."""

    passage: PassageRow
    score: float


class Store:
    """Open (or create) the index the settings describe."""

    def __init__(self, settings: Settings, embed_model: Embedder | None = None, check_model: bool = True) -> None:
        self.settings = settings
        self._catalog = Catalog(settings.catalog_path)
        self._embed = embed_model
        if check_model:
            self._check_model()
        self._seen_generation = -1
        self._collection: Any = None
        self._write_limit = 0
        self._chroma: Any = None  # the ChromaDB client, closed with the store
        self._vectors: ChromaVectorStore | None = None
        self._lock_path = settings.index_dir / "write.lock"
        self._writing = False
        self._text_vectors: OrderedDict[str, np.ndarray] = OrderedDict()
        if check_model:
            self._add_vector_fields()
            self._add_story_groups()

    @property
    def catalog(self) -> CatalogReader:
        """The catalog, to read: articles, passages, paths. Every write goes through the store."""
        return self._catalog

    def add_pending(self, article: Article) -> None:
        """Record a loaded article as `pending` (invisible) until `index_articles` publishes it."""
        self._catalog.add_pending(article)

    def link_path(self, path: str, article_id: str, shown: str | None = None) -> None:
        """Record that the file at `path` (`shown` to readers) now holds the article `article_id`."""
        self._catalog.link_path(path, article_id, shown)

    # -- models and connections -------------------------------------------------------
    @property
    def embed_model(self) -> Embedder:
        if self._embed is None:
            self._embed = make_embedding(self.settings)
        return self._embed

    def _check_model(self) -> None:
        wanted = embedding_name(self.settings)
        built = self._catalog.get_meta("embed_model")
        if built is None:
            with self._catalog.transaction():
                self._catalog.set_meta("embed_model", wanted)
        elif built != wanted:
            dim = self._catalog.get_meta("embed_dim")
            raise ModelMismatch(
                f"the index in {self.settings.index_dir} was built with embedding model {built!r}"
                f"{f' (dimension {dim})' if dim else ''}, but the settings ask for {wanted!r}. "
                "Run `rag reindex` to rebuild every index with the new model, or change the settings back."
            )

    def _add_story_groups(self) -> None:
        """Put the articles of an index made before story groups, or grouped under other settings
        (`rag.stories.SCHEME_NAME`), in their groups: once (the BBC corpus's 2,094 articles: 1.7 s)."""
        if self._catalog.get_meta("story_scheme") == SCHEME_NAME and not self._catalog.ungrouped(1):
            return
        with self.writing():
            if self._catalog.get_meta("story_scheme") != SCHEME_NAME:
                self._catalog.ungroup_all(SCHEME_NAME)
            while batch := self._catalog.ungrouped(200):
                self._catalog.group(dict(zip((a.id for a in batch), band_keys([a.text for a in batch]), strict=True)))

    def _add_vector_fields(self) -> None:
        """Give the vectors of an index built before filters ran in ChromaDB the fields they filter on."""
        if self._catalog.get_meta("vector_fields") == VECTOR_FIELDS:
            return
        if self._catalog.count("passages") == 0:  # a new index: every vector will be written with them
            with self._catalog.transaction():
                self._catalog.set_meta("vector_fields", VECTOR_FIELDS)
            return
        with self.writing():
            if self._catalog.get_meta("vector_fields") == VECTOR_FIELDS:  # another process did it meanwhile
                return
            fields_of = {
                passage_key(row.id, i): vector_metadata(row.id, row.source, row.published)
                for row in self._catalog.articles()
                for i in range(row.n_passages)
            }
            keys = list(fields_of)
            step = self._max_batch()
            for i in range(0, len(keys), step):
                batch = keys[i : i + step]
                stored = self._call("updating passages", partial(self.collection.get, ids=batch, include=["metadatas"]))
                merged = [
                    {**(meta or {}), **fields_of[key]}
                    for key, meta in zip(stored["ids"], stored["metadatas"], strict=True)
                ]
                if merged:
                    self._call(
                        "updating passages", partial(self.collection.update, ids=stored["ids"], metadatas=merged)
                    )
            with self._catalog.transaction():
                self._catalog.set_meta("vector_fields", VECTOR_FIELDS)

    def _client(self) -> Any:
        import chromadb
        from chromadb.config import Settings as ChromaSettings

        chroma_settings = ChromaSettings(anonymized_telemetry=False)
        if self.settings.chroma_host:
            return chromadb.HttpClient(
                host=self.settings.chroma_host, port=self.settings.chroma_port, settings=chroma_settings
            )
        self.settings.chroma_dir.mkdir(parents=True, exist_ok=True)
        return chromadb.PersistentClient(path=str(self.settings.chroma_dir), settings=chroma_settings)

    @property
    def collection(self) -> Any:
        """The ChromaDB collection of passage vectors, kept fresh.

        ChromaDB's local client caches its vector index per process, so when another
        process (say `rag ingest` beside the chat server) changed the catalog, the
        client is reopened to see the new vectors. Reads and deletions go to the
        collection itself: a question needs no LlamaIndex import.
        """
        if self._writing:
            assert self._collection is not None
            return self._collection
        generation = self._catalog.generation()
        if self._collection is None or (generation != self._seen_generation and not self.settings.chroma_host):
            with self._locked(fcntl.LOCK_SH):
                self._open_vectors()
            self._seen_generation = generation
        return self._collection

    @property
    def vectors(self) -> ChromaVectorStore:
        """The same collection behind LlamaIndex's vector-store interface, which writes passages."""
        collection = self.collection
        if self._vectors is None:
            from llama_index.vector_stores.chroma import ChromaVectorStore

            self._vectors = ChromaVectorStore(chroma_collection=collection)
        return self._vectors

    def _open_vectors(self) -> None:
        if self._chroma is not None:
            self._chroma.close()
        if self._collection is not None and not self.settings.chroma_host:
            from chromadb.api.shared_system_client import SharedSystemClient

            SharedSystemClient.clear_system_cache()
        self._vectors = None
        try:
            with _marking_overrides(), _trace_exporter_when_asked():
                self._chroma = client = self._client()
                self._collection = collection = client.get_or_create_collection(
                    self.settings.collection,
                    embedding_function=None,
                    metadata={"hnsw:space": "cosine", "embed_model": embedding_name(self.settings)},
                )
            # Set on every open, so an index made before SEARCH_EF searches as widely as a new one.
            if (collection.configuration.get("hnsw") or {}).get("ef_search") != SEARCH_EF:
                collection.modify(configuration={"hnsw": {"ef_search": SEARCH_EF}})
            self._write_limit = int(client.get_max_batch_size())
        except Exception as exc:  # chromadb raises ValueError, httpx or its own errors here
            if not self.settings.chroma_host:
                raise
            raise StoreUnavailable(
                f"cannot reach the ChromaDB server at {self._server_url} (chroma_host, chroma_port): {exc}"
            ) from None

    @property
    def _server_url(self) -> str:
        return http_url(self.settings.chroma_host or "", self.settings.chroma_port)

    def _call(self, doing: str, call: Callable[[], T]) -> T:
        """Run one ChromaDB call; against a server, retry transient network errors with
        backoff (`SERVER_RETRIES`), then give up with one `StoreUnavailable` naming it."""
        import httpx

        for wait in (*SERVER_RETRIES, None):
            try:
                return call()
            except (httpx.TransportError, ConnectionError) as exc:
                if not self.settings.chroma_host:
                    raise
                if wait is None:
                    raise StoreUnavailable(
                        f"lost the ChromaDB server at {self._server_url} while {doing} "
                        f"(tried {len(SERVER_RETRIES) + 1} times): {type(exc).__name__}"
                    ) from None
                time.sleep(wait)
        raise AssertionError("unreachable")

    @contextmanager
    def _locked(self, mode: int) -> Iterator[None]:
        """Serialize writers across processes; readers take it shared to reopen safely."""
        self._lock_path.parent.mkdir(parents=True, exist_ok=True)
        with open(self._lock_path, "a+") as fh:
            fcntl.flock(fh, mode)
            try:
                yield
            finally:
                fcntl.flock(fh, fcntl.LOCK_UN)

    @contextmanager
    def writing(self) -> Iterator[None]:
        """Hold the write lock, on a vector store that has seen every earlier write."""
        with self._locked(fcntl.LOCK_EX):
            if self._collection is None or self._catalog.generation() != self._seen_generation:
                self._open_vectors()
            self._writing = True
            try:
                yield
            finally:
                self._writing = False
                self._seen_generation = self._catalog.generation()

    # -- writes -----------------------------------------------------------------------
    def embed_passages(self, texts: Sequence[str]) -> list[list[float]]:
        """Embed passages longest first, so each batch holds similar lengths (less padding)."""
        order = sorted(range(len(texts)), key=lambda i: -len(texts[i]))
        vectors = self.embed_model.get_text_embedding_batch([texts[i] for i in order])
        out: list[list[float]] = [[] for _ in texts]
        for i, vec in zip(order, vectors, strict=True):
            out[i] = vec
        return out

    def index_articles(self, articles: Sequence[Article]) -> dict[str, list[Passage]]:
        """Chunk, embed and publish articles already recorded as pending."""
        from llama_index.core.schema import NodeRelationship, RelatedNodeInfo, TextNode

        chunked = {a.id: chunk_text(a.text, self.settings.chunk_tokens, self.settings.chunk_overlap) for a in articles}
        nodes: list[BaseNode] = []
        texts: list[str] = []
        for a in articles:
            fields = vector_metadata(a.id, a.source, a.published)
            for p in chunked[a.id]:
                node = TextNode(
                    id_=passage_key(a.id, p.index),
                    text=p.text,
                    metadata={**fields, "idx": p.index, "start": p.start, "end": p.end},
                )
                # The article as the node's source document, as LlamaIndex's own delete(ref_doc_id) expects.
                node.relationships[NodeRelationship.SOURCE] = RelatedNodeInfo(node_id=a.id)
                nodes.append(node)
                texts.append(p.text)
        for made, vec in zip(nodes, self.embed_passages(texts), strict=True):
            made.embedding = vec
        with self.writing():
            self._record_dimension(nodes)
            for a in articles:
                # A crash may have left some of this article's vectors behind.
                self._call("writing passages", partial(self._delete_vectors, a.id))
            # ChromaDB refuses larger writes; the catalog publishes the article only after the
            # last one, so until then none of its passages is visible to a query.
            step = self._max_batch()
            for i in range(0, len(nodes), step):
                # Retrying is safe: ChromaDB skips ids it already holds.
                self._call("writing passages", partial(self.vectors.add, nodes[i : i + step]))
            bands = dict(zip((a.id for a in articles), band_keys([a.text for a in articles]), strict=True))
            self._catalog.publish(((a.id, chunked[a.id]) for a in articles), bands)
        return chunked

    def _max_batch(self) -> int:
        """The most records ChromaDB takes in one write."""
        self.collection  # noqa: B018 (opens the collection, which reads the limit)
        return self._write_limit

    def _record_dimension(self, nodes: Sequence[BaseNode]) -> None:
        if not nodes or nodes[0].embedding is None:
            return
        dim = str(len(nodes[0].embedding))
        known = self._catalog.get_meta("embed_dim")
        if known is None:
            with self._catalog.transaction():
                self._catalog.set_meta("embed_dim", dim)
        elif known != dim:
            raise ModelMismatch(
                f"embedding model {embedding_name(self.settings)!r} returns {dim} dimensions, "
                f"but the index holds {known}; run `rag reindex`"
            )

    def remove(self, article_id: str) -> None:
        """Remove an article and every passage of it from both indexes."""
        with self.writing():
            self._catalog.begin_delete(article_id)
            self._call("removing an article", lambda: self._delete_vectors(article_id))
            self._catalog.finish_delete(article_id)

    def _delete_vectors(self, article_id: str) -> None:
        self.collection.delete(where={"article_id": article_id})

    def recover(self, progress: Callable[[int], None] | None = None) -> int:
        """Finish work a crash interrupted: removals, then pending articles. Returns the count."""
        deleting = self._catalog.ids_in_state("deleting")
        for article_id in deleting:
            self.remove(article_id)
        pending = self._catalog.ids_in_state("pending")
        for i in range(0, len(pending), 32):
            batch = [self._catalog.stored(a) for a in pending[i : i + 32]]
            self.index_articles(batch)
            if progress:
                progress(len(batch))
        return len(deleting) + len(pending)

    def reindex(self, progress: Callable[[int], None] | None = None) -> int:
        """Rebuild both indexes from the stored articles, with the current settings' model and chunking."""
        with self._locked(fcntl.LOCK_EX):
            # An absent collection raises, with a type that varies across chromadb versions.
            with self._client() as client, contextlib.suppress(Exception):
                client.delete_collection(self.settings.collection)
            self._collection = self._vectors = None
            self._catalog.mark_all_pending(embedding_name(self.settings))
            with self._catalog.transaction():
                self._catalog.set_meta("vector_fields", VECTOR_FIELDS)
            self._open_vectors()
            self._seen_generation = self._catalog.generation()
        return self.recover(progress)

    # -- reads ------------------------------------------------------------------------
    def dense_search(self, query: str, k: int, filters: Filters | None = None) -> list[Hit]:
        """Passages nearest the query's embedding, visible ones only, best first.

        With `filters`, the catalog (SQL) says which passages are allowed, and the cheapest
        exact way is taken: a few allowed passages (up to LOCAL_RANKING_MAX: an article
        filter, a narrow date) are ranked from their stored vectors, fetched by id; else
        the nearest OVERFETCH passages are fetched unfiltered and the allowed ones kept,
        when at least `k` are; else ChromaDB searches with the filter as its `where`.
        ChromaDB's own filtered search costs 40-150 ms at 100k passages where unfiltered
        search costs 5 ms (`evals/bench_scale.py`), so it is the last resort.
        """
        # A fresh ONNX model builds its graph in the background while ChromaDB is imported and opened on this
        # thread: a fresh `rag ask` waits for the longer of the two, not both.
        embedder = self.embed_model
        if self._collection is None:
            _ = self.collection
        embedding = embedder.get_query_embedding(query)
        if not filters:
            return self._hits(self._nearest(embedding, k))
        few = self._catalog.passage_keys(filters, limit=LOCAL_RANKING_MAX + 1)
        if len(few) <= LOCAL_RANKING_MAX:
            return self._hits(self._rank(embedding, few)[:k])
        near = self._nearest(embedding, OVERFETCH)
        allowed = self._catalog.allowed_keys([key for key, _ in near], filters)
        kept = [(key, score) for key, score in near if key in allowed]
        if len(kept) >= k or len(near) < OVERFETCH:
            return self._hits(kept[:k])
        return self._hits(self._nearest(embedding, k, filters.where()))

    def _nearest(self, embedding: list[float], n: int, where: dict[str, Any] | None = None) -> list[tuple[str, float]]:
        """ChromaDB's `n` nearest passages: (key, cosine similarity), best first."""
        result = self._call(
            "searching",
            lambda: self.collection.query(
                query_embeddings=[embedding], n_results=n + TIE_SLACK, where=where, include=["distances"]
            ),
        )
        # The collection's space is cosine: distance = 1 - cosine similarity.
        scored = [(key, 1.0 - float(d)) for key, d in zip(result["ids"][0], result["distances"][0], strict=True)]
        return _best_first(scored)[:n]

    def _rank(self, embedding: list[float], keys: list[str]) -> list[tuple[str, float]]:
        """`keys` ranked by the cosine of their stored vectors to `embedding`, best first."""
        stored = self.passage_vectors(keys, "searching")
        if not stored:  # none, or the catalog lists passages the collection lacks (a server that lost its data)
            return []
        vectors = np.stack(list(stored.values()))
        query = np.asarray(embedding, dtype=np.float32)
        cosines = vectors @ query / np.clip(np.linalg.norm(vectors, axis=1) * np.linalg.norm(query), 1e-12, None)
        return _best_first(list(zip(stored, map(float, cosines), strict=True)))

    def passage_vectors(self, keys: list[str], doing: str = "reading vectors") -> dict[str, np.ndarray]:
        """The stored vectors of the passages `keys` (those the collection has), by key; `doing` names the
        call in an error."""
        if not keys:
            return {}
        got = self._call(doing, lambda: self.collection.get(ids=keys, include=["embeddings"]))
        return {key: np.asarray(v, dtype=np.float32) for key, v in zip(got["ids"], got["embeddings"], strict=True)}

    def _hits(self, scored: list[tuple[str, float]]) -> list[Hit]:
        rows = self._catalog.passages([key for key, _ in scored])
        return [Hit(rows[key], score) for key, score in scored if key in rows]

    def keyword_search(self, query: str, k: int, filters: Filters | None = None) -> list[Hit]:
        """BM25 hits, best first; `filters` run in SQL."""
        return self._hits(self._catalog.keyword_search(query, k, filters or None))

    def embed_texts(self, texts: Sequence[str]) -> list[np.ndarray]:
        """Vectors of short texts (sentences) with the index's own embedding model.

        Kept in memory (least recently used first out), so the sentences of articles that
        answer one question cost nothing when the next question retrieves them again.
        """
        cache = self._text_vectors
        todo = list(dict.fromkeys(t for t in texts if t not in cache))
        if todo:
            for text, vector in zip(todo, self.embed_model.get_text_embedding_batch(todo), strict=True):
                cache[text] = np.asarray(vector, dtype=np.float32)
        out = []
        for text in texts:
            cache.move_to_end(text)
            out.append(cache[text])
        while len(cache) > TEXT_VECTORS_KEPT:
            cache.popitem(last=False)
        return out

    def embed_query(self, query: str) -> np.ndarray:
        return np.asarray(self.embed_model.get_query_embedding(query), dtype=np.float32)

    def document_frequencies(self, words: Sequence[str]) -> tuple[dict[str, int], int]:
        """How many passages hold each word, and how many passages there are (for IDF)."""
        return {w: self._catalog.document_frequency(w) for w in words}, self._catalog.count("passages")

    def vector_count(self) -> int:
        return int(self.collection.count())

    def close(self) -> None:
        # ChromaDB's local client keeps its vector index cached per process until the last
        # client on that path is closed; a later Store must read what other processes wrote.
        # Each process opens one Store per index (the CLI, the server, an eval run).
        if self._chroma is not None:
            self._chroma.close()
            self._chroma = None
            self._collection = self._vectors = None
        self._catalog.close()


def _best_first(scored: list[tuple[str, float]]) -> list[tuple[str, float]]:
    """(key, cosine) pairs best first, ties (to `SCORE_DIGITS`) in the order of their keys: one order on
    every build of the index, whatever order the search returned them in."""
    return sorted(scored, key=lambda pair: (-round(pair[1], SCORE_DIGITS), pair[0]))


@contextmanager
def _marking_overrides() -> Iterator[None]:
    """ChromaDB decorates hundreds of methods with `overrides.override`, which checks each signature against its
    base class's as the module is imported and the client starts: 0.15-0.25 s of a fresh question's 3 s on 2
    cores. ChromaDB's own tests check them; while ChromaDB loads here, the decorator only marks the method (what
    `overrides.EnforceOverrides` looks for) and checks nothing."""
    try:
        import overrides
    except ImportError:  # a ChromaDB that no longer uses it
        yield
        return

    def mark(method: Any = None, **_: Any) -> Any:
        def marked(m: Any) -> Any:
            m.__override__ = True
            return m

        return marked(method) if method is not None else marked

    saved = overrides.override, overrides.overrides
    overrides.override = overrides.overrides = mark
    try:
        yield
    finally:
        overrides.override, overrides.overrides = saved


_TRACE_EXPORTER = "opentelemetry.exporter.otlp.proto.grpc.trace_exporter"


@contextmanager
def _trace_exporter_when_asked() -> Iterator[None]:
    """ChromaDB's telemetry module imports OpenTelemetry's gRPC trace exporter (and with it gRPC) as it loads,
    0.07-0.1 s of a fresh question on 2 cores, though it makes one only when told to send traces somewhere
    (`chroma_otel_collection_endpoint`). While ChromaDB loads here, that module is a stand-in: making an
    exporter, or reading any other name of it, imports the real module then."""
    if _TRACE_EXPORTER in sys.modules or "chromadb" in sys.modules:
        yield
        return
    stand_in = types.ModuleType(_TRACE_EXPORTER)

    def real() -> types.ModuleType:
        if sys.modules.get(_TRACE_EXPORTER) is stand_in:
            del sys.modules[_TRACE_EXPORTER]
        return importlib.import_module(_TRACE_EXPORTER)

    class OTLPSpanExporter:  # only ever made through the real class
        def __new__(cls, *args: Any, **kwargs: Any) -> Any:
            return real().OTLPSpanExporter(*args, **kwargs)

    stand_in.OTLPSpanExporter = OTLPSpanExporter  # type: ignore[attr-defined]

    def attribute(name: str) -> Any:
        if name.startswith("__"):  # what the import system asks of any module ("__path__"): a stand-in has none
            raise AttributeError(name)
        return getattr(real(), name)

    stand_in.__getattr__ = attribute  # type: ignore[method-assign]
    sys.modules[_TRACE_EXPORTER] = stand_in
    try:
        yield
    finally:
        if sys.modules.get(_TRACE_EXPORTER) is stand_in:
            del sys.modules[_TRACE_EXPORTER]

"""Property tests: whatever bytes a file holds, loading and ingesting end in an article or
a one-line reason, never an exception and never a hang."""

from __future__ import annotations

import json
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from rag.ingest import ingest
from rag.loaders import SUPPORTED_SUFFIXES, LoadError, load_file
from rag.store import Store

MB = 1_000_000
FAST = settings(max_examples=500, deadline=2000, suppress_health_check=[HealthCheck.too_slow])

# Text with what hostile and careless files hold: control characters, lone surrogates,
# right-to-left and zero-width marks, byte-order marks in the middle.
TRICKY = st.text(
    alphabet=st.one_of(
        st.characters(codec=None),
        st.sampled_from(["\u200b", "\u200d", "\u202e", "\u2066", "\ufeff", "\x00", "\x1b", "\r", "\n", "\ud800"]),
    ),
    max_size=400,
)
JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | TRICKY,
    lambda inner: (
        st.lists(inner, max_size=4)
        | st.dictionaries(st.sampled_from(["text", "title", "published", "x"]), inner, max_size=4)
    ),
    max_leaves=20,
)
HTML = st.lists(
    st.sampled_from(
        [
            "<p>",
            "</p>",
            "<div style='display:none'>",
            "</div>",
            "<script>alert(1)</script>",
            "<!-- c -->",
            "&amp;",
            "&lol9;",
            "&#x0;",
            "&#99999999;",
            "<title>",
            "</title>",
            "<p hidden>",
            "<a href='x'>",
            "<",
            ">",
            "<![CDATA[x]]>",
            "<?xml version='1.0' encoding='utf-8'?>",
            "Peskov said talks were hard. ",
        ]
    )
    | TRICKY,
    max_size=30,
).map("".join)
FRONT = st.sampled_from(
    [
        "title: !!python/object/apply:os.system [echo]",
        "a: &a [x, x]\nb: &b [*a, *a]\ntitle: *b",
        "title: {a: 1}",
        "published: 2025-13-45",
        "title: [unclosed",
        "- a list",
        "title: ok",
        "? complex key\n: value",
    ]
)


def check(path: Path) -> None:
    try:
        articles, errors = load_file(path, MB)
    except LoadError as exc:
        assert str(path) in str(exc) and "\n" not in str(exc)
        return
    for article in articles:
        assert article.text.strip() and isinstance(article.title, str)
        article.text.encode("utf-8")  # storable: no lone surrogates
        article.title.encode("utf-8")
    assert all("\n" not in e.reason for e in errors)


def write_and_check(name: str, data: bytes) -> None:
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / name
        path.write_bytes(data)
        check(path)


@FAST
@given(st.binary(max_size=2000), st.sampled_from(SUPPORTED_SUFFIXES))
def test_random_bytes(data: bytes, suffix: str) -> None:
    write_and_check(f"f{suffix}", data)


@FAST
@given(
    TRICKY, st.sampled_from(["utf-8", "utf-16", "utf-32", "utf-8-sig", "latin-1"]), st.sampled_from(SUPPORTED_SUFFIXES)
)
def test_random_text_in_any_encoding(text: str, encoding: str, suffix: str) -> None:
    write_and_check(f"f{suffix}", text.encode(encoding, "surrogatepass" if "utf" in encoding else "replace"))


@FAST
@given(JSON_VALUES, st.integers(min_value=0, max_value=3000))
def test_random_and_deep_json(value: object, depth: int) -> None:
    raw = json.dumps(value, ensure_ascii=False)
    write_and_check("f.json", ("[" * depth + raw + "]" * depth).encode("utf-8", "surrogatepass"))
    lines = "\n".join([raw, "[" * (depth * 30) + "]" * (depth * 30), '{"text": "ok", "text": "dup"}'])
    write_and_check("f.jsonl", lines.encode("utf-8", "surrogatepass"))


@FAST
@given(HTML)
def test_random_html(page: str) -> None:
    write_and_check("f.html", page.encode("utf-8", "surrogatepass"))


@FAST
@given(FRONT, TRICKY)
def test_front_matter_with_yaml_tags_and_aliases(front: str, body: str) -> None:
    write_and_check("f.md", f"---\n{front}\n---\n{body}\n".encode("utf-8", "surrogatepass"))


@settings(max_examples=15, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(
    st.lists(
        st.tuples(
            st.sampled_from(SUPPORTED_SUFFIXES),
            st.binary(max_size=600) | TRICKY.map(lambda s: s.encode("utf-8", "surrogatepass")),
        ),
        max_size=4,
    )
)
def test_ingest_of_random_files_reports_each(store: Store, files: list[tuple[str, bytes]]) -> None:
    """Through the real store: every file ends as added/unchanged/duplicate/failed with a reason."""
    with tempfile.TemporaryDirectory() as folder:
        for i, (suffix, data) in enumerate(files):
            (Path(folder) / f"f{i}{suffix}").write_bytes(data)
        report = ingest(store, [Path(folder)])
    assert len({o.path.split(":")[0].split("#")[0] for o in report.outcomes}) <= len(files)
    for o in report.outcomes:
        assert o.status in ("added", "updated", "unchanged", "duplicate", "failed")
        assert o.status != "failed" or (o.detail and "\n" not in o.detail and "internal error" not in o.detail)
    assert store.vector_count() == store.catalog.count("passages")

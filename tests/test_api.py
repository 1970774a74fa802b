"""The HTTP API in process (FastAPI's TestClient over httpx) with the fake models: every route, its
errors as problem details, keys, size caps and upload names. `tests/test_api_server.py` runs the
same API for real: `rag serve`, the real model and the official `openai` client."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from rag.keys import KeyRing
from rag.settings import Settings
from rag.store import Store
from tests.conftest import SEEDS

REFUSAL = "The articles don't say."


@pytest.fixture(scope="module")
def served(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[TestClient, Store, Settings]]:
    """The API over a fresh fake-model index of the seeds (its own: uploads and removals change it)."""
    import tests.fakes  # noqa: F401  (registers the fake backends)
    from rag.api import create_api
    from rag.ingest import ingest
    from rag.service import Service

    root = tmp_path_factory.mktemp("api")
    (root / "evals" / "runs" / "seeds-1").mkdir(parents=True)
    (root / "evals" / "runs" / "seeds-1" / "result.json").write_text(
        json.dumps({"suite": "seeds", "manifest": {"timestamp": "2026-12-02"}, "splits": {"dev": {"mrr": 1.0}}})
    )
    settings = Settings(
        index_dir=root / "index",
        evals_dir=root / "evals",
        embed_backend="fake",
        llm_backend="fake",
        judge_backend="fake",
        max_file_bytes=20_000,
        api_max_request_bytes=60_000,
    )
    store = Store(settings)
    assert ingest(store, [SEEDS]).ok
    with TestClient(create_api(Service(settings, store), None)) as client:
        yield client, store, settings
    store.close()


def _chat(client: TestClient, messages: list[dict[str, Any]], **extra: Any) -> Any:
    return client.post("/v1/chat/completions", json={"model": "rag-news", "messages": messages, **extra})


def test_chat_completion_carries_the_verified_answer_and_its_citations(served: Any) -> None:
    client, store, _ = served
    done = _chat(client, [{"role": "user", "content": "Who is the Kremlin spokesperson?"}])
    assert done.status_code == 200, done.text
    body = done.json()
    reply = body["choices"][0]["message"]["content"]
    assert body["object"] == "chat.completion" and body["choices"][0]["finish_reason"] == "stop"
    assert "Peskov" in reply and "[1]" in reply
    rag = body["rag"]
    assert rag["text"] == reply and not rag["refused"] and rag["mode"] in ("generated", "extractive")
    cited = rag["citations"][0]
    assert {"title", "source", "published", "url", "quote", "quote_start", "quote_end"} <= cited.keys()
    text = store.catalog.article_text(cited["article_id"])
    assert text[cited["quote_start"] : cited["quote_end"]] == cited["quote"]
    assert rag["sentences"][0]["cites"] == [1] and rag["sentences"][0]["sources"]
    assert body["usage"]["completion_tokens"] > 0


def test_a_stream_sends_the_role_then_the_verified_sentences_then_the_citations(served: Any) -> None:
    client, _, _ = served
    question = [{"role": "user", "content": "Who is the Kremlin spokesperson?"}]
    with client.stream(
        "POST",
        "/v1/chat/completions",
        json={"model": "rag-news", "messages": question, "stream": True, "stream_options": {"include_usage": True}},
    ) as streamed:
        assert streamed.status_code == 200 and streamed.headers["content-type"].startswith("text/event-stream")
        lines = [line for line in streamed.iter_lines() if line]
    assert lines[-1] == "data: [DONE]"
    chunks = [json.loads(line.removeprefix("data: ")) for line in lines[:-1]]
    assert chunks[0]["choices"][0]["delta"] == {"role": "assistant", "content": ""}
    final = next(c for c in chunks if c["choices"] and c["choices"][0]["finish_reason"] == "stop")
    said = "".join(c["choices"][0]["delta"].get("content", "") for c in chunks if c["choices"])
    assert said == final["rag"]["text"] and "Peskov" in said
    assert chunks[-1]["choices"] == [] and chunks[-1]["usage"]["total_tokens"] > 0


def test_a_refusal_is_an_ordinary_reply_flagged_in_the_extra_field(served: Any) -> None:
    client, _, _ = served
    done = _chat(client, [{"role": "user", "content": "What did Angela Merkel say about the talks in Paris?"}])
    body = done.json()
    assert body["choices"][0]["message"]["content"] == REFUSAL
    assert body["rag"]["refused"] and body["rag"]["mode"] == "refused" and body["rag"]["citations"] == []


def test_the_history_is_the_conversation(served: Any) -> None:
    """A reply this server wrote, sent back as history, is the turn it answered; one written elsewhere
    counts as what it says. Either way the follow-up is read against it."""
    from rag.api.openai_chat import Remembered, history_of
    from rag.api.schemas import RequestFilters
    from rag.chat import Turn

    client, _, _ = served
    first = [{"role": "user", "content": "Who is the Kremlin spokesperson?"}]
    reply = _chat(client, first).json()["choices"][0]["message"]["content"]
    follow = [*first, {"role": "assistant", "content": reply}, {"role": "user", "content": "What did he say?"}]
    done = _chat(client, follow)
    assert done.status_code == 200, done.text
    # Read against the first turn: "he" named from its answer, or the first question retrieved beside the
    # message. Which of the two wins is the fake judge's word overlap, not the API's doing.
    taken = done.json()["rag"]
    assert "Peskov" in taken["question"] or taken["context"] == first[0]["content"], taken

    from rag.api.openai_chat import ChatMessage

    messages = [ChatMessage(role=m["role"], content=m["content"]) for m in follow]
    turns, message = history_of([ChatMessage(role="system", content="Be brief."), *messages], Remembered())
    assert message == "What did he say?" and len(turns) == 1 and isinstance(turns[0], Turn)
    assert turns[0].answer.text == reply.replace(" [1]", "") and not turns[0].answer.refused
    with pytest.raises(Exception, match="last message must be the user's question"):
        history_of(messages[:2], Remembered())
    assert RequestFilters(since="2025").filters() is not None and RequestFilters().filters() is None


def test_filters_and_bad_requests(served: Any) -> None:
    client, _, _ = served
    ask = [{"role": "user", "content": "Who is the Kremlin spokesperson?"}]
    elsewhere = _chat(client, ask, filters={"source": "No Such Outlet"}).json()
    assert elsewhere["rag"]["refused"], "no article from that outlet: nothing to answer from"
    said = elsewhere["choices"][0]["message"]["content"]
    assert "No article matches the restriction (source 'No Such Outlet')" in said
    for stream in (False, True):  # refused before a stream starts, not as an error inside it
        long = _chat(client, [{"role": "user", "content": "Who is the Kremlin spokesperson? " * 60}], stream=stream)
        assert long.status_code == 400 and "a question may have at most 256" in long.json()["error"]["message"]
    bad = _chat(client, ask, filters={"since": "last week"})
    assert bad.status_code == 400
    assert bad.json()["error"]["message"].startswith("filters.since: not an ISO date")
    assert _chat(client, []).status_code == 400
    assert _chat(client, [{"role": "assistant", "content": "Hi."}]).status_code == 400
    unknown = client.post("/v1/chat/completions", json={"model": "gpt-4o", "messages": ask})
    assert unknown.status_code == 404 and "rag-news" in unknown.json()["error"]["message"]
    models = client.get("/v1/models").json()
    assert [m["id"] for m in models["data"]] == ["rag-news"]
    assert client.get("/v1/models/rag-news").status_code == 200
    problem = client.post("/api/v1/ask", json={"question": "Who?", "filters": {"until": "2025-13"}})
    assert problem.status_code == 400 and problem.headers["content-type"] == "application/problem+json"
    assert problem.json()["title"] == "Bad Request" and "filters.until" in problem.json()["detail"]
    missing = client.post("/api/v1/ask", json={})
    assert missing.status_code == 400 and missing.json()["detail"] == "question: Field required"
    assert client.get("/docs").status_code == 200
    assert "/v1/chat/completions" in client.get("/openapi.json").json()["paths"]


def test_rest_ask_articles_compare_brief_and_eval_runs(served: Any) -> None:
    client, store, _ = served
    answer = client.post("/api/v1/ask", json={"question": "Who is the Kremlin spokesperson?"}).json()
    assert "Peskov" in answer["text"] and answer["citations"]
    listed = client.get("/api/v1/articles", params={"per_page": 1}).json()
    assert listed["total"] == 2 and len(listed["articles"]) == 1 and listed["page"] == 1
    found = client.get("/api/v1/articles", params={"q": "002_8a78"}).json()["articles"]
    assert [a["id"] for a in found] == [store.catalog.resolve(str(SEEDS / "002_8a7896ecd5b149e8.txt"))]
    one = client.get(f"/api/v1/articles/{found[0]['id'][:8]}").json()
    assert one["id"] == found[0]["id"] and one["passages"]
    assert all(one["text"][p["start"] : p["end"]] == p["text"] for p in one["passages"])
    gone = client.get("/api/v1/articles/ffffffffffff")
    assert gone.status_code == 404 and gone.json()["status"] == 404

    compared = client.post("/api/v1/compare", json={"topic": "the talks on the war in Ukraine"})
    assert compared.status_code == 200 and len(compared.json()["articles"]) == 2
    markdown = client.post("/api/v1/compare", params={"format": "markdown"}, json={"topic": "the talks"})
    assert markdown.headers["content-type"].startswith("text/markdown") and markdown.text.startswith("#")
    brief = client.post("/api/v1/brief", json={"topic": "the Paris peace talks on Ukraine", "points": 3}).json()
    assert 1 <= len(brief["points"]) <= 3 and brief["articles"]
    topic = {"topic": "the Paris peace talks on Ukraine"}
    brief_md = client.post("/api/v1/brief", params={"format": "markdown"}, json=topic)
    assert "## Key points" in brief_md.text and "## Sources" in brief_md.text
    assert client.post("/api/v1/brief", json={"topic": "  "}).status_code == 400
    blank = client.post("/api/v1/compare", json={"topic": "  "})
    assert blank.status_code == 400 and "topic" in blank.json()["detail"]

    runs = client.get("/api/v1/evals/runs").json()["runs"]
    assert [r["name"] for r in runs] == ["seeds-1"] and runs[0]["splits"]["dev"]["mrr"] == 1.0
    assert client.get("/api/v1/evals/runs/seeds-1").json()["suite"] == "seeds"
    assert client.get("/api/v1/evals/runs/..").status_code == 404
    assert client.get("/api/v1/evals/runs/%2E%2E%2Fsettings").status_code == 404


def test_uploads_are_indexed_removed_and_refused_when_unsafe_or_too_large(served: Any) -> None:
    client, _, settings = served
    good = ("files", ("harbour.txt", b"Harbour reopens\n\nThe harbour at Porthleven reopened on Monday.", "text/plain"))
    bad = ("files", ("broken.json", b"{not json", "application/json"))
    report = client.post("/api/v1/articles", files=[good, bad]).json()
    assert report["counts"]["added"] == 1 and report["counts"]["failed"] == 1 and not report["ok"]
    failed = next(o for o in report["outcomes"] if o["status"] == "failed")
    assert "broken.json" in failed["path"] and failed["detail"]
    added = next(o for o in report["outcomes"] if o["status"] == "added")
    assert Path(added["path"]).name == "harbour.txt" and Path(added["path"]).is_file()
    assert Path(added["path"]).is_relative_to((settings.index_dir / "uploads").resolve())

    uploads = sorted(p.name for p in (settings.index_dir / "uploads").iterdir())
    traversal = client.post("/api/v1/articles", files=[("files", ("../../evil.txt", b"Evil\n\nText.", "text/plain"))])
    assert traversal.status_code == 400 and "not a plain file name" in traversal.json()["detail"]
    assert sorted(p.name for p in (settings.index_dir / "uploads").iterdir()) == uploads
    assert not (settings.index_dir.parent / "evil.txt").exists()

    big = ("files", ("big.txt", b"Big\n\n" + b"word " * 5_000, "text/plain"))
    too_big = client.post("/api/v1/articles", files=[good, big])
    assert too_big.status_code == 413 and "big.txt" in too_big.json()["detail"]
    huge = client.post("/api/v1/articles", files=[("files", ("huge.txt", b"x" * 70_000, "text/plain"))])
    assert huge.status_code == 413 and "api_max_request_bytes" in huge.json()["detail"]

    def chunked() -> Iterator[bytes]:  # no Content-Length: the cap is found as the bytes arrive
        yield b'{"question": "'
        for _ in range(100):
            yield b"x" * 1_000
        yield b'"}'

    streamed = client.post("/api/v1/ask", content=chunked(), headers={"Content-Type": "application/json"})
    assert streamed.status_code == 413 and "api_max_request_bytes" in streamed.json()["detail"]
    openai_shaped = client.post("/v1/chat/completions", content=chunked(), headers={"Content-Type": "application/json"})
    assert openai_shaped.status_code == 413 and "api_max_request_bytes" in openai_shaped.json()["error"]["message"]
    assert client.post("/api/v1/articles").status_code == 400

    removed = client.delete(f"/api/v1/articles/{added['article_id']}")
    assert removed.status_code == 200 and removed.json()["title"] == "Harbour reopens"
    assert client.delete(f"/api/v1/articles/{added['article_id']}").status_code == 404
    assert client.get("/api/v1/articles").json()["total"] == 2


def test_keys_missing_wrong_and_revoked_are_refused(served: Any, tmp_path: Path) -> None:
    from rag.api import create_api
    from rag.service import Service

    _, store, settings = served
    ring = KeyRing(tmp_path / "catalog.sqlite3")
    _, key = ring.create("newsroom bot")
    with TestClient(create_api(Service(settings, store), ring)) as client:
        assert client.get("/api/v1/health").status_code == 200  # up, with no key
        missing = client.get("/api/v1/articles")
        assert missing.status_code == 401 and missing.headers["www-authenticate"] == "Bearer"
        assert "an API key is needed" in missing.json()["detail"]
        # The key is checked before the body is read: a big upload without one is a 401, not a 413.
        anonymous = client.post("/api/v1/articles", files=[("files", ("big.txt", b"x" * 70_000, "text/plain"))])
        assert anonymous.status_code == 401
        wrong = client.get("/v1/models", headers={"Authorization": "Bearer rag_not-a-key"})
        assert wrong.status_code == 401 and "wrong or has been revoked" in wrong.json()["error"]["message"]
        assert client.get("/v1/models", headers={"Authorization": f"Bearer {key}"}).status_code == 200
        assert client.get("/api/v1/articles", headers={"X-API-Key": key}).status_code == 200
        ring.revoke("newsroom bot")
        revoked = client.get("/v1/models", headers={"Authorization": f"Bearer {key}"})
        assert revoked.status_code == 401
    assert ring.keys()[0].last_used_at is not None and not ring.keys()[0].active
    assert key not in (tmp_path / "catalog.sqlite3").read_bytes().decode("utf-8", "replace")
    with pytest.raises(Exception, match="exists already"):
        ring.create("newsroom bot")
    numbered, _ = ring.create("1")  # a name that is also another key's number: the name wins
    assert ring.revoke("1").id == numbered.id and ring.find(str(numbered.id)).name == "1"
    ring.close()


def test_a_key_may_have_only_so_many_answers_being_written(tmp_path: Path) -> None:
    from rag.api.security import LOCAL, Guard
    from rag.errors import Busy

    assert all(Guard(None, generations_per_key=1).take(LOCAL) for _ in range(3))  # loopback: requests queue
    ring = KeyRing(tmp_path / "catalog.sqlite3")
    guard = Guard(ring, generations_per_key=2)
    first, second = guard.take("bot"), guard.take("bot")
    with pytest.raises(Busy, match="api_generations_per_key = 2"):
        guard.take("bot")
    guard.take("other")()  # another key is counted apart
    first()
    first()  # giving back twice counts once
    third = guard.take("bot")
    with pytest.raises(Busy):
        guard.take("bot")
    second(), third()
    ring.close()


def test_cors_is_off_unless_configured(served: Any) -> None:
    from rag.api import create_api
    from rag.service import Service

    client, store, settings = served
    preflight = {"Origin": "https://newsroom.example", "Access-Control-Request-Method": "POST"}
    assert "access-control-allow-origin" not in client.options("/v1/chat/completions", headers=preflight).headers
    opened = settings.replace(api_cors_origins=["https://newsroom.example"])
    with TestClient(create_api(Service(opened, store), None)) as allowed:
        answer = allowed.options("/v1/chat/completions", headers=preflight)
        assert answer.headers["access-control-allow-origin"] == "https://newsroom.example"


def test_a_model_that_cannot_be_reached_is_a_503_not_a_traceback(served: Any) -> None:
    from rag.api import create_api
    from rag.service import Service

    _, store, settings = served
    down = settings.replace(llm_backend="openai_like", llm_base_url="http://127.0.0.1:9/v1", llm_timeout=5)
    ask = {"model": "rag-news", "messages": [{"role": "user", "content": "Who is the Kremlin spokesperson?"}]}
    with TestClient(create_api(Service(down, store), None)) as client:
        done = client.post("/v1/chat/completions", json=ask)
        assert done.status_code == 503, done.text
        assert done.json()["error"]["message"].startswith("openai_like: cannot connect to http://127.0.0.1:9/v1")
        rest = client.post("/api/v1/ask", json={"question": "Who is the Kremlin spokesperson?"})
        assert rest.status_code == 503 and rest.json()["title"] == "Service Unavailable"
        with client.stream("POST", "/v1/chat/completions", json={**ask, "stream": True}) as streamed:
            lines = [line for line in streamed.iter_lines() if line]
        failure = json.loads(lines[-1].removeprefix("data: "))
        assert failure["error"]["message"].startswith("openai_like: cannot connect") and "Traceback" not in lines[-1]


def _uploaded(settings: Settings) -> list[str]:
    """The files in the uploads folder, as paths inside it."""
    folder = settings.index_dir / "uploads"
    return sorted(str(p.relative_to(folder)) for p in folder.rglob("*") if p.is_file())


def _upload(client: TestClient, name: str, data: bytes) -> Any:
    return client.post("/api/v1/articles", files=[("files", (name, data, "text/plain"))]).json()["outcomes"]


def test_two_different_uploads_with_one_name_are_both_kept(served: Any) -> None:
    """The path is an article's place in the index: a second harbour.txt from someone else must not replace
    the first. The same file sent again is still unchanged."""
    client, store, _ = served
    harbour = b"Harbour reopens\n\nThe harbour at Porthleven reopened on Monday, the council said."
    bridge = b"Bridge closes\n\nThe bridge at Truro closed on Tuesday for repairs, the council said."
    [first], [second] = _upload(client, "harbour.txt", harbour), _upload(client, "harbour.txt", bridge)
    assert (first["status"], second["status"]) == ("added", "added"), second
    assert first["path"] != second["path"] and not second["detail"]
    assert store.catalog.state_of(first["article_id"]) == store.catalog.state_of(second["article_id"]) == "ready"
    [again] = _upload(client, "harbour.txt", harbour)
    assert (again["status"], again["article_id"], again["path"]) == ("unchanged", first["article_id"], first["path"])
    cited = client.get(f"/api/v1/articles/{first['article_id']}").json()
    assert cited["title"] == "Harbour reopens"
    for made in (first, second):
        assert client.delete(f"/api/v1/articles/{made['article_id']}").status_code == 200
    assert client.get("/api/v1/articles").json()["total"] == 2


def test_an_empty_question_is_the_same_error_in_chat_and_ask(served: Any) -> None:
    client, _, _ = served
    empty = "the question is empty: type what you want to know"
    for content in ("", "   ", None, [{"type": "text", "text": " "}]):
        for stream in (False, True):
            sent = {"role": "user", "content": content}
            done = _chat(client, [{"role": "system", "content": "Be brief."}, sent], stream=stream)
            assert done.status_code == 400 and done.json()["error"]["message"] == f"messages.1.content: {empty}"
    for question in ("", "  \n "):
        asked = client.post("/api/v1/ask", json={"question": question})
        assert asked.status_code == 400 and asked.headers["content-type"] == "application/problem+json"
        assert asked.json()["detail"] == f"question: {empty}"
    long = client.post("/api/v1/ask", json={"question": "Who is the Kremlin spokesperson? " * 60})
    assert long.status_code == 400 and long.json()["detail"].startswith("question: the question is ")
    reply = _chat(client, [{"role": "user", "content": "Hi"}, {"role": "assistant", "content": "Hello."}])
    assert reply.json()["error"]["message"] == "messages: the last message must be the user's question"


def test_a_body_that_is_not_json_says_where_it_stops_being_json(served: Any) -> None:
    client, _, _ = served
    json_type = {"Content-Type": "application/json"}
    why = "Expecting property name enclosed in double quotes"
    bad = client.post("/api/v1/ask", content=b"{bad json", headers=json_type)
    assert bad.status_code == 400 and bad.headers["content-type"] == "application/problem+json"
    assert bad.json()["detail"] == f"body: not valid JSON (line 1, column 2: {why})"
    later = client.post("/v1/chat/completions", content=b'{\n  "model": "rag-news",\n  oops}', headers=json_type)
    assert later.status_code == 400
    assert later.json()["error"]["message"] == f"body: not valid JSON (line 3, column 3: {why})"


def test_a_query_parameter_is_named_as_it_was_sent(served: Any) -> None:
    client, _, _ = served
    bad = client.get("/api/v1/articles", params={"since": "2025-13"})
    assert bad.status_code == 400 and bad.json()["detail"].startswith("since: not an ISO date"), bad.text
    until = client.get("/api/v1/articles", params={"until": "soon"})
    assert until.status_code == 400 and until.json()["detail"].startswith("until: not an ISO date"), until.text


def test_unknown_api_routes_are_problems_with_the_page_mounted(served: Any) -> None:
    """`rag serve` mounts the page at `/` after the API: a request under /api/v1 that no route takes must not
    fall through to it (Gradio's own `{"detail": "Not Found"}`)."""
    from rag.service import Service
    from ui.server import create_server

    _, store, settings = served
    with TestClient(create_server(Service(settings, store), None)) as client:
        for method, path, status in (
            ("GET", "/api/v1/nosuch", 404),
            ("GET", "/api/v1", 404),
            ("DELETE", "/api/v1/articles/%2Ftmp%2Fx", 404),
            ("GET", "/api/v1/ask", 405),
            ("PUT", "/api/v1/articles/abcd", 405),
        ):
            done = client.request(method, path)
            assert done.status_code == status, (method, path, done.text)
            assert done.headers["content-type"] == "application/problem+json", (method, path, done.text)
            problem = done.json()
            assert problem["status"] == status and problem["type"] == "about:blank" and problem["title"]
            assert method in problem["detail"] and "/api/v1" in problem["detail"]
        assert client.get("/api/v1/ask").headers["allow"] == "POST"
        assert client.put("/api/v1/articles/abcd").headers["allow"] == "GET, DELETE"
        assert client.get("/api/v1/health").json() == {"status": "ok"}
        assert client.get("/api/v1/articles").json()["total"] == 2
        slashed = client.get("/api/v1/articles/", params={"per_page": 1}, follow_redirects=False)
        assert slashed.status_code == 307 and slashed.headers["location"].endswith("/api/v1/articles?per_page=1")
        assert client.get("/v1/models").json()["data"][0]["id"] == "rag-news"
        unknown = client.get("/v1/nosuch")  # OpenAI's error shape under /v1, as its clients read it
        assert unknown.status_code == 404 and unknown.json()["error"]["message"].startswith("no route GET /v1/nosuch")
        assert client.get("/v1/chat/completions").status_code == 405
        assert client.get("/").status_code == 200  # the page
        assert not [p for p in client.get("/openapi.json").json()["paths"] if "{rest" in p or p == "/api/v1"]


def test_the_uploads_folder_holds_only_indexed_uploads(served: Any, tmp_path: Path) -> None:
    """A file that could not be ingested is not kept; deleting an uploaded article deletes its file (a .jsonl
    once none of its records is left), and never a file ingested from elsewhere."""
    from rag.ingest import ingest

    client, store, settings = served
    before = _uploaded(settings)
    for name, data in (
        ("empty.txt", b""),
        ("binary.txt", b"\x00\x01\x02\xff" * 50),
        ("broken.json", b"{not json"),
        ("program.exe", b"MZ Harbour reopens"),
    ):
        [failed] = _upload(client, name, data)
        assert failed["status"] == "failed", failed
    assert _uploaded(settings) == before

    records = b'{"title": "Ferry returns", "text": "The ferry to Scilly returned on Friday."}\n'
    records += b'{"title": "Pier mended", "text": "The pier at Penzance was mended on Saturday."}\n'
    ferry, pier = _upload(client, "wire.jsonl", records)
    [kept] = [f for f in _uploaded(settings) if f not in before]
    assert kept.endswith("/wire.jsonl")
    assert client.delete(f"/api/v1/articles/{ferry['article_id']}").status_code == 200
    assert kept in _uploaded(settings), "the pier still comes from it"
    assert client.delete(f"/api/v1/articles/{pier['article_id']}").status_code == 200
    assert _uploaded(settings) == before

    own = tmp_path / "own.txt"
    own.write_text("Lifeboat launched\n\nThe Newlyn lifeboat was launched twice on Sunday.")
    [mine] = ingest(store, [own]).outcomes
    assert client.delete(f"/api/v1/articles/{mine.article_id}").status_code == 200
    assert own.is_file(), "a file ingested from elsewhere is the user's own"
    assert client.get("/api/v1/articles").json()["total"] == 2

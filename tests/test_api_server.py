"""The HTTP API for real: `rag serve` bound beyond loopback with an API key, the real model, and the
official `openai` Python client, streaming included; then `rag serve --api-only`."""

from __future__ import annotations

import json
import subprocess
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import openai
import pytest
from openai.types.chat import ChatCompletionMessageParam

from tests.servers import RAG, index_env, serving

REFUSAL = "The articles don't say."
# For a request that does work (an answer, an upload): an answer takes a second or two on an idle machine, and
# httpx's default (5 s) failed one on a loaded one.
# Speed is measured by the benchmarks, not here.
REQUEST_TIMEOUT = 120
NEXT_ROUND = "Where will the next round of talks be held?"


@pytest.fixture(scope="module")
def exposed(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, str, Path]]:
    """`rag serve --host 0.0.0.0` with a login for the page and one API key: (URL, key, index root)."""
    root = tmp_path_factory.mktemp("api-server")
    made = subprocess.run(
        [*RAG, "keys", "create", "newsroom bot", "--json"], env=index_env(root), capture_output=True, text=True
    )
    assert made.returncode == 0, made.stderr
    key = json.loads(made.stdout)["key"]
    with serving(root, "--host", "0.0.0.0", RAG_UI_USERNAME="ed", RAG_UI_PASSWORD="s3cret") as url:
        yield url, key, root


def client(url: str, key: str) -> openai.OpenAI:
    return openai.OpenAI(base_url=url + "v1", api_key=key, max_retries=0, timeout=REQUEST_TIMEOUT)


def test_the_openai_client_asks_streams_and_follows_up(exposed: tuple[str, str, Path]) -> None:
    url, key, _ = exposed
    ai = client(url, key)
    assert [m.id for m in ai.models.list()] == ["rag-news"]

    asked: list[ChatCompletionMessageParam] = [{"role": "user", "content": "Who is the Kremlin spokesperson?"}]
    done = ai.chat.completions.create(model="rag-news", messages=asked)
    reply = done.choices[0].message.content or ""
    rag = done.model_extra["rag"] if done.model_extra else {}
    assert "Peskov" in reply and "[1]" in reply and rag["text"] == reply and not rag["refused"]
    cited = rag["citations"][0]
    assert "Peskov" in cited["quote"] and cited["title"] and cited["quote_end"] > cited["quote_start"]

    # Streamed, the follow-up is read against the history the client sends back.
    follow: list[ChatCompletionMessageParam] = [
        *asked,
        {"role": "assistant", "content": reply},
        {"role": "user", "content": "What did he confirm?"},
    ]
    started, first, said, final = time.perf_counter(), None, "", None
    stream = ai.chat.completions.create(model="rag-news", messages=follow, stream=True)
    for chunk in stream:
        if chunk.choices and chunk.choices[0].delta.content:
            first = first or time.perf_counter() - started
            said += chunk.choices[0].delta.content
        if chunk.choices and chunk.choices[0].finish_reason == "stop":
            final = (chunk.model_extra or {})["rag"]
    assert final is not None and first is not None
    assert "Peskov" in final["question"], final["question"]
    assert said == final["text"] and final["citations"]

    # A near miss (the talks are there, Merkel is not) is an ordinary reply, flagged.
    near_miss: list[ChatCompletionMessageParam] = [
        {"role": "user", "content": "What did Angela Merkel say about the talks in Paris?"}
    ]
    refused = ai.chat.completions.create(model="rag-news", messages=near_miss)
    assert refused.choices[0].message.content == REFUSAL
    assert (refused.model_extra or {})["rag"]["refused"] is True

    with pytest.raises(openai.BadRequestError, match="not an ISO date"):
        ai.chat.completions.create(
            model="rag-news",
            messages=asked,
            extra_body={"filters": {"since": "yesterday"}},
        )


def test_keys_missing_wrong_and_revoked_against_the_running_server(
    exposed: tuple[str, str, Path], tmp_path: Path
) -> None:
    url, key, root = exposed
    with pytest.raises(openai.AuthenticationError, match="wrong or has been revoked"):
        client(url, "rag_wrong").models.list()
    assert httpx.get(url + "api/v1/articles").status_code == 401
    headers = {"Authorization": f"Bearer {key}"}
    listed = httpx.get(url + "api/v1/articles", headers=headers).json()
    assert listed["total"] == 2

    # An upload with a path for a name is refused, and nothing is written outside the uploads folder.
    evil = {"files": ("../../../evil.txt", b"Evil\n\nA text.", "text/plain")}
    refused = httpx.post(url + "api/v1/articles", headers=headers, files=evil, timeout=REQUEST_TIMEOUT)
    assert refused.status_code == 400 and refused.headers["content-type"] == "application/problem+json"
    assert not list(root.rglob("evil.txt"))
    big = {"files": ("big.txt", b"Big\n\n" + b"word " * 1_100_000, "text/plain")}  # over max_file_bytes (5 MB)
    assert httpx.post(url + "api/v1/articles", headers=headers, files=big, timeout=REQUEST_TIMEOUT).status_code == 413

    # A route the API does not have is its problem, not the page's 404 (the page is mounted after the API).
    for method, path, status in (("GET", "api/v1/nosuch", 404), ("GET", "api/v1/ask", 405)):
        unknown = httpx.request(method, url + path, headers=headers)
        assert unknown.status_code == status and unknown.headers["content-type"] == "application/problem+json"

    # The page is there too, behind its login.
    assert httpx.get(url + "config").status_code == 401
    with httpx.Client(base_url=url) as browser:
        assert browser.post("login", data={"username": "ed", "password": "s3cret"}).status_code == 200
        assert browser.get("config").status_code == 200

    made = subprocess.run(
        [*RAG, "keys", "create", "intern", "--json"], env=index_env(root), capture_output=True, text=True
    )
    other = json.loads(made.stdout)["key"]
    assert client(url, other).models.list().data  # a key made while the server runs works at once
    revoked = subprocess.run([*RAG, "keys", "revoke", "intern"], env=index_env(root), capture_output=True, text=True)
    assert revoked.returncode == 0 and "revoked" in revoked.stdout
    with pytest.raises(openai.AuthenticationError):
        client(url, other).models.list()
    listed_keys = subprocess.run([*RAG, "keys", "list"], env=index_env(root), capture_output=True, text=True).stdout
    assert "newsroom bot" in listed_keys and other not in listed_keys and "1 active key(s)" in listed_keys


def test_serving_beyond_loopback_without_a_key_is_refused_in_one_line(tmp_path: Path) -> None:
    done = subprocess.run(
        [*RAG, "serve", "--host", "0.0.0.0", "--api-only"], env=index_env(tmp_path), capture_output=True, text=True
    )
    assert done.returncode == 2 and "Traceback" not in done.stderr
    assert done.stderr.strip().splitlines() == [
        "error: refusing to serve on 0.0.0.0 without an API key: create one with `rag keys create NAME`; "
        "or pass --insecure-no-login"
    ]


def test_a_model_that_cannot_load_is_a_warning_at_start_and_a_503_for_each_answer(tmp_path: Path) -> None:
    """The model is made before anything is served (its load silences the process's output, and the first
    answer should not wait for it); one that cannot be made leaves the server up, and each answer says why."""
    with serving(tmp_path, "--api-only", RAG_LLM_MODEL=str(tmp_path / "missing.gguf")) as url:
        answer = httpx.post(url + "api/v1/ask", json={"question": NEXT_ROUND}, timeout=REQUEST_TIMEOUT)
        log = (tmp_path / "server.log").read_text(encoding="utf-8")
    assert answer.status_code == 503 and "missing.gguf" in answer.json()["detail"], answer.text
    assert "the language model is not ready" in log and "missing.gguf" in log, log


def test_api_only_serves_no_page(tmp_path: Path) -> None:
    with serving(tmp_path, "--api-only") as url:
        assert httpx.get(url).status_code == 404
        assert httpx.get(url + "docs").status_code == 200
        answer = httpx.post(url + "api/v1/ask", json={"question": NEXT_ROUND}, timeout=REQUEST_TIMEOUT)
        assert answer.status_code == 200 and "London" in answer.json()["text"]

"""Local servers for the tests and benchmarks: a free port, a real `chroma run` on 127.0.0.1, memory of a process."""

from __future__ import annotations

import socket
import subprocess
import sys
import time
from pathlib import Path

import httpx


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


class ChromaServer:
    """A real `chroma run` on 127.0.0.1 that a test can kill and start again."""

    def __init__(self, folder: Path) -> None:
        self.folder = folder
        self.port = free_port()
        self.proc: subprocess.Popen[bytes] | None = None

    def start(self) -> None:
        chroma = str(Path(sys.executable).parent / "chroma")
        assert Path(chroma).exists(), "the chroma CLI ships with the chromadb package"
        log = open(self.folder / "chroma.log", "a")  # noqa: SIM115 - the server writes it while it runs
        data = str(self.folder / "server-data")
        self.proc = subprocess.Popen(
            [chroma, "run", "--path", data, "--host", "127.0.0.1", "--port", str(self.port)],
            stdout=log,
            stderr=subprocess.STDOUT,
        )
        log.close()
        wait_until_up(f"http://127.0.0.1:{self.port}/api/v2/heartbeat", self.proc, self.folder / "chroma.log", 60)

    def kill(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.kill()
            self.proc.wait(timeout=30)

    def rss_mb(self) -> float:
        """The server process's resident memory, in MB."""
        assert self.proc is not None
        return rss_mb(self.proc.pid)


def wait_until_up(url: str, proc: subprocess.Popen[bytes], log: Path, seconds: float) -> None:
    """Poll `url` until it answers 200; fail with the server's log if it exits or takes longer."""
    deadline = time.monotonic() + seconds
    while True:
        try:
            if httpx.get(url, timeout=5).status_code == 200:
                return
        except httpx.HTTPError:
            pass
        if proc.poll() is not None:
            raise RuntimeError(f"the server for {url} exited: {log.read_text()[-2000:]}")
        if time.monotonic() > deadline:
            raise RuntimeError(f"the server for {url} did not answer within {seconds:.0f} s: {log.read_text()[-2000:]}")
        time.sleep(0.3)


def rss_mb(pid: int) -> float:
    """Resident memory of a process, from /proc (Linux), in MB."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return 0.0

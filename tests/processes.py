"""Processes that benchmarks and tests start on loopback and stop by their id: `citeqa serve`
and a Chroma server."""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any

import httpx


def free_port() -> int:
    """A TCP port on 127.0.0.1 that nothing listens on right now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@contextmanager
def running_citeqa(
    data_dir: Path,
    *args: str,
    wait_s: float = 90,
    log: Path | None = None,
    command: Path | None = None,
    **env: str,
) -> Iterator[str]:
    """`citeqa serve` over `data_dir` in its own process on loopback; yields its URL.

    Extra command-line arguments come as `args` (`"--workers", "2"`), extra `CITEQA_*`
    settings as keyword arguments (`cors_origins="..."`). It must be ready within `wait_s`
    seconds, every worker of `--workers N` with it (a late worker would take its share of
    requests only midway through a measurement). Its output goes to the file `log` when
    given, else it is discarded. `command` is the `citeqa` to run (default: this
    environment's). The process is stopped by its id when the block ends.
    """
    workers = int(args[args.index("--workers") + 1]) if "--workers" in args else 1
    port = free_port()
    settings = {f"CITEQA_{k.upper()}": v for k, v in env.items()}
    environment = {**os.environ, "CITEQA_DATA_DIR": str(data_dir), **settings}
    citeqa = str(command or Path(sys.executable).with_name("citeqa"))
    url = f"http://127.0.0.1:{port}"
    # The server logs a line a request: into a file, since a pipe nobody reads fills and
    # blocks it.
    with open(log, "w+b") if log else tempfile.TemporaryFile() as output:
        process = subprocess.Popen(
            [citeqa, "serve", "--host", "127.0.0.1", "--port", str(port), *args],
            env=environment,
            stdout=output,
            stderr=output,
        )
        try:
            deadline = time.monotonic() + wait_s
            while time.monotonic() < deadline:
                if process.poll() is not None:
                    output.seek(0)
                    raise RuntimeError(f"citeqa serve exited: {output.read()[-2000:]!r}")
                if _started(output) >= workers and _ready(url):
                    break
                time.sleep(0.05)
            else:
                raise RuntimeError(f"citeqa serve did not become ready within {wait_s} s")
            yield url
        finally:
            process.terminate()
            try:
                process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                process.kill()
                process.wait()


def _started(output: Any) -> int:
    """How many workers uvicorn has logged as started, in the server's output so far. Read
    with `pread`: the server writes through the same file offset, which a seek would move."""
    size = os.fstat(output.fileno()).st_size
    return os.pread(output.fileno(), size, 0).count(b"Application startup complete.")


def _ready(url: str) -> bool:
    try:
        return httpx.get(f"{url}/readyz", timeout=1).status_code == 200
    except httpx.HTTPError:
        return False


class ChromaProcess:
    """A real Chroma server (`chroma run`) on loopback, which tests may stop and restart."""

    def __init__(self, path: Path) -> None:
        self.path = path
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process: Any = None

    def start(self) -> None:
        """Start `chroma run` and wait, at most 60 s, until it answers its heartbeat."""
        chroma = str(Path(sys.executable).with_name("chroma"))
        self.process = subprocess.Popen(
            [
                chroma,
                "run",
                "--path",
                str(self.path),
                "--host",
                "127.0.0.1",
                "--port",
                str(self.port),
            ],
            stdout=subprocess.DEVNULL,
            stderr=subprocess.DEVNULL,
        )
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"{self.url}/api/v2/heartbeat", timeout=1).status_code == 200:
                    return
            except httpx.HTTPError:
                time.sleep(0.2)
        raise RuntimeError("chroma run did not answer within 60 s")

    def stop(self) -> None:
        """Stop the server by its process id (SIGTERM, then SIGKILL after 10 s)."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            try:
                self.process.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()
        self.process = None


class RedisProcess:
    """A real `redis-server` (the Debian package) on loopback, keeping nothing on disk;
    started and stopped by the tests, by its process id."""

    def __init__(self) -> None:
        self.port = free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process: Any = None

    def start(self) -> None:
        """Start `redis-server` and wait, at most 10 s, until it answers PING."""
        import redis

        command = ["redis-server", "--bind", "127.0.0.1", "--port", str(self.port)]
        command += ["--save", "", "--appendonly", "no"]
        self.process = subprocess.Popen(
            command, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL
        )
        deadline = time.monotonic() + 10
        while time.monotonic() < deadline:
            try:
                if redis.Redis.from_url(self.url, socket_timeout=1).ping():
                    return
            except redis.ConnectionError:
                time.sleep(0.1)
        raise RuntimeError("redis-server did not answer within 10 s")

    def stop(self) -> None:
        """Stop the server by its process id."""
        if self.process is not None and self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)
        self.process = None


def listening_pid(url: str) -> int:
    """The id of the process listening on the URL's port (the uvicorn parent)."""
    port = int(url.rsplit(":", 1)[1])
    inodes = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        for line in Path(table).read_text().splitlines()[1:]:
            fields = line.split()
            if int(fields[1].rsplit(":", 1)[1], 16) == port and fields[3] == "0A":
                inodes.add(fields[9])
    for proc in Path("/proc").iterdir():
        if not proc.name.isdigit():
            continue
        try:
            links = {p.readlink().as_posix() for p in (proc / "fd").iterdir()}
        except OSError:
            continue
        if any(f"socket:[{inode}]" in links for inode in inodes):
            return int(proc.name)
    raise RuntimeError(f"no process listens on {url}")

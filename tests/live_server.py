"""A real gunicorn (and, when a test needs to kill it, a real redis-server) for tests that need
several processes and threads; plain HTTP over the loopback, nothing mocked."""

import http.client
import json
import os
import select
import signal
import socket
import struct
import subprocess
import sys
import time
import uuid
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import quote, urlencode

import redis

PROJECT = Path(__file__).resolve().parent.parent
BIN = Path(sys.executable).parent


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def database_url(settings_dict: dict | None = None) -> str:
    """A DATABASE_URL for the database Django is using (in tests: the one pytest-django made).

    Processes a test starts see only what the test has committed.
    """
    from django.db import connection

    settings_dict = settings_dict or connection.settings_dict
    user = quote(settings_dict["USER"] or "postgres", safe="")
    password = f":{quote(settings_dict['PASSWORD'], safe='')}" if settings_dict["PASSWORD"] else ""
    host = settings_dict["HOST"] or settings_dict.get("OPTIONS", {}).get("host") or "127.0.0.1"
    port = settings_dict["PORT"] or 5432
    name = quote(settings_dict["NAME"], safe="")
    if host.startswith("/"):  # a Unix socket's directory (the embedded server's): libpq's query form
        return f"postgres://{user}{password}@/{name}?{urlencode({'host': host, 'port': port})}"
    return f"postgres://{user}{password}@{host}:{port}/{name}"


@dataclass
class Answer:
    status: int
    headers: dict[str, str]
    body: bytes

    def json(self):
        return json.loads(self.body)


def multipart(content: bytes, name: str = "deals.csv") -> tuple[bytes, str]:
    """A multipart/form-data body with `content` as the file in field `deals`, and its Content-Type."""
    boundary = uuid.uuid4().hex
    body = (
        (
            f'--{boundary}\r\nContent-Disposition: form-data; name="deals"; filename="{name}"\r\n'
            f"Content-Type: text/csv\r\n\r\n"
        ).encode()
        + content
        + f"\r\n--{boundary}--\r\n".encode()
    )
    return body, f"multipart/form-data; boundary={boundary}"


def wait_until(ready, what: str, seconds: float = 30):
    """Poll `ready()` until it gives something true, and return that (TimeoutError after `seconds`)."""
    deadline = time.monotonic() + seconds
    while not (value := ready()):
        if time.monotonic() > deadline:
            raise TimeoutError(f"{what} not ready after {seconds}s")
        time.sleep(0.1)
    return value


class HttpClient:
    """Plain HTTP to a server of ours on 127.0.0.1:`port`."""

    def __init__(self, port: int) -> None:
        self.port = port

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def request(self, method: str, path: str, body: bytes | None = None, headers: dict | None = None) -> Answer:
        conn = http.client.HTTPConnection("127.0.0.1", self.port, timeout=30)
        try:
            conn.request(method, path, body=body, headers=headers or {})
            response = conn.getresponse()
            return Answer(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
        finally:
            conn.close()

    def get(self, path: str = "/api/deals/", headers: dict | None = None) -> Answer:
        return self.request("GET", path, headers={"Accept": "application/json", **(headers or {})})

    def post_csv(self, content: bytes) -> Answer:
        body, content_type = multipart(content)
        headers = {"Content-Type": content_type, "Accept": "application/json"}
        return self.request("POST", "/api/deals/", body=body, headers=headers)

    def report(self) -> list[dict]:
        answer = self.get()
        assert answer.status == 200, answer.body
        return answer.json()["response"]


class Gunicorn(HttpClient):
    """gunicorn with the project's gunicorn.conf.py on a free port; its log goes to `log_path`."""

    def __init__(
        self,
        *,
        database_url: str,
        log_path: Path,
        redis_url: str = "",
        workers: int = 2,
        threads: int = 2,
        ready: tuple[str, int] = ("/api/deals/", 200),
        cache_prefix: str = "",
        environment: dict[str, str] | None = None,
    ):
        """`cache_prefix`: shared with another server (as the workers of one deployment share a Redis);
        by default one of its own. `environment`: settings over the defaults below."""
        super().__init__(free_port())
        self.ready = ready  # the path and status that mean the server is up
        self.log_path = log_path
        self.cache_prefix = cache_prefix or f"test-{uuid.uuid4().hex[:12]}"  # no entries shared with other runs
        env = {
            **os.environ,
            "DATABASE_URL": database_url,
            "REDIS_URL": redis_url,
            "CACHE_KEY_PREFIX": self.cache_prefix,
            "HOST": "127.0.0.1",
            "PORT": str(self.port),
            "WEB_CONCURRENCY": str(workers),
            "GUNICORN_THREADS": str(threads),
            "GUNICORN_GRACEFUL_TIMEOUT": "5",
            "GUNICORN_ACCESS_LOG": "/dev/null",
            "DJANGO_SECRET_KEY": "test-only-secret",
            "DJANGO_DEBUG": "",
            "DEALS_UPLOAD_RATE": "",  # the tests upload far more often than the default allows
            # Every thread may upload, as before the cap existed: tests/test_client_limits.py sets
            # the cap it tests; elsewhere concurrent uploads are the point, not the cap.
            "DEALS_UPLOADS_PER_WORKER": str(threads),
            "DJANGO_SETTINGS_MODULE": "core.settings",
            "PROMETHEUS_MULTIPROC_DIR": "",  # each server its own metrics directory, unless a test gives one
            **(environment or {}),
        }
        with log_path.open("ab") as log:
            self.process = subprocess.Popen(
                [str(BIN / "gunicorn"), "-c", "gunicorn.conf.py"], cwd=PROJECT, env=env, stdout=log, stderr=log
            )
        try:
            wait_until(self._answers, "gunicorn")
        except TimeoutError:
            self.stop()
            raise

    def _answers(self) -> bool:
        if self.process.poll() is not None:
            raise RuntimeError(f"gunicorn exited: {self.log()}")
        path, status = self.ready
        try:
            return self.get(path).status == status
        except OSError:
            return False

    def kill(self) -> None:
        """SIGKILL the master and its workers: none of our cleanup code gets to run."""
        workers = subprocess.run(["pgrep", "-P", str(self.process.pid)], capture_output=True, text=True).stdout
        for pid in [self.process.pid, *map(int, workers.split())]:
            os.kill(pid, signal.SIGKILL)
        self.process.wait(timeout=10)

    def alive(self) -> bool:
        return self.process.poll() is None

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")

    def __enter__(self) -> "Gunicorn":
        return self

    def __exit__(self, *exc_info) -> None:
        self.stop()

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.send_signal(signal.SIGTERM)
            try:
                self.process.wait(timeout=15)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()


def delete_cache_entries(redis_url: str, prefix: str) -> None:
    """Remove what a test wrote to a shared Redis under its own key prefix."""
    client = redis.Redis.from_url(redis_url)
    keys = list(client.scan_iter(f"{prefix}:*"))
    if keys:
        client.delete(*keys)


class RedisServer:
    """A throwaway redis-server on a free port, without persistence, that a test may stop."""

    def __init__(self, port: int | None = None) -> None:
        self.port = port or free_port()
        self.url = f"redis://127.0.0.1:{self.port}/0"
        self.process = subprocess.Popen(
            ["redis-server", "--port", str(self.port), "--bind", "127.0.0.1", "--save", "", "--appendonly", "no"],
            stdout=subprocess.DEVNULL,
        )
        wait_until(self._answers, "redis-server", seconds=10)

    def _answers(self) -> bool:
        try:
            return self.command("PING") == b"+PONG\r\n"
        except OSError:
            return False

    def command(self, *words: str) -> bytes:
        """One inline command, its raw reply (enough for PING, FLUSHALL, DBSIZE)."""
        with socket.create_connection(("127.0.0.1", self.port), timeout=2) as sock:
            sock.sendall(" ".join(words).encode() + b"\r\n")
            return sock.recv(1024)

    def stop(self) -> None:
        if self.process.poll() is None:
            self.process.terminate()
            self.process.wait(timeout=10)


def read_to_close(sock: socket.socket) -> bytes:
    """What the server sent until it closed the connection; a reset ends it too (it may drop the rest)."""
    raw = b""
    try:
        while chunk := sock.recv(65536):
            raw += chunk
    except ConnectionResetError:
        pass
    return raw


def parse_answer(raw: bytes) -> Answer:
    """An HTTP/1.1 answer read to the end of a connection the server closed."""
    head, _, body = raw.partition(b"\r\n\r\n")
    status_line, *header_lines = head.decode("latin-1").split("\r\n")
    headers = {name.lower(): value for name, _, value in (line.partition(": ") for line in header_lines)}
    return Answer(int(status_line.split()[1]), headers, body)


class HandSentBody:
    """An upload whose body a test sends piece by piece: chunked (as `curl -T -` from a pipe sends
    it), or with a Content-Length it may fall short of, and may hang up on at any point."""

    def __init__(
        self, port: int, *, path: str = "/api/deals/", headers: dict | None = None, length: int | None = None
    ) -> None:
        self.chunked = length is None
        framing = "Transfer-Encoding: chunked" if self.chunked else f"Content-Length: {length}"
        lines = ["PUT " + path + " HTTP/1.1", "Host: 127.0.0.1", "Connection: close", "Accept: application/json"]
        lines += [framing, *(f"{name}: {value}" for name, value in (headers or {}).items())]
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=60)
        self.sock.sendall(("\r\n".join(lines) + "\r\n\r\n").encode())

    def send(self, data: bytes) -> bool:
        """Send `data` (as one chunk when chunked); False, sending nothing, once the server has answered."""
        if self.answered():
            return False
        try:
            self.sock.sendall(b"%x\r\n%s\r\n" % (len(data), data) if self.chunked else data)
        except OSError:  # the server answered and closed meanwhile
            return False
        return True

    def finish(self) -> bool:
        """The last chunk: the body is complete. False, sending nothing, once the server has answered."""
        return self.send(b"")  # a chunk of length 0 is the last one

    def answered(self) -> bool:
        return bool(select.select([self.sock], [], [], 0)[0])

    def answer(self) -> Answer:
        """The server's answer; it closes the connection after it (a reset when it left body unread)."""
        raw = read_to_close(self.sock)
        self.sock.close()
        assert raw, "the server reset the connection before answering"
        return parse_answer(raw)

    def hang_up(self) -> None:
        """Close the connection mid-body, as a client that crashed or was stopped does."""
        self.sock.close()


def multipart_body(content: bytes, boundary: str = "deals-boundary") -> tuple[bytes, str]:
    """A multipart body with `content` as the `deals` file, and its Content-Type."""
    head = (
        f'--{boundary}\r\nContent-Disposition: form-data; name="deals"; filename="deals.csv"\r\n'
        "Content-Type: text/csv\r\n\r\n"
    ).encode()
    return head + content + f"\r\n--{boundary}--\r\n".encode(), f"multipart/form-data; boundary={boundary}"


class RawUpload:
    """POST /api/deals/ by hand, so that a test decides when each part of the body goes, or whether
    the client stalls or resets the connection instead."""

    def __init__(self, port: int, content: bytes, *, timeout: float = 120) -> None:
        self.body, content_type = multipart_body(content)
        self.sent = 0
        self.closed_by_server = False
        self.sock = socket.create_connection(("127.0.0.1", port), timeout=timeout)
        self.sock.sendall(
            (
                "POST /api/deals/ HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\nAccept: application/json\r\n"
                f"Content-Type: {content_type}\r\nContent-Length: {len(self.body)}\r\n\r\n"
            ).encode()
        )

    def send(self, size: int | None = None, *, may_be_refused: bool = False) -> None:
        """The next `size` bytes of the body (all the rest without it).

        With `may_be_refused`, a server that answers and closes without reading the body (an
        upload refused at once) is no error: `closed_by_server` says it happened.
        """
        end = len(self.body) if size is None else min(self.sent + size, len(self.body))
        try:
            self.sock.sendall(self.body[self.sent : end])
        except (BrokenPipeError, ConnectionResetError):
            if not may_be_refused:
                raise
            self.closed_by_server = True
        self.sent = end

    def answer(self) -> Answer | None:
        """Read the server's answer to the end (it closes the connection after it).

        None when the server reset the connection before any answer arrived: when it closes a
        connection whose body it did not read, the kernel may reset it (RST) and drop its answer.
        """
        raw = read_to_close(self.sock)
        self.close()
        return parse_answer(raw) if raw else None

    def reset(self) -> None:
        """Hang up with a TCP reset (SO_LINGER 0), as a crashed client or a proxy that gave up does."""
        self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
        self.close()

    def close(self) -> None:
        self.sock.close()

"""Where an upload's time goes: `python bench/phases.py FILE` (DATABASE_URL names the database).

Times, in this process and without HTTP, the phases of one upload of FILE:
  receive: Django's MultiPartParser with its default handlers (what the service did before it
           streamed): parse a multipart body read from disk and spool the file part to a
           temporary file;
  load:    deals_load on the file, split into lock, COPY, create+analyze+attach+publish, refresh of the
           report, commit, and dropping the previous partition.
"""

import io
import os
import sys
import time
from pathlib import Path

import django

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
os.environ.setdefault("DJANGO_SETTINGS_MODULE", "core.settings")
os.environ.setdefault("DJANGO_SECRET_KEY", "bench")
django.setup()

from django.core.files.uploadhandler import MemoryFileUploadHandler, TemporaryFileUploadHandler  # noqa: E402
from django.http.multipartparser import MultiPartParser  # noqa: E402

from deals.load import loader  # noqa: E402
from deals.models import TopCustomer  # noqa: E402

BOUNDARY = "bench-boundary"


class MultipartBody(io.RawIOBase):
    """A multipart body around a file on disk, read lazily (never held in memory)."""

    def __init__(self, path: Path) -> None:
        head = (
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="deals"; filename="{path.name}"\r\n'
            "Content-Type: text/csv\r\n\r\n"
        ).encode()
        self._parts = [io.BytesIO(head), open(path, "rb"), io.BytesIO(f"\r\n--{BOUNDARY}--\r\n".encode())]  # noqa: SIM115
        self.length = len(head) + path.stat().st_size + len(self._parts[2].getvalue())

    def readable(self) -> bool:
        return True

    def read(self, size: int = -1) -> bytes:
        while self._parts:
            data = self._parts[0].read(size)
            if data:
                return data
            self._parts.pop(0).close()
        return b""


def receive(path: Path):
    body = MultipartBody(path)
    meta = {"CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}", "CONTENT_LENGTH": str(body.length)}
    handlers = [MemoryFileUploadHandler(), TemporaryFileUploadHandler()]
    _, files = MultiPartParser(meta, body, handlers).parse()
    return files["deals"]


def timed(name: str, function, timings: dict):
    def wrapper(*args, **kwargs):
        started = time.perf_counter()
        try:
            return function(*args, **kwargs)
        finally:
            timings[name] = timings.get(name, 0.0) + time.perf_counter() - started

    return wrapper


def main(path: Path) -> None:
    timings: dict[str, float] = {}
    started = time.perf_counter()
    upload = receive(path)
    timings["receive (multipart parse + temp file)"] = time.perf_counter() - started
    loader.lock = timed("lock", loader.lock, timings)
    loader.copy = timed("COPY", loader.copy, timings)
    TopCustomer.refresh = timed("refresh report", TopCustomer.refresh, timings)
    loader.cleanup = timed("drop previous partition", loader.cleanup, timings)
    started = time.perf_counter()
    result = loader.deals_load(file=upload)
    load = time.perf_counter() - started
    named = sum(v for k, v in timings.items() if not k.startswith("receive"))
    timings["create + analyze + attach + publish + commit"] = load - named
    timings["load total"] = load
    print(f"{path.name}: {result.rows:,} rows, {result.bytes_read / 1e6:.0f} MB")
    for name, seconds in timings.items():
        print(f"  {name:40} {seconds:7.2f} s")


if __name__ == "__main__":
    main(Path(sys.argv[1]))

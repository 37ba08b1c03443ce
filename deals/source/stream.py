"""The CSV inside an upload, as COPY can read it: the one entry point of deals/source.

Whatever carries the bytes (a multipart part, a raw request body, a file or standard input for
load_deals) passes a file-like object with `read(size)` and what the sender declared about it.
"""

from typing import BinaryIO

from django.conf import settings

from deals.source.compression import Decompressed
from deals.source.transcode import Transcoded


def csv_stream(file: BinaryIO, *, charset: str | None = None, content_encoding: str | None = None) -> Transcoded:
    """`file` decompressed (gzip/zstd, by magic bytes or `content_encoding`) and, where needed, transcoded.

    `charset` is a declared encoding (a Content-Type's charset parameter); it wins over detection.
    Reads raise UploadError (a refused format, 413 past DEALS_MAX_CSV_BYTES) or BrokenAt.
    """
    decompressed = Decompressed(file, limit=settings.DEALS_MAX_CSV_BYTES, content_encoding=content_encoding)
    return Transcoded(decompressed, charset=charset)

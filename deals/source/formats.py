"""What a file is, from its first bytes: a compression we undo, a format we name and refuse, or text.

People upload what their tools wrote: a gzip or zstd of the CSV (accepted whatever the name), or a
workbook, an archive or a PDF (refused with the way to get a CSV out of it). Magic numbers are
the only reliable sign; file names and part types are often wrong.
"""

from deals import messages

GZIP = "gzip"
ZSTD = "zstd"
SNIFF_BYTES = 4096  # enough to see the first entry name of a zip (xlsx, ods)
TAR_MAGIC_AT = 257  # "ustar" sits at this offset of a tar header

# (magic, what it is, what to send instead); the first match wins, so longer prefixes come first.
REFUSED = (
    (b"PK\x03\x04", messages.FORMAT_ZIP, messages.ADVICE_UNZIP),
    (b"PK\x05\x06", messages.FORMAT_ZIP, messages.ADVICE_UNZIP),
    (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1", messages.FORMAT_XLS, messages.ADVICE_SAVE_AS_CSV),
    (b"\xfd7zXZ\x00", messages.FORMAT_XZ, messages.ADVICE_RECOMPRESS),
    (b"BZh", messages.FORMAT_BZIP2, messages.ADVICE_RECOMPRESS),
    (b"7z\xbc\xaf\x27\x1c", messages.FORMAT_7Z, messages.ADVICE_RECOMPRESS),
    (b"Rar!\x1a\x07", messages.FORMAT_RAR, messages.ADVICE_RECOMPRESS),
    (b"\x04\x22\x4d\x18", messages.FORMAT_LZ4, messages.ADVICE_RECOMPRESS),
    (b"%PDF-", messages.FORMAT_PDF, messages.ADVICE_SAVE_AS_CSV),
    (b"\x89PNG\r\n\x1a\n", messages.FORMAT_IMAGE, messages.ADVICE_SAVE_AS_CSV),
    (b"\xff\xd8\xff", messages.FORMAT_IMAGE, messages.ADVICE_SAVE_AS_CSV),
    (b"GIF87a", messages.FORMAT_IMAGE, messages.ADVICE_SAVE_AS_CSV),
    (b"GIF89a", messages.FORMAT_IMAGE, messages.ADVICE_SAVE_AS_CSV),
    (b"PAR1", messages.FORMAT_PARQUET, messages.ADVICE_SAVE_AS_CSV),
    (b"SQLite format 3\x00", messages.FORMAT_SQLITE, messages.ADVICE_SAVE_AS_CSV),
)
COMPRESSIONS = ((b"\x1f\x8b", GZIP), (b"\x28\xb5\x2f\xfd", ZSTD))


def compression_of(head: bytes) -> str | None:
    """GZIP or ZSTD when `head` starts a stream of that kind, else None."""
    for magic, kind in COMPRESSIONS:
        if head.startswith(magic):
            return kind
    return None


def refusal(head: bytes) -> str | None:
    """The message for a known non-CSV format at the start of `head`, or None."""
    for magic, what, advice in REFUSED:
        if head.startswith(magic):
            if what == messages.FORMAT_ZIP:
                what = _zip_kind(head)
                advice = messages.ADVICE_UNZIP if what == messages.FORMAT_ZIP else messages.ADVICE_SAVE_AS_CSV
            return messages.not_csv(what, advice)
    if head[TAR_MAGIC_AT : TAR_MAGIC_AT + 5] == b"ustar":
        return messages.not_csv(messages.FORMAT_TAR, messages.ADVICE_UNZIP)
    return None


def _zip_kind(head: bytes) -> str:
    """Office files are zips; the first entries tell a workbook from an archive."""
    if b"application/vnd.oasis.opendocument.spreadsheet" in head:
        return messages.FORMAT_ODS
    if b"[Content_Types].xml" in head or b"xl/" in head:
        return messages.FORMAT_XLSX
    return messages.FORMAT_ZIP

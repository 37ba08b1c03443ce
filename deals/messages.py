"""Every sentence the service says about a failed upload, in one place.

Line-level messages follow the contract's form: `line N, column "c": "value" <what is wrong>`.
"""

from collections.abc import Iterable

from deals.source.columns import COLUMNS

EXPECTED = ", ".join(COLUMNS)

NO_FILE = 'no file in the form field "deals"; send the CSV as multipart/form-data with -F deals=@deals.csv'
TWO_FILES = 'send exactly one file in the form field "deals"; this request has several'
EMPTY_FILE = "the file is empty; it needs a header line and at least one deal"
NO_ROWS = "the file has a header but no deals"
NOT_TEXT = (
    "this is not a CSV text file (it contains NUL bytes, as images and spreadsheets do); upload deals.csv as text"
)
HEADER_TOO_LONG = "line 1 is over 1 MiB long; the first line must be the header: " + EXPECTED
MULTIPART_LENGTH_REQUIRED = (
    "a multipart/form-data upload needs a Content-Length; send one, or send the CSV itself as the body "
    "(curl -T deals.csv URL, or curl -T - URL from a pipe), which may come without a length"
)
NOT_MULTIPART = 'the body must be multipart/form-data with the file in the field "deals"'
TOKEN_REQUIRED = 'uploads need the header "Authorization: Token <DEALS_UPLOAD_TOKEN>"; it is missing or wrong'  # noqa: S105
READ_TOKEN_REQUIRED = (
    'only the report and /healthz are public; this needs the header "Authorization: Token <DEALS_UPLOAD_TOKEN>", '  # noqa: S105
    "which is missing or wrong"
)
CROSS_SITE = (
    "a page on another site may not upload here (the browser marked this request as cross-site); "
    "upload from this service's own page, or with curl"
)
BUSY = "another upload was being published and this one could not publish in time; nothing changed, try again"
DATABASE_DOWN = "the database is unreachable; try again shortly"
DISK_FULL = (
    "the database has no disk space left, so the file could not be stored; nothing was loaded and the data "
    "already loaded is unchanged; try again once an administrator has freed space"
)
STATEMENT_CANCELLED = (
    "the database cancelled the load (a statement timeout, or an administrator cancelled it); "
    "nothing was loaded and the data already loaded is unchanged"
)
NO_UPLOAD_SLOT = (
    "this server is already receiving as many uploads as it takes at once (DEALS_UPLOADS_PER_WORKER); "
    "nothing was read; try again after the time in Retry-After"
)
INTERRUPTED = "the upload was interrupted; the data already loaded is unchanged"
UPLOAD_INTERRUPTED = "the upload ended before the file did (was the connection closed?); nothing was loaded"
PROCESS_GONE = "the server process handling this upload ended before it did (killed or restarted); nothing was loaded"
INTERNAL = "internal error; the data already loaded is unchanged"

NOT_WHOLE_NUMBER = "is not a whole number"
TOO_LARGE = "is too large"
NOT_DATE_TIME = "is not a date and time (expected ISO 8601, like 2018-12-14 08:29:52)"
IMPOSSIBLE_DATE = "is not a valid date and time"
EMPTY_VALUE = "is empty"
TOO_LONG = "is longer than 255 characters"
# Keyed by the CHECK constraint names in migrations_sql/0001_deal_storage.sql.
CONSTRAINT_MESSAGES = {
    "customer_not_blank": ("customer", EMPTY_VALUE),
    "customer_max_length": ("customer", TOO_LONG),
    "item_not_blank": ("item", EMPTY_VALUE),
    "item_max_length": ("item", TOO_LONG),
    "total_not_negative": ("total", "is negative; totals must be 0 or more"),
    "quantity_positive": ("quantity", "is not a positive whole number"),
    "date_finite": ("date", NOT_DATE_TIME),
}
TOO_FEW_VALUES = f"has too few values (expected {len(COLUMNS)}: {EXPECTED})"
TOO_MANY_VALUES = f"has too many values (expected {len(COLUMNS)}: {EXPECTED})"
UNCLOSED_QUOTE = "opens a quoted value that is never closed"
STRAY_LINE_BREAK = "has a line break inside an unquoted value"
NUL_BYTE = "contains a NUL byte (0x00); this is not a CSV text file"

# Files that are not CSV, named by what they are (deals/source/formats.py), and what to send instead.
FORMAT_ZIP = "a zip archive"
FORMAT_TAR = "a tar archive"
FORMAT_XLSX = "an Excel workbook (.xlsx)"
FORMAT_XLS = "an Excel 97-2003 workbook (.xls) or another Office document"
FORMAT_ODS = "an OpenDocument spreadsheet (.ods)"
FORMAT_XZ = "xz-compressed data"
FORMAT_BZIP2 = "bzip2-compressed data"
FORMAT_7Z = "a 7-Zip archive"
FORMAT_RAR = "a RAR archive"
FORMAT_LZ4 = "lz4-compressed data"
FORMAT_PDF = "a PDF document"
FORMAT_IMAGE = "an image"
FORMAT_PARQUET = "a Parquet file"
FORMAT_SQLITE = "an SQLite database"
ADVICE_UNZIP = "extract deals.csv from it and upload that (plain, gzip or zstd)"
ADVICE_RECOMPRESS = "only gzip and zstd are accepted: upload deals.csv plain, or compressed with gzip or zstd"
ADVICE_SAVE_AS_CSV = 'save the data as CSV ("CSV UTF-8" in Excel, "Text CSV" in LibreOffice) and upload that'
COMPRESSED_TWICE = "the file is compressed twice; decompress it once and upload the result"
ENCODING_NAMES = {
    "UTF8": "UTF-8",
    "WIN1251": "Windows-1251",
    "utf-16-le": "UTF-16LE",
    "utf-16-be": "UTF-16BE",
    "utf-32-le": "UTF-32LE",
    "utf-32-be": "UTF-32BE",
}
DECLARE_HOW = (
    "declare its encoding in the part's Content-Type, "
    "as curl -F 'deals=@deals.csv;type=text/csv;charset=windows-1251' does"
)


def bad_header(*, found: Iterable[str], expected: Iterable[str]) -> str:
    found, expected = list(found), list(expected)
    missing = [name for name in expected if name not in found]
    unexpected = [name for name in found if name not in expected]
    repeated = sorted({name for name in found if name in expected and found.count(name) > 1})
    parts = [f"line 1: the header must name the columns {EXPECTED} (in any order)"]
    if len(missing) == len(expected):  # no header at all, most likely: the first line is a deal
        shown = ", ".join(f'"{name}"' for name in found)
        return f"{parts[0]}; it names none of them ({shown}): add that header as the first line"
    if missing:
        parts.append("missing: " + ", ".join(missing))
    if unexpected:
        parts.append(
            "unexpected: " + ", ".join(f'"{name}"' for name in unexpected) + f" ({_extra_advice(unexpected, missing)})"
        )
    if repeated:
        parts.append("repeated: " + ", ".join(repeated))
    return "; ".join(parts)


def _extra_advice(unexpected: list[str], missing: list[str]) -> str:
    if missing and len(unexpected) == 1:
        return f"rename it to {' or '.join(missing)} if that is what it holds, or delete it"
    if missing:
        return "rename those that hold a missing column to its name, and delete the others"
    if len(unexpected) == 1:
        return "delete that column: the service stores only these five"
    return "delete those columns: the service stores only these five"


def pandas_index(name: str) -> str:
    shown = f'"{name}"' if name else "no name"
    return (
        f"line 1: the first column has {shown} and holds 0, 1, 2, ...: it is the index pandas writes with "
        "DataFrame.to_csv(); save the file with to_csv(path, index=False), or delete that column"
    )


def unnamed_first_column(name: str) -> str:
    shown = f'"{name}"' if name else "no name"
    return (
        f"line 1: the first column has {shown}; the header must name the columns {EXPECTED} (in any order): "
        "delete the first column, the service stores only these five"
    )


def at_value(line: int, column: str, value: str | None, problem: str) -> str:
    if value is not None and len(value) > 40:
        value = value[:40] + "..."
    shown = "the value" if not value or not value.strip() else f'"{value}"'
    return f'line {line}, column "{column}": {shown} {problem}'


def at_line(line: int, problem: str) -> str:
    return f"line {line} {problem}"


def bad_encoding(line: int, encoding: str, detail: str, *, declared: str | None = None) -> str:
    if declared:
        return f"line {line} is not valid {declared} text ({detail}), the charset the upload declared; correct it"
    name = ENCODING_NAMES.get(encoding, encoding)
    return f"line {line} is not valid {name} text ({detail}); save the file as UTF-8, or {DECLARE_HOW}"


def bytes_detail(bad: bytes) -> str:
    return "bytes " + " ".join(f"0x{byte:02x}" for byte in bad)


def unknown_charset(name: str) -> str:
    return f'the declared charset "{name}" is not a known encoding (try utf-8, windows-1251 or utf-16); {DECLARE_HOW}'


def not_csv(what: str, advice: str) -> str:
    return f"this is {what}, not a CSV file; {advice}"


def not_compressed_as_declared(kind: str) -> str:
    return f"the upload declares Content-Encoding {kind} but is not {kind} data; send it as it is without the header"


def unsupported_content_encoding(value: str | None) -> str:
    return f'Content-Encoding "{value}" is not accepted; send the CSV as it is, gzip or zstd'


def compressed_cut_short(line: int, kind: str) -> str:
    return f"the {kind} data ends early, in line {line} of the CSV: the file was cut short; compress it again"


def compressed_corrupt(line: int, kind: str, detail: str) -> str:
    return f"the {kind} data is damaged ({detail}) after line {line} of the CSV; compress the CSV again"


def csv_too_large(limit: int) -> str:
    return f"the CSV is larger than the limit of {limit} bytes once decompressed (DEALS_MAX_CSV_BYTES)"


def value_in_unnamed_column(line: int, last_named: str) -> str:
    return (
        f'line {line} has a value after column "{last_named}", in a column the header leaves unnamed; '
        "the header's empty trailing columns must be empty in every line"
    )


def refused_request(detail: str) -> str:
    return f"the request is not acceptable: {detail}"


def lock_wait(timeout_ms: int) -> str:
    return (
        f"the upload could not be published: a lock on the deals tables was held for more than {timeout_ms} ms "
        "(DEALS_PUBLISH_LOCK_TIMEOUT_MS; a long query or maintenance in the database?); nothing changed, try again"
    )


def no_room(*, stored: int, holder: str) -> str:
    return (
        f"the database holds {stored} loads, the most DEALS_KEEP_LOADS + DEALS_MAX_STALE_LOADS allow: "
        f"the old ones are still being read by {holder}; try again when it has ended"
    )


def client_idle(seconds: int) -> str:
    return (
        f"the client sent nothing for {seconds} seconds (DEALS_UPLOAD_IDLE_SECONDS), so the upload was "
        "abandoned; nothing was loaded"
    )


def database_resources(detail: str) -> str:
    return f"the database ran out of a resource ({detail}); nothing was loaded; try again shortly"


def over_database_limit(detail: str) -> str:
    return f"the file goes beyond a limit of PostgreSQL ({detail}); nothing was loaded"


def too_many_uploads(rate: str, wait: int) -> str:
    return f"too many uploads from your address (the limit is {rate}, DEALS_UPLOAD_RATE); try again in {wait} s"


def too_large(limit: int) -> str:
    return f"the file is larger than the limit of {limit} bytes (DEALS_MAX_UPLOAD_BYTES)"


def problems_summary(first: str, *, count: int, listed: int, exact: bool, stopped: str | None) -> str:
    """The Desc of a file with bad lines: the first one's sentence (the whole Desc when it is the only
    one), then how many there are and where they are listed; `stopped`, the sentence of the problem
    after which nothing could be read (the last one counted)."""
    if count == 1 and exact:
        return first
    how_many = f"{count} lines have problems" if exact else f"at least {count} lines have problems"
    where = "each listed in errors" if listed == count and exact else f"the first {listed} listed in errors"
    summary = f"{first}; {how_many} ({where})"
    if not exact:
        summary += f"; checking stopped there (DEALS_MAX_COUNTED_ERRORS={count})"
    if stopped is not None:
        summary += f"; nothing after the last could be checked, because {stopped}"
    return summary


def unreadable(line: int | None, detail: str) -> str:
    return f"line {line}: {detail}" if line else f"the file could not be loaded: {detail}"


def no_such_endpoint(path: str, root: str) -> str:
    return f"there is no {path} in this API; its endpoints are listed at {root}"


def unknown_check_value(value: str) -> str:
    return f"?check={value} is not understood; use ?check=1 to check the file without loading it, or leave it out"


def unknown_upload_status(value: str, known: Iterable[str]) -> str:
    return f"?status={value} is not a status; use one of {', '.join(known)}"

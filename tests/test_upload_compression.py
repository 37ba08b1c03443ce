"""A gzip or zstd of deals.csv loads like the CSV itself, found by its magic bytes whatever its name;
a broken one, a bomb, or a file that is not a CSV at all is refused, and nothing changes."""

import gzip
import io
import zipfile

import pytest
import zstandard

from deals import messages
from deals.models import Upload
from tests.support import SAMPLE_ANSWER, csv_of, post_csv, report, staging_tables

pytestmark = pytest.mark.django_db


def gzip_members(content: bytes, parts: int) -> bytes:
    """What pigz or `cat a.gz b.gz` writes: several gzip members, one after the other."""
    size = -(-len(content) // parts)
    return b"".join(gzip.compress(content[i : i + size]) for i in range(0, len(content), size))


def zstd_frames(content: bytes, parts: int) -> bytes:
    size = -(-len(content) // parts)
    compressor = zstandard.ZstdCompressor()
    return b"".join(compressor.compress(content[i : i + size]) for i in range(0, len(content), size))


def zstd_streamed(content: bytes) -> bytes:
    """As `zstd` writes from a pipe: no content size in the frame header."""
    out = io.BytesIO()
    with zstandard.ZstdCompressor().stream_writer(out, closefd=False) as writer:
        writer.write(content)
    return out.getvalue()


COMPRESSIONS = {
    "gzip": lambda content: gzip.compress(content),
    "gzip, seven members (pigz)": lambda content: gzip_members(content, 7),
    "zstd": lambda content: zstandard.ZstdCompressor().compress(content),
    "zstd, five frames": lambda content: zstd_frames(content, 5),
    "zstd, streamed without a content size": zstd_streamed,
}


@pytest.mark.parametrize("compress", COMPRESSIONS.values(), ids=COMPRESSIONS.keys())
@pytest.mark.parametrize("name", ["deals.csv", "deals.csv.gz", "deals.csv.zst", "data.bin"])
def test_a_compressed_sample_gives_the_contracts_answer_whatever_its_name(client, sample_csv, compress, name):
    response = post_csv(client, compress(sample_csv), name=name)
    assert response.status_code == 200, response.json()
    assert response.json()["rows"] == 767
    assert report(client) == SAMPLE_ANSWER


def test_the_history_records_the_bytes_that_were_sent(client, sample_csv):
    sent = gzip.compress(sample_csv)
    upload = Upload.objects.get(pk=post_csv(client, sent).json()["upload"])
    assert upload.size_bytes == len(sent)


@pytest.fixture
def loaded(client, sample_csv):
    assert post_csv(client, sample_csv).status_code == 200
    return staging_tables()


def refused(client, content: bytes, tables_before, status: int = 400) -> str:
    response = post_csv(client, content)
    assert response.status_code == status, response.json()
    assert report(client) == SAMPLE_ANSWER
    assert staging_tables() == tables_before
    return response.json()["Desc"]


BAD_VALUE_AT_LINE_4 = csv_of(("ann", "Opal", 1), ("bob", "Opal", 2), ("cid", "Opal", "x"))


@pytest.mark.parametrize("compress", COMPRESSIONS.values(), ids=COMPRESSIONS.keys())
def test_error_lines_refer_to_the_decompressed_file(client, loaded, compress):
    assert refused(client, compress(BAD_VALUE_AT_LINE_4), loaded) == (
        'line 4, column "total": "x" is not a whole number'
    )


def test_a_decompression_bomb_is_stopped_at_the_csv_limit_with_413(client, loaded, settings, sample_csv):
    settings.DEALS_MAX_CSV_BYTES = 10_000
    bomb = gzip.compress(sample_csv + b"ann,Opal,1,1,2018-12-14\n" * 1_000_000)  # 24 MB in 100 KB
    assert refused(client, bomb, loaded, status=413) == (
        "the CSV is larger than the limit of 10000 bytes once decompressed (DEALS_MAX_CSV_BYTES)"
    )


def test_the_csv_limit_counts_a_plain_file_too(client, loaded, settings, sample_csv):
    settings.DEALS_MAX_CSV_BYTES = len(sample_csv) - 1
    assert refused(client, sample_csv, loaded, status=413).endswith("(DEALS_MAX_CSV_BYTES)")


def test_a_bomb_is_recorded_as_what_the_client_was_told(client, loaded, settings, sample_csv):
    settings.DEALS_MAX_CSV_BYTES = 10_000
    desc = refused(client, zstandard.ZstdCompressor().compress(sample_csv * 3), loaded, status=413)
    assert Upload.objects.latest("id").error == desc


LONG = csv_of(*[(f"c{n}", "Opal", n) for n in range(20_000)])


@pytest.mark.parametrize(
    ("compressed", "kind"),
    [(gzip.compress(LONG), "gzip"), (zstandard.ZstdCompressor().compress(LONG), "zstd")],
    ids=["gzip", "zstd"],
)
def test_a_compressed_file_cut_short_is_refused_naming_where_it_ends(client, loaded, compressed, kind):
    desc = refused(client, compressed[: len(compressed) // 2], loaded)
    assert desc.startswith(f"the {kind} data ends early, in line ")
    assert desc.endswith(" of the CSV: the file was cut short; compress it again")


@pytest.mark.parametrize(
    ("compressed", "kind"),
    [(gzip.compress(LONG), "gzip"), (zstandard.ZstdCompressor(write_checksum=True).compress(LONG), "zstd")],
    ids=["gzip", "zstd"],
)
def test_damaged_compressed_data_is_refused_naming_the_line(client, loaded, compressed, kind):
    """The zstd command line writes a checksum of the content (as gzip always does), so damage is found."""
    middle = len(compressed) // 2
    damaged = (
        compressed[:middle] + bytes(b ^ 0x5A for b in compressed[middle : middle + 64]) + compressed[middle + 64 :]
    )
    desc = refused(client, damaged, loaded)
    assert desc.startswith(f"the {kind} data is damaged (")
    assert " after line " in desc


def test_a_gzip_with_a_damaged_trailer_is_refused(client, loaded, sample_csv):
    compressed = bytearray(gzip.compress(sample_csv))
    compressed[-8] ^= 0xFF  # the CRC-32 of the content
    assert refused(client, bytes(compressed), loaded).startswith("the gzip data is damaged (")


def test_a_file_compressed_twice_is_refused(client, loaded, sample_csv):
    assert refused(client, gzip.compress(gzip.compress(sample_csv)), loaded) == messages.COMPRESSED_TWICE


def zip_of(entries: dict[str, bytes]) -> bytes:
    out = io.BytesIO()
    with zipfile.ZipFile(out, "w") as archive:
        for name, data in entries.items():
            archive.writestr(name, data)
    return out.getvalue()


def tar_gz_of(name: str, data: bytes) -> bytes:
    import tarfile

    out = io.BytesIO()
    with tarfile.open(fileobj=out, mode="w:gz") as archive:
        info = tarfile.TarInfo(name)
        info.size = len(data)
        archive.addfile(info, io.BytesIO(data))
    return out.getvalue()


SAVE_AS_CSV = 'save the data as CSV ("CSV UTF-8" in Excel, "Text CSV" in LibreOffice) and upload that'
UNZIP = "extract deals.csv from it and upload that (plain, gzip or zstd)"
RECOMPRESS = "only gzip and zstd are accepted: upload deals.csv plain, or compressed with gzip or zstd"
NOT_CSV = [
    ("zip", lambda csv: zip_of({"deals.csv": csv}), f"this is a zip archive, not a CSV file; {UNZIP}"),
    (
        "xlsx",
        lambda csv: zip_of({"[Content_Types].xml": b"<Types/>", "xl/workbook.xml": b"<workbook/>"}),
        f"this is an Excel workbook (.xlsx), not a CSV file; {SAVE_AS_CSV}",
    ),
    (
        "ods",
        lambda csv: zip_of({"mimetype": b"application/vnd.oasis.opendocument.spreadsheet"}),
        f"this is an OpenDocument spreadsheet (.ods), not a CSV file; {SAVE_AS_CSV}",
    ),
    (
        "xls",
        lambda csv: b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(504),
        f"this is an Excel 97-2003 workbook (.xls) or another Office document, not a CSV file; {SAVE_AS_CSV}",
    ),
    ("xz", lambda csv: __import__("lzma").compress(csv), f"this is xz-compressed data, not a CSV file; {RECOMPRESS}"),
    (
        "bzip2",
        lambda csv: __import__("bz2").compress(csv),
        f"this is bzip2-compressed data, not a CSV file; {RECOMPRESS}",
    ),
    ("pdf", lambda csv: b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n", f"this is a PDF document, not a CSV file; {SAVE_AS_CSV}"),
    ("jpeg", lambda csv: b"\xff\xd8\xff\xe0\x00\x10JFIF\x00", f"this is an image, not a CSV file; {SAVE_AS_CSV}"),
    ("tar.gz", lambda csv: tar_gz_of("deals.csv", csv), f"this is a tar archive, not a CSV file; {UNZIP}"),
    (
        "gzipped zip",
        lambda csv: gzip.compress(zip_of({"deals.csv": csv})),
        f"this is a zip archive, not a CSV file; {UNZIP}",
    ),
]


@pytest.mark.parametrize(("make", "desc"), [case[1:] for case in NOT_CSV], ids=[case[0] for case in NOT_CSV])
def test_a_file_that_is_not_a_csv_is_named_with_what_to_send_instead(client, loaded, sample_csv, make, desc):
    assert refused(client, make(sample_csv), loaded) == desc


@pytest.mark.parametrize(
    ("compressed", "kind"),
    [(gzip.compress(LONG), "gzip"), (zstandard.ZstdCompressor().compress(LONG), "zstd")],
    ids=["gzip", "zstd"],
)
def test_garbage_after_the_compressed_data_is_refused_and_nothing_loads(client, loaded, compressed, kind):
    desc = refused(client, compressed + b"not compressed", loaded)
    assert desc.startswith(f"the {kind} data is damaged (")
    last_line = LONG.count(b"\n") + 1  # the data ends after the last line's break
    assert desc.endswith(f"after line {last_line} of the CSV; compress the CSV again")


# What an intake that knows the HTTP Content-Encoding (a raw request body) passes on.


@pytest.mark.parametrize("content_encoding", ["gzip", "x-gzip", "GZIP"])
def test_a_declared_gzip_encoding_loads(client, sample_csv, content_encoding):
    from deals.uploads.services import upload_record

    upload_record(file=io.BytesIO(gzip.compress(sample_csv)), name="body", content_encoding=content_encoding)
    assert report(client) == SAMPLE_ANSWER


def test_a_body_that_is_not_in_its_declared_content_encoding_is_refused(client, loaded, sample_csv):
    from deals.api.statuses import http_status
    from deals.errors import UploadError
    from deals.uploads.services import upload_record

    with pytest.raises(UploadError) as refusal:
        upload_record(file=io.BytesIO(sample_csv), name="body", content_encoding="zstd")
    assert (http_status(refusal.value.kind), refusal.value.desc) == (
        400,
        "the upload declares Content-Encoding zstd but is not zstd data; send it as it is without the header",
    )
    assert report(client) == SAMPLE_ANSWER


def test_an_unsupported_content_encoding_is_refused(client, loaded, sample_csv):
    from deals.errors import UploadError
    from deals.uploads.services import upload_record

    with pytest.raises(UploadError) as refusal:
        upload_record(file=io.BytesIO(sample_csv), name="body", content_encoding="br")
    assert refusal.value.desc == 'Content-Encoding "br" is not accepted; send the CSV as it is, gzip or zstd'
    assert Upload.objects.latest("id").error == refusal.value.desc
    assert report(client) == SAMPLE_ANSWER

"""The zip check shared by evidence uploads and the questionnaire import: limits read from the central
directory (nothing inflated), nested archives checked once and refused deeper."""

import gzip
import io
import zipfile

import pytest
from django.core.exceptions import ValidationError

from smartcity.zip_limits import check_zip

MB = 1024 * 1024


def zip_of(members: dict[str, bytes]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, data in members.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def declaring(data: bytes, name: str, size: int) -> bytes:
    """The zip with the uncompressed size of entry `name` changed in its central directory only
    (a bomb can claim any size; the check must believe the directory, not inflate)."""
    with zipfile.ZipFile(io.BytesIO(data)) as archive:
        info = archive.getinfo(name)
    start = data.index(b"PK\x01\x02")
    while True:
        name_length = int.from_bytes(data[start + 28 : start + 30], "little")
        extra_length = int.from_bytes(data[start + 30 : start + 32], "little")
        comment_length = int.from_bytes(data[start + 32 : start + 34], "little")
        if data[start + 46 : start + 46 + name_length].decode() == info.filename:
            return data[: start + 24] + size.to_bytes(4, "little") + data[start + 28 :]
        start += 46 + name_length + extra_length + comment_length


def test_a_small_archive_within_the_limits_passes_and_its_entries_are_returned():
    data = zip_of({"a.xml": b"<a/>", "b.xml": b"<b/>"})

    infos = check_zip(io.BytesIO(data), max_bytes=MB, max_entries=2)

    assert [info.filename for info in infos] == ["a.xml", "b.xml"]


def test_an_archive_that_unpacks_beyond_the_limit_is_refused_with_the_limit_in_mb():
    # given: 3 MB of zeros deflate to a few kilobytes
    data = zip_of({"word/document.xml": b"\0" * (3 * MB)})
    assert len(data) < 10_000

    # when
    with pytest.raises(ValidationError) as error:
        check_zip(io.BytesIO(data), max_bytes=2 * MB, max_entries=100)

    # then
    assert error.value.code == "zip_too_large"
    assert error.value.messages == ["Die Datei ist entpackt zu groß: erlaubt sind höchstens 2 MB."]


def test_the_declared_size_of_the_central_directory_decides_without_inflating():
    # given: 1 KB of real data that claims 1 GiB
    data = declaring(zip_of({"xl/sharedStrings.xml": b"x" * 1024}), "xl/sharedStrings.xml", 1024**3)

    # when
    with pytest.raises(ValidationError) as error:
        check_zip(io.BytesIO(data), max_bytes=200 * MB, max_entries=100)

    # then
    assert error.value.code == "zip_too_large"
    assert error.value.messages == ["Die Datei ist entpackt zu groß: erlaubt sind höchstens 200 MB."]


def test_an_archive_with_too_many_entries_is_refused():
    data = zip_of({f"part{index}.xml": b"<p/>" for index in range(11)})

    with pytest.raises(ValidationError) as error:
        check_zip(io.BytesIO(data), max_bytes=MB, max_entries=10)

    assert error.value.code == "zip_too_many_entries"
    assert error.value.messages == ["Die Datei besteht aus zu vielen Teilen: erlaubt sind höchstens 10."]


def test_an_embedded_archive_counts_with_its_own_entries_and_sizes():
    # given: a document with an embedded workbook (as Word stores a chart's data) that unpacks to 3 MB
    inner = zip_of({"xl/workbook.xml": b"\0" * (3 * MB)})
    data = zip_of({"word/document.xml": b"<w/>", "word/embeddings/Chart.xlsx": inner})

    # when / then: fine under 4 MB, too large under 2 MB although the outer directory says a few KB
    assert len(check_zip(io.BytesIO(data), max_bytes=4 * MB, max_entries=10)) == 2
    with pytest.raises(ValidationError) as error:
        check_zip(io.BytesIO(data), max_bytes=2 * MB, max_entries=10)
    assert error.value.code == "zip_too_large"


def test_the_entries_of_an_embedded_archive_count_against_the_entry_limit():
    inner = zip_of({f"p{index}.xml": b"<p/>" for index in range(5)})
    data = zip_of({"word/document.xml": b"<w/>", "word/embeddings/a.xlsx": inner})

    with pytest.raises(ValidationError) as error:
        check_zip(io.BytesIO(data), max_bytes=MB, max_entries=6)

    assert error.value.code == "zip_too_many_entries"


@pytest.mark.parametrize(
    "embedded",
    [
        pytest.param(zip_of({"deeper.zip": zip_of({"x": b"x"})}), id="zip-in-zip-in-zip"),
        pytest.param(gzip.compress(b"\0" * 1000), id="gzip"),
    ],
)
def test_archives_nested_deeper_or_of_other_formats_are_refused(embedded):
    data = zip_of({"word/document.xml": b"<w/>", "word/media/image1.bin": embedded})

    with pytest.raises(ValidationError) as error:
        check_zip(io.BytesIO(data), max_bytes=MB, max_entries=100)

    assert error.value.code == "zip_nested"
    assert error.value.messages == [
        "Die Datei enthält ein weiteres Archiv (z. B. ZIP oder GZIP); das ist nicht erlaubt."
    ]


def test_a_broken_archive_raises_bad_zip_file_for_the_caller_to_word():
    with pytest.raises(zipfile.BadZipFile):
        check_zip(io.BytesIO(b"PK\x03\x04 not a zip"), max_bytes=MB, max_entries=10)

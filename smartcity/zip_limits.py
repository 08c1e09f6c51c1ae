"""Zip archives checked against limits before anything reads them: the unpacked size and the number of
entries from the central directory (nothing is inflated), embedded archives one level deep.

Shared by the evidence upload (DOCX, XLSX) and the questionnaire import (XLSX). Python's zipfile never
inflates an entry beyond the size its directory declares, so the declared sizes bound what any later
reader of the same file (openpyxl, the type check) can unpack.
"""

import zipfile
from dataclasses import dataclass
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.utils.formats import number_format
from django.utils.translation import gettext as _

ZIP_MAGIC = b"PK\x03\x04"
# Other compressed formats: inside a document they can only be a bomb's next stage (gzip, bzip2, xz,
# 7-Zip, RAR, zstd).
OTHER_ARCHIVE_MAGIC = (
    b"\x1f\x8b",
    b"BZh",
    b"\xfd7zXZ\x00",
    b"7z\xbc\xaf\x27\x1c",
    b"Rar!\x1a\x07",
    b"\x28\xb5\x2f\xfd",
)


def megabytes(size: int) -> str:
    """A byte count in MB (1024²), three significant digits, in the active language: 10485760 -> "10"."""
    return number_format(Decimal(f"{size / (1024 * 1024):.3g}"))


@dataclass
class _Budget:
    bytes_left: int
    entries_left: int
    max_bytes: int
    max_entries: int

    def spend(self, infos: list[zipfile.ZipInfo]) -> None:
        self.entries_left -= len(infos)
        if self.entries_left < 0:
            raise ValidationError(
                _("Die Datei besteht aus zu vielen Teilen: erlaubt sind höchstens %(limit)s.")
                % {"limit": self.max_entries},
                code="zip_too_many_entries",
            )
        self.bytes_left -= sum(info.file_size for info in infos)
        if self.bytes_left < 0:
            raise ValidationError(
                _("Die Datei ist entpackt zu groß: erlaubt sind höchstens %(limit)s MB.")
                % {"limit": megabytes(self.max_bytes)},
                code="zip_too_large",
            )


def _nested() -> ValidationError:
    return ValidationError(
        _("Die Datei enthält ein weiteres Archiv (z. B. ZIP oder GZIP); das ist nicht erlaubt."), code="zip_nested"
    )


def check_zip(file, *, max_bytes: int, max_entries: int) -> list[zipfile.ZipInfo]:
    """The entries of the zip in `file` (a seekable binary file), once it is known to unpack to at most
    `max_bytes` in at most `max_entries` entries.

    An embedded zip (Word keeps a chart's data as an embedded workbook) is checked the same way, its
    entries and sizes counted against the same limits; a zip inside that, or any other compressed format
    inside the archive, is refused. Only each entry's first bytes are inflated (and an embedded zip, up to
    its declared size, to read its directory). Raises ValidationError (codes "zip_too_many_entries",
    "zip_too_large", "zip_nested"); a file that is no readable zip raises zipfile.BadZipFile (or the
    error zipfile gives: encrypted or unsupported entries), for the caller to word.
    """
    budget = _Budget(bytes_left=max_bytes, entries_left=max_entries, max_bytes=max_bytes, max_entries=max_entries)
    file.seek(0)
    with zipfile.ZipFile(file) as archive:
        return _check_archive(archive, budget, depth=0)


def _check_archive(archive: zipfile.ZipFile, budget: _Budget, *, depth: int) -> list[zipfile.ZipInfo]:
    infos = archive.infolist()
    budget.spend(infos)
    for info in infos:
        if info.is_dir() or info.file_size == 0:
            continue
        with archive.open(info) as member:
            head = member.read(8)
            if head.startswith(OTHER_ARCHIVE_MAGIC) or (head.startswith(ZIP_MAGIC) and depth > 0):
                raise _nested()
            if head.startswith(ZIP_MAGIC):
                # The member is seekable (zipfile re-reads it from its start when seeking back), so its
                # directory is read without holding it in memory; it inflates at most its declared size.
                with zipfile.ZipFile(member) as embedded:
                    _check_archive(embedded, budget, depth=depth + 1)
    return infos

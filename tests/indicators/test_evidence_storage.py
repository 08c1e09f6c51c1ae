"""Evidence files and their storage (issue 15, items 3 and 10): a full or read-only storage gives a message
and leaves nothing half-written, the periodic reaper removes stored files no row points to, and zip-based
documents are checked against their unpacked size and entry count before they are accepted."""

import errno
import io
import os
import time
import zipfile
from datetime import timedelta
from decimal import Decimal

import pytest
from django.conf import settings as django_settings
from django.core.exceptions import ValidationError
from django.core.files.storage import FileSystemStorage
from django.db import transaction
from django.urls import reverse
from django.utils import timezone

from indicators.models import OFFICIAL_FOLDER, OFFICIAL_PENDING_FOLDER, EvidenceFile
from indicators.services.evidence import evidence_file_add, evidence_orphans_reap
from indicators.tasks import evidence_orphans_reap_task
from tests.factories import AnswerFactory, parameter
from tests.indicators.test_evidence import docx_bytes, pdf_bytes, stored_files, upload, xlsx_bytes, zip_bytes

MB = 1024 * 1024
STORAGE_FULL = (
    "Die Datei konnte nicht gespeichert werden: Der Speicherplatz ist voll. Bitte versuchen Sie es später "
    "noch einmal; bleibt der Fehler, wenden Sie sich an die Redaktion."
)
STORAGE_READ_ONLY = (
    "Die Datei konnte nicht gespeichert werden: Der Speicher nimmt gerade keine Dateien an. Bitte versuchen "
    "Sie es später noch einmal; bleibt der Fehler, wenden Sie sich an die Redaktion."
)


class FullDisk(FileSystemStorage):
    """A local disk that fills up after 64 KB: they are on disk when the write fails, as with os.write's
    ENOSPC."""

    def _save(self, name, content):
        chunks = content.chunks

        def first_64_kb_then_full(chunk_size=None):
            for chunk in chunks(chunk_size):
                yield chunk[: 64 * 1024]
                raise OSError(errno.ENOSPC, os.strerror(errno.ENOSPC))

        content.chunks = first_64_kb_then_full
        return super()._save(name, content)


class ReadOnly(FileSystemStorage):
    """A disk mounted read-only: creating the file fails, and so does deleting one."""

    def _save(self, name, content):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), self.path(name))

    def delete(self, name):
        raise OSError(errno.EROFS, os.strerror(errno.EROFS), self.path(name))


@pytest.fixture(autouse=True)
def evidence_dir(tmp_path, settings, monkeypatch):
    settings.MEDIA_ROOT = tmp_path / "media"
    directory = tmp_path / "evidence"
    monkeypatch.setattr(EvidenceFile._meta.get_field("file"), "storage", FileSystemStorage(location=directory))
    return directory


@pytest.fixture
def answer(edition, city):
    return AnswerFactory(parameter=parameter(edition, "busse"), city=city, value_number=Decimal(50))


def use_storage(monkeypatch, storage) -> None:
    monkeypatch.setattr(EvidenceFile._meta.get_field("file"), "storage", storage)


def big_pdf() -> bytes:
    """A PDF of about 200 KB, so that a write can fail in the middle."""
    return pdf_bytes() + b"%" * (3 * 64 * 1024)


def age(directory, name: str, *, hours: float) -> None:
    """Set a stored file's modification time `hours` into the past."""
    then = time.time() - hours * 3600
    os.utime(directory / name, (then, then))


# --- Full or read-only storage -------------------------------------------------------------------


def test_a_full_disk_mid_write_gives_a_message_and_leaves_no_row_and_no_partial_file(
    staff, answer, evidence_dir, monkeypatch
):
    # given
    use_storage(monkeypatch, FullDisk(location=evidence_dir))

    # when
    with pytest.raises(ValidationError) as refused:
        evidence_file_add(user=staff, answer=answer, uploaded=upload("bericht.pdf", big_pdf()))

    # then
    assert refused.value.message_dict == {"file": [STORAGE_FULL]}
    assert refused.value.error_dict["file"][0].code == "storage_full"
    assert stored_files(evidence_dir) == []
    assert EvidenceFile.objects.count() == 0
    answer.refresh_from_db()
    assert (answer.version, answer.history.count()) == (1, 1)


def test_a_read_only_storage_gives_a_message_and_stores_nothing(staff, answer, evidence_dir, monkeypatch):
    # given
    use_storage(monkeypatch, ReadOnly(location=evidence_dir))

    # when
    with pytest.raises(ValidationError) as refused:
        evidence_file_add(user=staff, answer=answer, uploaded=upload("bericht.pdf", pdf_bytes()))

    # then
    assert refused.value.message_dict == {"file": [STORAGE_READ_ONLY]}
    assert stored_files(evidence_dir) == []
    assert EvidenceFile.objects.count() == 0
    answer.refresh_from_db()
    assert answer.version == 1


@pytest.mark.parametrize(
    ("storage_class", "message"),
    [pytest.param(FullDisk, STORAGE_FULL, id="full"), pytest.param(ReadOnly, STORAGE_READ_ONLY, id="read-only")],
)
def test_the_portal_upload_shows_the_storage_message_instead_of_a_server_error(
    client, staff, answer, evidence_dir, monkeypatch, storage_class, message
):
    # given
    use_storage(monkeypatch, storage_class(location=evidence_dir))
    client.force_login(staff)
    url = reverse("indicators:evidence_upload", args=[answer.city.slug, answer.edition.year, "busse"])

    # when
    response = client.post(url, {"file": upload("bericht.pdf", big_pdf()), "version": 1})

    # then
    assert response.status_code == 400
    assert message in response.content.decode()
    assert stored_files(evidence_dir) == []
    assert EvidenceFile.objects.count() == 0


# --- The orphan reaper ---------------------------------------------------------------------------


def test_the_reaper_removes_old_orphans_and_keeps_young_orphans_and_every_referenced_file(staff, answer, evidence_dir):
    # given: an old referenced file, an old orphan and a young orphan in the same folder
    referenced = evidence_file_add(user=staff, answer=answer, uploaded=upload("bericht.pdf", pdf_bytes())).file.name
    folder = referenced.rsplit("/", 1)[0]
    storage = EvidenceFile._meta.get_field("file").storage
    old_orphan = storage.save(f"{folder}/{'a' * 32}.pdf", io.BytesIO(pdf_bytes()))
    young_orphan = storage.save(f"evidence/99/98/97/{'b' * 32}.pdf", io.BytesIO(pdf_bytes()))
    age(evidence_dir, referenced, hours=100)
    age(evidence_dir, old_orphan, hours=25)
    age(evidence_dir, young_orphan, hours=23)

    # when
    removed = evidence_orphans_reap()

    # then
    assert removed == [old_orphan]
    assert stored_files(evidence_dir) == sorted([referenced, young_orphan])


def test_the_reaper_removes_old_import_previews_never_confirmed_and_keeps_imported_files(db, evidence_dir):
    # given: an official file previewed 25 hours ago and never confirmed, one previewed an hour ago, and an
    # imported file (official/, outside the pending folder) as old as the first
    storage = EvidenceFile._meta.get_field("file").storage
    old_preview = storage.save(f"{OFFICIAL_PENDING_FOLDER}/7/{'e' * 64}", io.BytesIO(b"register"))
    young_preview = storage.save(f"{OFFICIAL_PENDING_FOLDER}/7/{'f' * 64}", io.BytesIO(b"register"))
    imported = storage.save(f"{OFFICIAL_FOLDER}/1/2/{'0' * 16}-register.xlsx", io.BytesIO(b"register"))
    age(evidence_dir, old_preview, hours=25)
    age(evidence_dir, young_preview, hours=1)
    age(evidence_dir, imported, hours=25)

    # when
    removed = evidence_orphans_reap()

    # then
    assert removed == [old_preview]
    assert stored_files(evidence_dir) == sorted([imported, young_preview])


def test_the_grace_period_is_a_setting_of_24_hours(settings, staff, answer, evidence_dir):
    # given
    assert django_settings.EVIDENCE_ORPHAN_GRACE_HOURS == 24
    storage = EvidenceFile._meta.get_field("file").storage
    orphan = storage.save(f"evidence/1/2/3/{'c' * 32}.pdf", io.BytesIO(pdf_bytes()))
    age(evidence_dir, orphan, hours=3)

    # when / then
    assert evidence_orphans_reap() == []
    settings.EVIDENCE_ORPHAN_GRACE_HOURS = 2
    assert evidence_orphans_reap() == [orphan]
    assert stored_files(evidence_dir) == []


def test_the_file_of_a_rolled_back_upload_is_reaped(staff, answer, evidence_dir):
    # given: the upload succeeded, but the transaction around it rolled back
    class Abandoned(Exception):
        pass

    with pytest.raises(Abandoned), transaction.atomic():
        evidence_file_add(user=staff, answer=answer, uploaded=upload("bericht.pdf", pdf_bytes()))
        raise Abandoned
    assert EvidenceFile.objects.count() == 0
    (left_behind,) = stored_files(evidence_dir)
    age(evidence_dir, left_behind, hours=25)

    # when
    removed = evidence_orphans_reap()

    # then
    assert removed == [left_behind]
    assert stored_files(evidence_dir) == []


def test_the_reaper_task_reaps_and_is_scheduled_by_beat(staff, answer, evidence_dir):
    # given
    storage = EvidenceFile._meta.get_field("file").storage
    orphan = storage.save(f"evidence/1/2/3/{'d' * 32}.pdf", io.BytesIO(pdf_bytes()))
    age(evidence_dir, orphan, hours=48)

    # when
    result = evidence_orphans_reap_task()
    again = evidence_orphans_reap_task()

    # then: idempotent, and beat runs it by its registered name
    assert (result, again) == ({"removed": 1}, {"removed": 0})
    assert stored_files(evidence_dir) == []
    schedule = {entry["task"]: entry["schedule"] for entry in django_settings.CELERY_BEAT_SCHEDULE.values()}
    assert schedule["indicators.tasks.evidence_orphans_reap_task"] == 3600


def test_the_reaper_only_looks_at_the_evidence_folder_and_ignores_a_missing_storage_root(tmp_path, monkeypatch):
    # given: a file outside evidence/ (not ours to judge) and no evidence folder at all
    storage = FileSystemStorage(location=tmp_path / "elsewhere")
    use_storage(monkeypatch, storage)
    assert evidence_orphans_reap() == []
    other = storage.save("backup/dump.sql", io.BytesIO(b"--"))
    age(tmp_path / "elsewhere", other, hours=100)

    # when / then
    assert evidence_orphans_reap() == []
    assert (tmp_path / "elsewhere" / other).exists()


def test_the_reaper_compares_against_the_rows_at_its_own_time(staff, answer, evidence_dir, monkeypatch):
    # given: an old orphan, and a clock an hour ahead
    storage = EvidenceFile._meta.get_field("file").storage
    orphan = storage.save(f"evidence/1/2/3/{'e' * 32}.pdf", io.BytesIO(pdf_bytes()))
    age(evidence_dir, orphan, hours=23.5)

    # when / then
    assert evidence_orphans_reap(now=timezone.now()) == []
    assert evidence_orphans_reap(now=timezone.now() + timedelta(hours=1)) == [orphan]


# --- Zip bombs -----------------------------------------------------------------------------------


def with_parts(document: bytes, parts: dict[str, bytes]) -> bytes:
    """The zip-based document with more parts added."""
    buffer = io.BytesIO(document)
    with zipfile.ZipFile(buffer, "a", zipfile.ZIP_DEFLATED) as archive:
        for name, data in parts.items():
            archive.writestr(name, data)
    return buffer.getvalue()


def docx_with(parts: dict[str, bytes]) -> bytes:
    return with_parts(docx_bytes(), parts)


def test_the_default_limits_are_200_mb_unpacked_and_5000_entries():
    assert django_settings.EVIDENCE_MAX_UNCOMPRESSED_BYTES == 200 * MB
    assert django_settings.EVIDENCE_MAX_ARCHIVE_ENTRIES == 5000


@pytest.mark.parametrize(
    ("name", "document", "part"),
    [
        pytest.param("bombe.docx", docx_bytes, "word/media/bild.bin", id="docx"),
        pytest.param("bombe.xlsx", xlsx_bytes, "xl/media/image1.bin", id="xlsx"),
    ],
)
def test_a_document_that_unpacks_beyond_the_limit_is_refused_and_nothing_is_stored(
    staff, answer, evidence_dir, settings, name, document, part
):
    # given: 3 MB of zeros in a file of a few kilobytes
    settings.EVIDENCE_MAX_UNCOMPRESSED_BYTES = 2 * MB
    content = with_parts(document(), {part: b"\0" * (3 * MB)})
    assert len(content) < 20_000

    # when
    with pytest.raises(ValidationError) as refused:
        evidence_file_add(user=staff, answer=answer, uploaded=upload(name, content))

    # then
    assert refused.value.message_dict == {"file": ["Die Datei ist entpackt zu groß: erlaubt sind höchstens 2 MB."]}
    assert stored_files(evidence_dir) == []
    assert EvidenceFile.objects.count() == 0


def test_a_document_of_too_many_parts_is_refused(staff, answer, evidence_dir, settings):
    settings.EVIDENCE_MAX_ARCHIVE_ENTRIES = 10
    content = docx_with({f"word/media/image{index}.png": b"x" for index in range(8)})

    with pytest.raises(ValidationError) as refused:
        evidence_file_add(user=staff, answer=answer, uploaded=upload("viele.docx", content))

    assert refused.value.message_dict == {
        "file": ["Die Datei besteht aus zu vielen Teilen: erlaubt sind höchstens 10."]
    }
    assert stored_files(evidence_dir) == []


def test_a_document_with_an_archive_inside_an_embedded_archive_is_refused(staff, answer, evidence_dir):
    # given: an embedded workbook that holds another zip
    embedded = with_parts(xlsx_bytes(), {"xl/media/deeper.bin": zip_bytes({"x": "x"})})
    content = docx_with({"word/embeddings/Tabelle.xlsx": embedded})

    with pytest.raises(ValidationError) as refused:
        evidence_file_add(user=staff, answer=answer, uploaded=upload("bericht.docx", content))

    assert refused.value.message_dict == {
        "file": ["Die Datei enthält ein weiteres Archiv (z. B. ZIP oder GZIP); das ist nicht erlaubt."]
    }
    assert stored_files(evidence_dir) == []


def test_a_document_with_an_embedded_workbook_within_the_limits_is_accepted(staff, answer, evidence_dir):
    # given: Word keeps a chart's data as an embedded workbook
    content = docx_with({"word/embeddings/Microsoft_Excel_Worksheet.xlsx": xlsx_bytes()})

    # when
    evidence = evidence_file_add(user=staff, answer=answer, uploaded=upload("bericht.docx", content))

    # then
    assert stored_files(evidence_dir) == [evidence.file.name]

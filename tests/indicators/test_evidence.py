"""Evidence files (DESIGN §4, §7, §9): content-checked uploads, removal, and the protected download."""

import hashlib
import io
import re
import struct
import zipfile
import zlib
from decimal import Decimal

import openpyxl
import pytest
from django.contrib.auth.models import AnonymousUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files.storage import FileSystemStorage
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import DatabaseError
from django.urls import resolve, reverse

from indicators.models import Answer, Edition, EvidenceFile
from indicators.services import ConflictError
from indicators.services.evidence import evidence_file_add, evidence_file_may_view, evidence_file_remove
from indicators.views.evidence import evidence_file_download
from indicators.workflow import WorkflowError
from tests.factories import AnswerFactory, UserFactory, coordinator_of, parameter

Status = Answer.Status
Phase = Edition.Phase

XLSX_TYPE = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX_TYPE = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
ALLOWED = "Erlaubt sind PDF, PNG, JPEG, XLSX, DOCX und CSV."
UNSUPPORTED = f"Der Inhalt der Datei entspricht keinem erlaubten Dateityp. {ALLOWED}"
EMPTY = "Die Datei ist leer."
MACROS = "Dateien mit Makros sind nicht erlaubt."
OWN_CITY_ONLY = "Sie können nur Antworten Ihrer eigenen Stadt bearbeiten."
NOT_IN_THIS_PHASE = "In dieser Phase der Ausgabe können Sie diese Antwort nicht ändern."
SUBMITTED_IS_LOCKED = "Die Antwort ist eingereicht und wird gerade geprüft."
DOWNLOAD_CSP = "default-src 'none'; sandbox"


# --- Sample files, generated here (a few hundred bytes each) ------------------------------------


def pdf_bytes() -> bytes:
    return (
        b"%PDF-1.4\n"
        b"1 0 obj <</Type /Catalog /Pages 2 0 R>> endobj\n"
        b"2 0 obj <</Type /Pages /Kids [] /Count 0>> endobj\n"
        b"trailer <</Root 1 0 R>>\n"
        b"%%EOF\n"
    )


def png_bytes() -> bytes:
    """A real 1×1 pixel PNG (signature, IHDR, IDAT, IEND with their CRCs)."""

    def chunk(kind: bytes, data: bytes) -> bytes:
        return struct.pack(">I", len(data)) + kind + data + struct.pack(">I", zlib.crc32(kind + data))

    header = struct.pack(">IIBBBBB", 1, 1, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"\x00\x00\x80\xff"))
        + chunk(b"IEND", b"")
    )


def jpeg_bytes() -> bytes:
    """The frame of a JFIF JPEG: start-of-image, the JFIF APP0 segment, end-of-image."""
    return b"\xff\xd8\xff\xe0\x00\x10JFIF\x00\x01\x01\x00\x00\x01\x00\x01\x00\x00\xff\xd9"


def xlsx_bytes(*, macros: bool = False) -> bytes:
    workbook = openpyxl.Workbook()
    workbook.active.append(["Stadt", "Ladepunkte"])
    workbook.active.append(["Bochum", 120])
    buffer = io.BytesIO()
    workbook.save(buffer)
    if not macros:
        return buffer.getvalue()
    with zipfile.ZipFile(buffer, "a") as archive:
        archive.writestr("xl/vbaProject.bin", b"\xd0\xcf\x11\xe0macro")
    return buffer.getvalue()


def zip_bytes(members: dict[str, str]) -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for name, text in members.items():
            archive.writestr(name, text)
    return buffer.getvalue()


def docx_bytes() -> bytes:
    return zip_bytes(
        {
            "[Content_Types].xml": '<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/'
            'package/2006/content-types"/>',
            "_rels/.rels": '<?xml version="1.0"?><Relationships/>',
            "word/document.xml": '<?xml version="1.0"?><w:document><w:body><w:p>Ratsbeschluss</w:p></w:body>'
            "</w:document>",
        }
    )


def csv_bytes() -> bytes:
    return b"Stadt;Ladepunkte\nBochum;120\nEssen;98\n"


ELF = b"\x7fELF\x02\x01\x01\x00" + b"\x00" * 8 + b"\x02\x00\x3e\x00" + b"\x00" * 44
WINDOWS_EXE = b"MZ\x90\x00\x03\x00\x00\x00\x04\x00\x00\x00\xff\xff" + b"\x00" * 50 + b"PE\x00\x00"
HTML = b"<!DOCTYPE html><html><body><script>alert(document.cookie)</script></body></html>"
SVG = b'<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>'


def upload(name: str, content: bytes, content_type: str = "application/pdf") -> SimpleUploadedFile:
    """An upload as Django hands it to a view; the browser's content type is never trusted."""
    return SimpleUploadedFile(name, content, content_type=content_type)


def stored_files(directory) -> list[str]:
    return sorted(p.relative_to(directory).as_posix() for p in directory.rglob("*") if p.is_file())


# --- Fixtures ----------------------------------------------------------------------------------


@pytest.fixture(autouse=True)
def evidence_dir(tmp_path, settings, monkeypatch):
    """Evidence goes to a fresh folder per test (whichever storage the model field names)."""
    settings.MEDIA_ROOT = tmp_path / "media"
    directory = tmp_path / "evidence"
    monkeypatch.setattr(EvidenceFile._meta.get_field("file"), "storage", FileSystemStorage(location=directory))
    return directory


@pytest.fixture
def answer(edition, city):
    return AnswerFactory(parameter=parameter(edition, "busse"), city=city, value_number=Decimal(50))


# --- Accepted uploads --------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "content_type", "extension"),
    [
        pytest.param("Bericht.pdf", pdf_bytes(), "application/pdf", "pdf", id="pdf"),
        pytest.param("karte.png", png_bytes(), "image/png", "png", id="png"),
        pytest.param("foto.jpg", jpeg_bytes(), "image/jpeg", "jpg", id="jpg"),
        pytest.param("Foto.JPEG", jpeg_bytes(), "image/jpeg", "jpg", id="jpeg-upper-case"),
        pytest.param("ladepunkte.xlsx", xlsx_bytes(), XLSX_TYPE, "xlsx", id="xlsx"),
        pytest.param("beschluss.docx", docx_bytes(), DOCX_TYPE, "docx", id="docx"),
        pytest.param("ladepunkte.csv", csv_bytes(), "text/csv", "csv", id="csv"),
    ],
)
def test_each_allowed_type_is_stored_with_its_content_type_size_and_sha256(
    staff, answer, evidence_dir, tmp_path, name, content, content_type, extension
):
    # when
    evidence = evidence_file_add(user=staff, answer=answer, uploaded=upload(name, content, "text/html"))

    # then
    evidence.refresh_from_db()
    assert (evidence.answer, evidence.original_name, evidence.content_type, evidence.size, evidence.uploaded_by) == (
        answer,
        name,
        content_type,
        len(content),
        staff,
    )
    assert evidence.sha256 == hashlib.sha256(content).hexdigest()
    folder = f"evidence/{answer.edition_id}/{answer.city_id}/{answer.parameter_id}"
    assert re.fullmatch(rf"{folder}/[0-9a-f]{{32}}\.{extension}", evidence.file.name)
    assert stored_files(evidence_dir) == [evidence.file.name]
    assert (evidence_dir / evidence.file.name).read_bytes() == content
    assert not (tmp_path / "media").exists()  # nothing under the public media root


@pytest.mark.parametrize(
    "content",
    [
        # UTF-8 with a byte order mark, as Excel writes it
        pytest.param("\ufeffStadt;Einwohner\nMünchen;1.510.378\n".encode(), id="utf8-bom"),
        pytest.param("Stadt;Straßenlaternen\nKöln;85000\n".encode("cp1252"), id="windows-1252"),
        pytest.param(b"Stadt,Einwohner\r\nBochum,364454\r\n", id="comma-crlf"),
        pytest.param(b"Ladepunkte\n120\n98\n", id="one-column"),
        # Text that begins with another format's magic number ("BM" bitmap, "MZ" Windows program, "ID3" MP3)
        pytest.param(b"BMW;Ladepunkte\nBochum;3\n", id="starts-like-bmp"),
        pytest.param(b"MZ-Nummer;Wert\n17;3\n", id="starts-like-exe"),
        pytest.param(b"ID3;Wert\n1;2\n", id="starts-like-mp3"),
    ],
)
def test_csv_is_accepted_in_utf8_or_windows_1252_with_any_delimiter_or_one_column(staff, answer, content):
    evidence = evidence_file_add(user=staff, answer=answer, uploaded=upload("daten.csv", content))

    assert (evidence.content_type, evidence.size) == ("text/csv", len(content))


def test_a_csv_larger_than_one_read_chunk_is_checked_to_its_end(staff, answer):
    # given: valid text for 200 KB, then a NUL byte (binary data wearing a .csv name)
    content = b"Stadt;Wert\n" + b"Bochum;1\n" * 25_000 + b"\x00"

    # when
    with pytest.raises(ValidationError) as refused:
        evidence_file_add(user=staff, answer=answer, uploaded=upload("daten.csv", content))

    # then
    assert refused.value.message_dict == {"file": [UNSUPPORTED]}


# --- Refused uploads: a clear message, and nothing changes --------------------------------------


@pytest.mark.parametrize(
    ("name", "content", "message"),
    [
        pytest.param("bericht.pdf", ELF, UNSUPPORTED, id="renamed-executable-elf"),
        pytest.param("bericht.pdf", WINDOWS_EXE, UNSUPPORTED, id="renamed-windows-exe"),
        pytest.param(
            "tabelle.xlsx", WINDOWS_EXE + zip_bytes({"xl/workbook.xml": ""}), UNSUPPORTED, id="self-extracting-zip"
        ),
        pytest.param("bericht.pdf", HTML, UNSUPPORTED, id="html-named-pdf"),
        pytest.param(
            "bericht.pdf",
            b" \r\n\t<HTML><body>Bericht</body></HTML>",
            UNSUPPORTED,
            id="html-after-whitespace-upper-case",
        ),
        pytest.param("daten.csv", "\ufeff<!doctype html><p>x</p>".encode(), UNSUPPORTED, id="html-after-bom-named-csv"),
        pytest.param("daten.csv", SVG, UNSUPPORTED, id="svg-named-csv"),
        pytest.param("daten.csv", b'<?xml version="1.0"?><root/>', UNSUPPORTED, id="xml-named-csv"),
        pytest.param("daten.csv", b"Stadt;Wert\nBochum;\x00\x01\x02", UNSUPPORTED, id="binary-named-csv"),
        pytest.param("daten.csv", b"Stadt;Wert\n\x81\x8d\x8f\x90\x9d", UNSUPPORTED, id="undecodable-named-csv"),
        pytest.param("daten.csv", b"GIF89a\x01\x00\x01\x00\x00\x00\x00;", UNSUPPORTED, id="gif-named-csv"),
        pytest.param("daten.csv", b" \n\t\r\n", EMPTY, id="blank-csv"),
        pytest.param(
            "tabelle.xlsx", zip_bytes({"bericht.txt": "kein Office"}), UNSUPPORTED, id="random-zip-named-xlsx"
        ),
        pytest.param(
            "tabelle.xlsx", zip_bytes({"xl/workbook.xml": "<workbook/>"}), UNSUPPORTED, id="zip-without-content-types"
        ),
        pytest.param("tabelle.xlsx", b"PK\x03\x04" + b"\x00" * 40, UNSUPPORTED, id="broken-zip"),
        pytest.param(
            "tabelle.xlsx",
            zip_bytes({"[Content_Types].xml": "<Types/>", "xl/workbook.xml": "", "word/document.xml": ""}),
            UNSUPPORTED,
            id="zip-claiming-to-be-both-xlsx-and-docx",
        ),
        pytest.param("tabelle.xlsx", xlsx_bytes(macros=True), MACROS, id="xlsx-with-macros"),
        pytest.param("beschluss.docx", xlsx_bytes(), "Die Datei ist kein DOCX, sondern XLSX.", id="xlsx-named-docx"),
        pytest.param("tabelle.xlsx", docx_bytes(), "Die Datei ist kein XLSX, sondern DOCX.", id="docx-named-xlsx"),
        pytest.param("bericht.pdf", png_bytes(), "Die Datei ist kein PDF, sondern PNG.", id="png-named-pdf"),
        pytest.param("foto.jpg", png_bytes(), "Die Datei ist kein JPEG, sondern PNG.", id="png-named-jpg"),
        pytest.param("daten.csv", pdf_bytes(), "Die Datei ist kein CSV, sondern PDF.", id="pdf-named-csv"),
        pytest.param("bericht.pdf", csv_bytes(), "Die Datei ist kein PDF, sondern CSV.", id="csv-named-pdf"),
        pytest.param("bericht.pdf", b"", EMPTY, id="empty"),
        pytest.param(
            "bericht.exe", ELF, f"Dateien mit der Endung „.exe“ sind nicht erlaubt. {ALLOWED}", id="exe-extension"
        ),
        pytest.param(
            "seite.html", HTML, f"Dateien mit der Endung „.html“ sind nicht erlaubt. {ALLOWED}", id="html-extension"
        ),
        pytest.param(
            "bild.svg", SVG, f"Dateien mit der Endung „.svg“ sind nicht erlaubt. {ALLOWED}", id="svg-extension"
        ),
        pytest.param(
            "bericht.pdf.exe",
            ELF,
            f"Dateien mit der Endung „.exe“ sind nicht erlaubt. {ALLOWED}",
            id="double-extension",
        ),
        pytest.param("bericht", pdf_bytes(), f"Der Dateiname hat keine Endung. {ALLOWED}", id="no-extension"),
    ],
)
def test_a_file_that_lies_about_its_type_or_is_not_allowed_is_refused_and_nothing_is_stored(
    staff, answer, evidence_dir, tmp_path, name, content, message
):
    # when
    with pytest.raises(ValidationError) as refused:
        evidence_file_add(user=staff, answer=answer, uploaded=upload(name, content))

    # then
    assert refused.value.message_dict == {"file": [message]}
    assert stored_files(evidence_dir) == []
    assert not (tmp_path / "media").exists()
    assert EvidenceFile.objects.count() == 0
    answer.refresh_from_db()
    assert (answer.version, answer.history.count()) == (1, 1)


def test_a_file_over_the_configured_limit_is_refused_with_the_limit_in_mb(staff, answer, evidence_dir, settings):
    # given
    settings.EVIDENCE_MAX_BYTES = 1000
    content = pdf_bytes() + b"%" * (1001 - len(pdf_bytes()))

    # when
    with pytest.raises(ValidationError) as refused:
        evidence_file_add(user=staff, answer=answer, uploaded=upload("bericht.pdf", content))

    # then
    assert refused.value.message_dict == {"file": ["Die Datei ist zu groß: erlaubt sind höchstens 0,000954 MB."]}
    assert stored_files(evidence_dir) == []
    assert EvidenceFile.objects.count() == 0


def test_a_file_of_exactly_the_limit_is_accepted(staff, answer, settings):
    settings.EVIDENCE_MAX_BYTES = 1000
    content = pdf_bytes() + b"%" * (1000 - len(pdf_bytes()))

    evidence = evidence_file_add(user=staff, answer=answer, uploaded=upload("bericht.pdf", content))

    assert evidence.size == 1000


def test_the_default_limit_is_10_mb(staff, answer, evidence_dir):
    # given: one byte more than 10 MB
    content = pdf_bytes() + b"%" * (10 * 1024 * 1024 + 1 - len(pdf_bytes()))

    # when
    with pytest.raises(ValidationError) as refused:
        evidence_file_add(user=staff, answer=answer, uploaded=upload("bericht.pdf", content))

    # then
    assert refused.value.message_dict == {"file": ["Die Datei ist zu groß: erlaubt sind höchstens 10 MB."]}
    assert stored_files(evidence_dir) == []


def test_the_size_is_counted_from_the_bytes_not_taken_from_the_upload(staff, answer, settings):
    # given: an upload object that claims to be small
    settings.EVIDENCE_MAX_BYTES = 1000
    uploaded = upload("bericht.pdf", pdf_bytes() + b"%" * 2000)
    uploaded.size = 10

    # when
    with pytest.raises(ValidationError) as refused:
        evidence_file_add(user=staff, answer=answer, uploaded=uploaded)

    # then
    assert refused.value.message_dict == {"file": ["Die Datei ist zu groß: erlaubt sind höchstens 0,000954 MB."]}


# --- Names, history, version -------------------------------------------------------------------


def test_the_original_name_is_cleaned_and_never_used_as_the_storage_path(staff, answer):
    # given: a Windows path, a right-to-left override that disguises the name, a tab and a newline
    name = "C:\\Users\\amt\\..\\Haushalt\u202e\t2024\n.pdf"

    # when
    evidence = evidence_file_add(user=staff, answer=answer, uploaded=upload(name, pdf_bytes()))

    # then
    assert evidence.original_name == "Haushalt 2024 .pdf"
    assert "Haushalt" not in evidence.file.name


def test_a_long_original_name_is_shortened_to_255_characters_keeping_the_extension(staff, answer):
    evidence = evidence_file_add(user=staff, answer=answer, uploaded=upload("Ä" * 300 + ".pdf", pdf_bytes()))

    assert (len(evidence.original_name), evidence.original_name[-6:]) == (255, "ÄÄ.pdf")


def test_adding_a_file_raises_the_answer_version_and_records_who_did_it(staff, answer):
    # when
    evidence = evidence_file_add(user=staff, answer=answer, uploaded=upload("bericht.pdf", pdf_bytes()))

    # then
    answer.refresh_from_db()
    assert (answer.version, answer.status, answer.updated_by) == (2, Status.DRAFT, staff)
    latest = answer.history.first()
    assert (latest.history_user, latest.history_change_reason) == (staff, "Nachweisdatei hinzugefügt: bericht.pdf")
    record = evidence.history.get()
    assert (record.history_type, record.history_user, record.history_change_reason) == ("+", staff, "hochgeladen")


def test_a_stale_form_conflicts_and_stores_nothing(staff, answer, evidence_dir):
    # given: someone else added a file since the form was read (version 1)
    evidence_file_add(user=staff, answer=answer, uploaded=upload("erster.pdf", pdf_bytes()))

    # when
    with pytest.raises(ConflictError):
        evidence_file_add(user=staff, answer=answer, uploaded=upload("zweiter.pdf", pdf_bytes()), expected_version=1)

    # then
    assert list(EvidenceFile.objects.values_list("original_name", flat=True)) == ["erster.pdf"]
    assert len(stored_files(evidence_dir)) == 1


def test_adding_a_file_to_an_approved_answer_returns_it_to_draft_and_recomputes(
    staff, answer, reviewer, django_capture_on_commit_callbacks
):
    # given
    Answer.objects.filter(pk=answer.pk).update(status=Status.APPROVED, reviewed_by=reviewer)

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        evidence_file_add(user=staff, answer=answer, uploaded=upload("neu.pdf", pdf_bytes()))

    # then
    answer.refresh_from_db()
    assert (answer.status, answer.reviewed_by, answer.version) == (Status.DRAFT, None, 2)
    # the parameter's review flags (issue 17) and the edition's recompute, enqueued after commit
    assert [getattr(c, "review_flags_args", None) for c in callbacks] == [
        (answer.edition_id, answer.parameter_id, True),
        None,
    ]


def test_when_the_database_write_fails_the_stored_file_is_deleted(staff, answer, evidence_dir, monkeypatch):
    # given
    def fail(*args, **kwargs):
        raise DatabaseError("Festplatte voll")

    monkeypatch.setattr(EvidenceFile, "save", fail)

    # when
    with pytest.raises(DatabaseError):
        evidence_file_add(user=staff, answer=answer, uploaded=upload("bericht.pdf", pdf_bytes()))

    # then
    assert stored_files(evidence_dir) == []
    assert EvidenceFile.objects.count() == 0


# --- Who may upload, and when ------------------------------------------------------------------


@pytest.mark.parametrize("who", ["staff of another city", "reviewer", "editor", "anonymous"])
def test_only_members_of_the_city_may_add_files(answer, other_city, evidence_dir, who):
    # given
    user = {
        "staff of another city": lambda: UserFactory(cities=[other_city]),
        "reviewer": lambda: UserFactory(groups=["reviewers"]),
        "editor": lambda: UserFactory(groups=["editors"]),
        "anonymous": AnonymousUser,
    }[who]()

    # when
    with pytest.raises(PermissionDenied) as refused:
        evidence_file_add(user=user, answer=answer, uploaded=upload("bericht.pdf", pdf_bytes()))

    # then
    assert str(refused.value) == OWN_CITY_ONLY
    assert stored_files(evidence_dir) == []
    assert EvidenceFile.objects.count() == 0


def test_permission_is_checked_before_the_file(answer, other_city):
    with pytest.raises(PermissionDenied):
        evidence_file_add(user=UserFactory(cities=[other_city]), answer=answer, uploaded=upload("x.pdf", ELF))


@pytest.mark.parametrize(
    ("phase", "status", "review_reason", "message"),
    [
        (Phase.COLLECTION, Status.SUBMITTED, "", SUBMITTED_IS_LOCKED),
        (Phase.REVIEW, Status.DRAFT, "", NOT_IN_THIS_PHASE),
        (Phase.REVIEW, Status.SUBMITTED, "", NOT_IN_THIS_PHASE),
        (Phase.PUBLISHED, Status.APPROVED, "", NOT_IN_THIS_PHASE),
        (Phase.ARCHIVED, Status.APPROVED, "", NOT_IN_THIS_PHASE),
        (Phase.DRAFT, Status.DRAFT, "", NOT_IN_THIS_PHASE),
    ],
)
def test_no_file_is_added_where_the_answer_may_not_be_edited(
    staff, answer, edition, evidence_dir, phase, status, review_reason, message
):
    # given
    Edition.objects.filter(pk=edition.pk).update(phase=phase)
    Answer.objects.filter(pk=answer.pk).update(status=status, review_reason=review_reason)

    # when
    with pytest.raises(WorkflowError) as refused:
        evidence_file_add(user=staff, answer=answer, uploaded=upload("bericht.pdf", pdf_bytes()))

    # then
    assert refused.value.messages == [message]
    assert stored_files(evidence_dir) == []
    assert EvidenceFile.objects.count() == 0


def test_in_review_a_sent_back_answer_takes_a_new_file_and_is_revised(staff, answer, edition):
    # given
    Edition.objects.filter(pk=edition.pk).update(phase=Phase.REVIEW)
    Answer.objects.filter(pk=answer.pk).update(status=Status.CHANGES_REQUESTED, review_reason="Beleg fehlt.")

    # when
    evidence_file_add(user=staff, answer=answer, uploaded=upload("beleg.pdf", pdf_bytes()))

    # then
    answer.refresh_from_db()
    assert (answer.status, answer.review_reason, answer.version) == (Status.DRAFT, "Beleg fehlt.", 2)


# --- Removing a file ---------------------------------------------------------------------------


def test_removing_a_file_deletes_the_row_now_and_the_stored_file_after_commit(
    staff, answer, evidence_dir, django_capture_on_commit_callbacks
):
    # given
    evidence = evidence_file_add(user=staff, answer=answer, uploaded=upload("bericht.pdf", pdf_bytes()))
    stored = evidence.file.name

    # when
    with django_capture_on_commit_callbacks() as callbacks:
        evidence_file_remove(user=staff, evidence_file=evidence)

    # then: the file outlives the row until the transaction commits
    assert EvidenceFile.objects.count() == 0
    assert stored_files(evidence_dir) == [stored]
    for callback in callbacks:
        callback()
    assert stored_files(evidence_dir) == []
    answer.refresh_from_db()
    assert answer.version == 3
    assert answer.history.first().history_change_reason == "Nachweisdatei entfernt: bericht.pdf"
    removal = EvidenceFile.history.filter(id=evidence.id).first()
    assert (removal.history_type, removal.history_user, removal.history_change_reason) == ("-", staff, "entfernt")


def test_staff_of_another_city_cannot_remove_a_file(staff, answer, other_city, evidence_dir):
    # given
    evidence = evidence_file_add(user=staff, answer=answer, uploaded=upload("bericht.pdf", pdf_bytes()))

    # when
    with pytest.raises(PermissionDenied) as refused:
        evidence_file_remove(user=UserFactory(cities=[other_city]), evidence_file=evidence)

    # then
    assert str(refused.value) == OWN_CITY_ONLY
    assert EvidenceFile.objects.get() == evidence
    assert stored_files(evidence_dir) == [evidence.file.name]


def test_a_file_of_a_submitted_answer_cannot_be_removed(staff, answer, evidence_dir):
    # given
    evidence = evidence_file_add(user=staff, answer=answer, uploaded=upload("bericht.pdf", pdf_bytes()))
    Answer.objects.filter(pk=answer.pk).update(status=Status.SUBMITTED)

    # when
    with pytest.raises(WorkflowError) as refused:
        evidence_file_remove(user=staff, evidence_file=evidence)

    # then
    assert refused.value.messages == [SUBMITTED_IS_LOCKED]
    assert EvidenceFile.objects.get() == evidence


def test_removing_a_file_twice_says_it_is_gone(staff, answer):
    # given
    evidence = evidence_file_add(user=staff, answer=answer, uploaded=upload("bericht.pdf", pdf_bytes()))
    evidence_file_remove(user=staff, evidence_file=evidence)

    # when
    with pytest.raises(ValidationError) as refused:
        evidence_file_remove(user=staff, evidence_file=EvidenceFile(pk=evidence.pk, answer=answer))

    # then
    assert refused.value.messages == ["Die Datei wurde bereits entfernt."]


# --- Download ----------------------------------------------------------------------------------


@pytest.fixture
def stored_pdf(staff, answer):
    return evidence_file_add(user=staff, answer=answer, uploaded=upload("Nachweis Ladepunkte.pdf", pdf_bytes()))


def make_viewer(who: str, *, city, other_city):
    return {
        "anonymous": lambda: None,
        "staff of the city": lambda: UserFactory(cities=[city]),
        "coordinator of the city": lambda: coordinator_of(city),
        "staff of another city": lambda: UserFactory(cities=[other_city]),
        "reviewer": lambda: UserFactory(groups=["reviewers"]),
        "editor": lambda: UserFactory(groups=["editors"]),
        "superuser": lambda: UserFactory(is_superuser=True),
    }[who]()


def download(client, evidence, user, **query):
    if user is not None:
        client.force_login(user)
    return client.get(reverse("indicators:evidence_file_download", args=[evidence.pk]), query)


@pytest.mark.parametrize(
    ("who", "status"),
    [
        ("anonymous", 404),
        ("staff of the city", 200),
        ("coordinator of the city", 200),
        ("staff of another city", 404),
        ("reviewer", 200),
        ("editor", 200),
        ("superuser", 200),
    ],
)
def test_before_publication_only_the_city_reviewers_and_editors_can_download(
    client, stored_pdf, city, other_city, who, status
):
    # when
    response = download(client, stored_pdf, make_viewer(who, city=city, other_city=other_city))

    # then
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == pdf_bytes()
        assert response["Content-Type"] == "application/pdf"
        assert response["Content-Disposition"] == 'attachment; filename="Nachweis Ladepunkte.pdf"'
        assert response["Content-Length"] == str(len(pdf_bytes()))
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == DOWNLOAD_CSP
        assert response["Cache-Control"] == "private, no-store"


@pytest.mark.parametrize(
    ("answer_status", "who", "status"),
    [
        (Status.APPROVED, "anonymous", 200),
        (Status.APPROVED, "staff of another city", 200),
        (Status.DRAFT, "anonymous", 404),
        (Status.SUBMITTED, "staff of another city", 404),
        (Status.DRAFT, "reviewer", 200),
    ],
)
def test_after_publication_everyone_can_download_the_files_of_approved_answers(
    client, stored_pdf, answer, edition, city, other_city, answer_status, who, status
):
    # given
    Edition.objects.filter(pk=edition.pk).update(phase=Phase.PUBLISHED)
    Answer.objects.filter(pk=answer.pk).update(status=answer_status)

    # when
    response = download(client, stored_pdf, make_viewer(who, city=city, other_city=other_city))

    # then
    assert response.status_code == status
    if status == 200:
        assert b"".join(response.streaming_content) == pdf_bytes()
        assert response["Content-Disposition"] == 'attachment; filename="Nachweis Ladepunkte.pdf"'
        assert response["X-Content-Type-Options"] == "nosniff"
        assert response["Content-Security-Policy"] == DOWNLOAD_CSP
        expected_cache = "public, max-age=3600" if answer_status == Status.APPROVED else "private, no-store"
        assert response["Cache-Control"] == expected_cache


def test_an_archived_editions_approved_files_stay_public(client, stored_pdf, answer, edition):
    Edition.objects.filter(pk=edition.pk).update(phase=Phase.ARCHIVED)
    Answer.objects.filter(pk=answer.pk).update(status=Status.APPROVED)

    assert download(client, stored_pdf, None).status_code == 200


def test_an_unknown_id_is_not_found_even_for_an_editor(client, editor):
    client.force_login(editor)

    response = client.get(reverse("indicators:evidence_file_download", args=[999_999]))

    assert response.status_code == 404


def test_a_file_missing_in_storage_is_not_found(client, stored_pdf, staff, evidence_dir):
    (evidence_dir / stored_pdf.file.name).unlink()

    assert download(client, stored_pdf, staff).status_code == 404


def test_a_reviewer_can_preview_a_pdf_inline(client, stored_pdf):
    response = download(client, stored_pdf, UserFactory(groups=["reviewers"]), inline="1")

    assert response.status_code == 200
    assert response["Content-Disposition"] == 'inline; filename="Nachweis Ladepunkte.pdf"'
    assert response["Content-Type"] == "application/pdf"
    assert response["X-Content-Type-Options"] == "nosniff"
    assert (
        response["Content-Security-Policy"] == "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
    )
    assert response["X-Frame-Options"] == "SAMEORIGIN"


def test_an_image_preview_stays_sandboxed(client, staff, answer):
    evidence = evidence_file_add(user=staff, answer=answer, uploaded=upload("karte.png", png_bytes()))

    response = download(client, evidence, staff, inline="1")

    assert response["Content-Disposition"] == 'inline; filename="karte.png"'
    assert response["Content-Security-Policy"] == "default-src 'none'; sandbox; frame-ancestors 'self'"


def test_types_other_than_pdf_and_images_are_always_downloaded(client, staff, answer):
    evidence = evidence_file_add(user=staff, answer=answer, uploaded=upload("daten.csv", csv_bytes()))

    response = download(client, evidence, staff, inline="1")

    assert response["Content-Type"] == "text/csv"
    assert response["Content-Disposition"] == 'attachment; filename="daten.csv"'
    assert response["Content-Security-Policy"] == DOWNLOAD_CSP
    assert response["X-Frame-Options"] == "DENY"


def test_a_non_ascii_file_name_is_encoded_in_the_header(client, staff, answer):
    evidence = evidence_file_add(user=staff, answer=answer, uploaded=upload('Übersicht "Bus".pdf', pdf_bytes()))

    response = download(client, evidence, staff)

    assert response["Content-Disposition"] == "attachment; filename*=utf-8''%C3%9Cbersicht%20%22Bus%22.pdf"


def test_the_download_only_answers_get_and_head(client, stored_pdf, staff):
    client.force_login(staff)
    url = reverse("indicators:evidence_file_download", args=[stored_pdf.pk])

    assert (client.post(url).status_code, client.head(url).status_code) == (405, 200)


def test_the_portal_serves_downloads_under_portal_evidence(stored_pdf):
    # The real URL configuration: the questionnaire's "<city>/<year>/" route must not swallow it.
    url = f"/portal/evidence/{stored_pdf.pk}/download/"

    assert reverse("indicators:evidence_file_download", args=[stored_pdf.pk]) == url
    assert resolve(url).func is evidence_file_download


def test_may_view_matches_the_download_rules(stored_pdf, staff, other_city, answer, edition):
    stranger = UserFactory(cities=[other_city])
    assert (evidence_file_may_view(staff, stored_pdf), evidence_file_may_view(stranger, stored_pdf)) == (True, False)

    Edition.objects.filter(pk=edition.pk).update(phase=Phase.PUBLISHED)
    Answer.objects.filter(pk=answer.pk).update(status=Status.APPROVED)
    stored_pdf.refresh_from_db()
    assert evidence_file_may_view(stranger, stored_pdf) is True
    assert evidence_file_may_view(AnonymousUser(), stored_pdf) is True

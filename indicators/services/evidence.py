"""Evidence files of answers: content-based type check, upload and removal services, the reaper of stored
files no row points to, who may see a file.

Over 400 lines: the check, the writes and the reaper share one storage and one file's rules; the split of
the write and the read half is planned (ARCHITECTURE.md, "Where this is going")."""

import codecs
import errno
import hashlib
import itertools
import logging
import os
import posixpath
import re
import unicodedata
import zipfile
from dataclasses import dataclass
from datetime import datetime, timedelta
from uuid import uuid4

import filetype
from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.storage import Storage
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import roles
from indicators.models import (
    EVIDENCE_FOLDER,
    OFFICIAL_PENDING_FOLDER,
    Answer,
    AnswerCheck,
    EvidenceFile,
    Parameter,
    evidence_upload_to,
)

# The answer services' checks, reused so that a file follows exactly the rules of its answer.
from indicators.services.answers import answer_mark_edited, check_entered_by_city, check_phase_allows_edit
from indicators.services.base import check_city_member, check_version, lock_answer, notify_approved_data_changed
from indicators.workflow import record_history
from smartcity.zip_limits import check_zip, megabytes

logger = logging.getLogger(__name__)

Status = Answer.Status

CHUNK_SIZE = 64 * 1024
# filetype decides from the first bytes; 8 KB is what it reads itself (filetype.utils._NUM_SIGNATURE_BYTES).
HEAD_SIZE = 8192


@dataclass(frozen=True)
class EvidenceType:
    label: str
    content_type: str
    extension: str  # the extension of the stored file


EVIDENCE_TYPES: dict[str, EvidenceType] = {
    "pdf": EvidenceType("PDF", "application/pdf", "pdf"),
    "png": EvidenceType("PNG", "image/png", "png"),
    "jpeg": EvidenceType("JPEG", "image/jpeg", "jpg"),
    "xlsx": EvidenceType("XLSX", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "xlsx"),
    "docx": EvidenceType("DOCX", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "docx"),
    "csv": EvidenceType("CSV", "text/csv", "csv"),
}
# The extensions a file name may carry, and the type its content must then have.
TYPE_OF_EXTENSION = {
    ".pdf": "pdf",
    ".png": "png",
    ".jpg": "jpeg",
    ".jpeg": "jpeg",
    ".xlsx": "xlsx",
    ".docx": "docx",
    ".csv": "csv",
}
# Types a browser may show inline (reviewers' previews); everything else is always a download.
INLINE_TYPES = frozenset({"application/pdf", "image/png", "image/jpeg"})

# filetype's answer (its extension) -> our type. Zip-based answers are only a hint: the parts decide.
_BINARY_TYPE_OF = {"pdf": "pdf", "png": "png", "apng": "png", "jpg": "jpeg"}
_ZIP_FAMILY = frozenset({"zip", "docx", "xlsx", "pptx"})
# The main part each OOXML type must contain (besides [Content_Types].xml).
_OOXML_MAIN_PART = {"xlsx": "xl/workbook.xml", "docx": "word/document.xml"}
# Text that is markup, not a table: browsers would render it as a page or an image.
_MARKUP_STARTS = ("<!doctype", "<html", "<?xml", "<script", "<svg", "<head", "<body", "<iframe", "<!--", "<?php")
# Control characters that never occur in a text table (tab, line feed and carriage return do).
_CONTROL_CHARACTERS = re.compile(r"[\x00-\x08\x0b-\x0c\x0e-\x1f\x7f]")


def allowed_types_text() -> str:
    """The evidence types as people read them, from EVIDENCE_TYPES: "PDF, PNG, JPEG, XLSX, DOCX und CSV" (the
    upload's messages, the portal's help page)."""
    *items, last = [evidence_type.label for evidence_type in EVIDENCE_TYPES.values()]
    return _("%(items)s und %(last)s") % {"items": ", ".join(items), "last": last} if items else last


def allowed_extensions() -> list[str]:
    """The file name endings an evidence upload may have (TYPE_OF_EXTENSION), in its order: [".pdf", ".png", …]."""
    return list(TYPE_OF_EXTENSION)


def _unsupported() -> ValidationError:
    return ValidationError(
        _("Der Inhalt der Datei entspricht keinem erlaubten Dateityp. Erlaubt sind %(types)s.")
        % {"types": allowed_types_text()},
        code="unsupported_type",
    )


@dataclass(frozen=True)
class CheckedUpload:
    """An upload that passed every check, with what the EvidenceFile row stores about it."""

    type: str
    original_name: str
    content_type: str
    size: int
    sha256: str

    @property
    def extension(self) -> str:
        return EVIDENCE_TYPES[self.type].extension


def clean_original_name(name: str) -> str:
    """The user's file name, safe to store and to put into a download header.

    Drops any folder part (also Windows-style), control and formatting characters (a right-to-left
    override, U+202E, makes "rechnung<U+202E>fdp.exe" show as "rechnungexe.pdf"), runs of whitespace,
    and leading or trailing dots. The length limit (255) is applied by validate_evidence_upload, which
    keeps the extension.
    """
    name = unicodedata.normalize("NFC", str(name or ""))
    name = name.replace("\\", "/").rsplit("/", 1)[-1]
    name = "".join(ch for ch in name if ch.isspace() or not unicodedata.category(ch).startswith("C"))
    return " ".join(name.split()).strip(" .")


def _declared_type(name: str) -> str:
    extension = os.path.splitext(name)[1].lower()
    if not extension:
        raise ValidationError(
            _("Der Dateiname hat keine Endung. Erlaubt sind %(types)s.") % {"types": allowed_types_text()},
            code="no_extension",
        )
    if extension not in TYPE_OF_EXTENSION:
        raise ValidationError(
            _("Dateien mit der Endung „%(extension)s“ sind nicht erlaubt. Erlaubt sind %(types)s.")
            % {"extension": extension, "types": allowed_types_text()},
            code="extension_not_allowed",
        )
    return TYPE_OF_EXTENSION[extension]


def _chunks(uploaded):
    """The file's bytes from the start, chunk by chunk (never the whole file in memory)."""
    uploaded.seek(0)
    while chunk := uploaded.read(CHUNK_SIZE):
        yield chunk


def _measure(uploaded, limit: int) -> tuple[int, str]:
    """Size and sha256 of the file; refuses an empty file and stops reading as soon as it passes `limit`."""
    too_big = ValidationError(
        _("Die Datei ist zu groß: erlaubt sind höchstens %(limit)s MB.") % {"limit": megabytes(limit)},
        code="too_big",
    )
    declared_size = getattr(uploaded, "size", None)
    if declared_size is not None and declared_size > limit:
        raise too_big  # Django counted the bytes while receiving them; no need to read them again.
    digest, size = hashlib.sha256(), 0
    for chunk in _chunks(uploaded):
        size += len(chunk)
        if size > limit:
            raise too_big
        digest.update(chunk)
    if size == 0:
        raise ValidationError(_("Die Datei ist leer."), code="empty")
    return size, digest.hexdigest()


def detect_evidence_type(uploaded) -> str:
    """The evidence type of the file's content: "pdf", "png", "jpeg", "xlsx", "docx" or "csv".

    The name is never looked at. Binary formats are recognised by their magic numbers (filetype);
    a zip counts as XLSX or DOCX only when it holds the OOXML parts ([Content_Types].xml and
    xl/workbook.xml resp. word/document.xml) and no macros. Anything else must be plain text to pass
    as CSV. Raises ValidationError for every other content (executables,
    HTML, SVG, other archives, macro documents, empty files).
    """
    uploaded.seek(0)
    head = uploaded.read(HEAD_SIZE)
    if not head:
        raise ValidationError(_("Die Datei ist leer."), code="empty")
    guess = filetype.guess(head)
    extension = guess.extension if guess is not None else None
    if extension in _BINARY_TYPE_OF:
        return _BINARY_TYPE_OF[extension]
    if extension in _ZIP_FAMILY:
        return _office_type(uploaded)
    # Anything else (unknown, or an executable, GIF, MP3, ...) passes only as plain text. Some magic
    # numbers are ordinary letters: filetype calls a table starting "BMW;" a bitmap and "MZ-Nr;" a Windows
    # program, while the real formats contain NUL and control bytes that the text check refuses.
    _check_text_table(uploaded, head)
    return "csv"


def _office_type(uploaded) -> str:
    """XLSX or DOCX by the parts inside the zip, once the zip is known to unpack within
    settings.EVIDENCE_MAX_UNCOMPRESSED_BYTES and EVIDENCE_MAX_ARCHIVE_ENTRIES (smartcity.zip_limits: the
    directory is read, nothing is unpacked; a zip bomb is refused before it is stored or published)."""
    try:
        infos = check_zip(
            uploaded,
            max_bytes=settings.EVIDENCE_MAX_UNCOMPRESSED_BYTES,
            max_entries=settings.EVIDENCE_MAX_ARCHIVE_ENTRIES,
        )
    except (zipfile.BadZipFile, OSError, ValueError, EOFError, RuntimeError, NotImplementedError):
        # RuntimeError: an encrypted entry; NotImplementedError: a compression method zipfile cannot read.
        raise _unsupported() from None
    names = {info.filename for info in infos}
    if "[Content_Types].xml" not in names:
        raise _unsupported()
    found = [kind for kind, part in _OOXML_MAIN_PART.items() if part in names]
    if len(found) != 1:
        raise _unsupported()
    if any(name.lower().endswith("vbaproject.bin") for name in names):
        raise ValidationError(_("Dateien mit Makros sind nicht erlaubt."), code="macros")
    return found[0]


def _check_text_table(uploaded, head: bytes) -> None:
    """Refuse what a spreadsheet cannot open as CSV. Accepted: UTF-8 (with or without BOM) or
    Windows-1252 text without NUL or other control characters that is not markup. Any line is a table
    row (a single column when it has no `,` or `;`), so no delimiter is required; blank text is empty."""
    start = head.decode("utf-8-sig", errors="replace").lstrip().lower()
    if start.startswith(_MARKUP_STARTS):
        raise _unsupported()
    decoders = {
        "utf-8-sig": codecs.getincrementaldecoder("utf-8-sig")(),
        "cp1252": codecs.getincrementaldecoder("cp1252")(),
    }
    blank = True
    for chunk in itertools.chain(_chunks(uploaded), [b""]):
        for encoding, decoder in list(decoders.items()):
            try:
                text = decoder.decode(chunk, final=not chunk)
            except UnicodeDecodeError:
                del decoders[encoding]  # not this encoding; the other one may still fit
                continue
            if _CONTROL_CHARACTERS.search(text):
                raise _unsupported()  # binary, whichever way it is read
            blank = blank and not text.strip()
        if not decoders:
            raise _unsupported()
    if blank:
        raise ValidationError(_("Die Datei ist leer."), code="empty")


def validate_evidence_upload(uploaded) -> CheckedUpload:
    """Check an upload completely before anything is stored.

    In order: the name has an allowed extension; the file is not empty and at most
    settings.EVIDENCE_MAX_BYTES; its content is an allowed type; the content's type is the one the
    extension claims. Raises ValidationError with one message; reads the file in chunks.
    """
    name = clean_original_name(getattr(uploaded, "name", ""))
    declared = _declared_type(name)
    size, sha256 = _measure(uploaded, settings.EVIDENCE_MAX_BYTES)
    detected = detect_evidence_type(uploaded)
    if detected != declared:
        raise ValidationError(
            _("Die Datei ist kein %(declared)s, sondern %(detected)s.")
            % {"declared": EVIDENCE_TYPES[declared].label, "detected": EVIDENCE_TYPES[detected].label},
            code="type_mismatch",
        )
    if len(name) > 255:
        stem, extension = os.path.splitext(name)
        name = stem[: 255 - len(extension)] + extension
    return CheckedUpload(
        type=detected,
        original_name=name,
        content_type=EVIDENCE_TYPES[detected].content_type,
        size=size,
        sha256=sha256,
    )


def evidence_storage() -> Storage:
    """The storage evidence files live in: the model field's (see settings.STORAGES["evidence"])."""
    return EvidenceFile._meta.get_field("file").storage


def _answer_changed(answer: Answer, *, user, reason: str) -> None:
    """A new or removed file is an edit of the answer (services.answer_mark_edited), saved and audited."""
    was_approved = answer_mark_edited(answer, user=user)
    record_history(answer, user=user, reason=reason)
    answer.save()
    if was_approved:
        notify_approved_data_changed(answer.edition_id)


def evidence_upload_check(uploaded) -> CheckedUpload:
    """validate_evidence_upload with its message on the form's field `file` (the answer's upload, the
    research page's)."""
    try:
        return validate_evidence_upload(uploaded)
    except ValidationError as error:
        raise ValidationError({"file": error.error_list}) from None


def evidence_file_store(*, user, answer: Answer, uploaded, checked: CheckedUpload) -> EvidenceFile:
    """Store a checked upload under a generated name (never the user's) and write its row, audited; when the
    database write fails, the stored file is deleted again. The caller holds the answer's lock, has checked
    who may write it, and marks the answer edited (evidence_file_add, the desk research's answer_research)."""
    evidence = EvidenceFile(
        answer=answer,
        original_name=checked.original_name,
        content_type=checked.content_type,
        size=checked.size,
        sha256=checked.sha256,
        uploaded_by=user,
    )
    storage = evidence_storage()
    field = EvidenceFile._meta.get_field("file")
    stored_name = _store(storage, evidence_upload_to(evidence, f"{uuid4().hex}.{checked.extension}"), uploaded, field)
    try:
        evidence.file = stored_name
        evidence.full_clean()
        record_history(evidence, user=user, reason=_("hochgeladen"))
        evidence.save()
    except BaseException:
        # Nothing refers to the file any more. (If an outer transaction rolls back later, or the commit
        # fails, the file stays behind unreferenced; evidence_orphans_reap removes it after the grace period.)
        _delete_quietly(storage, stored_name)
        raise
    return evidence


@transaction.atomic
def evidence_file_add(*, user, answer: Answer, uploaded, expected_version: int | None = None) -> EvidenceFile:
    """Attach an uploaded document to an answer, under the rules for editing that answer.

    The file is checked completely (validate_evidence_upload) before it is stored (evidence_file_store).
    """
    answer = lock_answer(answer)
    check_city_member(user=user, answer=answer)
    check_entered_by_city(answer)
    check_phase_allows_edit(answer=answer, edition=answer.edition)
    check_version(answer, expected_version)
    checked = evidence_upload_check(uploaded)
    evidence = evidence_file_store(user=user, answer=answer, uploaded=uploaded, checked=checked)
    try:
        _answer_changed(
            answer,
            user=user,
            reason=_("Nachweisdatei hinzugefügt: %(name)s") % {"name": checked.original_name},
        )
    except BaseException:
        _delete_quietly(evidence_storage(), evidence.file.name)
        raise
    return evidence


# errno values that mean the storage is full: the disk, the quota, the largest file size.
_STORAGE_FULL = frozenset({errno.ENOSPC, errno.EDQUOT, errno.EFBIG})


def _store(storage: Storage, name: str, uploaded, field) -> str:
    """Save the upload under `name` (a fresh uuid, so no other file has it) and return the stored name.

    A storage error (full disk, read-only or unwritable storage, ...) becomes a ValidationError with a
    message for the user, after whatever part of the file was written is deleted again; the cause is
    logged for the operators.
    """
    try:
        return storage.save(name, uploaded, max_length=field.max_length)
    except OSError as error:
        logger.error("Evidence file %s could not be stored: %s", name, error, exc_info=True)
        _delete_quietly(storage, name)  # the part written before the disk filled up
        if error.errno in _STORAGE_FULL:
            reason, code = _("Der Speicherplatz ist voll."), "storage_full"
        else:  # EROFS, EACCES, EPERM, EIO, ...: the storage does not take files at the moment
            reason, code = _("Der Speicher nimmt gerade keine Dateien an."), "storage_unavailable"
        raise ValidationError(
            {
                "file": ValidationError(
                    _(
                        "Die Datei konnte nicht gespeichert werden: %(reason)s Bitte versuchen Sie es später noch "
                        "einmal; bleibt der Fehler, wenden Sie sich an die Redaktion."
                    )
                    % {"reason": reason},
                    code=code,
                )
            }
        ) from None


def _delete_quietly(storage: Storage, name: str) -> None:
    """Delete a stored file we wrote; a storage that fails here too (read-only) leaves it to the reaper."""
    try:
        storage.delete(name)
    except OSError:
        logger.warning("Evidence file %s could not be deleted; the orphan reaper will remove it.", name, exc_info=True)


@transaction.atomic
def evidence_file_remove(*, user, evidence_file: EvidenceFile, expected_version: int | None = None) -> None:
    """Remove a document from its answer (rules as for editing the answer); the stored file is deleted
    after commit, so a rollback keeps row and file together."""
    answer = lock_answer(Answer(pk=evidence_file.answer_id))
    check_city_member(user=user, answer=answer)
    check_entered_by_city(answer)
    check_phase_allows_edit(answer=answer, edition=answer.edition)
    check_version(answer, expected_version)
    evidence = EvidenceFile.objects.filter(pk=evidence_file.pk, answer=answer).first()
    if evidence is None:
        raise ValidationError(_("Die Datei wurde bereits entfernt."), code="gone")
    storage, stored_name = evidence_storage(), evidence.file.name
    record_history(evidence, user=user, reason=_("entfernt"))
    evidence.delete()
    _answer_changed(answer, user=user, reason=_("Nachweisdatei entfernt: %(name)s") % {"name": evidence.original_name})
    # robust: the row is gone for good; a storage hiccup must not turn the committed removal into an error.
    transaction.on_commit(lambda: storage.delete(stored_name), robust=True)


EVIDENCE_ORPHANS_REAP_TASK = "indicators.tasks.evidence_orphans_reap_task"
# Rows looked up per query when the reaper asks which stored files are referenced.
_REAP_BATCH = 500


def evidence_orphans_reap(*, now: datetime | None = None) -> list[str]:
    """Delete the stored evidence files no EvidenceFile row points to and that were last modified more
    than settings.EVIDENCE_ORPHAN_GRACE_HOURS ago; return their names, sorted.

    Orphans are the files of uploads whose transaction rolled back after the file was stored (an outer
    transaction, a failed commit), of removals whose deletion after commit failed, and parts of writes a
    failing storage could not delete, and the official files previewed for an import and never confirmed
    (OFFICIAL_PENDING_FOLDER: no row ever points there). The grace period spares an upload whose
    transaction is still open and a preview still being looked at. Only these two folders of the storage
    are looked at (imported official files elsewhere under official/ are kept). Safe to run twice or in
    parallel: a file gone in the meantime is skipped, a file that cannot be deleted is logged and tried
    again next time.
    """
    cutoff = (now or timezone.now()) - timedelta(hours=settings.EVIDENCE_ORPHAN_GRACE_HOURS)
    storage = evidence_storage()
    candidates = [
        name
        for folder in (EVIDENCE_FOLDER, OFFICIAL_PENDING_FOLDER)
        for name in _stored_files(storage, folder)
        if _modified_before(storage, name, cutoff)
    ]
    referenced: set[str] = set()
    for start in range(0, len(candidates), _REAP_BATCH):
        batch = candidates[start : start + _REAP_BATCH]
        referenced.update(EvidenceFile.objects.filter(file__in=batch).values_list("file", flat=True))
        # A city's file with its objection to a value (issue 16's check window) lives beside the evidence.
        referenced.update(AnswerCheck.objects.filter(evidence_file__in=batch).values_list("evidence_file", flat=True))
    removed = []
    for name in candidates:
        if name in referenced:
            continue
        try:
            storage.delete(name)
        except OSError:
            logger.warning("Orphaned evidence file %s could not be deleted.", name, exc_info=True)
            continue
        removed.append(name)
    if removed:
        logger.info("Removed %d orphaned evidence file(s): %s", len(removed), ", ".join(sorted(removed)))
    return sorted(removed)


def _stored_files(storage: Storage, folder: str):
    """The names of all files under `folder` of the storage, recursively (nothing when it does not exist)."""
    try:
        directories, files = storage.listdir(folder)
    except FileNotFoundError:
        return
    for file in files:
        yield posixpath.join(folder, file)
    for directory in directories:
        yield from _stored_files(storage, posixpath.join(folder, directory))


def _modified_before(storage: Storage, name: str, cutoff: datetime) -> bool:
    try:
        return storage.get_modified_time(name) < cutoff
    except FileNotFoundError:  # deleted in the meantime (a removal, another reaper)
        return False


def evidence_file_may_view(user, evidence_file: EvidenceFile) -> bool:
    """Who may download a file: the members of the answer's city, reviewers and editors; researchers the
    files of researched values (the research page links them); everyone once the edition is public
    (published or archived) and the answer approved; nobody else."""
    if evidence_file_is_public(evidence_file):
        return True
    answer = evidence_file.answer
    if answer.source_kind == Parameter.CollectionMode.RESEARCH and roles.may_research(user, answer):
        return True
    return roles.may_see_answer(user, answer)


def evidence_file_is_public(evidence_file: EvidenceFile) -> bool:
    """True once anyone may see the file: its edition is published or archived and its answer approved."""
    answer = evidence_file.answer
    return answer.edition.is_public and answer.status == Status.APPROVED

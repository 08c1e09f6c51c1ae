"""The editors' import of an official file (issue 16, section 2): a preview of what it would store per city,
and the confirmation that writes the import and every city's answer in one transaction, audited."""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import Any

from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.db import transaction
from django.utils.translation import gettext as _

from indicators.models import Answer, City, Edition, OfficialImport, Parameter, Participation
from indicators.official import OfficialReading, options_from_text, profile_for
from indicators.services.base import check_editor, lock_edition, notify_approved_data_changed
from indicators.services.editions import check_catalogue_open
from indicators.services.review_flags import review_flags_refresh_later
from indicators.values import assign_value
from indicators.workflow import WorkflowError, record_history
from webhooks import events as webhook_events

Status = Answer.Status
Mode = Parameter.CollectionMode

# The largest official file accepted (the 2019 register is 1.2 MB; the profiles bound what it unpacks to).
OFFICIAL_FILE_MAX_BYTES = 50 * 1024 * 1024


@dataclass(frozen=True)
class PreviewRow:
    """A city's value from the file beside its current answer's value (None without one)."""

    city: City
    value: Decimal
    current: Decimal | None
    rows: tuple[int, ...]
    # Both as the parameter shows a value ("235 Ladepunkte"); "" without a current value.
    value_text: str = ""
    current_text: str = ""

    @property
    def changed(self) -> bool:
        return self.current is None or self.current != self.value


@dataclass
class OfficialPreview:
    """What confirming the file would store: a row per participating city the file has a value for, the
    participating cities it has none for (their values stay as they are), the profile's unmatched and
    ambiguous rows and totals (`reading`), and the import of the same file for the parameter, if there is one
    (then confirming changes nothing)."""

    edition: Edition
    parameter: Parameter
    profile_name: str
    file_name: str
    reading: OfficialReading
    rows: list[PreviewRow] = field(default_factory=list)
    not_in_file: list[City] = field(default_factory=list)
    already_imported: OfficialImport | None = None

    @property
    def changed_count(self) -> int:
        return sum(row.changed for row in self.rows)


@dataclass(frozen=True)
class OfficialImportResult:
    """The outcome of a confirmation: the import (the earlier one for a file imported before), how many
    answers were written and how many of those changed their value; `already_imported` when nothing was
    written because the file had been imported for the parameter before."""

    official_import: OfficialImport
    written: int
    changed: int
    already_imported: bool
    preview: OfficialPreview


@dataclass(frozen=True)
class ProfileChoice:
    """The profile and options an import uses, and the profile the catalogue names for the parameter ("" when
    it names none)."""

    profile_key: str
    options: dict[str, Any]
    catalogue_profile: str

    @property
    def differs_from_catalogue(self) -> bool:
        return bool(self.catalogue_profile) and self.profile_key != self.catalogue_profile

    @property
    def note(self) -> str:
        """What the editor is told when the profile is not the catalogue's ("" when it is)."""
        if not self.differs_from_catalogue:
            return ""
        return _(
            "Achtung: Laut Katalog wird dieser Parameter mit dem Profil „%(catalogue)s“ importiert, gewählt ist "
            "„%(chosen)s“. Die Optionen des Katalogs gelten dann nicht."
        ) % {"catalogue": self.catalogue_profile, "chosen": self.profile_key}


def official_profile_choose(*, parameter: Parameter, profile_key: str = "", option_texts=None) -> ProfileChoice:
    """The profile and options of an import of `parameter` (the page and import_official_data): the editor's
    profile, or without one the catalogue's (`Parameter.official_profile`). With the catalogue's profile its
    options (`Parameter.official_options`) hold unless the editor gives the same option; with another
    profile only the editor's options. ValidationError (German) when neither names a profile, for an unknown
    profile and for options the profile does not take."""
    catalogue = parameter.official_profile
    key = profile_key or catalogue
    if not key:
        raise ValidationError(
            _("Bitte wählen Sie ein Importprofil; der Katalog nennt für „%(parameter)s“ keines.")
            % {"parameter": parameter.name}
        )
    options = parameter.official_profile_options() if key == catalogue else {}
    options.update(options_from_text(key, dict(option_texts or {})))
    return ProfileChoice(profile_key=key, options=options, catalogue_profile=catalogue)


def official_options_parse(profile_key: str, texts: dict[str, str]) -> dict[str, Any]:
    """A profile's options given as text in their types (indicators.official.options_from_text)."""
    return options_from_text(profile_key, texts)


def _check_importable(*, user, edition: Edition, parameter: Parameter) -> None:
    check_editor(user)
    if parameter.indicator.domain.edition_id != edition.pk:
        raise ValidationError(
            _("Der Parameter „%(parameter)s“ gehört nicht zur Ausgabe %(year)s.")
            % {"parameter": parameter.key, "year": edition.year}
        )
    if parameter.collection_mode != Mode.OFFICIAL:
        raise ValidationError(
            _("„%(parameter)s“ wird nicht aus einer amtlichen Quelle übernommen (Erhebungsart: %(mode)s).")
            % {"parameter": parameter.name, "mode": parameter.get_collection_mode_display()}
        )
    if not parameter.is_numeric:
        raise ValidationError(_("Amtliche Daten können nur in Zahlenparameter importiert werden."))
    if edition.is_public:
        raise WorkflowError(_("In eine veröffentlichte Ausgabe werden keine amtlichen Daten importiert."))
    check_catalogue_open(edition)


def _file_bytes(uploaded) -> bytes:
    size = getattr(uploaded, "size", None)
    if size is not None and size > OFFICIAL_FILE_MAX_BYTES:
        raise ValidationError(
            _("Die Datei ist größer als %(max)d MB.") % {"max": OFFICIAL_FILE_MAX_BYTES // (1024 * 1024)}
        )
    uploaded.seek(0)
    data = uploaded.read(OFFICIAL_FILE_MAX_BYTES + 1)
    if len(data) > OFFICIAL_FILE_MAX_BYTES:
        raise ValidationError(
            _("Die Datei ist größer als %(max)d MB.") % {"max": OFFICIAL_FILE_MAX_BYTES // (1024 * 1024)}
        )
    if not data:
        raise ValidationError(_("Die Datei ist leer."))
    return data


def _participating_cities(edition: Edition) -> list[City]:
    return list(City.objects.filter(participations__edition=edition).order_by("name", "id"))


def _preview(
    *, edition: Edition, parameter: Parameter, profile_key: str, data: bytes, file_name: str, options, stand
) -> OfficialPreview:
    profile = profile_for(profile_key)
    cities = _participating_cities(edition)
    reading = profile.read(data, cities=[(city.ags, city.name) for city in cities], stand=stand, **(options or {}))
    current = {
        answer.city_id: answer.value_number
        for answer in Answer.objects.filter(parameter=parameter, city__in=cities).only("city_id", "value_number")
    }
    preview = OfficialPreview(
        edition=edition,
        parameter=parameter,
        profile_name=str(profile.name),
        file_name=file_name,
        reading=reading,
        already_imported=OfficialImport.objects.filter(parameter=parameter, sha256=reading.sha256).first(),
    )
    for city in cities:
        found = reading.values.get(city.ags)
        if found is None:
            preview.not_in_file.append(city)
        else:
            now = current.get(city.pk)
            preview.rows.append(
                PreviewRow(
                    city=city,
                    value=found.value,
                    current=now,
                    rows=found.rows,
                    value_text=parameter.format_value(found.value),
                    current_text="" if now is None else parameter.format_value(now),
                )
            )
    return preview


def official_import_preview(
    *,
    user,
    edition: Edition,
    parameter: Parameter,
    profile_key: str,
    uploaded,
    options: dict[str, Any] | None = None,
    stand: date | None = None,
) -> OfficialPreview:
    """What importing `uploaded` (a file object with a name) for `parameter` would store, read through the
    profile with the edition's participating cities; writes nothing. Editors only; the parameter must be of
    the edition and taken from an official source, the edition not published. Raises ValidationError with
    the profile's German message for a file that cannot be read. The stored value is the file's raw value
    (a count): a per-capita parameter is divided by the population as of the file's Stand when scored
    (indicators.population)."""
    _check_importable(user=user, edition=edition, parameter=parameter)
    data = _file_bytes(uploaded)
    return _preview(
        edition=edition,
        parameter=parameter,
        profile_key=profile_key,
        data=data,
        file_name=_base_name(uploaded),
        options=options,
        stand=stand,
    )


def _base_name(uploaded) -> str:
    name = str(getattr(uploaded, "name", "") or "datei").replace("\\", "/").rsplit("/", 1)[-1]
    return name[-200:] or "datei"


def official_import_confirm(
    *,
    user,
    edition: Edition,
    parameter: Parameter,
    profile_key: str,
    uploaded,
    options: dict[str, Any] | None = None,
    stand: date | None = None,
) -> OfficialImportResult:
    """Import `uploaded` for `parameter`: in one transaction the OfficialImport (the file kept in private
    storage) and, for every participating city the file has a value for, its answer taken from the file
    (source kind official, the import, the file's rows, Stand = the file's Stand), audited with the reason
    "Amtliche Daten importiert: …". Cities the file has no value for keep their answers.

    An imported answer is submitted for review like a city's: a reviewer approves it (or sends it back to
    the editors). Only an approved answer whose value the file confirms stays approved (its provenance moves
    to the new file). The same file imported again for the parameter changes nothing
    (`already_imported`). A file that cannot be read, or a value the parameter refuses, writes nothing."""
    _check_importable(user=user, edition=edition, parameter=parameter)
    data = _file_bytes(uploaded)
    file_name = _base_name(uploaded)
    # Read before any lock: reading a register takes seconds, and reads only the file and the city list.
    preview = _preview(
        edition=edition,
        parameter=parameter,
        profile_key=profile_key,
        data=data,
        file_name=file_name,
        options=options,
        stand=stand,
    )
    reading = preview.reading
    if preview.already_imported is not None:
        return OfficialImportResult(
            preview.already_imported, written=0, changed=0, already_imported=True, preview=preview
        )
    stored_name = None
    try:
        with transaction.atomic():
            # The lock order (ARCHITECTURE.md): the edition, then the parameter, then answers in pk order.
            edition = lock_edition(edition.pk)
            parameter = Parameter.objects.select_for_update().select_related("indicator__domain").get(pk=parameter.pk)
            _check_importable(user=user, edition=edition, parameter=parameter)
            earlier = OfficialImport.objects.filter(parameter=parameter, sha256=reading.sha256).first()
            if earlier is not None:  # imported by someone else while this one read the file
                return OfficialImportResult(earlier, written=0, changed=0, already_imported=True, preview=preview)
            official_import = OfficialImport(
                edition=edition,
                parameter=parameter,
                source_name=preview.profile_name,
                profile_key=reading.profile,
                profile_version=str(reading.version),
                file_name=file_name,
                sha256=reading.sha256,
                as_of=reading.stand,
                imported_by=user,
            )
            official_import.file.save(file_name, ContentFile(data), save=False)
            stored_name = official_import.file.name
            official_import.full_clean()
            official_import.save()
            written, changed = _answers_write(
                user=user, edition=edition, parameter=parameter, preview=preview, official_import=official_import
            )
    except BaseException:
        if stored_name:
            official_import.file.storage.delete(stored_name)
        raise
    return OfficialImportResult(
        official_import, written=written, changed=changed, already_imported=False, preview=preview
    )


def _answers_write(
    *, user, edition: Edition, parameter: Parameter, preview: OfficialPreview, official_import: OfficialImport
) -> tuple[int, int]:
    """Every city's answer from the file, under the caller's locks; returns (written, changed)."""
    by_city = {row.city.pk: row for row in preview.rows}
    participating = set(Participation.objects.filter(edition=edition).values_list("city_id", flat=True))
    existing = {
        answer.city_id: answer
        for answer in Answer.objects.select_for_update(of=("self",))
        .select_related("parameter", "city")
        .filter(parameter=parameter, city_id__in=list(by_city))
        .order_by("pk")
    }
    reason = _("Amtliche Daten importiert: %(source)s, Stand %(stand)s") % {
        "source": official_import.source_name,
        "stand": official_import.as_of.strftime("%d.%m.%Y"),
    }
    written = changed = 0
    any_approved_changed = False
    for city_id, row in by_city.items():
        if city_id not in participating:  # left the edition since the preview: nothing for it
            continue
        answer = existing.get(city_id) or Answer(edition=edition, city=row.city, parameter=parameter)
        old_status, old_value = answer.status, answer.value_number if answer.pk else None
        assign_value(answer, parameter, row.value)
        value_changed = not answer.pk or old_value != answer.value_number
        if value_changed:
            answer.value_confirmation = ""
        answer.source_kind = Mode.OFFICIAL
        answer.official_import = official_import
        answer.source_rows = list(row.rows)
        answer.as_of = official_import.as_of
        answer.researched_by = None
        answer.evidence_url = ""  # the source is the file; a URL the city once gave is in the history
        if not (old_status == Status.APPROVED and not value_changed):
            answer.status = Status.SUBMITTED
            answer.review_reason = ""
            answer.reviewed_by = answer.reviewed_at = None
        if answer.pk:
            answer.version += 1
        answer.updated_by = user
        try:
            answer.full_clean(exclude=["edition", "city", "parameter"], validate_unique=False)
        except ValidationError as error:
            raise ValidationError(
                _("Der Wert %(value)s für %(city)s passt nicht zum Parameter: %(problem)s")
                % {"value": row.value, "city": row.city.name, "problem": " ".join(error.messages)}
            ) from None
        record_history(answer, user=user, reason=reason)
        answer.save()
        if answer.pk and old_status != answer.status:
            webhook_events.answer_status_changed(answer, old_status=old_status)
        any_approved_changed |= old_status == Status.APPROVED and answer.status != Status.APPROVED
        written += 1
        changed += value_changed
    if any_approved_changed:
        notify_approved_data_changed(edition.pk)
    review_flags_refresh_later(edition.pk, parameter_id=parameter.pk, following=any_approved_changed)
    return written, changed


__all__ = [
    "OFFICIAL_FILE_MAX_BYTES",
    "OfficialImportResult",
    "OfficialPreview",
    "PreviewRow",
    "official_import_confirm",
    "official_import_preview",
    "official_options_parse",
    "official_profile_choose",
    "ProfileChoice",
]

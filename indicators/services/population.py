"""Population figures of an edition (issue 16, section 2): saved one by one (the admin) or imported from a CSV
with AGS, date and population; every write audited, refused for a published edition, recomputed after commit.
The rule that picks a figure for a value is `indicators.population.population_as_of`."""

import csv
import io
from dataclasses import dataclass
from datetime import date, datetime

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from indicators.models import City, Edition, PopulationFigure
from indicators.services.base import check_editor, lock_edition, notify_approved_data_changed
from indicators.services.editions import check_catalogue_open
from indicators.services.review_flags import review_flags_refresh_later
from indicators.values import to_number
from indicators.workflow import record_history

# Header names accepted for the three columns (compared in lower case, German or English).
AGS_HEADERS = frozenset({"ags", "gemeindeschlüssel", "gemeindeschluessel", "amtlicher gemeindeschlüssel"})
DATE_HEADERS = frozenset({"date", "datum", "stichtag", "reference_date"})
POPULATION_HEADERS = frozenset({"population", "einwohner", "bevölkerung", "bevoelkerung", "einwohnerzahl"})
# The largest population file accepted (all German municipalities over several years fit in far less).
POPULATION_FILE_MAX_BYTES = 5 * 1024 * 1024
# Errors listed in a refusal; the rest are counted.
ERRORS_SHOWN = 20


@dataclass(frozen=True)
class PopulationImportResult:
    created: int
    updated: int
    unchanged: int


def _date(text: str) -> date | None:
    for pattern in ("%Y-%m-%d", "%d.%m.%Y"):
        try:
            return datetime.strptime(text.strip(), pattern).date()
        except ValueError:
            continue
    return None


def _population(text: str) -> int:
    """A whole positive number in German or English format ("1.484.226", "1,484,226", "1484226")."""
    number = to_number(text, whole=True)
    if number != number.to_integral_value() or number < 1:
        raise ValidationError(_("„%(value)s“ ist keine ganze Zahl größer als 0.") % {"value": text.strip()[:40]})
    return int(number)


def _columns(header: list[str]) -> tuple[int, int, int]:
    names = [cell.strip().lstrip("\ufeff").lower() for cell in header]

    def find(accepted) -> int:
        found = [i for i, name in enumerate(names) if name in accepted]
        if len(found) != 1:
            raise ValidationError(
                _("Die erste Zeile muss die Spalten AGS, Datum und Einwohner nennen (z. B. „AGS;Datum;Einwohner“).")
            )
        return found[0]

    return find(AGS_HEADERS), find(DATE_HEADERS), find(POPULATION_HEADERS)


def population_rows_read(data: bytes) -> list[tuple[str, date, int, int]]:
    """The rows of a population CSV as (AGS, reference date, population, line number): a header naming the
    columns AGS, date and population (German or English names), separated by ";" (or "," or a tab when the
    header has no ";"), dates as YYYY-MM-DD or DD.MM.YYYY, numbers in German or English format. Raises one
    ValidationError listing every bad row (German), so a file with any error is refused as a whole."""
    if len(data) > POPULATION_FILE_MAX_BYTES:
        raise ValidationError(
            _("Die Datei ist größer als %(max)d MB.") % {"max": POPULATION_FILE_MAX_BYTES // (1024 * 1024)}
        )
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = data.decode("cp1252", errors="replace")
    lines = text.splitlines()
    if not lines or not lines[0].strip():
        raise ValidationError(_("Die Datei ist leer."))
    first = lines[0]
    delimiter = ";" if ";" in first else ("\t" if "\t" in first else ",")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    ags_col, date_col, population_col = _columns(next(reader))
    rows, errors, seen = [], [], {}
    for line, cells in enumerate(reader, start=2):
        if not any(cell.strip() for cell in cells):
            continue
        if len(cells) <= max(ags_col, date_col, population_col):
            errors.append(_("Zeile %(line)d: zu wenige Spalten.") % {"line": line})
            continue
        ags, day = cells[ags_col].strip(), _date(cells[date_col])
        if not (len(ags) == 8 and ags.isdigit()):
            errors.append(_("Zeile %(line)d: „%(ags)s“ ist kein achtstelliger AGS.") % {"line": line, "ags": ags[:20]})
        if day is None:
            errors.append(
                _("Zeile %(line)d: „%(date)s“ ist kein Datum (JJJJ-MM-TT oder TT.MM.JJJJ).")
                % {"line": line, "date": cells[date_col].strip()[:20]}
            )
        try:
            population = _population(cells[population_col])
        except ValidationError as error:
            errors.append(_("Zeile %(line)d: %(problem)s") % {"line": line, "problem": " ".join(error.messages)})
            continue
        if day is not None and (ags, day) in seen:
            errors.append(
                _("Zeile %(line)d: AGS %(ags)s mit Stichtag %(date)s steht schon in Zeile %(first)d.")
                % {"line": line, "ags": ags, "date": day.strftime("%d.%m.%Y"), "first": seen[ags, day]}
            )
        elif day is not None:
            seen[ags, day] = line
            rows.append((ags, day, population, line))
    if errors:
        _refuse(errors)
    if not rows:
        raise ValidationError(_("Die Datei enthält keine Einwohnerzahlen."))
    return rows


def _refuse(errors: list[str]):
    shown = errors[:ERRORS_SHOWN]
    if len(errors) > ERRORS_SHOWN:
        shown.append(_("… und %(count)d weitere Fehler.") % {"count": len(errors) - ERRORS_SHOWN})
    raise ValidationError(shown)


@transaction.atomic
def population_figures_import(*, user, edition: Edition, data: bytes, source: str = "") -> PopulationImportResult:
    """Store the figures of a population CSV (see population_rows_read) for `edition`: a figure for the same
    city and date is updated, others are created; all in one transaction, audited, recomputed after commit.
    Editors only; refused for a published edition, for an AGS of no city, and for any bad row (nothing is
    written then)."""
    check_editor(user)
    rows = population_rows_read(data)
    edition = lock_edition(edition.pk)
    check_catalogue_open(edition)
    cities = {city.ags: city for city in City.objects.filter(ags__in={ags for ags, _d, _p, _l in rows})}
    unknown = [
        _("Zeile %(line)d: keine Stadt mit dem AGS %(ags)s.") % {"line": line, "ags": ags}
        for ags, _day, _population, line in rows
        if ags not in cities
    ]
    if unknown:
        _refuse(unknown)
    existing = {
        (figure.city_id, figure.reference_date): figure
        for figure in PopulationFigure.objects.select_for_update().filter(
            edition=edition, city__in=list(cities.values())
        )
    }
    created = updated = unchanged = 0
    reason = _("Einwohnerzahlen importiert")
    for ags, day, population, _line in rows:
        city = cities[ags]
        figure = existing.get((city.pk, day))
        if figure is not None and figure.population == population and (not source or figure.source == source):
            unchanged += 1
            continue
        if figure is None:
            figure = PopulationFigure(edition=edition, city=city, reference_date=day)
            created += 1
        else:
            updated += 1
        figure.population = population
        if source:
            figure.source = source
        figure.full_clean(validate_unique=False)
        record_history(figure, user=user, reason=reason)
        figure.save()
    if created or updated:
        notify_approved_data_changed(edition.pk)
        review_flags_refresh_later(edition.pk)  # outliers of per-capita parameters divide by these figures
    return PopulationImportResult(created=created, updated=updated, unchanged=unchanged)


@transaction.atomic
def population_figure_save(*, user, figure: PopulationFigure) -> PopulationFigure:
    """Create or change one figure (the admin): editors only, not in a published edition; audited and
    recomputed after commit."""
    check_editor(user)
    edition = lock_edition(figure.edition_id)
    check_catalogue_open(edition)
    if figure.pk is not None and PopulationFigure.objects.filter(pk=figure.pk).exclude(edition=edition).exists():
        raise ValidationError(_("Eine Einwohnerzahl wechselt nicht die Ausgabe; bitte neu anlegen."))
    figure.full_clean()
    record_history(figure, user=user, reason=_("geändert") if figure.pk else _("angelegt"))
    figure.save()
    notify_approved_data_changed(edition.pk)
    review_flags_refresh_later(edition.pk)
    return figure


@transaction.atomic
def population_figure_delete(*, user, figure: PopulationFigure) -> None:
    """Delete one figure: editors only, not in a published edition; audited and recomputed after commit."""
    check_editor(user)
    edition = lock_edition(figure.edition_id)
    check_catalogue_open(edition)
    record_history(figure, user=user, reason=_("gelöscht"))
    figure.delete()
    notify_approved_data_changed(edition.pk)
    review_flags_refresh_later(edition.pk)


__all__ = [
    "PopulationImportResult",
    "population_figure_delete",
    "population_figure_save",
    "population_figures_import",
    "population_rows_read",
]

"""Import an official file (a register export) for one parameter of an edition, as the editors' page does."""

from datetime import date

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.files import File
from django.core.management.base import BaseCommand, CommandError
from django.utils.translation import gettext as _

from indicators.management.lookups import active_user, edition_of_year, existing_file, refused
from indicators.models import Parameter
from indicators.services import official_import_confirm, official_import_preview, official_profile_choose


def _number(value) -> str:
    return format(value.normalize(), "f")


class Command(BaseCommand):
    help = (
        "Import an official file for a parameter: one line per city (AGS, name, value), then the unmatched and "
        "ambiguous rows. --dry-run reads the file and writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the official file (e.g. the BNetzA register as XLSX)")
        parser.add_argument("--edition", type=int, required=True, help="the edition's year")
        parser.add_argument("--parameter", required=True, help="the parameter's key (collection mode official)")
        parser.add_argument(
            "--profile",
            default="",
            help="the importer profile, e.g. bnetza-ladesaeulen (default: the catalogue's for the parameter)",
        )
        parser.add_argument("--user", required=True, help="the username of the editor who imports")
        parser.add_argument("--stand", type=date.fromisoformat, help="the file's Stand (YYYY-MM-DD) if it has none")
        parser.add_argument(
            "--option", action="append", default=[], metavar="NAME=VALUE", help="a profile option (repeatable)"
        )
        parser.add_argument("--dry-run", action="store_true", help="show what would be stored, write nothing")

    def handle(self, *args, file, edition, parameter, profile, user, stand, option, dry_run, **options):
        path = existing_file(file)
        edition_obj = edition_of_year(edition)
        parameter_obj = (
            Parameter.objects.filter(indicator__domain__edition=edition_obj, key=parameter)
            .select_related("indicator__domain")
            .first()
        )
        if parameter_obj is None:
            raise CommandError(
                _("Die Ausgabe %(year)s hat keinen Parameter „%(key)s“.") % {"year": edition, "key": parameter}
            )
        acting = active_user(user)
        texts = {}
        for pair in option:
            name, equals, value = pair.partition("=")
            if not equals or not name.strip():
                raise CommandError(_("Eine Option wird als NAME=WERT angegeben: „%(pair)s“.") % {"pair": pair})
            texts[name.strip()] = value
        try:
            choice = official_profile_choose(parameter=parameter_obj, profile_key=profile, option_texts=texts)
            if choice.note:
                self.stdout.write(self.style.WARNING(choice.note))
            arguments = {"user": acting, "edition": edition_obj, "parameter": parameter_obj}
            arguments.update(profile_key=choice.profile_key, options=choice.options, stand=stand)
            with path.open("rb") as handle:
                arguments["uploaded"] = File(handle, name=path.name)
                if dry_run:
                    preview, result = official_import_preview(**arguments), None
                else:
                    result = official_import_confirm(**arguments)
                    preview = result.preview
        except (ValidationError, PermissionDenied) as error:
            raise refused(error) from None
        self._report(preview, result)

    def _report(self, preview, result) -> None:
        reading = preview.reading
        self.stdout.write(
            _("%(source)s, Stand %(stand)s, SHA-256 %(sha)s")
            % {"source": preview.profile_name, "stand": reading.stand.strftime("%d.%m.%Y"), "sha": reading.sha256}
        )
        for row in preview.rows:
            self.stdout.write(f"{row.city.ags}\t{row.city.name}\t{_number(row.value)}")
        for city in preview.not_in_file:
            self.stdout.write(f"{city.ags}\t{city.name}\t" + _("kein Wert in der Datei, bleibt unverändert"))
        self.stdout.write(
            _(
                "%(cities)d Städte mit Wert, %(changed)d davon geändert; "
                "nicht zugeordnet: %(unmatched)d, mehrdeutig: %(ambiguous)d"
            )
            % {
                "cities": len(preview.rows),
                "changed": preview.changed_count,
                "unmatched": len(reading.unmatched),
                "ambiguous": len(reading.ambiguous),
            }
        )
        for row in reading.ambiguous:
            self.stdout.write(
                _("mehrdeutig, Zeile %(row)d: %(text)s (%(reason)s)")
                % {"row": row.row_number, "text": row.text, "reason": row.reason}
            )
        earlier = result.official_import if result is not None and result.already_imported else None
        earlier = earlier or (preview.already_imported if result is None else None)
        if earlier is not None:
            self.stdout.write(
                _("Diese Datei wurde für den Parameter bereits importiert (%(when)s); nichts geändert.")
                % {"when": earlier.imported_at.strftime("%d.%m.%Y")}
            )
        if result is None:
            self.stdout.write(_("Probelauf: nichts gespeichert."))
        elif not result.already_imported:
            self.stdout.write(
                self.style.SUCCESS(
                    _("Importiert: %(written)d Werte gespeichert, %(changed)d davon geändert, zur Prüfung eingereicht.")
                    % {"written": result.written, "changed": result.changed}
                )
            )

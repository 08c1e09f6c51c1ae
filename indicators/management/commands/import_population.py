"""Import the population figures of an edition from a CSV (AGS;Datum;Einwohner), as editors keep them in the
admin: the population a per-capita value is divided by, as of its Stand (issue 16)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from indicators.management.lookups import active_user, edition_of_year, existing_file, refused
from indicators.services.population import population_figures_import


class Command(BaseCommand):
    help = (
        "Import population figures for an edition from a CSV with the columns AGS, date and population "
        "(e.g. 'AGS;Datum;Einwohner'; dates YYYY-MM-DD or DD.MM.YYYY; German or English numbers). A file with "
        "any bad row writes nothing."
    )

    def add_arguments(self, parser):
        parser.add_argument("file", help="the CSV file")
        parser.add_argument("--edition", type=int, required=True, help="the edition's year")
        parser.add_argument("--user", required=True, help="the username of the editor who imports")
        parser.add_argument("--source", default="", help="where the figures come from, e.g. 'Destatis, 31.12.2018'")

    def handle(self, *args, file, edition, user, source, **options):
        path = existing_file(file)
        edition_obj, acting = edition_of_year(edition), active_user(user)
        try:
            result = population_figures_import(user=acting, edition=edition_obj, data=path.read_bytes(), source=source)
        except (ValidationError, PermissionDenied) as error:
            raise refused(error) from None
        self.stdout.write(
            self.style.SUCCESS(
                _("Einwohnerzahlen: %(created)d angelegt, %(updated)d geändert, %(unchanged)d unverändert.")
                % {"created": result.created, "updated": result.updated, "unchanged": result.unchanged}
            )
        )

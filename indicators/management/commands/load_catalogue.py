"""Create an edition (if needed) and load the versioned catalogue into it."""

from django.core.management.base import BaseCommand, CommandError
from django.db import transaction

from indicators.importers import CATALOGUE_YAML, catalogue_import, participations_set, read_catalogue
from indicators.models import City, Edition


class Command(BaseCommand):
    help = "Load indicators/data/catalogue.yaml into the edition of --year (created as a draft if missing)."

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--file", default=str(CATALOGUE_YAML))
        parser.add_argument("--all-cities", action="store_true", help="make every loaded city a participant")

    @transaction.atomic
    def handle(self, *args, year, file, all_cities, **options):
        edition, _created = Edition.objects.get_or_create(year=year, defaults={"title": f"Smart City Index {year}"})
        data = read_catalogue(file)
        try:
            count = catalogue_import(edition=edition, data=data)
        except ValueError as error:
            raise CommandError(str(error)) from error
        if all_cities:
            participations_set(edition=edition, cities=City.objects.all())
        self.stdout.write(
            self.style.SUCCESS(f"Edition {year}: catalogue {data.get('version')} with {count} parameters loaded.")
        )

"""Load or update the 82 cities from the Destatis extract shipped in indicators/data/."""

from django.core.management.base import BaseCommand

from indicators.importers import cities_import


class Command(BaseCommand):
    help = "Create or update the cities from indicators/data/cities-de.csv (by AGS)."

    def handle(self, *args, **options):
        created, updated = cities_import()
        self.stdout.write(self.style.SUCCESS(f"Cities: {created} created, {updated} updated."))

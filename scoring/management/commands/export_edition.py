"""Write one edition to a JSON file (scoring/edition_io.py): catalogue, answers, evidence metadata, results."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from indicators.models import Edition
from scoring.services.archive import edition_dumps


class Command(BaseCommand):
    help = (
        "Export one edition to a JSON file (without the evidence files' bytes). "
        "Import editions oldest first with import_edition."
    )

    def add_arguments(self, parser):
        parser.add_argument("--year", type=int, required=True)
        parser.add_argument("--output", required=True, help="the file to write; - for standard output")

    def handle(self, *args, year, output, **options):
        edition = Edition.objects.filter(year=year).first()
        if edition is None:
            raise CommandError(f"There is no edition {year}.")
        text = edition_dumps(edition)
        if output == "-":
            self.stdout.write(text, ending="")
            return
        Path(output).write_text(text, encoding="utf-8")
        self.stderr.write(self.style.SUCCESS(f"Edition {year} written to {output}."))

"""Import one edition from a JSON file written by export_edition, verified by the published run's input hash."""

import json
from pathlib import Path

from django.core.exceptions import ValidationError
from django.core.management.base import BaseCommand, CommandError

from scoring.inputs import CODE_VERSION
from scoring.services.archive import edition_import


class Command(BaseCommand):
    help = (
        "Import an edition exported by export_edition into this database (one transaction; refused when the "
        "year exists or the inputs do not reproduce the published input hash). Import editions oldest first."
    )

    def add_arguments(self, parser):
        parser.add_argument("file")
        parser.add_argument(
            "--allow-code-change",
            action="store_true",
            help="import results computed by another code version without verifying their input hash",
        )

    def handle(self, *args, file, allow_code_change, **options):
        try:
            data = json.loads(Path(file).read_text(encoding="utf-8"))
        except (OSError, ValueError) as error:
            raise CommandError(f"Cannot read {file}: {error}") from error
        try:
            edition = edition_import(data, allow_code_change=allow_code_change)
        except ValidationError as error:
            raise CommandError(" ".join(error.messages)) from error
        except (KeyError, TypeError) as error:
            raise CommandError(f"{file} is incomplete or malformed ({error!r}); nothing was imported.") from error
        run = edition.score_runs.filter(is_published=True).first()
        detail = ""
        if run is not None:
            checked = "verified" if run.code_version == CODE_VERSION else "NOT verified (other code version)"
            detail = f", published run with inputs {run.input_hash[:12]} {checked}"
        self.stdout.write(self.style.SUCCESS(f"Edition {edition.year} imported{detail}."))

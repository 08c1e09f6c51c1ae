"""Recompute an edition's scores now (the same service the Celery task calls)."""

from django.core.management.base import BaseCommand, CommandError

from indicators.models import Edition
from scoring.services import scores_recompute


class Command(BaseCommand):
    help = "Recompute the scores and ranks of one edition from its approved answers."

    def add_arguments(self, parser):
        parser.add_argument("--edition", type=int, required=True, metavar="YEAR")

    def handle(self, *args, edition, **options):
        found = Edition.objects.filter(year=edition).first()
        if found is None:
            raise CommandError(f"There is no edition {edition}.")
        run, created = scores_recompute(edition=found)
        if run is None:
            self.stdout.write(f"Edition {edition}: nothing to compute yet (no cities or no catalogue).")
        elif created:
            self.stdout.write(
                self.style.SUCCESS(
                    f"Edition {edition}: new score run {run.pk} ({run.city_count} cities, "
                    f"{run.approved_answer_count} approved answers, {run.duration_ms} ms, "
                    f"inputs {run.input_hash[:12]})."
                )
            )
        else:
            reason = "published, frozen" if found.is_public else "inputs unchanged"
            self.stdout.write(f"Edition {edition}: no new run ({reason}); current run {run.pk}.")

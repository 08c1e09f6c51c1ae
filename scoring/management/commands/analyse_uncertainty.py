"""Analyse the rank uncertainty of an edition's current score run now (the service the Celery task calls)."""

from django.core.management.base import BaseCommand, CommandError

from indicators.models import Edition
from scoring.models import UncertaintyAnalysis
from scoring.services import current_run, uncertainty_analyse


class Command(BaseCommand):
    help = (
        "Monte Carlo rank uncertainty of one edition's current score run: median rank and 5-95 % interval "
        "per city, overall and per domain. A run keeps its first analysis."
    )

    def add_arguments(self, parser):
        parser.add_argument("--edition", type=int, required=True, metavar="YEAR")
        parser.add_argument("--draws", type=int, help="default: settings.UNCERTAINTY_DRAWS")
        parser.add_argument("--seed", type=int, help="default: derived from the run's input hash")
        parser.add_argument("--spread", type=float, help="weight spread; default: settings.UNCERTAINTY_WEIGHT_SPREAD")

    def handle(self, *args, edition, draws, seed, spread, **options):
        found = Edition.objects.filter(year=edition).first()
        if found is None:
            raise CommandError(f"There is no edition {edition}.")
        run = current_run(found)
        if run is None:
            self.stdout.write(f"Edition {edition}: no score run yet; nothing to analyse.")
            return
        existing = UncertaintyAnalysis.objects.filter(run=run).first()
        if existing is not None:
            self.stdout.write(
                f"Edition {edition}: run {run.pk} already has an analysis "
                f"({existing.draws} draws, seed {existing.seed})."
            )
            return
        try:
            analysis = uncertainty_analyse(run=run, draws=draws, seed=seed, weight_spread=spread)
        except ValueError as error:  # draws, seed or spread out of range
            raise CommandError(str(error)) from None
        if analysis is None:
            raise CommandError(
                f"Edition {edition}: the inputs changed since run {run.pk}; recompute first "
                f"(manage.py recompute_scores --edition {edition})."
            )
        self.stdout.write(
            self.style.SUCCESS(
                f"Edition {edition}: run {run.pk} analysed ({analysis.draws} draws, seed {analysis.seed}, "
                f"weight spread {analysis.weight_spread:g}, {analysis.ranks.count()} cities, "
                f"{analysis.duration_ms} ms)."
            )
        )

"""Load the demo: cities, three editions with synthetic answers, demo users, results (with their rank
uncertainty) from the real pipeline."""

from django.conf import settings
from django.contrib.auth.models import User
from django.core.management.base import BaseCommand, CommandError

from indicators.demo import DEMO_PASSWORD, DEMO_YEARS, demo_edition_create, demo_users_create
from indicators.importers import cities_import
from indicators.models import Edition
from indicators.services import edition_set_phase
from scoring.services import edition_publish, scores_recompute, uncertainty_analyse


class Command(BaseCommand):
    help = "Load deterministic demo data (local use only: prints the demo users' passwords)."

    def add_arguments(self, parser):
        parser.add_argument("--if-empty", action="store_true", help="do nothing when any edition exists")

    def handle(self, *args, if_empty, **options):
        if not settings.DEBUG:
            raise CommandError("seed_demo creates users with known passwords; it runs only with DEBUG on.")
        if Edition.objects.exists():
            if if_empty:
                self.stdout.write("Demo data: the database already has editions; nothing loaded.")
                return
            raise CommandError("The database already has editions; seed_demo needs an empty one.")
        cities_import()
        users = demo_users_create()
        editor = User.objects.get(username="redaktion")
        previous = None
        for year in DEMO_YEARS:
            edition = demo_edition_create(year=year, previous=previous, editor=editor)
            if year != DEMO_YEARS[-1]:
                edition = edition_set_phase(
                    user=editor, edition=edition, phase=Edition.Phase.REVIEW, reason="Demodaten"
                )
                run = edition_publish(user=editor, edition=edition)
                self.stdout.write(f"Edition {year}: published, run {run.pk} ({run.city_count} cities).")
            else:
                run, _created = scores_recompute(edition=edition)
                self.stdout.write(f"Edition {year}: collecting, provisional run {run.pk if run else '-'}.")
            if run is not None:
                # Eager Celery has usually analysed the run already (a no-op then); with a real broker
                # the demo must not depend on a worker running.
                analysis = uncertainty_analyse(run=run)
                self.stdout.write(f"  rank uncertainty: {analysis.draws if analysis else 0} draws.")
            previous = edition
        self.stdout.write(
            self.style.SUCCESS(f"Demo data loaded. Logins (local only), password for all: {DEMO_PASSWORD}")
        )
        for user in users:
            self.stdout.write(f"  {user.username:<22} {user.description}")

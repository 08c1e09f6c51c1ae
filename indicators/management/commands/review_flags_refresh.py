"""Recompute and store the review flags of every answer (or of one edition's): fills them after the
upgrade that introduced stored flags (issue 17) and catches up with refreshes a broker outage lost."""

from django.core.management.base import BaseCommand
from django.utils.translation import gettext as _

from indicators.management.lookups import edition_of_year
from indicators.services.review_flags import review_flags_refresh, review_flags_refresh_all


class Command(BaseCommand):
    help = "Recompute the stored review flags of all answers, or of one edition's (--edition YEAR). Safe to rerun."

    def add_arguments(self, parser):
        parser.add_argument("--edition", type=int, help="only this edition's year")

    def handle(self, *args, edition=None, **options):
        if edition is None:
            changed = review_flags_refresh_all()
        else:
            changed = review_flags_refresh(edition_id=edition_of_year(edition).pk)
        self.stdout.write(self.style.SUCCESS(_("Prüfhinweise: bei %(count)d Antworten geändert.") % {"count": changed}))

"""The public FAQ: collection period, official sources, how the score is computed, why ranks move, how cities
submit, how to get the data; generated from the latest published edition."""

from django.shortcuts import render

from public import faq
from scoring import selectors
from smartcity.page_cache import public_page


@public_page
def faq_view(request):
    """The FAQ of the newest published edition (9 queries whatever the number of cities and parameters); without
    a published edition every question still has its answer, saying so."""
    edition, run, editions = selectors.published()
    facts = faq.faq(edition, run, editions) if edition is not None else None
    return render(request, "public/faq.html", {"faq": facts, "edition": edition})

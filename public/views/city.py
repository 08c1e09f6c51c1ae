"""Public city profile and comparison of cities (published editions only)."""

from django import forms
from django.contrib.humanize.templatetags.humanize import intcomma
from django.http import Http404
from django.shortcuts import render
from django.template.defaultfilters import floatformat, linebreaksbr
from django.template.loader import render_to_string
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from indicators.models import City
from public import compare, profile
from public.explain import LanguageNumbers, PageDates
from public.templatetags.public import rank_interval, trend
from scoring import selectors
from smartcity.page_cache import public_page


@public_page
def city_view(request, slug: str, year: int | None = None):
    """A city's profile in one published edition: by default the newest one it is ranked in.

    404 for an unknown city, an unpublished or unknown year, and a city not ranked in that edition.
    """
    history = profile.city_history_of(slug)
    if not history:
        raise Http404
    if year is None:
        year = history[-1].run.edition.year
    city_profile = profile.city_profile(city=history[0].city, history=history, year=year)
    if city_profile is None:
        raise Http404
    # The content (and the breakdown it includes: every parameter with its explanations) in Jinja2, base.html around
    # it: jinja2/public/city_content.html says why.
    content = render_to_string(
        "public/city_content.html",
        {
            "edition": city_profile.edition,
            "profile": city_profile,
            "numbers": LanguageNumbers(),
            "dates": PageDates(),
            "floatformat": floatformat,
            "intcomma": intcomma,
            "trend": trend,
            "rank_interval": rank_interval,
            "linebreaksbr": linebreaksbr,
            "chart": _chart,
        },
        using="jinja2",
    )
    context = {"edition": city_profile.edition, "profile": city_profile, "content": mark_safe(content)}
    return render(request, "public/city.html", context)  # escaped by Jinja2


def _chart(chart: dict) -> SafeString:
    """public/_chart.html (a Django template, shared with the other public pages) for a Jinja2 template."""
    return mark_safe(render_to_string("public/_chart.html", {"chart": chart}))


class CompareForm(forms.Form):
    """The cities to compare (`?stadt=<slug>`, repeated): 2 to 4 different cities ranked in the edition."""

    stadt = forms.MultipleChoiceField(
        error_messages={
            "required": _("Bitte wählen Sie mindestens zwei Städte."),
            "invalid_choice": _("„%(value)s“ ist keine Stadt dieser Ausgabe."),
        }
    )

    def __init__(self, *args, cities: list[City], **kwargs):
        super().__init__(*args, **kwargs)
        self.cities = {city.slug: city for city in cities}
        self.fields["stadt"].choices = [(city.slug, city.name) for city in cities]

    def clean_stadt(self) -> list[City]:
        slugs = self.cleaned_data["stadt"]
        duplicates = sorted({slug for slug in slugs if slugs.count(slug) > 1})
        if duplicates:
            raise forms.ValidationError(
                _("Jede Stadt kann nur einmal verglichen werden: %(cities)s ist doppelt gewählt.")
                % {"cities": ", ".join(self.cities[slug].name for slug in duplicates)}
            )
        if not compare.COMPARE_MIN <= len(slugs) <= compare.COMPARE_MAX:
            raise forms.ValidationError(
                ngettext(
                    "Bitte wählen Sie zwei bis vier Städte; gewählt ist %(count)d.",
                    "Bitte wählen Sie zwei bis vier Städte; gewählt sind %(count)d.",
                    len(slugs),
                )
                % {"count": len(slugs)}
            )
        return [self.cities[slug] for slug in slugs]


@public_page(query_lists=("stadt",))
def compare_view(request, year: int):
    """2-4 cities of a published edition side by side. Without a selection a form to pick them;
    a wrong selection (too few or many, unknown or repeated cities) answers 400 with the reason and the form."""
    edition, run, _editions = selectors.published(year)
    if run is None:
        raise Http404
    cities = profile.ranked_cities(run)
    # Empty choices come from the unused selects of the picking form.
    slugs = [slug.strip() for slug in request.GET.getlist("stadt") if slug.strip()]
    context = {
        "edition": edition,
        "cities": cities,
        "slots": (slugs + [""] * compare.COMPARE_MAX)[: max(compare.COMPARE_MAX, len(slugs))],
        "comparison": None,
        "errors": [],
    }
    if "stadt" not in request.GET:
        return render(request, "public/compare.html", context)
    form = CompareForm({"stadt": slugs}, cities=cities)
    if not form.is_valid():
        context["errors"] = form.errors["stadt"]
        return render(request, "public/compare.html", context, status=400)
    selected = form.cleaned_data["stadt"]
    context["slots"] = [city.slug for city in selected] + [""] * (compare.COMPARE_MAX - len(selected))
    context["comparison"] = compare.comparison(run=run, cities=selected)
    return render(request, "public/compare.html", context)

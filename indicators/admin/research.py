"""Admin page "Recherche" (issue 16, section 3): researchers and editors pick an edition and a city, see what
the city has not answered and the research parameters, and enter researched values with a source and a Stand
(answer_research). A proxy of City, so the page has its own permission and its own entry in the admin index."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.http import urlencode
from django.utils.translation import gettext as _

from indicators import roles
from indicators.forms import ResearchForm
from indicators.models import Participation, ResearchCity
from indicators.selectors.research import research_cities, research_editions, research_rows
from indicators.services import ConflictError
from indicators.services.research import ResearchInput, answer_research

# The query parameters of the pages (German, like the public site's).
EDITION_PARAM = "ausgabe"
SENT_BACK_PARAM = "zurueckgegeben"
# The answer's typed fields, which the form shows as one field "value".
VALUE_FIELDS = ("value_bool", "value_choice", "value_number")


@admin.register(ResearchCity)
class ResearchAdmin(admin.ModelAdmin):
    """The list of cities to research (the changelist) and one city's research page (its change page)."""

    def has_view_permission(self, request, obj=None):
        """Researchers and editors (their groups' permission: the cached permissions, so the admin's menu on
        every page asks no query), never on a city they belong to; answer_research checks the roles again."""
        user = request.user
        allowed = user.has_perm("indicators.view_researchcity")
        return allowed and (obj is None or not roles.belongs_to_city(user, obj))

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def _edition(self, request, editions):
        """The edition of the query (?ausgabe=2024), else the newest open to research; 404 for another year."""
        year = request.GET.get(EDITION_PARAM, "")
        if not year:
            return editions[0] if editions else None
        edition = next((edition for edition in editions if str(edition.year) == year), None)
        if edition is None:
            raise Http404(_("Diese Ausgabe ist nicht in Erhebung oder Prüfung."))
        return edition

    def changelist_view(self, request, extra_context=None):
        if not self.has_view_permission(request):
            raise PermissionDenied
        editions = list(research_editions())
        edition = self._edition(request, editions)
        sent_back_only = request.GET.get(SENT_BACK_PARAM) == "1"
        cities = research_cities(user=request.user, edition=edition, sent_back_only=sent_back_only) if edition else []
        return render(
            request,
            "admin/indicators/research/cities.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Recherche"),
                "editions": editions,
                "edition": edition,
                "sent_back_only": sent_back_only,
                "cities": cities,
                "edition_param": EDITION_PARAM,
                "sent_back_param": SENT_BACK_PARAM,
            },
        )

    def change_view(self, request, object_id, form_url="", extra_context=None):
        city = self.get_object(request, object_id)
        if city is None:
            raise Http404
        if not self.has_view_permission(request, city):
            raise PermissionDenied
        editions = list(research_editions())
        edition = self._edition(request, editions)
        if edition is None or not Participation.objects.filter(edition=edition, city=city).exists():
            raise Http404(_("Die Stadt nimmt an keiner Ausgabe in Erhebung oder Prüfung teil."))
        sent_back_only = request.GET.get(SENT_BACK_PARAM) == "1"
        posted_key, posted_form = None, None
        if request.method == "POST":
            posted_key = request.POST.get("parameter", "")
            response, posted_form = self._save(request, city=city, edition=edition, key=posted_key)
            if response is not None:
                return response
        rows = research_rows(edition=edition, city=city, sent_back_only=sent_back_only)
        for row in rows:
            if row.parameter.key == posted_key and posted_form is not None:
                row.form = posted_form
            else:
                row.form = ResearchForm(parameter=row.parameter, answer=row.answer)
        return render(
            request,
            "admin/indicators/research/city.html",
            {
                **self.admin_site.each_context(request),
                "opts": self.model._meta,
                "title": _("Recherche: %(city)s, %(year)s") % {"city": city.name, "year": edition.year},
                "city": city,
                "edition": edition,
                "editions": editions,
                "rows": rows,
                "sent_back_only": sent_back_only,
                "edition_param": EDITION_PARAM,
                "sent_back_param": SENT_BACK_PARAM,
            },
        )

    def _save(self, request, *, city, edition, key: str):
        """One row's form: (redirect after success, None) or (None, the bound form with its errors)."""
        row = next((row for row in research_rows(edition=edition, city=city) if row.parameter.key == key), None)
        if row is None:
            messages.error(request, _("Dieser Parameter kann für diese Stadt nicht recherchiert werden."))
            return None, None
        form = ResearchForm(request.POST, request.FILES, parameter=row.parameter, answer=row.answer)
        if not form.is_valid():
            return None, form
        data = form.cleaned_data
        try:
            answer_research(
                user=request.user,
                city=city,
                parameter=row.parameter,
                data=ResearchInput(
                    value=data["value"],
                    evidence_url=data["evidence_url"],
                    as_of=data["as_of"],
                    note=data["note"],
                    file=data["file"],
                ),
                expected_version=data["version"],
            )
        except ConflictError:
            form.add_error(
                None, _("Der Wert wurde inzwischen von jemand anderem geändert. Bitte laden Sie die Seite neu.")
            )
            return None, form
        except ValidationError as error:
            _add_errors(form, error)
            return None, form
        messages.success(
            request,
            _("„%(parameter)s“ für %(city)s recherchiert und zur Prüfung eingereicht.")
            % {"parameter": row.parameter.name, "city": city.name},
        )
        query = {EDITION_PARAM: edition.year}
        if request.GET.get(SENT_BACK_PARAM) == "1":
            query[SENT_BACK_PARAM] = "1"
        url = reverse("admin:indicators_researchcity_change", args=[city.pk])
        return redirect(f"{url}?{urlencode(query)}#parameter-{row.parameter.key}"), None


def _add_errors(form, error: ValidationError) -> None:
    """A service's error on the form: on its field where the form has one, else on the whole form."""
    if hasattr(error, "error_dict"):
        for name, errors in error.message_dict.items():
            name = "value" if name in VALUE_FIELDS else name
            form.add_error(name if name in form.fields else None, errors)
    else:
        form.add_error(None, error.messages)

"""The review queue: answers with their flags, evidence and thread; approve or send back, one by one or in bulk.

Size: the queue's forms, filters, cell rendering and actions share one queryset and its flags."""

from html import escape

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.contrib.admin.templatetags.admin_list import ResultList, result_headers
from django.contrib.admin.utils import display_for_field
from django.contrib.admin.views.main import ChangeList
from django.contrib.humanize.templatetags.humanize import intcomma
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.paginator import Paginator
from django.db import models
from django.db.models import Count, Exists, F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Coalesce
from django.http import QueryDict
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import path, reverse
from django.utils.decorators import method_decorator
from django.utils.formats import get_format, number_format
from django.utils.functional import cached_property
from django.utils.html import conditional_escape
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST
from simple_history.admin import SimpleHistoryAdmin

from indicators import roles, selectors
from indicators.forms import CommentForm
from indicators.models import (
    ANSWER_FLAG_FIELDS,
    Answer,
    AnswerCheck,
    City,
    Domain,
    Edition,
    EvidenceFile,
    Indicator,
    ReviewAssignment,
    catalogue_order,
)
from indicators.selectors.review_flags import (
    FLAG_LABELS,
    VALUE_READ_FIELDS,
    Review,
    answer_reviews,
    flagged,
    previous_reviews,
)
from indicators.selectors.review_queue import answers_matching
from indicators.services import (
    REVIEW_REASONS,
    ConflictError,
    answer_approve,
    answer_request_changes,
    answers_approve,
    answers_request_changes,
    comments,
    review_reason,
)
from indicators.services import checks as check_services
from indicators.services.evidence import INLINE_TYPES
from smartcity.numbers import LanguageNumbers


def _int_or_none(text) -> int | None:
    try:
        return int(text)
    except (TypeError, ValueError):
        return None


class EvidenceFileInline(admin.TabularInline):
    model = EvidenceFile
    extra = 0
    readonly_fields = ["original_name", "content_type", "size", "sha256", "uploaded_by", "uploaded_at"]
    fields = readonly_fields

    # Files are added and removed only through the evidence services (permission, phase, version, storage).
    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ObjectionDecisionForm(forms.Form):
    """A reviewer's decision on a city's objection: keep the value, or correct it with a source (the rules and
    their messages are the service's, objection_decide)."""

    outcome = forms.ChoiceField(
        label=_("Entscheidung"),
        choices=[
            (AnswerCheck.Outcome.KEPT, _("Wert beibehalten")),
            (AnswerCheck.Outcome.CORRECTED, _("Wert korrigieren")),
        ],
        widget=forms.RadioSelect,
        error_messages={"required": _("Bitte wählen Sie: Wert beibehalten oder korrigieren.")},
    )
    outcome_reason = forms.CharField(
        label=_("Begründung für die Stadt"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )
    value = forms.CharField(label=_("Korrigierter Wert"), required=False)
    evidence_url = forms.URLField(
        label=_("Quelle des korrigierten Werts (URL)"), required=False, max_length=500, assume_scheme="https"
    )
    as_of = forms.DateField(label=_("Stand des korrigierten Werts"), required=False)


class RequestChangesForm(forms.Form):
    """The reviewer's reason for sending answers back: one of the usual reasons plus free text."""

    # No reason is preselected: a send back always says what the reviewer chose.
    reason = forms.ChoiceField(
        label=_("Grund"),
        choices=[("", _("– bitte einen Grund wählen –")), *REVIEW_REASONS],
        error_messages={"required": _("Bitte wählen Sie einen Grund.")},
    )
    detail = forms.CharField(
        label=_("Erläuterung für die Stadt"), widget=forms.Textarea(attrs={"rows": 3}), required=False
    )

    def clean(self):
        data = super().clean()
        if data.get("reason"):
            try:
                data["reason_text"] = review_reason(data["reason"], data.get("detail", ""))
            except ValidationError as error:
                self.add_error(None, error)
        return data

    def reason_text(self) -> str:
        return self.cleaned_data["reason_text"]


def queue_editions(request) -> list[Edition]:
    """Every edition, newest first, read once per request: the edition filter lists them, the other filters
    ask for the chosen one (few: one a year)."""
    if not hasattr(request, "queue_editions"):
        request.queue_editions = list(Edition.objects.order_by("-year"))
    return request.queue_editions


def queue_edition(request) -> Edition | None:
    """The edition the queue is filtered to (`edition__id__exact`), or None for all editions."""
    value = request.GET.get("edition__id__exact", "")
    return next((edition for edition in queue_editions(request) if str(edition.pk) == value), None)


def default_queue_edition(editions: list[Edition] | None = None) -> Edition | None:
    """Where the work is: the newest edition in review, else the newest collecting one (of `editions`, newest
    first, if given)."""
    for phase in (Edition.Phase.REVIEW, Edition.Phase.COLLECTION):
        if editions is not None:
            edition = next((edition for edition in editions if edition.phase == phase), None)
        else:
            edition = Edition.objects.filter(phase=phase).order_by("-year").first()
        if edition is not None:
            return edition
    return None


class EditionFilter(admin.SimpleListFilter):
    """Editions by year, newest first (the queue opens on the one in review, see AnswerAdmin.changelist_view)."""

    title = _("Ausgabe")
    parameter_name = "edition__id__exact"

    def lookups(self, request, model_admin):
        return [(str(edition.pk), edition.title) for edition in queue_editions(request)]

    def queryset(self, request, queryset):
        return queryset.filter(edition_id=self.value()) if (self.value() or "").isdigit() else queryset


def queue_indicators(request, edition: Edition) -> list[Indicator]:
    """The indicators of `edition` with their domains, in catalogue order, read once per request: the domain and
    the indicator filter both list them."""
    cache = request.__dict__.setdefault("queue_indicators", {})
    if edition.pk not in cache:
        cache[edition.pk] = list(
            Indicator.objects.filter(domain__edition=edition)
            .select_related("domain")
            .order_by("domain__position", "domain_id", "position", "id")
        )
    return cache[edition.pk]


class DomainFilter(admin.SimpleListFilter):
    """Domains by name: those of the chosen edition (with indicators; a domain without any has no answers),
    else those of every edition once per key."""

    title = _("Themenbereich")
    parameter_name = "domain"

    def lookups(self, request, model_admin):
        edition = queue_edition(request)
        if edition is not None:
            domains = [indicator.domain for indicator in queue_indicators(request, edition)]
        else:
            domains = Domain.objects.order_by("-edition__year", "position", "id")
        names = {}
        for domain in domains:
            names.setdefault(domain.key, domain.name)
        return list(names.items())

    def queryset(self, request, queryset):
        return queryset.filter(parameter__indicator__domain__key=self.value()) if self.value() else queryset


class IndicatorFilter(admin.SimpleListFilter):
    """The indicators of the chosen edition (or of the default one), each once, by domain and name."""

    title = _("Indikator")
    parameter_name = "indicator"

    def lookups(self, request, model_admin):
        edition = queue_edition(request) or default_queue_edition(queue_editions(request))
        if edition is None:
            return []
        domain = request.GET.get(DomainFilter.parameter_name)
        return [
            (str(indicator.pk), f"{indicator.domain.name} · {indicator.name}")
            for indicator in queue_indicators(request, edition)
            if not domain or indicator.domain.key == domain
        ]

    def queryset(self, request, queryset):
        return queryset.filter(parameter__indicator_id=self.value()) if (self.value() or "").isdigit() else queryset


class CityFilter(admin.SimpleListFilter):
    """The cities taking part in the chosen edition (else all), as one drop-down with a button instead of a
    link per city: at 1,000 cities the links (each with its own query string) cost more than the page."""

    title = _("Stadt")
    parameter_name = "city__id__exact"
    template = "admin/indicators/answer/city_filter.html"

    def lookups(self, request, model_admin):
        cities = City.objects.order_by("name", "id")
        edition = queue_edition(request)
        if edition is not None:
            cities = cities.filter(participations__edition=edition)
        return [(str(pk), name) for pk, name in cities.values_list("pk", "name")]

    def queryset(self, request, queryset):
        return queryset.filter(city_id=self.value()) if (self.value() or "").isdigit() else queryset

    def choices(self, changelist):
        """Only "Alle"; the cities are the form's options (`options`), the other filters its hidden fields
        (`hidden`)."""
        # html.escape, not format_html: a thousand options through format_html cost a tenth of the page
        chosen = self.value()
        self.options = mark_safe(
            "".join(
                f'<option value="{pk}"{" selected" if pk == chosen else ""}>{escape(name)}</option>'
                for pk, name in self.lookup_choices
            )
        )
        self.hidden = [
            (name, value)
            for name, values in changelist.filter_params.items()
            if name != self.parameter_name
            for value in values
        ]
        yield {
            "selected": self.value() is None,
            "query_string": changelist.get_query_string(remove=[self.parameter_name]),
            "display": _("Alle"),
        }


def assigned_to(user) -> Q:
    """Answers of the cities (and domains) assigned to `user`: their share of the queue."""
    assignments = ReviewAssignment.objects.filter(
        edition=OuterRef("edition"), city=OuterRef("city"), reviewer=user
    ).filter(Q(domain__isnull=True) | Q(domain=OuterRef("parameter__indicator__domain")))
    return Q(Exists(assignments))


def next_in_queue(user, answer: Answer, filters: str) -> Answer | None:
    """The next submitted answer after `answer` in the queue's selection (`filters`: the changelist's query
    string; its edition, city, domain, indicator and "Meine Prüfungen" filters), by city and catalogue
    order, skipping the user's own cities; None at the end (2 queries)."""
    params = QueryDict(filters)
    waiting = Q(status=Answer.Status.SUBMITTED, edition_id=answer.edition_id) & ~Q(city__memberships__user=user)
    if params.get("city__id__exact", "").isdigit():
        waiting &= Q(city_id=params["city__id__exact"])
    if params.get(DomainFilter.parameter_name):
        waiting &= Q(parameter__indicator__domain__key=params[DomainFilter.parameter_name])
    if params.get(IndicatorFilter.parameter_name, "").isdigit():
        waiting &= Q(parameter__indicator_id=params[IndicatorFilter.parameter_name])
    if params.get(AssignmentFilter.parameter_name) == "1":
        waiting &= assigned_to(user)
    ids = list(
        Answer.objects.filter(waiting | Q(pk=answer.pk))
        .order_by("city__name", "city_id", *catalogue_order("parameter__"))
        .values_list("pk", flat=True)
    )
    position = ids.index(answer.pk) if answer.pk in ids else -1
    following = ids[position + 1] if position + 1 < len(ids) else None
    return Answer.objects.filter(pk=following).first() if following else None


class AssignmentFilter(admin.SimpleListFilter):
    """ "Meine Prüfungen": the answers of the cities and domains an editor assigned to the reviewer."""

    title = _("Zuständigkeit")
    parameter_name = "mine"

    def lookups(self, request, model_admin):
        return [("1", _("Meine Prüfungen"))]

    def queryset(self, request, queryset):
        return queryset.filter(assigned_to(request.user)) if self.value() == "1" else queryset


class FlagFilter(admin.SimpleListFilter):
    """Answers carrying one review flag: the stored flag's indexed column, in SQL
    (indicators.services.review_flags keeps it equal to the rule's)."""

    title = _("Hinweise")
    parameter_name = "flag"

    def lookups(self, request, model_admin):
        return list(FLAG_LABELS.items())

    def queryset(self, request, queryset):
        return queryset.filter(flagged(self.value())) if self.value() in FLAG_LABELS else queryset


class QueuePaginator(Paginator):
    """Counts the answers the filters leave up to COUNT_LIMIT + 1 only: an edition of 1,000 cities has 160,000
    answers, and counting them all would cost more than the page. Beyond the limit the queue says "mehr als
    5.000 Antworten" and links the pages up to it (a narrower filter reaches the rest)."""

    COUNT_LIMIT = 5000

    @cached_property
    def count(self) -> int:
        # unordered: the bounded count needs no sort (SELECT COUNT(*) FROM (SELECT ... LIMIT 5001))
        return self.object_list.order_by()[: self.COUNT_LIMIT + 1].count()

    @property
    def is_bounded(self) -> bool:
        return self.count > self.COUNT_LIMIT


# What a row of the queue shows and links (AnswerAdmin.list_display, last edition's comparison): the answer's value,
# status, flags, evidence link and time; its city's name; its parameter's names and what formats its value (kind,
# unit, options) and finds last edition's (key). Not the answer's note, provenance and source rows, nor the city's
# and parameter's other texts, bounds and weights: 300 objects a page. (A column reading another field would read
# it with a query per row; the tests pin the page's queries at two sizes.)
QUEUE_ROW_FIELDS = (
    "edition_id",
    "city__name",
    "parameter__name_de",
    "parameter__name_en",
    "status",
    "value_confirmation",
    "evidence_url",
    "updated_at",
    *VALUE_READ_FIELDS,
    *ANSWER_FLAG_FIELDS.values(),
)


class AnswerChangeList(ChangeList):
    """Loads the current page's answers with their number of evidence files, and attaches their stored flags and
    last edition's comparison (4 queries with the page's ids whatever the page's or the edition's size); links
    the rows to their answers with the queue's filters kept, the route reversed once per page."""

    PK = 9_876_543_210  # a stand-in for an answer's id in the reversed route

    def get_results(self, request):
        super().get_results(request)
        self.count_is_bounded = self.paginator.is_bounded
        # The page's ids first, then its rows: sorting the answers the filters leave with their city, parameter
        # and edition joined would carry every column of each through the sort (an indicator's 3,000 answers
        # at 1,000 cities: 20 ms instead of 5).
        ids = list(self.result_list.values_list("pk", flat=True))
        files = EvidenceFile.objects.filter(answer=OuterRef("pk")).values("answer").annotate(count=Count("pk"))
        rows = (
            Answer.objects.select_related(*self.list_select_related)
            .only(*QUEUE_ROW_FIELDS)
            .annotate(evidence_count=Coalesce(Subquery(files.values("count")), 0))
            .in_bulk(ids)
        )
        # their edition from the editions the filters read (one object, not one per row)
        editions = {edition.pk: edition for edition in queue_editions(request)}
        self.result_list = [rows[pk] for pk in ids if pk in rows]
        for answer in self.result_list:
            if answer.edition_id in editions:  # (else an edition made since: read on access)
                answer.edition = editions[answer.edition_id]
        # Django links every row with a reverse() and a resolve() of the link (add_preserved_filters): a tenth
        # of the page at 100 rows. The filters are put into the link here, so that Django finds none to add.
        self._change_url = reverse("admin:indicators_answer_change", args=[self.PK]).split(str(self.PK))
        self._row_filters = f"?{self.preserved_filters}" if self.preserved_filters else ""
        self.preserved_filters = ""
        reviews = previous_reviews(self.result_list, queue_editions(request))
        for answer in self.result_list:
            answer.review = reviews.get(answer.pk, Review())

    # The columns of the unique index (city, parameter), the queue's default order.
    INDEX_ORDER = ("city_id", "parameter_id")

    def get_ordering(self, request, queryset):
        """Django's ordering; with a search, the city and parameter ids sorted as values (`id + 0`), not along
        their index. Given "ORDER BY city_id, parameter_id LIMIT 100", PostgreSQL walks the (city, parameter) index
        and tests answer after answer until the page is full; a search for a parameter finds one answer per city,
        spread over the whole index (at 1,000 cities, a third of the table read for one page). The few answers a
        search finds by index (answers_matching) are cheaper to sort. Without a search the walk is the fast way."""
        ordering = super().get_ordering(request, queryset)
        if not self.query:
            return ordering
        return [self._sorted_as_values(field) for field in ordering]

    @classmethod
    def _sorted_as_values(cls, field):
        if not isinstance(field, str) or field.lstrip("-") not in cls.INDEX_ORDER:
            return field
        value = F(field.lstrip("-")) + Value(0)
        return value.desc() if field.startswith("-") else value.asc()

    def url_for_result(self, result) -> str:
        before, after = self._change_url
        return f"{before}{result.pk}{after}{self._row_filters}"

    def result_table(self) -> dict:
        """The context of Django's change_list_results.html for this page: the headers as Django makes them, and
        each row as one piece of HTML with the cells Django's items_for_result makes (a test compares the two),
        without its lookups per cell, which cost a third of the page at 100 rows."""
        headers = list(result_headers(self))
        cells, linked = [], False
        for name in self.list_display:
            link = not linked and name in (self.list_display_links or ())  # the first linked column (Django's rule)
            cells.append(self._cell(name, link))
            linked = linked or link
        # Django's ResultList (a row without a form): the template asks each row for its form
        rows = [ResultList(None, [mark_safe("".join(cell(a) for cell in cells))]) for a in self.result_list]
        return {
            "queue_headers": headers,
            "queue_sorted_fields": sum(1 for header in headers if header["sortable"] and header["sorted"]),
            "queue_rows": rows,
        }

    def _cell(self, name: str, link: bool):
        """A function answer -> the HTML of its cell in column `name` (a field of the answer or a method of the
        admin), as items_for_result renders it; `link`: the row's link to the answer (a header cell)."""
        empty = self.model_admin.get_empty_value_display()
        if hasattr(self.model_admin, name):
            for_page = getattr(self.model_admin, f"{name}_for_page", None)
            display = for_page() if for_page else getattr(self.model_admin, name)
            css = "action-checkbox" if name == "action_checkbox" else f"field-{name}"

            def text(answer):
                value = display(answer)
                blank = value is None or (isinstance(value, str) and not value.strip())
                return empty if blank else conditional_escape(value)

        else:
            field = self.lookup_opts.get_field(name)
            nowrap = isinstance(field, (models.DateField, models.TimeField, models.ForeignKey))
            css = f"field-{name} nowrap" if nowrap else f"field-{name}"
            if field.many_to_one:

                def text(answer):
                    value = getattr(answer, name)
                    return empty if value is None else conditional_escape(str(value))

            elif isinstance(field, models.DateTimeField):
                # A page lists a city's answers, mostly saved together (submitted at once, imported): a time is
                # formatted once per minute (the costliest cell of a row), exact while the format shows no seconds.
                to_minute = not any(char in get_format("DATETIME_FORMAT") for char in "sucrU")
                shown = {}

                def text(answer):
                    value = getattr(answer, field.attname)
                    key = value.replace(second=0, microsecond=0) if to_minute and value is not None else value
                    if key not in shown:
                        shown[key] = conditional_escape(display_for_field(value, field, empty))
                    return shown[key]

            elif field.flatchoices:
                # what display_for_field builds for every row, translated once
                labels = {value: conditional_escape(label) for value, label in field.flatchoices}

                def text(answer):
                    return labels.get(getattr(answer, field.attname), empty)

            else:

                def text(answer):
                    return conditional_escape(display_for_field(getattr(answer, field.attname), field, empty))

        if link:
            url = self.url_for_result
            return lambda answer: f'<th class="{css}"><a href="{escape(url(answer))}">{text(answer)}</a></th>'
        return lambda answer: f'<td class="{css}">{text(answer)}</td>'


def format_change(percent, numbers: LanguageNumbers | None = None) -> str:
    """ "+25 %" / "−12,5 %" in the active language's number format (`numbers`: the page's)."""
    if percent is None:
        return ""
    sign = "+" if percent > 0 else "−" if percent < 0 else "±"
    shown = numbers(abs(percent), decimal_pos=1) if numbers else number_format(abs(percent), decimal_pos=1)
    return f"{sign}{shown} %"


# An answer's three typed value fields; the admin shows the value formatted instead (AnswerAdmin.shown_value).
VALUE_FIELDS = ["value_bool", "value_choice", "value_number"]


@admin.register(Answer)
class AnswerAdmin(SimpleHistoryAdmin):
    """The reviewers' queue: filter, read value and evidence, approve or send back through the services."""

    # What a reviewer decides by first (city, parameter, value, flags, status); it fits 1366 px with the
    # filters beside it (static/css/review-queue.css wraps long names).
    list_display = ["city", "parameter", "shown_value", "flags", "status", "previous_value", "evidence", "updated_at"]

    class Media:
        css = {"all": ["css/review-queue.css"]}

    list_filter = [EditionFilter, "status", AssignmentFilter, DomainFilter, IndicatorFilter, CityFilter, FlagFilter]
    # Facets would count the answers of every filter's every choice (every city's) on each page.
    show_facets = admin.ShowFacets.NEVER
    search_fields = ["city__name", "parameter__name_de", "parameter__key", "note"]
    # (each row's edition is the one the filters read: AnswerChangeList.get_results)
    list_select_related = ["city", "parameter"]
    # By city, then parameter: the order of the unique index (city, parameter), so a page of any edition reads
    # about three times its rows from the index instead of sorting every answer the filters leave.
    ordering = ["city_id", "parameter_id"]
    paginator = QueuePaginator
    # Counting every answer the filters leave costs a scan of the whole table at 1,000 cities; the queue says
    # how many the filters leave, which an index answers.
    show_full_result_count = False
    # Answers change only through the workflow services; the admin shows them, the value as people read it
    # ("75,9 %", the option's label) instead of the three typed fields ("Zahl: 75,900000").
    exclude = VALUE_FIELDS
    # (the stored flags are the page's "Hinweise", computed fresh there; not shown again as five fields)
    readonly_fields = [
        "shown_value",
        *[f.name for f in Answer._meta.fields if f.name not in [*VALUE_FIELDS, *ANSWER_FLAG_FIELDS.values()]],
    ]
    inlines = [EvidenceFileInline]
    actions = ["approve", "request_changes"]
    change_form_template = "admin/indicators/answer/change_form.html"

    def has_add_permission(self, request):
        return False

    # A column's cell as a function made once per page (`<column>_for_page`, AnswerChangeList._cell): what the cells
    # of a page share (a translated text, the number format) is looked up once, not a hundred times; the column's
    # own method (Django's rendering, the change form) calls the same function.

    def action_checkbox_for_page(self):
        """Django's row checkbox, the same HTML without a widget template render per row (100 on a page)."""
        label, name = gettext("Select this object for an action - {}"), helpers.ACTION_CHECKBOX_NAME
        return lambda obj: mark_safe(
            f'<input type="checkbox" name="{name}" value="{obj.pk}" class="action-select"'
            f' aria-label="{escape(label.format(obj))}">'
        )

    def action_checkbox(self, obj):
        return self.action_checkbox_for_page()(obj)

    def shown_value_for_page(self):
        numbers = LanguageNumbers()
        return lambda answer: answer.parameter.format_value(answer.value, numbers)

    @admin.display(description=_("Wert"))
    def shown_value(self, answer: Answer) -> str:
        return self.shown_value_for_page()(answer)

    def previous_value_for_page(self):
        numbers = LanguageNumbers()

        def previous_value(answer: Answer) -> str:
            review = getattr(answer, "review", None)
            if review is None or review.previous is None:
                return "—"
            shown = review.previous.parameter.format_value(review.previous.value, numbers)
            change = format_change(review.change_percent, numbers)
            return f"{shown} ({change})" if change else shown

        return previous_value

    @admin.display(description=_("Vorjahr"))
    def previous_value(self, answer: Answer) -> str:
        return self.previous_value_for_page()(answer)

    def flags_for_page(self):
        labels = {code: str(label) for code, label in FLAG_LABELS.items()}
        confirmed = " " + gettext("(von der Stadt bestätigt)")

        def flags(answer: Answer) -> str:
            review = getattr(answer, "review", None)
            shown = ", ".join(labels[code] for code in review.flags) if review else ""
            return shown + confirmed if shown and answer.value_confirmation else shown

        return flags

    @admin.display(description=_("Hinweise"))
    def flags(self, answer: Answer) -> str:
        return self.flags_for_page()(answer)

    def evidence_for_page(self):
        # f-strings with escape(), not format_html: a hundred rows a page
        link, files = escape(gettext("Link")), {}

        def evidence(answer: Answer) -> str:
            parts = []
            if answer.evidence_url:
                url = escape(answer.evidence_url)
                parts.append(f'<a href="{url}" rel="noopener noreferrer" target="_blank">{link}</a>')
            count = getattr(answer, "evidence_count", 0)
            if count:
                if count not in files:
                    files[count] = escape(ngettext("%(count)d Datei", "%(count)d Dateien", count) % {"count": count})
                parts.append(files[count])
            return mark_safe(" · ".join(parts)) if parts else "—"

        return evidence

    @admin.display(description=_("Nachweis"))
    def evidence(self, answer: Answer) -> str:
        return self.evidence_for_page()(answer)

    def get_search_results(self, request, queryset, search_term):
        """The search over `search_fields`, found by index instead of testing every answer's joined texts
        (selectors.review_queue.answers_matching); it joins nothing, so it never duplicates a row."""
        return answers_matching(queryset, search_term), False

    def get_changelist(self, request, **kwargs):
        return AnswerChangeList

    def changelist_view(self, request, extra_context=None):
        """The queue opens on the work: without any filter, the submitted answers of the edition in review
        (else of the collecting one). Any filter, also "Alle" of one, shows what it says."""
        if request.method == "GET" and not request.GET:
            edition = default_queue_edition()
            if edition is not None:
                query = {"edition__id__exact": edition.pk, "status__exact": Answer.Status.SUBMITTED}
                if ReviewAssignment.objects.filter(edition=edition, reviewer=request.user).exists():
                    query["mine"] = "1"  # a reviewer with assignments starts on their own share
                return redirect(f"{request.path}?{urlencode(query)}")
        response = super().changelist_view(request, extra_context)
        changelist = getattr(response, "context_data", {}).get("cl")
        if isinstance(changelist, AnswerChangeList):  # the list itself (not a redirect or an action's page)
            response.context_data.update(changelist.result_table())
            if changelist.count_is_bounded:  # Django's "Alle 5.001 ausgewählt" would name the bound as the count
                response.context_data["selection_note_all"] = gettext(
                    "Alle Antworten der Auswahl ausgewählt (mehr als %(count)s)"
                ) % {"count": intcomma(QueuePaginator.COUNT_LIMIT)}
        return response

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path("<int:pk>/decide/", view(self.decide_view), name="indicators_answer_decide"),
            path("<int:pk>/comment/", view(self.comment_view), name="indicators_answer_comment"),
            path("<int:pk>/objection/", view(self.objection_view), name="indicators_answer_objection"),
            *super().get_urls(),
        ]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        answer = self.get_object(request, object_id)
        if answer is not None and self.has_view_permission(request, answer):
            extra_context = {**(extra_context or {}), **self._review_context(request, answer)}
        return super().change_view(request, object_id, form_url, extra_context)

    def _review_context(self, request, answer: Answer, **forms) -> dict:
        review = answer_reviews([answer]).get(answer.pk, Review())
        files = list(answer.evidence_files.order_by("uploaded_at", "id"))
        for evidence_file in files:
            evidence_file.preview = (
                ("image" if evidence_file.content_type.startswith("image/") else "pdf")
                if evidence_file.content_type in INLINE_TYPES
                else ""
            )
        return {
            "answer": answer,
            "review": review,
            "change_text": format_change(review.change_percent),
            "flag_labels": [FLAG_LABELS[code] for code in review.flags],
            # the Stand the staleness rule reads (an imported value without its own: its file's)
            "stand": answer.public_provenance[2],
            "evidence_files": files,
            "may_decide": roles.may_review(request.user, answer) and answer.status == Answer.Status.SUBMITTED,
            "own_city": roles.belongs_to_city(request.user, answer),
            "decision_form": forms.get("decision_form") or RequestChangesForm(),
            "comments": comments.answer_comments(answer),
            "comment_form": forms.get("comment_form") or CommentForm(),
            "comments_open": not answer.edition.is_public,
            "comment_action": reverse("admin:indicators_answer_comment", args=[answer.pk]),
            "records": selectors.answer_history(answer),
            "changelist_filters": request.GET.get("_changelist_filters", ""),
            "city_check": AnswerCheck.objects.filter(answer=answer).select_related("checked_by", "decided_by").first(),
            "may_decide_objection": answer.edition.is_open_for_work
            and (roles.is_reviewer(request.user) or roles.is_editor(request.user))
            and not roles.belongs_to_city(request.user, answer),
            "objection_form": forms.get("objection_form") or ObjectionDecisionForm(),
        }

    def _answer_or_404(self, request, pk: int) -> Answer:
        answer = get_object_or_404(Answer.objects.select_related("parameter", "city", "edition"), pk=pk)
        if not self.has_view_permission(request, answer):
            raise PermissionDenied
        return answer

    def _back_to_answer(self, request, answer: Answer, anchor: str = ""):
        url = reverse("admin:indicators_answer_change", args=[answer.pk])
        filters = request.POST.get("_changelist_filters", "")
        return redirect(f"{url}?{urlencode({'_changelist_filters': filters})}{anchor}" if filters else f"{url}{anchor}")

    @method_decorator(require_POST)
    def decide_view(self, request, pk: int):
        """One answer's decision from its page: approve, or send back with a reason (through the services)."""
        answer = self._answer_or_404(request, pk)
        version = _int_or_none(request.POST.get("version"))
        try:
            if request.POST.get("decision") == "approve":
                answer_approve(user=request.user, answer=answer, expected_version=version)
                done = _("„%(answer)s“ freigegeben.")
            else:
                form = RequestChangesForm(request.POST)
                if not form.is_valid():
                    messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
                    return self._back_to_answer(request, answer, "#decision")
                answer_request_changes(
                    user=request.user, answer=answer, reason=form.reason_text(), expected_version=version
                )
                done = _("„%(answer)s“ zur Überarbeitung zurückgegeben.")
        except ConflictError:
            messages.error(
                request,
                _("Die Antwort wurde inzwischen geändert oder entschieden; bitte prüfen Sie den aktuellen Stand."),
            )
            return self._back_to_answer(request, answer)
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            return self._back_to_answer(request, answer)
        messages.success(request, done % {"answer": answer})
        changelist = reverse("admin:indicators_answer_changelist")
        filters = request.POST.get("_changelist_filters", "")
        if request.POST.get("next"):
            following = next_in_queue(request.user, answer, filters)
            if following is not None:
                return self._back_to_answer(request, following)
            messages.info(request, _("Keine weitere eingereichte Antwort in dieser Auswahl."))
        return redirect(f"{changelist}?{filters}" if filters else changelist)

    @method_decorator(require_POST)
    def objection_view(self, request, pk: int):
        """Decide the city's open objection to the answer: keep the value, or correct it
        (check_services.objection_decide)."""
        answer = self._answer_or_404(request, pk)
        form = ObjectionDecisionForm(request.POST)
        if not form.is_valid():
            messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
            return self._back_to_answer(request, answer, "#objection")
        data = form.cleaned_data
        correction = None
        if data["outcome"] == AnswerCheck.Outcome.CORRECTED:
            correction = check_services.Correction(
                value=data["value"], evidence_url=data["evidence_url"], as_of=data["as_of"]
            )
        try:
            check_services.objection_decide(
                user=request.user,
                answer=answer,
                outcome=data["outcome"],
                reason=data["outcome_reason"],
                correction=correction,
                expected_version=_int_or_none(request.POST.get("version")),
            )
        except ConflictError:
            messages.error(
                request,
                _("Die Antwort wurde inzwischen geändert oder entschieden; bitte prüfen Sie den aktuellen Stand."),
            )
            return self._back_to_answer(request, answer, "#objection")
        except (ValidationError, PermissionDenied) as error:
            messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
            return self._back_to_answer(request, answer, "#objection")
        messages.success(request, _("Einwand zu „%(answer)s“ entschieden.") % {"answer": answer})
        return self._back_to_answer(request, answer, "#objection")

    @method_decorator(require_POST)
    def comment_view(self, request, pk: int):
        answer = self._answer_or_404(request, pk)
        form = CommentForm(request.POST)
        if form.is_valid():
            try:
                comments.answer_comment_add(user=request.user, answer=answer, body=form.cleaned_data["body"])
                messages.success(request, _("Kommentar gespeichert."))
            except (ValidationError, PermissionDenied) as error:
                messages.error(request, " ".join(getattr(error, "messages", [str(error)])))
        else:
            messages.error(request, " ".join(form.errors.get("body", [])))
        return self._back_to_answer(request, answer, "#comments")

    @admin.action(description=_("Ausgewählte Antworten freigeben"))
    def approve(self, request, queryset):
        approved, failed = answers_approve(user=request.user, answers=list(queryset.select_related("parameter")))
        self._report(request, len(approved), failed, _("%(count)d Antworten freigegeben."))

    @admin.action(description=_("Ausgewählte Antworten zur Überarbeitung zurückgeben"))
    def request_changes(self, request, queryset):
        form = RequestChangesForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            done, failed = answers_request_changes(user=request.user, answers=list(queryset), reason=form.reason_text())
            self._report(request, len(done), failed, _("%(count)d Antworten zur Überarbeitung zurückgegeben."))
            return None
        return render(
            request,
            "admin/indicators/answer/request_changes.html",
            {
                **self.admin_site.each_context(request),
                "form": form,
                "answers": queryset,
                "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
                "opts": self.model._meta,
                "title": _("Zur Überarbeitung zurückgeben"),
            },
        )

    def _report(self, request, count: int, failed, success: str) -> None:
        if count:
            self.message_user(request, success % {"count": count}, messages.SUCCESS)
        for answer, reason in failed[:20]:
            self.message_user(request, f"{answer.city} · {answer.parameter}: {reason}", messages.WARNING)
        if len(failed) > 20:
            self.message_user(request, _("… und %(count)d weitere.") % {"count": len(failed) - 20}, messages.WARNING)

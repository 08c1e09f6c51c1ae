"""City staff portal: dashboard, questionnaire, saving and submitting answers, an answer's history.

Thin views: find the city and edition the user may work on (404 otherwise, so other cities cannot be
probed), parse the form, call one service, render. Every answer row works with htmx (the row is
swapped in place) and as a plain form without JavaScript.
"""

import base64
import secrets

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.messages import get_messages
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import get_object_or_404, redirect, render
from django.template import engines
from django.template.backends.utils import csrf_input
from django.urls import reverse
from django.utils.safestring import SafeString, mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from indicators import questionnaire_io, selectors, services
from indicators.forms import AnswerForm, CommentForm, answer_fields_html
from indicators.models import Answer, City, CityMembership, Domain, Edition, EvidenceFile, Parameter
from indicators.services import checks, comments, evidence
from smartcity.jinja2 import translator

# Model field names in service errors, mapped to the form's fields.
FORM_FIELD_OF = {"value_bool": "value", "value_choice": "value", "value_number": "value"}


@login_required
def dashboard(request):
    questionnaires = [
        selectors.questionnaire(edition=p.edition, city=p.city) for p in selectors.portal_participations(request.user)
    ]
    coordinated_city_ids = set(
        request.user.city_memberships.filter(role=CityMembership.Role.COORDINATOR).values_list("city_id", flat=True)
    )
    return render(
        request,
        "indicators/dashboard.html",
        {
            "questionnaires": questionnaires,
            "past": selectors.past_participations(request.user),
            "coordinated_city_ids": coordinated_city_ids,
        },
    )


class RowLinks:
    """The addresses an answer row links and posts to. Each route is reversed once per page and the parameter
    key (or a file's id) put in by string formatting: at 162 rows the ~1,000 {% url %} calls cost a tenth of
    the page. tests/indicators/test_questionnaire_rows.py checks every address against reverse()."""

    ROW_ROUTES = (
        "answer_save",
        "answer_submit",
        "answer_history",
        "evidence_upload",
        "answer_value_confirm",
        "answer_carry_over",
        "answer_check_confirm",
        "answer_check_object",
    )
    KEY, PK = "parameter-key-to-fill-in", 9_876_543_210  # stand-ins no city slug or year contains

    def __init__(self, city: City, edition: Edition):
        self._row = {
            name: reverse(f"indicators:{name}", args=[city.slug, edition.year, self.KEY]).split(self.KEY)
            for name in self.ROW_ROUTES
        }
        self._remove = reverse("indicators:evidence_remove", args=[city.slug, edition.year, self.PK]).split(
            str(self.PK)
        )
        self._download = reverse("indicators:evidence_file_download", args=[self.PK]).split(str(self.PK))
        self._check_download = reverse("indicators:check_file_download", args=[self.PK]).split(str(self.PK))

    def attach(self, row: selectors.ParameterRow) -> None:
        """Give the row `urls` (by route name), its evidence files `download_url` and `remove_url`, and the
        city's verdict `download_url`."""
        row.urls = {name: row.parameter.key.join(parts) for name, parts in self._row.items()}
        for evidence_file in row.evidence_files:
            evidence_file.download_url = str(evidence_file.pk).join(self._download)
            evidence_file.remove_url = str(evidence_file.pk).join(self._remove)
        if row.city_check is not None:
            row.city_check.download_url = str(row.city_check.pk).join(self._check_download)


class RowRenderer:
    """Renders answer rows with the one row template (jinja2/indicators/_answer_row.html): the questionnaire's
    domain sections with all rows in one render (`domains`), one row for the autosave's htmx response and the
    row's own page (`render`). What every row of a page shares (city, edition, the CSRF field, the addresses, `_`
    in the page's language) is computed once; the HTML goes into the Django page as safe HTML."""

    TEMPLATE = "indicators/_answer_row.html"
    DOMAINS = "indicators/_domains.html"

    def __init__(self, request, city: City, edition: Edition, previous_edition: Edition | None):
        self.template = engines["jinja2"].env.get_template(self.TEMPLATE)
        self.links = RowLinks(city, edition)
        self.shared = {
            "city": city,
            "edition": edition,
            "previous_edition": previous_edition,
            "csrf_input": csrf_input(request),  # one token for the page, not one per row
            "_": translator(),  # the language looked up once, not per translated string (smartcity/jinja2.py)
            "status_labels": {status: str(label) for status, label in Answer.Status.choices},  # not once per row
            "htmx": False,
            "conflict": None,
            "saved": False,
            "progress": None,
        }

    def prepare(self, row: selectors.ParameterRow) -> None:
        """Give the row its addresses and its fields' HTML: a posted form (`row.form`) with what was typed and its
        errors, else built from the answer."""
        form = getattr(row, "form", None)
        row.fields_html = form.fields_html() if form else answer_fields_html(row.parameter, row.answer)
        self.links.attach(row)

    def render(self, row: selectors.ParameterRow, **context) -> SafeString:
        """The row's HTML; `context` adds conflict, saved, progress, htmx and messages."""
        self.prepare(row)
        return mark_safe(self.template.render({**self.shared, "row": row, **context}))  # Jinja2 escaped it

    def domains(self, data: selectors.Questionnaire) -> SafeString:
        """The questionnaire's domain sections with every row, in one render (jinja2/indicators/_domains.html)."""
        for row in data.rows():
            self.prepare(row)
        edition = self.shared["edition"]
        context = {
            **self.shared,
            "q": data,
            "submit_complete_url": reverse("indicators:submit_complete", args=[self.shared["city"].slug, edition.year]),
        }
        return mark_safe(self.template.environment.get_template(self.DOMAINS).render(context))  # Jinja2 escaped it


@login_required
def questionnaire(request, city_slug: str, year: int):
    """The questionnaire to fill in, or, once the edition is published, to read (nothing editable)."""
    city, edition = selectors.questionnaire_or_404(user=request.user, city_slug=city_slug, year=year, read_only=True)
    data = selectors.questionnaire(edition=edition, city=city)
    domains = RowRenderer(request, city, edition, data.previous_edition).domains(data)
    context = {
        "q": data,
        "city": city,
        "edition": edition,
        "previous_edition": data.previous_edition,
        "domains": domains,
    }
    return render(request, "indicators/questionnaire.html", context)


def _render_row(request, city, edition, parameter, *, form=None, conflict=None, saved=False, status=200):
    """The answer's row alone (htmx) or on its own page: only this row and the overall progress are read."""
    data = selectors.questionnaire_row(edition=edition, city=city, parameter=parameter)
    row = data.row
    row.form = form
    context = {
        "row": row,
        "city": city,
        "edition": edition,
        "conflict": conflict,
        "saved": saved,
        "progress": data.progress,
        "previous_edition": data.previous_edition,
    }
    html = RowRenderer(request, city, edition, data.previous_edition).render(
        row,
        conflict=conflict,
        saved=saved,
        progress=data.progress,
        htmx=bool(request.htmx),
        messages=list(get_messages(request)) if request.htmx else (),
    )
    if request.htmx:
        return HttpResponse(html)
    return render(request, "indicators/answer_edit.html", {**context, "row_html": html}, status=status)


def _add_service_errors(form: AnswerForm, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_errors in error.message_dict.items():
            name = FORM_FIELD_OF.get(field, field)
            form.add_error(name if name in form.fields else None, field_errors)
    else:
        form.add_error(None, error.messages)


@login_required
@require_POST
def answer_save(request, city_slug: str, year: int, parameter_key: str):
    city, edition = selectors.questionnaire_or_404(user=request.user, city_slug=city_slug, year=year)
    parameter = selectors.parameter_or_404(edition, parameter_key)
    saved = _save_posted(request, city, edition, parameter, AnswerForm(request.POST, parameter=parameter))
    if isinstance(saved, HttpResponse):
        return saved
    if request.htmx:
        return _render_row(request, city, edition, parameter, saved=True)
    messages.success(request, _("„%(name)s“ gespeichert.") % {"name": parameter.name})
    return redirect(_row_url(city, edition, parameter))


def _save_posted(request, city, edition, parameter, form: AnswerForm) -> Answer | HttpResponse:
    """Save the answer's fields as posted (answer_save with the posted version): the saved answer, or the row
    with the form's errors (400) or the conflict (409), and then nothing was saved."""
    if not form.is_valid():
        return _render_row(request, city, edition, parameter, form=form, status=400)
    data = form.cleaned_data
    try:
        return services.answer_save(
            user=request.user,
            city=city,
            parameter=parameter,
            data=services.AnswerInput(
                value=data["value"], evidence_url=data["evidence_url"], note=data["note"], as_of=data["as_of"]
            ),
            expected_version=data["version"],
        )
    except services.ConflictError as conflict:
        # Keep what the user typed, show the current value, and let a deliberate second save win.
        form = AnswerForm(request.POST.copy(), parameter=parameter)
        form.data[form.add_prefix("version")] = conflict.current.version if conflict.current else 0
        form.is_valid()  # the row's conflict box says what happened (once) and shows the current value
        return _render_row(request, city, edition, parameter, form=form, conflict=conflict.current, status=409)
    except ValidationError as error:
        _add_service_errors(form, error)
        return _render_row(request, city, edition, parameter, form=form, status=400)


def _row_url(city: City, edition: Edition, parameter: Parameter) -> str:
    url = reverse("indicators:questionnaire", args=[city.slug, edition.year])
    return f"{url}#p-{parameter.key}"


@login_required
@require_POST
def answer_submit(request, city_slug: str, year: int, parameter_key: str):
    """ "Einreichen" submits the answer as the row shows it: the row's one form posts its fields with every
    button, and what was typed but not saved yet (the autosave runs 400 ms after a change, and not at all without
    JavaScript) is saved first, with the posted version. A refused save (wrong input, a colleague's change)
    submits nothing and shows the row with its message; a POST without the fields submits the stored answer."""
    city, edition = selectors.questionnaire_or_404(user=request.user, city_slug=city_slug, year=year)
    parameter = selectors.parameter_or_404(edition, parameter_key)
    answer = get_object_or_404(Answer, edition=edition, city=city, parameter=parameter)
    answer.parameter = parameter  # the form's initial values read it: no query
    version = _posted_version(request, parameter)
    form = AnswerForm(request.POST, parameter=parameter, answer=answer)
    if f"{parameter.key}-version" in request.POST and form.has_changed():
        answer = _save_posted(request, city, edition, parameter, form)
        if isinstance(answer, HttpResponse):
            return answer
        version = answer.version  # the save's: a colleague's write between save and submit is still a conflict
    return _row_action(
        request,
        city,
        edition,
        parameter,
        lambda: services.answer_submit(user=request.user, answer=answer, expected_version=version),
        _("„%(name)s“ eingereicht.") % {"name": parameter.name},
    )


def _stored_answer_action(request, city_slug: str, year: int, parameter_key: str, service, success: str):
    """One service on a stored answer of the user's city, with the posted version; answers with the row.
    `success` is a message with %(name)s for the parameter's name."""
    city, edition = selectors.questionnaire_or_404(user=request.user, city_slug=city_slug, year=year)
    parameter = selectors.parameter_or_404(edition, parameter_key)
    answer = get_object_or_404(Answer, edition=edition, city=city, parameter=parameter)
    return _row_action(
        request,
        city,
        edition,
        parameter,
        lambda: service(answer, _posted_version(request, parameter)),
        success % {"name": parameter.name},
    )


def _row_action(request, city, edition, parameter, action, success: str):
    """Run one service call for an answer row and answer with the row: the message, or the conflict."""
    try:
        action()
    except services.ConflictError as conflict:
        messages.error(request, str(conflict))
        return _after_action(request, city, edition, parameter, status=409, conflict=conflict.current)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return _after_action(request, city, edition, parameter, status=400)
    messages.success(request, success)
    return _after_action(request, city, edition, parameter)


def _after_action(request, city, edition, parameter, *, status=200, conflict=None):
    if request.htmx:
        return _render_row(request, city, edition, parameter, conflict=conflict)
    if status != 200:
        return _render_row(request, city, edition, parameter, conflict=conflict, status=status)
    return redirect(_row_url(city, edition, parameter))


def _posted_version(request, parameter: Parameter) -> int | None:
    """The answer's version the posting row was built from: `version`, or the row's form field `<key>-version`
    (its one form posts the answer's fields with every button)."""
    try:
        return int(request.POST.get("version", request.POST.get(f"{parameter.key}-version", "")))
    except ValueError:
        return None


@login_required
@require_POST
def answer_value_confirm(request, city_slug: str, year: int, parameter_key: str):
    """ "Wert ist korrekt": the city confirms a flagged value with a short explanation for the reviewer."""
    return _stored_answer_action(
        request,
        city_slug,
        year,
        parameter_key,
        lambda answer, version: services.answer_value_confirm(
            user=request.user, answer=answer, note=request.POST.get("note", ""), expected_version=version
        ),
        _("„%(name)s“: Wert bestätigt."),
    )


@login_required
@require_POST
def answer_check_confirm(request, city_slug: str, year: int, parameter_key: str):
    """ "Bestätigen": the city confirms an official or researched value about it (check window)."""
    return _stored_answer_action(
        request,
        city_slug,
        year,
        parameter_key,
        lambda answer, version: checks.answer_check_confirm(user=request.user, answer=answer, expected_version=version),
        _("„%(name)s“: Wert bestätigt."),
    )


@login_required
@require_POST
def answer_check_object(request, city_slug: str, year: int, parameter_key: str):
    """ "Einwand erheben": the city objects to an official or researched value, with a reason and optionally a file."""
    return _stored_answer_action(
        request,
        city_slug,
        year,
        parameter_key,
        lambda answer, version: checks.answer_check_object(
            user=request.user,
            answer=answer,
            reason=request.POST.get("reason", ""),
            uploaded=request.FILES.get("file"),
            expected_version=version,
        ),
        _("„%(name)s“: Einwand erhoben; die Prüfung entscheidet darüber."),
    )


@login_required
@require_POST
def answer_carry_over(request, city_slug: str, year: int, parameter_key: str):
    """Take over last edition's value: with a fresh source URL, or the confirmation that nothing changed."""
    city, edition = selectors.questionnaire_or_404(user=request.user, city_slug=city_slug, year=year)
    parameter = selectors.parameter_or_404(edition, parameter_key)
    return _row_action(
        request,
        city,
        edition,
        parameter,
        lambda: services.answer_carry_over(
            user=request.user,
            city=city,
            parameter=parameter,
            expected_version=_posted_version(request, parameter),
            evidence_url=request.POST.get("evidence_url", ""),
            confirmed_unchanged=request.POST.get("confirmed_unchanged") == "1",
        ),
        _("Vorjahreswert übernommen."),
    )


@login_required
@require_POST
def evidence_upload(request, city_slug: str, year: int, parameter_key: str):
    """Attach a document to the city's answer (the answer must exist: save a value or source first)."""
    city, edition = selectors.questionnaire_or_404(user=request.user, city_slug=city_slug, year=year)
    parameter = selectors.parameter_or_404(edition, parameter_key)
    answer = Answer.objects.filter(edition=edition, city=city, parameter=parameter).first()

    def upload():
        if answer is None:
            raise ValidationError(_("Bitte speichern Sie zuerst einen Wert, dann den Nachweis."))
        if "file" not in request.FILES:
            raise ValidationError(_("Bitte wählen Sie eine Datei aus."))
        evidence.evidence_file_add(
            user=request.user,
            answer=answer,
            uploaded=request.FILES["file"],
            expected_version=_posted_version(request, parameter),
        )

    return _row_action(request, city, edition, parameter, upload, _("Nachweis hochgeladen."))


@login_required
@require_POST
def evidence_remove(request, city_slug: str, year: int, pk: int):
    city, edition = selectors.questionnaire_or_404(user=request.user, city_slug=city_slug, year=year)
    evidence_file = get_object_or_404(
        EvidenceFile.objects.select_related("answer__parameter"), pk=pk, answer__city=city, answer__edition=edition
    )
    parameter = evidence_file.answer.parameter
    return _row_action(
        request,
        city,
        edition,
        parameter,
        lambda: evidence.evidence_file_remove(
            user=request.user, evidence_file=evidence_file, expected_version=_posted_version(request, parameter)
        ),
        _("Nachweis entfernt."),
    )


@login_required
@require_POST
def submit_complete(request, city_slug: str, year: int):
    """Submit all complete drafts of the questionnaire, or of one domain (`domain` = key), after a confirmation
    page that says how many will be submitted (the button posts without `confirm`)."""
    city, edition = selectors.questionnaire_or_404(user=request.user, city_slug=city_slug, year=year)
    domain = None
    if request.POST.get("domain"):
        domain = get_object_or_404(Domain, edition=edition, key=request.POST["domain"])
    if not request.POST.get("confirm"):
        data = selectors.questionnaire(edition=edition, city=city)
        rows = [row for row in data.rows() if domain is None or row.parameter.indicator.domain_id == domain.pk]
        drafts = [row for row in rows if row.status == Answer.Status.DRAFT]
        ready = [row for row in drafts if row.ready_to_submit]
        context = {
            "city": city,
            "edition": edition,
            "domain": domain,
            "ready": ready,
            "incomplete": len(drafts) - len(ready),
        }
        return render(request, "indicators/submit_confirm.html", context)
    submitted, skipped = services.answers_submit_complete(user=request.user, edition=edition, city=city, domain=domain)
    messages.success(
        request,
        _("%(submitted)d Antworten eingereicht, %(skipped)d unvollständige übersprungen.")
        % {"submitted": len(submitted), "skipped": len(skipped)},
    )
    for answer, reason in skipped[:10]:
        messages.warning(request, f"{answer.parameter.name}: {reason}")
    url = reverse("indicators:questionnaire", args=[city.slug, edition.year])
    return redirect(f"{url}#d-{domain.key}" if domain else url)


def _answer_of(request, city_slug: str, year: int, parameter_key: str) -> Answer:
    """The answer for its history and comment pages, also of a published edition (comments are then closed)."""
    city, edition = selectors.questionnaire_or_404(user=request.user, city_slug=city_slug, year=year, read_only=True)
    parameter = selectors.parameter_or_404(edition, parameter_key)
    answer = get_object_or_404(Answer, edition=edition, city=city, parameter=parameter)
    answer.city, answer.edition, answer.parameter = city, edition, parameter
    return answer


def _history_page(request, answer: Answer, *, comment_form=None, status=200):
    return render(
        request,
        "indicators/answer_history.html",
        {
            "city": answer.city,
            "edition": answer.edition,
            "parameter": answer.parameter,
            "answer": answer,
            "records": selectors.answer_history(answer),
            "comments": comments.answer_comments(answer),
            "comment_form": comment_form or CommentForm(),
            "comments_open": not answer.edition.is_public,
        },
        status=status,
    )


@login_required
def answer_history(request, city_slug: str, year: int, parameter_key: str):
    """The answer's audit history and its comment thread with the reviewers."""
    return _history_page(request, _answer_of(request, city_slug, year, parameter_key))


@login_required
@require_POST
def answer_comment_add(request, city_slug: str, year: int, parameter_key: str):
    answer = _answer_of(request, city_slug, year, parameter_key)
    form = CommentForm(request.POST)
    if form.is_valid():
        try:
            comments.answer_comment_add(user=request.user, answer=answer, body=form.cleaned_data["body"])
        except ValidationError as error:
            form.add_error(None, error.messages)
    if not form.is_valid():
        return _history_page(request, answer, comment_form=form, status=400)
    messages.success(request, _("Kommentar gespeichert."))
    url = reverse("indicators:answer_history", args=[answer.city.slug, answer.edition.year, answer.parameter.key])
    return redirect(f"{url}#comments")


# --- Bulk import and export ---------------------------------------------------------------------

IMPORT_MAX_BYTES = 2 * 1024 * 1024
IMPORT_SESSION_KEY = "questionnaire-import"


@login_required
def questionnaire_export(request, city_slug: str, year: int, extension: str):
    city, edition = selectors.questionnaire_or_404(user=request.user, city_slug=city_slug, year=year, read_only=True)
    if extension not in ("xlsx", "csv"):
        raise Http404
    filename = questionnaire_io.questionnaire_filename(edition=edition, city=city, extension=extension)
    if extension == "xlsx":
        content = questionnaire_io.questionnaire_xlsx(edition=edition, city=city)
        content_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    else:
        content = questionnaire_io.questionnaire_csv(edition=edition, city=city).encode("utf-8")
        content_type = "text/csv; charset=utf-8"
    response = HttpResponse(content, content_type=content_type)
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response


@login_required
def questionnaire_import(request, city_slug: str, year: int):
    """Upload → preview (nothing written) → confirm (everything or nothing, through answer_save)."""
    city, edition = selectors.questionnaire_or_404(user=request.user, city_slug=city_slug, year=year)
    context = {"city": city, "edition": edition, "result": None}
    if request.method == "POST":
        if "confirm" in request.POST:
            stored = request.session.get(IMPORT_SESSION_KEY) or {}
            if stored.get("token") != request.POST.get("token") or stored.get("city") != city.pk:
                messages.error(request, _("Die Vorschau ist abgelaufen. Bitte laden Sie die Datei erneut hoch."))
                return redirect("indicators:questionnaire_import", city.slug, edition.year)
            content, filename = base64.b64decode(stored["content"]), stored["filename"]
        else:
            uploaded = request.FILES.get("file")
            if uploaded is None or uploaded.size == 0:
                context["error"] = _("Bitte wählen Sie eine ausgefüllte Datei aus.")
                return render(request, "indicators/questionnaire_import.html", context, status=400)
            if uploaded.size > IMPORT_MAX_BYTES:
                context["error"] = _("Die Datei ist zu groß (höchstens 2 MB).")
                return render(request, "indicators/questionnaire_import.html", context, status=400)
            content, filename = uploaded.read(), uploaded.name
        try:
            rows = questionnaire_io.parse_questionnaire(content, filename)
            result = questionnaire_io.questionnaire_import(
                user=request.user, edition=edition, city=city, rows=rows, confirm="confirm" in request.POST
            )
        except ValidationError as error:
            context["error"] = " ".join(error.messages)
            return render(request, "indicators/questionnaire_import.html", context, status=400)
        if result.saved:
            request.session.pop(IMPORT_SESSION_KEY, None)
            messages.success(request, _("%(count)d Antworten aus der Datei gespeichert.") % {"count": result.saved})
            return redirect("indicators:questionnaire", city.slug, edition.year)
        token = secrets.token_urlsafe(16)
        request.session[IMPORT_SESSION_KEY] = {
            "token": token,
            "city": city.pk,
            "filename": filename,
            "content": base64.b64encode(content).decode(),
        }
        context.update(result=result, token=token)
    return render(request, "indicators/questionnaire_import.html", context)

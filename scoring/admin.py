"""Admin of editions (phases, publishing, the cities' board) and of score runs (read-only: runs are written
only by the recompute service). EditionAdmin is registered here, where it may see both apps: its phase
changes are indicators' and its publishing is scoring's, side by side."""

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import get_object_or_404, render
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext_lazy as _

from indicators import selectors
from indicators.admin import CatalogueAdmin
from indicators.models import Edition
from indicators.services import edition_clone, edition_set_phase
from scoring.models import ScoreRun
from scoring.services import edition_publish


class ConfirmedForm(forms.Form):
    reason = forms.CharField(label=_("Begründung (wird protokolliert)"), required=False)
    confirm = forms.BooleanField(
        label=_("Ich bestätige diese Änderung."),
        required=True,
        error_messages={"required": _("Bitte setzen Sie das Häkchen, um die Änderung zu bestätigen.")},
    )

    def __init__(self, *args, editions=(), **kwargs):
        super().__init__(*args, **kwargs)


class CloneForm(forms.Form):
    """The new edition a clone starts: its year (one edition per year) and title."""

    year = forms.IntegerField(label=_("Jahr der neuen Ausgabe"), min_value=2000, max_value=2100)
    title = forms.CharField(
        label=_("Titel"), max_length=200, required=False, help_text=_("leer: „Smart City Index“ und das Jahr")
    )

    def __init__(self, *args, editions=(), **kwargs):
        super().__init__(*args, **kwargs)
        if len(editions) == 1 and not self.is_bound:
            self.fields["year"].initial = max(Edition.objects.values_list("year", flat=True)) + 1


# Phases in their forward order: the phase form preselects the next one, never a step back.
PHASE_ORDER = list(Edition.Phase.values)


class PhaseForm(ConfirmedForm):
    """Only the moves PHASE_PIPELINE allows for every selected edition (publishing has its own action); the
    next phase forward is preselected, a step back has to be chosen."""

    phase = forms.ChoiceField(label=_("Neue Phase"))
    field_order = ["phase", "reason", "confirm"]

    def __init__(self, *args, editions=(), **kwargs):
        super().__init__(*args, **kwargs)
        moves = legal_moves(editions)
        forward = [phase for phase in moves if all(_is_forward(e.phase, phase) for e in editions)]
        choices = [(phase, Edition.Phase(phase).label) for phase in moves]
        if not forward:
            choices = [("", _("– bitte wählen –")), *choices]
        self.fields["phase"].choices = choices
        self.fields["phase"].initial = forward[0] if forward else ""


def _is_forward(current: str, phase: str) -> bool:
    return PHASE_ORDER.index(phase) > PHASE_ORDER.index(current)


def legal_moves(editions) -> list[str]:
    """The phases every edition may move to next, publishing aside, in the pipeline's order."""
    moves = None
    for edition in editions:
        allowed = {phase for phase in Edition.PHASE_PIPELINE[edition.phase] if phase != Edition.Phase.PUBLISHED}
        moves = allowed if moves is None else moves & allowed
    return [phase for phase in PHASE_ORDER if phase in (moves or set())]


def phase_action(modeladmin, request, queryset, form_class, *, action: str, apply, title, context=None):
    """An edition action behind a confirmation page; each edition goes through the service on its own.
    `apply` returns the success message (may hold a link)."""
    editions = list(queryset)
    bound = "post" in request.POST or "confirm" in request.POST or "reason" in request.POST
    form = form_class(request.POST if bound else None, editions=editions)
    if form.is_bound and form.is_valid():
        for edition in editions:
            try:
                modeladmin.message_user(request, apply(edition, form), messages.SUCCESS)
            except (ValidationError, PermissionDenied) as error:
                text = " ".join(getattr(error, "messages", [str(error)]))
                modeladmin.message_user(request, f"{edition}: {text}", messages.ERROR)
        return None
    if form.is_bound:
        messages.error(request, " ".join(m for errors in form.errors.values() for m in errors))
    return render(
        request,
        "admin/indicators/edition/confirm_action.html",
        {
            **modeladmin.admin_site.each_context(request),
            "form": form,
            "editions": editions,
            "action": action,
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
            "opts": modeladmin.model._meta,
            "title": title,
            **(context or {}),
        },
    )


@admin.register(Edition)
class EditionAdmin(CatalogueAdmin):
    list_display = ["year", "title", "phase", "missing_policy", "is_demo"]
    # Phases change only through the services (audited, checked); never by editing the field.
    readonly_fields = ["phase", "published_at"]
    actions = ["change_phase", "publish", "clone"]
    list_display_links = ["year", "title"]

    def get_list_display(self, request):
        return [*self.list_display, "board_link"]

    @admin.display(description=_("Übersicht"))
    def board_link(self, edition: Edition) -> str:
        url = reverse("admin:indicators_edition_board", args=[edition.pk])
        return format_html('<a href="{}">{}</a>', url, _("Stand der Städte"))

    def get_urls(self):
        board = self.admin_site.admin_view(self.board_view)
        return [path("<int:pk>/board/", board, name="indicators_edition_board"), *super().get_urls()]

    def board_view(self, request, pk: int):
        """Per city: answers by status, unanswered parameters and sign-off (editors and reviewers)."""
        edition = get_object_or_404(Edition, pk=pk)
        if not self.has_view_permission(request, edition):
            raise PermissionDenied
        return render(
            request,
            "admin/indicators/edition/board.html",
            {
                **self.admin_site.each_context(request),
                "edition": edition,
                "rows": selectors.edition_board(edition),
                "loads": selectors.reviewer_loads(edition),
                "opts": self.model._meta,
                "title": _("Stand der Städte: %(edition)s") % {"edition": edition},
            },
        )

    @admin.action(description=_("Phase wechseln (Erhebung öffnen/schließen, Prüfung, Archiv)"))
    def change_phase(self, request, queryset):
        if not legal_moves(queryset):
            self.message_user(
                request,
                _(
                    "Für die gewählten Ausgaben gibt es keinen gemeinsamen Phasenwechsel (veröffentlicht wird mit "
                    "„Veröffentlichen“; eine archivierte Ausgabe bleibt archiviert). Bitte einzeln ändern."
                ),
                messages.ERROR,
            )
            return None

        def apply(edition, form):
            edition = edition_set_phase(
                user=request.user, edition=edition, phase=form.cleaned_data["phase"], reason=form.cleaned_data["reason"]
            )
            board = reverse("admin:indicators_edition_board", args=[edition.pk])
            done = _("%(edition)s: jetzt in der Phase „%(phase)s“.") % {
                "edition": edition,
                "phase": edition.get_phase_display(),
            }
            return format_html('{} <a href="{}">{}</a>', done, board, _("Stand der Städte ansehen"))

        return phase_action(
            self, request, queryset, PhaseForm, action="change_phase", apply=apply, title=_("Phase wechseln")
        )

    @admin.action(description=_("Veröffentlichen (Ergebnisse einfrieren)"))
    def publish(self, request, queryset):
        """Freezes the score run and publishes the edition (scoring.services.edition_publish), behind a page that
        says what that does and what is still open in each edition."""

        def apply(edition, form):
            run = edition_publish(user=request.user, edition=edition, reason=form.cleaned_data["reason"])
            ranking = reverse("public:ranking", args=[edition.year])
            done = _("%(edition)s ist veröffentlicht; der Bewertungslauf ist eingefroren.") % {"edition": edition}
            link = _("Rangliste %(year)s ansehen") % {"year": edition.year}
            return format_html('{} <a href="{}">{}</a>', done, ranking, link) if run else done

        names = ", ".join(str(edition) for edition in queryset)
        return phase_action(
            self,
            request,
            queryset,
            ConfirmedForm,
            action="publish",
            apply=apply,
            title=_("Ausgabe %(editions)s veröffentlichen") % {"editions": names},
            context={
                "intro": _(
                    "Beim Veröffentlichen wird der aktuelle Bewertungslauf eingefroren: Rangliste, Stadtprofile, "
                    "API und offene Daten zeigen dann genau diese Ergebnisse, und die Städte können nichts mehr "
                    "ändern. Das lässt sich nicht rückgängig machen. Noch eingereichte, ungeprüfte Antworten zählen "
                    "nicht; wer trotzdem veröffentlicht, gibt einen Grund an, der öffentlich genannt wird. "
                    "Dasselbe gilt für Einwände von Städten, über die noch nicht entschieden ist."
                ),
                "overviews": [(edition, selectors.publish_overview(edition)) for edition in queryset],
            },
        )

    @admin.action(description=_("Als neue Ausgabe übernehmen (Katalog, Methodik, Städte)"))
    def clone(self, request, queryset):
        """Starts next year's edition from the selected one (indicators.services.edition_clone): a draft with the
        same catalogue, collection modes, weights, methodology and participating cities, without answers."""
        if queryset.count() != 1:
            self.message_user(request, _("Bitte genau eine Ausgabe als Vorlage wählen."), messages.ERROR)
            return None

        def apply(edition, form):
            new = edition_clone(
                user=request.user, source=edition, year=form.cleaned_data["year"], title=form.cleaned_data["title"]
            )
            change = reverse("admin:indicators_edition_change", args=[new.pk])
            done = _("%(edition)s ist angelegt (Entwurf, aus %(source)s übernommen).") % {
                "edition": new,
                "source": edition,
            }
            return format_html('{} <a href="{}">{}</a>', done, change, _("Termine und Stichtag eintragen"))

        return phase_action(
            self,
            request,
            queryset,
            CloneForm,
            action="clone",
            apply=apply,
            title=_("Neue Ausgabe aus %(edition)s") % {"edition": queryset.get()},
            context={
                "intro": _(
                    "Die neue Ausgabe beginnt als Entwurf mit demselben Katalog (Parameter mit ihrer Erhebungsart "
                    "und ihrem Importprofil), denselben Gewichten, derselben Methodik und denselben Städten; "
                    "Antworten, Ergebnisse und Termine werden nicht übernommen, der Stichtag rückt um die Jahre vor."
                )
            },
        )


@admin.register(ScoreRun)
class ScoreRunAdmin(admin.ModelAdmin):
    list_display = [
        "edition",
        "created_at",
        "is_published",
        "city_count",
        "approved_answer_count",
        "duration_ms",
        "code_version",
        "input_hash",
    ]
    list_filter = ["edition", "is_published"]
    readonly_fields = [f.name for f in ScoreRun._meta.fields]

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

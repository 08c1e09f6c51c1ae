"""Coordinator pages of the staff portal: the city's team and invitations, sign-off, innovation projects.

Thin views like indicators.views: find what the user may work on (404 otherwise, so other cities cannot
be probed), parse the form, call one service in indicators.coordination, render.
"""

from dataclasses import dataclass

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth import login
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_http_methods, require_POST

from indicators import roles, selectors
from indicators.models import (
    City,
    CityMembership,
    Domain,
    Edition,
    InnovationProject,
    Participation,
    StaffInvitation,
)
from indicators.services import coordination

Role = CityMembership.Role

# Stands in for the token while the accept URL is reversed (a literal "{token}" would be %-quoted).
_TOKEN_SLOT = "__token__"


class InvitationForm(forms.Form):
    # The same message as the service (Django's own German one says "du").
    email = forms.EmailField(
        label=gettext_lazy("E-Mail-Adresse"),
        error_messages={"invalid": gettext_lazy("Bitte geben Sie eine gültige E-Mail-Adresse an.")},
    )
    role = forms.ChoiceField(label=gettext_lazy("Rolle"), choices=Role.choices, initial=Role.STAFF)


class InnovationProjectForm(forms.Form):
    title = forms.CharField(label=gettext_lazy("Titel"), max_length=200)
    description = forms.CharField(label=gettext_lazy("Beschreibung"), widget=forms.Textarea(attrs={"rows": 4}))
    evidence_url = forms.URLField(
        label=gettext_lazy("Quelle (URL)"), required=False, max_length=500, assume_scheme="https"
    )


def _add_service_errors(form: forms.Form, error: ValidationError) -> None:
    if hasattr(error, "error_dict"):
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
    else:
        form.add_error(None, error.messages)


# --- Team -------------------------------------------------------------------------------------


def _coordinated_city(request, city_slug: str) -> City:
    """The city, if the user coordinates it; 404 for everyone else (staff included)."""
    city = City.objects.filter(
        slug=city_slug, memberships__user=request.user, memberships__role=Role.COORDINATOR
    ).first()
    if city is None:
        raise Http404
    return city


def _render_team(request, city: City, *, form: InvitationForm | None = None, status: int = 200):
    members = list(
        CityMembership.objects.filter(city=city)
        .select_related("user")
        .order_by("user__last_name", "user__first_name", "user__username")
    )
    invitations = list(
        StaffInvitation.objects.filter(city=city, accepted_at__isnull=True)
        .select_related("invited_by")
        .order_by("email")
    )
    participations = list(
        Participation.objects.filter(city=city, edition__phase__in=Edition.OPEN_FOR_WORK_PHASES)
        .select_related("edition")
        .order_by("-edition__year")
    )
    context = {
        "city": city,
        "members": members,
        "invitations": invitations,
        "participations": participations,
        "form": form or InvitationForm(),
    }
    return render(request, "indicators/coordination/team.html", context, status=status)


def _invitation_link_template() -> str:
    """The absolute accept URL with a `{token}` placeholder, in the site's default language like the mail.

    It starts with settings.SITE_URL, never with the request's Host header (which anyone can send).
    """
    with translation.override(settings.LANGUAGE_CODE):
        path = reverse("indicators:invitation_accept", args=[_TOKEN_SLOT])
    return settings.SITE_URL.rstrip("/") + path.replace(_TOKEN_SLOT, "{token}")


@login_required
def team(request, city_slug: str):
    return _render_team(request, _coordinated_city(request, city_slug))


@login_required
@require_POST
def team_invite(request, city_slug: str):
    city = _coordinated_city(request, city_slug)
    form = InvitationForm(request.POST)
    if not form.is_valid():
        return _render_team(request, city, form=form, status=400)
    try:
        invitation, _token = coordination.staff_invite(
            user=request.user,
            city=city,
            email=form.cleaned_data["email"],
            role=form.cleaned_data["role"],
            link_template=_invitation_link_template(),
        )
    except ValidationError as error:
        _add_service_errors(form, error)
        return _render_team(request, city, form=form, status=400)
    messages.success(request, _("Einladung an %(email)s verschickt.") % {"email": invitation.email})
    return redirect("indicators:team", city.slug)


@login_required
@require_POST
def team_remove(request, city_slug: str, membership_id: int):
    city = _coordinated_city(request, city_slug)
    membership = get_object_or_404(CityMembership.objects.select_related("user", "city"), pk=membership_id, city=city)
    name = membership.user.get_full_name() or membership.user.get_username()
    try:
        coordination.staff_remove(user=request.user, membership=membership)
    except ValidationError as error:
        messages.error(request, " ".join(error.messages))
        return redirect("indicators:team", city.slug)
    messages.success(request, _("%(name)s gehört nicht mehr zum Team von %(city)s.") % {"name": name, "city": city})
    if membership.user_id == request.user.pk:
        return redirect("indicators:dashboard")  # they no longer coordinate this city
    return redirect("indicators:team", city.slug)


class InvitationAccountForm(forms.Form):
    """The account an invitation creates (its address is the invited one); the service checks the rest."""

    username = forms.CharField(label=gettext_lazy("Benutzername"), max_length=150)
    first_name = forms.CharField(label=gettext_lazy("Vorname"), max_length=150, required=False)
    last_name = forms.CharField(label=gettext_lazy("Nachname"), max_length=150, required=False)
    password1 = forms.CharField(label=gettext_lazy("Passwort"), strip=False, widget=forms.PasswordInput)
    password2 = forms.CharField(label=gettext_lazy("Passwort wiederholen"), strip=False, widget=forms.PasswordInput)

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("password1") and cleaned.get("password1") != cleaned.get("password2"):
            self.add_error("password2", _("Die beiden Passwörter stimmen nicht überein."))
        return cleaned


@require_http_methods(["GET", "POST"])
def invitation_accept(request, token: str):
    """GET shows what the invitation is for; POST accepts it.

    Signed in, only the account of the invited address may accept. Without signing in, the invitation
    creates the account for its address (unless one exists: then the invitee signs in).
    """
    page = "indicators/coordination/invitation.html"
    try:
        invitation = coordination.staff_invitation_for_token(token)
    except ValidationError as error:
        return render(request, page, {"error": " ".join(error.messages)}, status=400)
    if not request.user.is_authenticated:
        return _invitation_for_visitor(request, token, invitation)
    try:
        if request.method == "POST":
            membership = coordination.staff_invitation_accept(user=request.user, token=token)
            messages.success(request, _("Willkommen im Team von %(city)s.") % {"city": membership.city.name})
            return redirect("indicators:dashboard")
        coordination.check_invited_address(user=request.user, invitation=invitation)
    except ValidationError as error:
        context = {"invitation": invitation, "error": " ".join(error.messages)}
        return render(request, page, context, status=400 if request.method == "POST" else 200)
    return render(request, page, {"invitation": invitation})


def _invitation_for_visitor(request, token: str, invitation: StaffInvitation):
    """Someone not signed in: the form for the account the invitation creates, or the way to sign in."""
    page = "indicators/coordination/invitation.html"
    login_url = f"{reverse('login')}?next={request.path}"
    context = {"invitation": invitation, "login_url": login_url}
    if coordination.invited_address_has_account(invitation):
        error = _("Für %(email)s gibt es bereits ein Konto. Bitte melden Sie sich an, um die Einladung anzunehmen.") % {
            "email": invitation.email
        }
        return render(request, page, {**context, "error": error}, status=400 if request.method == "POST" else 200)
    if request.method != "POST":
        return render(request, page, {**context, "account_form": InvitationAccountForm()})
    form = InvitationAccountForm(request.POST)
    if form.is_valid():
        data = form.cleaned_data
        try:
            user = coordination.staff_invitation_accept_new_user(
                token=token,
                username=data["username"],
                password=data["password1"],
                first_name=data["first_name"],
                last_name=data["last_name"],
            )
        except ValidationError as error:
            if hasattr(error, "error_dict"):
                for field, field_errors in error.message_dict.items():
                    field = "password1" if field == "password" else field
                    form.add_error(field if field in form.fields else None, field_errors)
            else:
                form.add_error(None, error.messages)
        else:
            login(request, user, backend="django.contrib.auth.backends.ModelBackend")
            messages.success(request, _("Willkommen im Team von %(city)s.") % {"city": invitation.city.name})
            return redirect("indicators:dashboard")
    return render(request, page, {**context, "account_form": form}, status=400)


# --- Sign-off ---------------------------------------------------------------------------------


@login_required
@require_http_methods(["GET", "POST"])
def sign_off(request, city_slug: str, year: int):
    """A small page with the city's progress and the sign-off button (coordinators only)."""
    city, edition = selectors.questionnaire_or_404(user=request.user, city_slug=city_slug, year=year)
    if not roles.is_coordinator_of(request.user, city):
        raise Http404
    error, status = "", 200
    if request.method == "POST":
        try:
            coordination.questionnaire_sign_off(user=request.user, edition=edition, city=city)
        except ValidationError as problem:  # WorkflowError included
            error, status = " ".join(problem.messages), 400
        else:
            messages.success(
                request,
                _("Der Fragebogen von %(city)s für %(edition)s ist abgezeichnet.")
                % {"city": city.name, "edition": edition.title},
            )
            return redirect("indicators:dashboard")
    participation = Participation.objects.select_related("signed_off_by").get(edition=edition, city=city)
    context = {
        "city": city,
        "edition": edition,
        "participation": participation,
        "missing": coordination.missing_answer_count(edition=edition, city=city),
        "error": error,
    }
    return render(request, "indicators/coordination/sign_off.html", context, status=status)


# --- Innovation projects ----------------------------------------------------------------------


@dataclass
class ProjectBlock:
    """One domain on the projects page: the city's project there (if any) and its form."""

    domain: Domain
    project: InnovationProject | None
    form: InnovationProjectForm


def _render_projects(request, city: City, edition: Edition, *, bound: InnovationProjectForm | None = None, status=200):
    domains = list(Domain.objects.filter(edition=edition).order_by("position", "id"))
    projects = {p.domain_id: p for p in InnovationProject.objects.filter(edition=edition, city=city)}
    blocks = []
    for domain in domains:
        project = projects.get(domain.pk)
        if bound is not None and bound.prefix == domain.key:
            form = bound
        else:
            initial = (
                {"title": project.title, "description": project.description, "evidence_url": project.evidence_url}
                if project
                else None
            )
            form = InnovationProjectForm(prefix=domain.key, initial=initial)
        blocks.append(ProjectBlock(domain=domain, project=project, form=form))
    context = {
        "city": city,
        "edition": edition,
        "blocks": blocks,
        "editable": edition.phase == Edition.Phase.COLLECTION,
    }
    return render(request, "indicators/coordination/projects.html", context, status=status)


@login_required
def innovation_projects(request, city_slug: str, year: int):
    city, edition = selectors.questionnaire_or_404(user=request.user, city_slug=city_slug, year=year)
    return _render_projects(request, city, edition)


@login_required
@require_POST
def innovation_project_save(request, city_slug: str, year: int, domain_key: str):
    city, edition = selectors.questionnaire_or_404(user=request.user, city_slug=city_slug, year=year)
    domain = get_object_or_404(Domain, edition=edition, key=domain_key)
    form = InnovationProjectForm(request.POST, prefix=domain.key)
    if not form.is_valid():
        return _render_projects(request, city, edition, bound=form, status=400)
    try:
        coordination.innovation_project_save(
            user=request.user, edition=edition, city=city, domain=domain, **form.cleaned_data
        )
    except ValidationError as error:  # WorkflowError included
        _add_service_errors(form, error)
        return _render_projects(request, city, edition, bound=form, status=400)
    messages.success(request, _("Projekt im Themenbereich „%(domain)s“ gespeichert.") % {"domain": domain.name})
    url = reverse("indicators:innovation_projects", args=[city.slug, edition.year])
    return redirect(f"{url}#d-{domain.key}")

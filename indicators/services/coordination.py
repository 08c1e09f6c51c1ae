"""Coordinator and team writes: questionnaire sign-off, staff invitations and removal, innovation projects."""

import hashlib
import secrets
from datetime import timedelta

from django.conf import settings
from django.contrib.auth import get_user_model
from django.contrib.auth.password_validation import validate_password
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.mail import send_mail
from django.core.validators import EmailValidator
from django.db import transaction
from django.db.models import Q
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from indicators import roles
from indicators.models import (
    Answer,
    City,
    CityMembership,
    Domain,
    Edition,
    InnovationProject,
    Parameter,
    Participation,
    StaffInvitation,
)
from indicators.services.base import check_collection_window, check_participates, lock_edition
from indicators.workflow import WorkflowError, record_history

Phase = Edition.Phase
Role = CityMembership.Role

# How long an invitation link works; a coordinator can always send a new one (it replaces the old).
INVITATION_VALID_FOR = timedelta(days=7)

# An answer counts as given when one of its typed value fields is filled (Answer.has_value, in SQL).
HAS_VALUE = Q(value_bool__isnull=False) | ~Q(value_choice="") | Q(value_number__isnull=False)


def _check_coordinator(*, user, city: City) -> None:
    if not roles.is_coordinator_of(user, city):
        raise PermissionDenied(_("Nur die Koordination der Stadt kann das tun."))


def _lock_city(city_id: int) -> City:
    """Lock the city row: team changes of one city (invite, accept, remove) happen one after another."""
    return City.objects.select_for_update().get(pk=city_id)


# --- Questionnaire sign-off -------------------------------------------------------------------


def missing_answer_count(*, edition: Edition, city: City) -> int:
    """How many parameters the city answers itself (collection mode "city") it has not answered with a value
    (one query). Official and researched parameters are not the city's to fill, so they never block it."""
    answered = Answer.objects.filter(edition=edition, city=city).filter(HAS_VALUE).values("parameter_id")
    return (
        Parameter.objects.filter(indicator__domain__edition=edition, collection_mode=Parameter.CollectionMode.CITY)
        .exclude(pk__in=answered)
        .count()
    )


@transaction.atomic
def questionnaire_sign_off(*, user, edition: Edition, city: City) -> Participation:
    """The coordinator signs off the city's questionnaire once every parameter has an answer.

    Signing off again keeps the first time and signer. The sign-off is recorded in
    Participation.signed_off_at/by (Participation has no history table).
    """
    _check_coordinator(user=user, city=city)
    edition = lock_edition(edition.pk)
    if not edition.is_open_for_work:
        raise WorkflowError(_("In dieser Phase der Ausgabe kann der Fragebogen nicht abgezeichnet werden."))
    participation = check_participates(edition=edition, city=city, lock=True)
    missing = missing_answer_count(edition=edition, city=city)
    if missing:
        raise ValidationError(
            ngettext("Es fehlt noch %(count)d Antwort.", "Es fehlen noch %(count)d Antworten.", missing)
            % {"count": missing},
            code="incomplete",
        )
    if participation.signed_off_at is None:
        participation.signed_off_at, participation.signed_off_by = timezone.now(), user
        participation.save(update_fields=["signed_off_at", "signed_off_by"])
    return participation


# --- Team: invitations and removal ------------------------------------------------------------


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def _clean_email(email: str) -> str:
    email = (email or "").strip().lower()
    EmailValidator(message=_("Bitte geben Sie eine gültige E-Mail-Adresse an."))(email)
    return email


@transaction.atomic
def staff_invite(*, user, city: City, email: str, role: str, link_template: str) -> tuple[StaffInvitation, str]:
    """Invite someone by e-mail to the city's team; returns the invitation and its one-time token.

    `link_template` is the absolute accept URL with a `{token}` placeholder. A new invitation to the
    same address replaces an open one (the old link stops working). The e-mail goes out after commit.
    """
    _check_coordinator(user=user, city=city)
    try:
        email = _clean_email(email)
    except ValidationError as error:
        raise ValidationError({"email": error.messages}) from None
    if role not in Role.values:
        raise ValidationError({"role": _("Unbekannte Rolle „%(role)s“.") % {"role": role}})
    city = _lock_city(city.pk)
    if CityMembership.objects.filter(city=city, user__email__iexact=email).exists():
        raise ValidationError(
            {"email": _("%(email)s gehört bereits zum Team von %(city)s.") % {"email": email, "city": city.name}}
        )
    for replaced in StaffInvitation.objects.filter(city=city, email=email, accepted_at__isnull=True):
        record_history(replaced, user=user, reason=_("durch neue Einladung ersetzt"))
        replaced.delete()
    token = secrets.token_urlsafe(32)
    now = timezone.now()
    invitation = StaffInvitation(
        city=city,
        email=email,
        role=role,
        token_hash=token_hash(token),
        invited_by=user,
        created_at=now,
        expires_at=now + INVITATION_VALID_FOR,
    )
    invitation.full_clean()
    record_history(invitation, user=user, reason=_("eingeladen"))
    invitation.save()
    link = link_template.replace("{token}", token)
    inviter = user.get_full_name() or user.get_username()
    transaction.on_commit(lambda: _send_invitation_mail(invitation, link=link, inviter=inviter))
    return invitation, token


def _send_invitation_mail(invitation: StaffInvitation, *, link: str, inviter: str) -> None:
    # The invitee has no language preference yet: the mail is in the site's default language (German).
    with translation.override(settings.LANGUAGE_CODE):
        subject = _("Einladung in das Team von %(city)s – Smart City Index") % {"city": invitation.city.name}
        body = _(
            "Guten Tag,\n\n"
            "%(inviter)s lädt Sie ein, im Smart City Index für %(city)s mitzuarbeiten (Rolle: %(role)s).\n\n"
            "Melden Sie sich an und nehmen Sie die Einladung über diesen Link an:\n%(link)s\n\n"
            "Der Link gilt einmal und bis zum %(expires)s. Wenn Sie keine Einladung erwartet haben, "
            "können Sie diese E-Mail ignorieren.\n"
        ) % {
            "inviter": inviter,
            "city": invitation.city.name,
            "role": Role(invitation.role).label,
            "link": link,
            "expires": date_format(timezone.localtime(invitation.expires_at), "SHORT_DATETIME_FORMAT"),
        }
    send_mail(subject, body, None, [invitation.email])


def staff_invitation_for_token(token: str, *, lock: bool = False) -> StaffInvitation:
    """The open invitation a link's token belongs to; ValidationError when unknown, used or expired."""
    invitations = StaffInvitation.objects.select_related("city", "invited_by")
    if lock:
        invitations = invitations.select_for_update(of=("self",))
    invitation = invitations.filter(token_hash=token_hash(token or "")).first()
    if invitation is None:
        raise ValidationError(
            _("Diesen Einladungslink gibt es nicht (mehr). Bitten Sie die Koordination um eine neue Einladung."),
            code="unknown",
        )
    if invitation.accepted_at is not None:
        raise ValidationError(_("Diese Einladung wurde bereits angenommen."), code="used")
    if invitation.is_expired:
        raise ValidationError(
            _("Diese Einladung ist am %(date)s abgelaufen. Bitten Sie die Koordination um eine neue Einladung.")
            % {"date": date_format(timezone.localtime(invitation.expires_at), "SHORT_DATETIME_FORMAT")},
            code="expired",
        )
    return invitation


def invited_address_has_account(invitation: StaffInvitation) -> bool:
    """Whether some account already has the invited address (then the invitee signs in to accept)."""
    return get_user_model().objects.filter(email__iexact=invitation.email).exists()


def check_invited_address(*, user, invitation: StaffInvitation) -> None:
    """The invitation is for the signed-in user only if their account's address is the invited one.

    An invitation link is no bearer token: whoever holds it (a forwarded mail, a shared screen) must
    not join the team. The account's stored address counts as verified: accounts are created by the
    editors or by an invitation to that address. Case does not matter.
    """
    if (user.email or "").strip().casefold() != invitation.email.strip().casefold():
        raise ValidationError(
            _(
                "Diese Einladung gilt für eine andere E-Mail-Adresse. Melden Sie sich mit dem Konto der "
                "eingeladenen Adresse an oder bitten Sie die Koordination, die Adresse Ihres Kontos einzuladen."
            ),
            code="wrong_address",
        )


@transaction.atomic
def staff_invitation_accept(*, user, token: str) -> CityMembership:
    """The logged-in user accepts an invitation to their own address once: they join the city with the
    invited role (check_invited_address; anyone else is refused and nothing changes).

    Someone already in the team keeps their membership (and role); the invitation is used up either way.
    """
    if not user.is_authenticated:
        raise PermissionDenied(_("Bitte melden Sie sich an, um die Einladung anzunehmen."))
    # The city before its invitation (the lock order; staff_invite locks the city, then replaces invitations).
    _lock_city(staff_invitation_for_token(token).city_id)
    invitation = staff_invitation_for_token(token, lock=True)
    check_invited_address(user=user, invitation=invitation)
    return _accept(invitation, user=user)


@transaction.atomic
def staff_invitation_accept_new_user(
    *, token: str, username: str, password: str, first_name: str = "", last_name: str = ""
):
    """Someone without an account accepts an invitation: it creates their account, with the invited
    address, and they join the city with the invited role. Returns the new user.

    Refused (nothing written) when an account has the invited address already (its owner signs in and
    accepts), or when the user name is taken or the password fails the password validators.
    """
    _lock_city(staff_invitation_for_token(token).city_id)  # the lock order: the city before its invitation
    invitation = staff_invitation_for_token(token, lock=True)
    if invited_address_has_account(invitation):
        raise ValidationError(
            _("Für %(email)s gibt es bereits ein Konto. Bitte melden Sie sich an, um die Einladung anzunehmen.")
            % {"email": invitation.email},
            code="has_account",
        )
    user = get_user_model()(
        username=(username or "").strip(),
        email=invitation.email,
        first_name=(first_name or "").strip(),
        last_name=(last_name or "").strip(),
    )
    user.set_unusable_password()  # full_clean needs a value; the real one is set once it is validated
    user.full_clean()
    try:
        validate_password(password, user)
    except ValidationError as error:
        raise ValidationError({"password": error.messages}) from None
    user.set_password(password)
    user.save()
    _accept(invitation, user=user)
    return user


@transaction.atomic
def staff_join_verified(*, email: str, user=None, grants=(), first_name: str = "", last_name: str = ""):
    """Someone whose address their administration's identity provider has verified (single sign-on,
    sso/services.py) joins cities: every open invitation to that address is accepted, and each (city id, role)
    of `grants` (an editor-configured claim mapping matched the provider's claims) is joined where the user is
    not in the team yet (an existing membership keeps its role). Returns the user, or None when `user` is None
    and there is nothing to join. With `user` given, `email` may be empty (then only `grants` are joined).

    `user` None: a new account is made only when there is something to join (user name = the address, no
    usable password: they sign in through the provider). Refused (ValidationError, nothing written) when an
    account has the address already (its owner is linked by the address instead) or the address is taken
    as a user name.
    """
    email = _clean_email(email) if email or user is None else ""  # a known user without an address: grants only
    now = timezone.now()
    open_invitations = StaffInvitation.objects.filter(email__iexact=email, accepted_at__isnull=True, expires_at__gt=now)
    if not email:
        open_invitations = open_invitations.none()
    grants = dict(grants)
    city_ids = sorted(set(open_invitations.values_list("city_id", flat=True)) | set(grants))
    if not city_ids and user is None:
        return None
    for city_id in city_ids:  # the lock order: the cities (by id) before their invitations
        _lock_city(city_id)
    invitations = list(open_invitations.select_for_update(of=("self",)).select_related("city").order_by("city_id"))
    if user is None:
        if not invitations and not grants:
            return None
        User = get_user_model()
        if User.objects.filter(Q(email__iexact=email) | Q(username__iexact=email)).exists():
            raise ValidationError(
                _("Für %(email)s gibt es bereits ein Konto. Bitte melden Sie sich an, um die Einladung anzunehmen.")
                % {"email": email},
                code="has_account",
            )
        user = User(username=email, email=email, first_name=first_name.strip()[:150], last_name=last_name.strip()[:150])
        user.set_unusable_password()
        user.full_clean()
        user.save()
    for invitation in invitations:
        _accept(invitation, user=user)
    member_of = set(CityMembership.objects.filter(user=user, city_id__in=grants).values_list("city_id", flat=True))
    for city_id, role in sorted(grants.items()):
        if city_id not in member_of:
            membership = CityMembership(user=user, city_id=city_id, role=role)
            membership.full_clean()
            record_history(membership, user=user, reason=_("über die Anmeldung der Verwaltung zugeordnet"))
            membership.save()
    roles.forget_member_cities(user)
    return user


def _accept(invitation: StaffInvitation, *, user) -> CityMembership:
    """Join the invitation's city and use the invitation up; the caller has locked the city, then the invitation."""
    membership = CityMembership.objects.filter(user=user, city=invitation.city).first()
    if membership is None:
        membership = CityMembership(user=user, city=invitation.city, role=invitation.role)
        membership.full_clean()
        record_history(membership, user=user, reason=_("Einladung angenommen"))
        membership.save()
        roles.forget_member_cities(user)
    invitation.accepted_at, invitation.accepted_by = timezone.now(), user
    record_history(invitation, user=user, reason=_("angenommen"))
    invitation.save(update_fields=["accepted_at", "accepted_by"])
    return membership


@transaction.atomic
def staff_remove(*, user, membership: CityMembership) -> None:
    """A coordinator removes someone (themselves included) from the city's team; the last coordinator stays."""
    _check_coordinator(user=user, city=membership.city)
    _lock_city(membership.city_id)
    membership = CityMembership.objects.filter(pk=membership.pk).select_related("user").first()
    if membership is None:
        raise ValidationError(_("Diese Person gehört nicht mehr zum Team."))
    if membership.role == Role.COORDINATOR and not (
        CityMembership.objects.filter(city_id=membership.city_id, role=Role.COORDINATOR)
        .exclude(pk=membership.pk)
        .exists()
    ):
        raise ValidationError(_("Die Stadt braucht mindestens eine Koordination."))
    record_history(membership, user=user, reason=_("aus dem Team entfernt"))
    membership.delete()
    roles.forget_member_cities(membership.user)
    if membership.user_id == user.pk:
        roles.forget_member_cities(user)


# --- Innovation projects ----------------------------------------------------------------------


def _check_collecting(edition: Edition) -> None:
    if edition.phase != Phase.COLLECTION:
        raise WorkflowError(_("Innovative Projekte können nur während der Datenerhebung eingereicht werden."))
    check_collection_window(edition)


@transaction.atomic
def innovation_project_save(
    *,
    user,
    edition: Edition,
    city: City,
    domain: Domain,
    title: str,
    description: str,
    evidence_url: str = "",
    project: InnovationProject | None = None,
) -> InnovationProject:
    """Create or update the city's innovation project in a domain (one per edition × city × domain).

    Staff and coordinators of the city, while the edition collects. `project`, when given, must be
    that project. The bonus (points, justification, awarded by/at) is the reviewers' and stays untouched.
    """
    if not roles.belongs_to_city(user, city):
        raise PermissionDenied(_("Sie können nur Projekte Ihrer eigenen Stadt einreichen."))
    edition = lock_edition(edition.pk)
    _check_collecting(edition)
    check_participates(edition=edition, city=city)
    if domain.edition_id != edition.pk:
        raise ValidationError({"domain": _("Der Themenbereich gehört zu einer anderen Ausgabe.")})
    current = InnovationProject.objects.select_for_update().filter(edition=edition, city=city, domain=domain).first()
    if project is not None and (current is None or project.pk != current.pk):
        raise ValidationError(_("Das Projekt gehört nicht zu dieser Stadt, Ausgabe und diesem Themenbereich."))
    created = current is None
    if created:
        current = InnovationProject(edition=edition, city=city, domain=domain)
    current.title = (title or "").strip()
    current.description = (description or "").strip()
    current.evidence_url = (evidence_url or "").strip()
    current.full_clean(validate_unique=False)
    record_history(current, user=user, reason=_("eingereicht") if created else _("bearbeitet"))
    current.save()
    return current

"""The editors' writes: an edition's phase, a new edition from an old one, the catalogue (frozen once
published)."""

from typing import Any

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _
from simple_history.utils import bulk_create_with_history

from indicators.models import (
    Domain,
    Edition,
    Indicator,
    Parameter,
    Participation,
    months_before,
)
from indicators.services.base import check_editor, lock_edition, notify_approved_data_changed
from indicators.services.review_flags import review_flags_refresh_later
from indicators.workflow import WorkflowError, record_history

Phase = Edition.Phase


def edition_set_phase(*, user, edition: Edition, phase: str, reason: str = "") -> Edition:
    """Move an edition along PHASE_PIPELINE. Publishing goes through scoring.services.edition_publish,
    which freezes the results in the same transaction."""
    if phase == Phase.PUBLISHED:
        raise WorkflowError(_("Eine Ausgabe wird mit „Veröffentlichen“ veröffentlicht, das ihre Ergebnisse einfriert."))
    with transaction.atomic():
        check_editor(user)
        edition = lock_edition(edition.pk)
        edition.move_to(phase, user=user, reason=reason)
        # a draft is no edition's "previous" (Edition.previous), so a phase change moves later editions' jumps
        review_flags_refresh_later(edition.pk, following=True)
    return edition


@transaction.atomic
def edition_clone(*, user, source: Edition, year: int, title: str = "") -> Edition:
    """A new draft edition with the source's catalogue, weights and methodology (no answers, no results); its
    reference date is the source's, moved by the years between them."""
    check_editor(user)
    if Edition.objects.filter(year=year).exists():
        raise ValidationError({"year": _("Es gibt bereits eine Ausgabe %(year)s.") % {"year": year}})
    edition = Edition(
        year=year,
        title=title or f"Smart City Index {year}",
        phase=Phase.DRAFT,
        missing_policy=source.missing_policy,
        normalisation=source.normalisation,
        aggregation=source.aggregation,
        bonus_cap=source.bonus_cap,
        is_demo=source.is_demo,
        # The reference date moves with the year (31.12.2023 for 2024 → 31.12.2024 for 2025), so the
        # staleness rule keeps its meaning; the editor may change it.
        reference_date=(
            months_before(source.reference_date, (source.year - year) * 12) if source.reference_date else None
        ),
    )
    edition.full_clean()
    record_history(edition, user=user, reason=_("aus Ausgabe %(year)s übernommen") % {"year": source.year})
    edition.save()
    for domain in source.domains.prefetch_related("indicators__parameters"):
        indicators = list(domain.indicators.all())
        domain.pk, domain.id, domain.edition = None, None, edition
        domain.save()
        for indicator in indicators:
            parameters = list(indicator.parameters.all())
            indicator.pk, indicator.id, indicator.domain = None, None, domain
            indicator.save()
            for parameter in parameters:
                parameter.pk, parameter.id, parameter.indicator = None, None, indicator
            bulk_create_with_history(
                parameters,
                Parameter,
                default_user=user,
                default_change_reason=_("aus Ausgabe %(year)s übernommen") % {"year": source.year},
            )
    Participation.objects.bulk_create(
        Participation(edition=edition, city_id=city_id)
        for city_id in source.participations.values_list("city_id", flat=True)
    )
    return edition


# Fields whose change alters the scores of an edition (a recompute follows after commit).
SCORING_FIELDS = frozenset(
    {
        "weight",
        "kind",
        "higher_is_better",
        "per_capita",
        "goal_worst",
        "goal_best",
        "options",
        "missing_policy",
        "normalisation",
        "aggregation",
        "bonus_cap",
    }
)


@transaction.atomic
def catalogue_update(*, user, item: Edition | Domain | Indicator | Parameter, changes: dict[str, Any]):
    """Change fields of an unpublished edition's catalogue or methodology (weights, scaling, texts).

    The phase is not a field here (see edition_set_phase). Recomputes after commit when a field that
    enters the scores changed. A published edition's catalogue and methodology are frozen.
    """
    check_editor(user)
    if "phase" in changes or "published_at" in changes:
        raise WorkflowError(_("Die Phase ändert sich nur über die Phasenwechsel der Ausgabe."))
    edition = lock_edition(edition_of(item).pk)  # the edition before its catalogue items (lock order)
    item = edition if isinstance(item, Edition) else type(item).objects.select_for_update().get(pk=item.pk)
    check_catalogue_open(edition)
    for field, value in changes.items():
        setattr(item, field, value)
    check_catalogue_open(edition_of(item))  # nor may an item move into a published edition
    item.full_clean()
    if isinstance(item, Domain) and not item.weight > 0:
        others = edition.domains.exclude(pk=item.pk).filter(weight__gt=0)
        if not others.exists():
            raise ValidationError({"weight": _("Mindestens ein Themenbereich braucht ein Gewicht über 0.")})
    record_history(item, user=user, reason=_("geändert: %(fields)s") % {"fields": ", ".join(sorted(changes))})
    item.save()
    if SCORING_FIELDS & changes.keys():
        notify_approved_data_changed(edition.pk)
    if isinstance(item, Edition | Parameter):  # the reference date, a parameter's settings, what jumps compare
        review_flags_refresh_later(
            edition.pk, parameter_id=item.pk if isinstance(item, Parameter) else None, following=True
        )
    return item


def check_catalogue_open(edition: Edition) -> None:
    """The one rule of the frozen catalogue: a published (or archived) edition's catalogue and
    methodology never change. Raises WorkflowError; the admin's forms ask it before they save."""
    if edition.is_public:
        raise WorkflowError(_("Katalog und Methodik einer veröffentlichten Ausgabe sind eingefroren."))


@transaction.atomic
def catalogue_item_add(*, user, item: Domain | Indicator | Parameter) -> Domain | Indicator | Parameter:
    """Add a domain, indicator or parameter to an unpublished edition (audited; recomputed after commit)."""
    check_editor(user)
    edition = lock_edition(edition_of(item).pk)
    check_catalogue_open(edition)
    item.full_clean()
    record_history(item, user=user, reason=_("angelegt"))
    item.save()
    notify_approved_data_changed(edition.pk)
    return item


@transaction.atomic
def catalogue_item_delete(*, user, item: Edition | Domain | Indicator | Parameter) -> None:
    """Delete an item of an unpublished edition's catalogue, with what hangs on it (audited; recomputed
    after commit). A published edition's catalogue, and a published edition itself, stay."""
    check_editor(user)
    edition = lock_edition(edition_of(item).pk)  # the edition before its catalogue items (lock order)
    item = edition if isinstance(item, Edition) else type(item).objects.select_for_update().get(pk=item.pk)
    check_catalogue_open(edition)
    record_history(item, user=user, reason=_("gelöscht"))
    item.delete()
    if not isinstance(item, Edition):
        notify_approved_data_changed(edition.pk)


def edition_of(item: Edition | Domain | Indicator | Parameter) -> Edition:
    """The edition a catalogue item belongs to."""
    if isinstance(item, Edition):
        return item
    if isinstance(item, Domain):
        return item.edition
    if isinstance(item, Indicator):
        return item.domain.edition
    return item.indicator.domain.edition

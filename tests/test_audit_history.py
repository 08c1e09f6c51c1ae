"""Every change to answers, statuses, bonuses, weights and phases leaves an audit row with who and when."""

from decimal import Decimal

import pytest
from django.utils import timezone

from indicators.models import Domain, Edition, Indicator
from indicators.services import (
    AnswerInput,
    answer_approve,
    answer_request_changes,
    answer_save,
    answer_submit,
    catalogue_update,
    edition_set_phase,
    innovation_bonus_award,
)
from tests.factories import InnovationProjectFactory, UserFactory, cities_of, parameter

pytestmark = pytest.mark.django_db


def latest(instance):
    return instance.history.order_by("-history_date", "-history_id").first()


def assert_recorded(record, user, started, **fields):
    assert record.history_user == user
    assert started <= record.history_date <= timezone.now()
    for name, value in fields.items():
        assert getattr(record, name) == value, name


def test_answer_values_and_every_status_change_are_recorded_with_who_and_when(edition, editor, reviewer):
    city = cities_of(edition)[0]
    staff = UserFactory(cities=[city])
    busse = parameter(edition, "busse")
    started = timezone.now()

    answer = answer_save(
        user=staff, city=city, parameter=busse, data=AnswerInput(value="40", evidence_url="https://e.org/b.pdf")
    )
    assert_recorded(latest(answer), staff, started, value_number=Decimal(40), status="draft")
    answer = answer_submit(user=staff, answer=answer)
    assert_recorded(latest(answer), staff, started, status="submitted")
    answer = answer_request_changes(user=reviewer, answer=answer, reason="Stand ist veraltet")
    assert_recorded(latest(answer), reviewer, started, status="changes_requested")
    assert latest(answer).history_change_reason == "Stand ist veraltet"
    answer = answer_save(
        user=staff,
        city=city,
        parameter=busse,
        data=AnswerInput(value="42", evidence_url="https://e.org/b.pdf"),
        expected_version=answer.version,
    )
    assert_recorded(latest(answer), staff, started, value_number=Decimal(42), status="draft")
    answer = answer_submit(user=staff, answer=answer)
    answer = answer_approve(user=reviewer, answer=answer)
    assert_recorded(latest(answer), reviewer, started, status="approved")
    assert answer.history.count() == 6


def test_bonuses_weights_and_phases_are_recorded_with_who_and_when(edition, editor, reviewer):
    started = timezone.now()
    project = InnovationProjectFactory(
        edition=edition, city=cities_of(edition)[0], domain=Domain.objects.get(edition=edition, key="mobilitaet")
    )
    domain = Domain.objects.get(edition=edition, key="verwaltung")
    indicator = Indicator.objects.get(domain__edition=edition, key="serviceportal")

    innovation_bonus_award(user=reviewer, project=project, points=Decimal("2.5"), justification="Offene Daten")
    catalogue_update(user=editor, item=domain, changes={"weight": Decimal(2)})
    catalogue_update(user=editor, item=indicator, changes={"weight": Decimal("0.5")})
    catalogue_update(user=editor, item=edition, changes={"missing_policy": "exclude"})
    edition_set_phase(user=editor, edition=edition, phase=Edition.Phase.REVIEW, reason="Erhebung beendet")

    assert_recorded(latest(project), reviewer, started, bonus_points=Decimal("2.5"))
    assert_recorded(latest(domain), editor, started, weight=Decimal(2))
    assert_recorded(latest(indicator), editor, started, weight=Decimal("0.5"))
    record = latest(edition)
    assert_recorded(record, editor, started, phase="review")
    assert record.history_change_reason == "Erhebung beendet"
    assert edition.history.filter(missing_policy="exclude", history_user=editor).exists()

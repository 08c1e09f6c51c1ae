"""Staff see the reviewers' plausibility flags before submitting, and can confirm a value with a reason
that travels to the reviewer; a changed value drops the confirmation."""

from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import Answer, Edition, Participation
from indicators.services.review_flags import review_flags_refresh
from tests import factories
from tests.factories import UserFactory, parameter


@pytest.fixture
def jumped(edition, city):
    """Last year (published) 94.8 % low-emission buses, approved; this year a draft of 40 % (a drop of 58 %,
    above REVIEW_JUMP_PERCENT, 50)."""
    before = factories.small_edition(cities=0, year=edition.year - 1, phase=Edition.Phase.PUBLISHED)
    Participation.objects.create(edition=before, city=city)
    Answer.objects.create(
        edition=before, city=city, parameter=parameter(before, "busse"), value_number=Decimal("94.8"), status="approved"
    )
    answer = Answer.objects.create(
        edition=edition,
        city=city,
        parameter=parameter(edition, "busse"),
        value_number=Decimal(40),
        evidence_url="https://example.org/busse.pdf",
    )
    review_flags_refresh(edition_id=edition.pk)  # stored as the services store them
    answer.refresh_from_db()
    return answer


@pytest.fixture
def staff_client(client, staff):
    client.force_login(staff)
    return client


def row_of(page: str, key: str) -> str:
    return page.split(f'id="p-{key}"')[1].split("</article>")[0]


def questionnaire_url(city, edition):
    return reverse("indicators:questionnaire", args=[city.slug, edition.year])


def test_a_jump_against_last_year_is_shown_on_the_row_with_both_values(staff_client, edition, city, jumped):
    row = row_of(staff_client.get(questionnaire_url(city, edition)).content.decode(), "busse")

    assert "Bitte prüfen" in row and "40 % nach 94,8 % im Vorjahr" in row
    assert "Wert ist korrekt" in row
    # the same rule as the reviewers' queue: the jump flag is theirs too
    assert "ein großer Sprung" in row


def test_an_outlier_is_shown_on_the_row(staff_client, edition, city):
    # given: five other cities report about 10 %, this city 100 %
    for index, other in enumerate(factories.cities_of(edition)[1:]):
        Answer.objects.create(
            edition=edition, city=other, parameter=parameter(edition, "busse"), value_number=10 + index
        )
    Answer.objects.create(edition=edition, city=city, parameter=parameter(edition, "busse"), value_number=100)
    review_flags_refresh(edition_id=edition.pk)  # as after every save: the page shows the stored outlier flag

    page = staff_client.get(questionnaire_url(city, edition)).content.decode()

    assert "weit außerhalb der Werte der anderen Städte" in row_of(page, "busse")
    assert "Bitte prüfen" not in row_of(page, "wartezeit")


def test_confirming_a_value_travels_to_the_reviewer_and_a_new_value_drops_it(
    staff_client, staff, admin_login, reviewer, edition, city, jumped
):
    # when: the city confirms
    confirm = reverse("indicators:answer_value_confirm", args=[city.slug, edition.year, "busse"])
    staff_client.post(confirm, {"note": "Neue Busflotte erst 2025 geliefert.", "version": jumped.version})

    # then: stored, shown on the row and on the reviewer's page and queue
    jumped.refresh_from_db()
    assert jumped.value_confirmation == "Neue Busflotte erst 2025 geliefert."
    assert jumped.status == "draft" and jumped.version == 2
    row = row_of(staff_client.get(questionnaire_url(city, edition)).content.decode(), "busse")
    assert "Von Ihrer Stadt bestätigt" in row and "Wert ist korrekt" not in row
    Answer.objects.filter(pk=jumped.pk).update(status="submitted")
    review = admin_login(reviewer)
    assert (
        "Neue Busflotte erst 2025 geliefert."
        in review.get(f"/admin/indicators/answer/{jumped.pk}/change/").content.decode()
    )
    queue = review.get(f"/admin/indicators/answer/?edition__id__exact={edition.pk}").content.decode()
    assert "Sprung zum Vorjahr (von der Stadt bestätigt)" in queue

    # when: the value changes, the confirmation goes
    Answer.objects.filter(pk=jumped.pk).update(status="draft")
    staff_client.force_login(staff)
    saved = staff_client.post(
        reverse("indicators:answer_save", args=[city.slug, edition.year, "busse"]),
        {"busse-value": "60", "busse-version": 2, "busse-evidence_url": "https://example.org/busse.pdf"},
    )
    assert saved.status_code == 302
    jumped.refresh_from_db()
    assert (jumped.value_number, jumped.value_confirmation) == (Decimal(60), "")


def test_a_confirmation_needs_a_reason_and_changes_nothing_without(staff_client, edition, city, jumped):
    confirm = reverse("indicators:answer_value_confirm", args=[city.slug, edition.year, "busse"])

    response = staff_client.post(confirm, {"note": "  ", "version": jumped.version})

    jumped.refresh_from_db()
    assert response.status_code == 400
    assert "Bitte erklären Sie kurz, warum der Wert stimmt." in response.content.decode()
    assert (jumped.value_confirmation, jumped.version) == ("", 1)


def test_another_citys_staff_cannot_confirm(client, edition, city, jumped):
    other = factories.cities_of(edition)[1]
    client.force_login(UserFactory(cities=[other]))

    response = client.post(
        reverse("indicators:answer_value_confirm", args=[city.slug, edition.year, "busse"]), {"note": "x", "version": 1}
    )

    assert response.status_code == 404
    jumped.refresh_from_db()
    assert jumped.value_confirmation == ""

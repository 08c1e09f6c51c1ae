"""After publication a city keeps read-only access to its own questionnaire, history and comments."""

from decimal import Decimal

import pytest
from django.urls import reverse

from indicators.models import Answer, AnswerComment, Edition, Participation
from tests import factories
from tests.factories import EvidenceFileFactory, parameter


@pytest.fixture
def published(db):
    """A published edition in which the first city answered busse (approved, with evidence) and
    wartezeit (sent back and never fixed)."""
    edition = factories.small_edition(cities=2, year=2029, phase=Edition.Phase.PUBLISHED)
    city = factories.cities_of(edition)[0]
    busse = Answer.objects.create(
        edition=edition,
        city=city,
        parameter=parameter(edition, "busse"),
        value_number=Decimal("45.5"),
        evidence_url="https://example.org/busse.pdf",
        note="Laut Verkehrsbetrieb.",
        status=Answer.Status.APPROVED,
    )
    EvidenceFileFactory(answer=busse, original_name="bericht-2029.pdf")
    Answer.objects.create(
        edition=edition,
        city=city,
        parameter=parameter(edition, "wartezeit"),
        value_number=Decimal(12),
        status=Answer.Status.CHANGES_REQUESTED,
        review_reason="Stand ist veraltet",
    )
    AnswerComment.objects.create(answer=busse, author=factories.UserFactory(), body="Quelle bestätigt.")
    return edition, city, busse


@pytest.fixture
def team_client(client, published):
    _edition, city, _busse = published
    client.force_login(factories.UserFactory(cities=[city]))
    return client


def test_the_questionnaire_of_a_published_edition_is_shown_read_only(team_client, published):
    edition, city, _busse = published

    response = team_client.get(reverse("indicators:questionnaire", args=[city.slug, edition.year]))

    page = response.content.decode()
    assert response.status_code == 200
    assert "Nur lesen." in page
    assert "45,5 %" in page and "https://example.org/busse.pdf" in page and "bericht-2029.pdf" in page
    assert "Stand ist veraltet" in page
    assert f'href="/stadt/{city.slug}/2029/"' in page
    # nothing is editable: no form or htmx request posts to the portal
    assert 'action="/portal/' not in page and "hx-post" not in page
    assert "Speichern" not in page and "Einreichen" not in page


def test_history_and_comments_stay_readable_and_comments_are_closed(team_client, published):
    edition, city, _busse = published
    url = reverse("indicators:answer_history", args=[city.slug, edition.year, "busse"])

    page = team_client.get(url).content.decode()
    refused = team_client.post(
        reverse("indicators:answer_comment_add", args=[city.slug, edition.year, "busse"]), {"body": "Noch eine Frage"}
    )

    assert "Quelle bestätigt." in page
    assert refused.status_code == 400
    assert "Kommentare sind geschlossen" in refused.content.decode()
    assert AnswerComment.objects.count() == 1


def test_a_write_to_a_published_edition_is_not_found_and_changes_nothing(team_client, published):
    edition, city, busse = published

    response = team_client.post(
        reverse("indicators:answer_save", args=[city.slug, edition.year, "busse"]),
        {"busse-value": "99", "busse-version": busse.version},
    )

    assert response.status_code == 404
    busse.refresh_from_db()
    assert busse.value_number == Decimal("45.5")


def test_another_citys_staff_cannot_read_it(client, published):
    edition, city, _busse = published
    other = factories.cities_of(edition)[1]
    client.force_login(factories.UserFactory(cities=[other]))

    for url in (
        reverse("indicators:questionnaire", args=[city.slug, edition.year]),
        reverse("indicators:answer_history", args=[city.slug, edition.year, "busse"]),
        reverse("indicators:questionnaire_export", args=[city.slug, edition.year, "csv"]),
    ):
        assert client.get(url).status_code == 404


def test_the_dashboard_lists_the_citys_published_editions_with_links(team_client, published):
    edition, city, _busse = published
    # a draft edition the city also takes part in is not listed (not started yet)
    draft = factories.small_edition(cities=0, year=2031, phase=Edition.Phase.DRAFT)
    Participation.objects.create(edition=draft, city=city)

    page = team_client.get(reverse("indicators:dashboard")).content.decode()

    assert "Ausgaben" in page
    assert f'href="/portal/{city.slug}/2029/"' in page
    assert "Fragebogen 2029 ansehen" in page and f"Ergebnis von {city.name} 2029" in page
    assert f"/portal/{city.slug}/2031/" not in page


def test_the_page_is_english_for_an_english_reader(team_client, published):
    edition, city, _busse = published

    page = team_client.get("/en" + reverse("indicators:questionnaire", args=[city.slug, edition.year])).content.decode()

    assert "Read only." in page
    assert "45.5 %" in page

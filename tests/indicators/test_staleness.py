"""Stale values (issue 16, section 4): a Stand older than the edition's reference date by more than the configured
age is flagged to the reviewer; the rule, its boundary, the queue's filter and the edition's reference date."""

from datetime import date
from decimal import Decimal

import pytest

from indicators import services
from indicators.models import Answer, Edition, Parameter, months_before
from indicators.selectors.review_flags import STALE, answer_flags
from indicators.services.review_flags import review_flags_refresh
from scoring.services.archive import edition_export, edition_import
from tests import factories
from tests.factories import cities_of, parameter
from tests.scoring.test_archive import empty_database
from tests.scoring.test_services import answer_all, publish

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize(
    ("day", "months", "expected"),
    [
        (date(2024, 12, 31), 12, date(2023, 12, 31)),
        (date(2024, 3, 31), 1, date(2024, 2, 29)),
        (date(2025, 3, 31), 1, date(2025, 2, 28)),
        (date(2024, 1, 15), 13, date(2022, 12, 15)),
        (date(2024, 2, 29), -12, date(2025, 2, 28)),
        (date(2024, 6, 30), 0, date(2024, 6, 30)),
    ],
)
def test_months_before_keeps_the_day_or_takes_the_months_last_day(day, months, expected):
    assert months_before(day, months) == expected


@pytest.mark.parametrize(
    ("stand", "stale"),
    [
        (date(2023, 12, 31), False),  # exactly 12 months before the reference date
        (date(2023, 12, 30), True),  # one day more
        (date(2024, 6, 1), False),
        (date(2025, 2, 1), False),  # after the reference date
        (None, False),  # an answer without a Stand is never stale
    ],
)
def test_a_stand_is_stale_only_when_more_than_the_configured_age_before_the_reference_date(settings, stand, stale):
    settings.STALE_STAND_MONTHS = 12
    edition = Edition(year=2025, title="SCI 2025", reference_date=date(2024, 12, 31))

    assert edition.is_stale_stand(stand) is stale


def test_the_configured_age_is_a_setting(settings):
    settings.STALE_STAND_MONTHS = 24
    edition = Edition(year=2025, title="SCI 2025", reference_date=date(2024, 12, 31))

    assert edition.stale_after_months == 24
    assert edition.stale_before() == date(2022, 12, 31)
    assert edition.is_stale_stand(date(2023, 1, 1)) is False
    assert edition.is_stale_stand(date(2022, 12, 30)) is True


def test_without_a_reference_date_nothing_is_stale():
    edition = Edition(year=2025, title="SCI 2025")

    assert edition.stale_before() is None
    assert edition.is_stale_stand(date(1990, 1, 1)) is False


def stand_answers(edition, stands):
    """One submitted `busse` answer per Stand, each from its own city of the edition (its first cities)."""
    return [
        Answer.objects.create(
            edition=edition,
            city=city,
            parameter=parameter(edition, "busse"),
            value_number=Decimal(10),
            evidence_url="https://example.org/b.pdf",
            as_of=stand,
            status=Answer.Status.SUBMITTED,
        )
        for city, stand in zip(cities_of(edition), stands, strict=False)
    ]


def test_the_reviewer_sees_the_stale_flag_on_answers_older_than_the_age(edition, settings):
    # given: reference date 31.12.2030, 12 months
    settings.STALE_STAND_MONTHS = 12
    Edition.objects.filter(pk=edition.pk).update(reference_date=date(2030, 12, 31))
    answers = stand_answers(
        edition, [date(2029, 12, 31), date(2029, 12, 30), None, date(2030, 6, 30), date(2020, 1, 1)]
    )

    # when
    flags = answer_flags(answers)

    # then
    assert [STALE in flags[answer.pk] for answer in answers] == [False, True, False, False, True]


def test_an_official_value_without_its_own_stand_takes_the_files_stand(edition, settings, admin_login, reviewer):
    # given: an imported value whose file has Stand 19.07.2019, an edition with reference date 31.12.2030
    settings.STALE_STAND_MONTHS = 12
    Edition.objects.filter(pk=edition.pk).update(reference_date=date(2030, 12, 31))
    ladepunkte = parameter(edition, "ladepunkte")
    Parameter.objects.filter(pk=ladepunkte.pk).update(collection_mode=Parameter.CollectionMode.OFFICIAL)
    imported = factories.OfficialImportFactory(parameter=ladepunkte, as_of=date(2019, 7, 19))
    city, other = cities_of(edition)[:2]
    old, fresh = (
        Answer.objects.create(
            edition=edition,
            city=town,
            parameter=ladepunkte,
            value_number=Decimal(40),
            source_kind=Parameter.CollectionMode.OFFICIAL,
            official_import=imported,
            source_rows=[7],
            as_of=stand,
            status=Answer.Status.SUBMITTED,
        )
        for town, stand in ((city, None), (other, date(2030, 1, 1)))
    )

    # when
    flags = answer_flags([old, fresh])

    page = admin_login(reviewer).get(f"/admin/indicators/answer/{old.pk}/change/").content.decode()

    # then: the file's Stand decides for the one without its own; its own Stand for the other
    assert STALE in flags[old.pk]
    assert STALE not in flags[fresh.pk]
    assert '<dd id="answer-stand">19. Juli 2019 (Stand der Datei)</dd>' in page
    assert '<span class="flag">Stand veraltet</span>' in page


def test_the_queue_filter_stale_leaves_only_stale_answers_and_the_page_shows_the_flag(
    admin_login, reviewer, edition, settings
):
    # given
    settings.STALE_STAND_MONTHS = 12
    Edition.objects.filter(pk=edition.pk).update(reference_date=date(2030, 12, 31))
    answers = stand_answers(edition, [date(2029, 12, 31), date(2029, 12, 30), None, date(2030, 6, 30), None])
    review_flags_refresh(edition_id=edition.pk)  # stored as the services store them
    client = admin_login(reviewer)

    # when
    queue = client.get("/admin/indicators/answer/?flag=stale")
    page = client.get(f"/admin/indicators/answer/{answers[1].pk}/change/").content.decode()
    fresh_page = client.get(f"/admin/indicators/answer/{answers[0].pk}/change/").content.decode()

    # then
    assert [a.pk for a in queue.context["cl"].result_list] == [answers[1].pk]
    assert '<span class="flag">Stand veraltet</span>' in page
    assert '<dd id="reference-date">31. Dezember 2030</dd>' in page
    assert '<span class="flag">Stand veraltet</span>' not in fresh_page


def test_the_stale_flag_label_is_english_in_english(admin_login, reviewer, edition, settings):
    settings.STALE_STAND_MONTHS = 12
    Edition.objects.filter(pk=edition.pk).update(reference_date=date(2030, 12, 31))
    answers = stand_answers(edition, [date(2020, 1, 1)])

    page = admin_login(reviewer).get(f"/en/admin/indicators/answer/{answers[0].pk}/change/")

    assert '<span class="flag">Stale as-of date</span>' in page.content.decode()


def test_cloning_moves_the_reference_date_by_the_years_between(edition, editor):
    Edition.objects.filter(pk=edition.pk).update(reference_date=date(2029, 12, 31))
    edition.refresh_from_db()

    clone = services.edition_clone(user=editor, source=edition, year=2032)
    without = services.edition_clone(user=editor, source=Edition.objects.get(pk=clone.pk), year=2033)

    assert clone.reference_date == date(2031, 12, 31)
    assert without.reference_date == date(2032, 12, 31)


def test_the_reference_date_survives_the_archive_and_an_older_file_has_none(editor):
    # given
    edition = factories.small_edition(cities=3, year=2032)
    Edition.objects.filter(pk=edition.pk).update(reference_date=date(2031, 12, 31))
    answer_all(edition)
    publish(edition, editor)
    data = edition_export(Edition.objects.get(pk=edition.pk))
    older = {**data, "edition": {k: v for k, v in data["edition"].items() if k != "reference_date"}}
    empty_database()

    # when
    imported = edition_import(data)

    # then
    assert data["edition"]["reference_date"] == "2031-12-31"
    assert imported.reference_date == date(2031, 12, 31)
    empty_database()
    assert edition_import(older).reference_date is None


def test_an_editor_sets_the_reference_date_in_the_edition_admin_through_the_audited_service(
    admin_login, editor, edition
):
    # given
    client = admin_login(editor)
    page = client.get(f"/admin/indicators/edition/{edition.pk}/change/").content.decode()

    # when
    services.catalogue_update(user=editor, item=edition, changes={"reference_date": date(2029, 12, 31)})

    # then
    assert '<label for="id_reference_date">Stichtag:</label>' in page
    edition.refresh_from_db()
    assert edition.reference_date == date(2029, 12, 31)
    assert edition.history.first().history_change_reason == "geändert: reference_date"

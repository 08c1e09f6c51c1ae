"""Rules written once and asked by every entry point: the text of a send back, "evidence missing"."""

import pytest
from django.core.exceptions import ValidationError

from indicators.admin import RequestChangesForm
from indicators.api_serializers import RequestChangesSerializer
from indicators.models import Answer, Parameter
from indicators.services import review_reason


@pytest.mark.parametrize(
    ("key", "detail", "text"),
    [
        ("outdated", "", "Stand ist veraltet"),
        ("outdated", "  bitte den Bericht 2024  ", "Stand ist veraltet: bitte den Bericht 2024"),
        ("other", "Quelle nennen", "Sonstiges: Quelle nennen"),
    ],
)
def test_a_send_back_reads_as_the_reason_and_the_reviewers_detail(key, detail, text):
    assert review_reason(key, detail) == text


@pytest.mark.parametrize("detail", ["", "   "])
def test_other_needs_a_detail(detail):
    with pytest.raises(ValidationError) as error:
        review_reason("other", detail)

    assert error.value.message_dict == {"detail": ["Bitte erläutern Sie den Grund."]}


def test_the_admin_form_and_the_api_give_the_city_the_same_text():
    # given the same choice in both entry points
    form = RequestChangesForm(data={"reason": "implausible", "detail": "55 % nach 94,8 %"})
    serializer = RequestChangesSerializer(data={"reason": "implausible", "detail": "55 % nach 94,8 %"})

    # then
    assert form.is_valid() and serializer.is_valid()
    assert form.reason_text() == serializer.reason_text() == "Wert unplausibel, bitte prüfen: 55 % nach 94,8 %"


def test_both_refuse_other_without_a_detail_on_the_detail_field():
    form = RequestChangesForm(data={"reason": "other", "detail": ""})
    serializer = RequestChangesSerializer(data={"reason": "other", "detail": ""})

    assert not form.is_valid() and not serializer.is_valid()
    assert form.errors == {"detail": ["Bitte erläutern Sie den Grund."]}
    assert serializer.errors == {"detail": ["Bitte erläutern Sie den Grund."]}


def never():
    raise AssertionError("files asked although the rest decides")


@pytest.mark.parametrize(
    ("required", "url", "has_files", "missing"),
    [
        (False, "", never, False),
        (True, "https://example.org/q.pdf", never, False),
        (True, "", True, False),
        (True, "", False, True),
        (True, "", lambda: False, True),
        (True, "", lambda: True, False),
    ],
)
def test_evidence_is_missing_only_when_required_and_neither_url_nor_file(required, url, has_files, missing):
    answer = Answer(parameter=Parameter(evidence_required=required), evidence_url=url)

    assert answer.lacks_evidence(has_files=has_files) is missing

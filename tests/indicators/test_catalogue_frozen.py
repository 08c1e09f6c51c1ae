"""The frozen catalogue: a published edition's domains, indicators and parameters are never added,
changed or deleted, through any entry point; an unpublished edition's changes request a recompute."""

import pytest
from django.contrib import admin
from django.core.exceptions import PermissionDenied
from django.forms.models import model_to_dict
from rest_framework.test import APIClient

from indicators.models import Domain, Edition, Indicator, Parameter
from indicators.services import catalogue_item_add, catalogue_item_delete, catalogue_update
from indicators.workflow import WorkflowError
from tests import factories
from tests.factories import api_token

FROZEN = "Katalog und Methodik einer veröffentlichten Ausgabe sind eingefroren."


@pytest.fixture
def recompute_requests(monkeypatch):
    """Edition ids passed to indicators.services.scores_recompute_enqueue (replaced by a recorder)."""
    calls = []
    monkeypatch.setattr("indicators.services.base.scores_recompute_enqueue", calls.append)
    return calls


def add_form_data(client, template: Parameter, **changes) -> dict:
    """The admin add form's fields for a parameter like `template` (its values, then `changes`)."""
    form = admin.site._registry[Parameter].get_form(client.request().wsgi_request)
    data = {name: value for name, value in model_to_dict(template).items() if name in form.base_fields}
    data = {name: "" if value is None else value for name, value in data.items()}
    return {**data, **changes}


def test_the_admin_refuses_a_new_parameter_in_a_published_edition(admin_login, editor, db):
    # given: the reproduction of the review (B1): a published edition with 5 parameters
    edition = factories.small_edition(phase=Edition.Phase.PUBLISHED)
    template = Parameter.objects.filter(indicator__domain__edition=edition).first()
    client = admin_login(editor)

    # when
    response = client.post("/admin/indicators/parameter/add/", add_form_data(client, template, key="neu"))

    # then: the form shows why and nothing was added
    assert response.status_code == 200
    assert FROZEN in response.content.decode()
    assert Parameter.objects.filter(indicator__domain__edition=edition).count() == 5


def test_the_admin_adds_a_parameter_to_a_draft_edition_audited_and_recomputed(
    admin_login, editor, db, recompute_requests, django_capture_on_commit_callbacks
):
    edition = factories.small_edition(phase=Edition.Phase.DRAFT)
    template = Parameter.objects.filter(indicator__domain__edition=edition).first()
    client = admin_login(editor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post("/admin/indicators/parameter/add/", add_form_data(client, template, key="neu"))

    assert response.status_code == 302
    added = Parameter.objects.get(indicator__domain__edition=edition, key="neu")
    assert (added.history.first().history_user, added.history.first().history_change_reason) == (editor, "angelegt")
    assert recompute_requests == [edition.pk]


def test_the_admin_cannot_change_a_published_parameter(admin_login, editor, db):
    edition = factories.small_edition(phase=Edition.Phase.PUBLISHED)
    parameter = Parameter.objects.filter(indicator__domain__edition=edition).first()
    client = admin_login(editor)

    response = client.post(
        f"/admin/indicators/parameter/{parameter.pk}/change/", add_form_data(client, parameter, weight="9")
    )

    parameter.refresh_from_db()
    assert response.status_code == 403
    assert parameter.weight != 9


def test_the_admin_cannot_move_a_draft_parameter_into_a_published_edition(admin_login, editor, db):
    draft = factories.small_edition(phase=Edition.Phase.DRAFT, year=2030)
    published = factories.small_edition(phase=Edition.Phase.PUBLISHED, year=2031)
    parameter = Parameter.objects.filter(indicator__domain__edition=draft).first()
    target = Indicator.objects.filter(domain__edition=published).first()
    client = admin_login(editor)

    response = client.post(
        f"/admin/indicators/parameter/{parameter.pk}/change/",
        add_form_data(client, parameter, indicator=target.pk, key="verschoben"),
    )

    parameter.refresh_from_db()
    assert FROZEN in response.content.decode()
    assert parameter.indicator.domain.edition_id == draft.pk
    assert Parameter.objects.filter(indicator__domain__edition=published).count() == 5


def test_the_admin_cannot_delete_a_published_parameter_alone_or_in_bulk(admin_login, editor, db):
    edition = factories.small_edition(phase=Edition.Phase.PUBLISHED)
    parameters = list(Parameter.objects.filter(indicator__domain__edition=edition))
    client = admin_login(editor)

    single = client.post(f"/admin/indicators/parameter/{parameters[0].pk}/delete/", {"post": "yes"})
    bulk = client.post(
        "/admin/indicators/parameter/",
        {"action": "delete_selected", "_selected_action": [p.pk for p in parameters], "post": "yes"},
    )

    assert single.status_code == 403
    assert bulk.status_code == 403
    assert Parameter.objects.filter(indicator__domain__edition=edition).count() == 5


def test_the_admin_deletes_draft_parameters_in_bulk_through_the_service(
    admin_login, editor, db, recompute_requests, django_capture_on_commit_callbacks
):
    edition = factories.small_edition(phase=Edition.Phase.DRAFT)
    doomed = list(Parameter.objects.filter(indicator__domain__edition=edition)[:2])
    client = admin_login(editor)

    with django_capture_on_commit_callbacks(execute=True):
        response = client.post(
            "/admin/indicators/parameter/",
            {"action": "delete_selected", "_selected_action": [p.pk for p in doomed], "post": "yes"},
        )

    assert response.status_code == 302
    assert Parameter.objects.filter(indicator__domain__edition=edition).count() == 3
    deleted = Parameter.history.filter(history_type="-", id__in=[p.pk for p in doomed])
    assert {(row.history_user, row.history_change_reason) for row in deleted} == {(editor, "gelöscht")}
    assert recompute_requests == [edition.pk, edition.pk]


@pytest.mark.parametrize("phase", [Edition.Phase.PUBLISHED, Edition.Phase.ARCHIVED])
def test_the_services_refuse_every_change_to_a_public_catalogue(editor, db, phase):
    edition = factories.small_edition(phase=phase)
    domain = Domain.objects.filter(edition=edition).first()
    parameter = Parameter.objects.filter(indicator__domain__edition=edition).first()

    with pytest.raises(WorkflowError, match=FROZEN):
        catalogue_item_add(user=editor, item=Indicator(domain=domain, key="neu", name_de="Neu", position=9))
    with pytest.raises(WorkflowError, match=FROZEN):
        catalogue_update(user=editor, item=parameter, changes={"weight": 2})
    with pytest.raises(WorkflowError, match=FROZEN):
        catalogue_item_delete(user=editor, item=parameter)

    assert Indicator.objects.filter(domain__edition=edition).count() == 3
    assert Parameter.objects.filter(indicator__domain__edition=edition).count() == 5


def test_only_editors_add_or_delete_catalogue_items(reviewer, db):
    edition = factories.small_edition(phase=Edition.Phase.DRAFT)
    parameter = Parameter.objects.filter(indicator__domain__edition=edition).first()

    with pytest.raises(PermissionDenied, match="Nur die Redaktion kann Ausgaben und Katalog verwalten."):
        catalogue_item_delete(user=reviewer, item=parameter)

    assert Parameter.objects.filter(pk=parameter.pk).exists()


@pytest.mark.parametrize(
    "path",
    ["/api/v1/domains/", "/api/v1/indicators/", "/api/v1/parameters/", "/api/v1/editions/{year}/"],
)
def test_the_api_offers_no_way_to_write_the_catalogue_even_to_an_editor(editor, db, path):
    # The API reads the catalogue only; every write goes through the admin and the services above.
    edition = factories.small_edition(phase=Edition.Phase.PUBLISHED)
    client = APIClient()
    client.credentials(HTTP_AUTHORIZATION=f"Bearer {api_token(editor, 'write')}")
    url = path.format(year=edition.year)

    statuses = {
        client.post(url, {"edition": edition.year, "key": "neu"}, format="json").status_code,
        client.patch(url, {"weight": 2}, format="json").status_code,
        client.delete(url).status_code,
    }

    assert statuses == {405}
    assert Parameter.objects.filter(indicator__domain__edition=edition).count() == 5
    assert Domain.objects.filter(edition=edition).count() == 2

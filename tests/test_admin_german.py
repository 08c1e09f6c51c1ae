"""The admin speaks German: every field and relation of our models has a German label, every column and
filter of an admin has a title, and the pages of every changelist and change page show those labels."""

import re
from datetime import date

import pytest
from django.contrib import admin
from django.contrib.admin import SimpleListFilter
from django.utils import translation

from indicators.models import City
from tests.factories import UserFactory

APPS = ("indicators", "scoring", "api", "webhooks")
OUR_ADMINS = [
    (model, model_admin) for model, model_admin in admin.site._registry.items() if model._meta.app_label in APPS
]


def auto_label(name: str) -> str:
    """The label Django makes up for a field without a verbose_name (English, from the field's name)."""
    return name.replace("_", " ")


def our_fields(model):
    return [f for f in model._meta.get_fields() if not f.auto_created and hasattr(f, "verbose_name")]


@pytest.mark.parametrize(("model", "model_admin"), OUR_ADMINS, ids=[str(m._meta) for m, _a in OUR_ADMINS])
def test_every_field_and_relation_has_a_german_label(model, model_admin):
    unlabelled = [f.name for f in our_fields(model) if f.name != "id" and str(f.verbose_name) == auto_label(f.name)]

    assert unlabelled == []
    assert str(model._meta.verbose_name) != model._meta.model_name


@pytest.mark.parametrize(("model", "model_admin"), OUR_ADMINS, ids=[str(m._meta) for m, _a in OUR_ADMINS])
def test_every_column_and_filter_has_a_title(model, model_admin):
    field_names = {f.name for f in model._meta.get_fields()}
    untitled = []
    for item in model_admin.list_display:
        if item in field_names or item == "__str__":
            continue
        method = item if callable(item) else getattr(model_admin, item, None) or getattr(model, item, None)
        if not getattr(method, "short_description", None):
            untitled.append(item)
    for item in model_admin.list_filter:
        if isinstance(item, type) and issubclass(item, SimpleListFilter) and not item.title:
            untitled.append(item.__name__)

    assert untitled == []


@pytest.mark.django_db
def test_the_changelists_and_change_pages_show_no_made_up_english_label(client, edition):
    # given: a superuser on the German admin, and an object of every model that has one in the test edition
    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    english = []
    with translation.override("de"):
        for model, _model_admin in OUR_ADMINS:
            base = f"/admin/{model._meta.app_label}/{model._meta.model_name}/"
            pages = [base]
            first = model._default_manager.order_by("pk").first()
            if first is not None:
                pages.append(f"{base}{first.pk}/change/")
            # a field's English name where its German label differs ("Created at" for "erstellt am"; not
            # "Status" or "Position", the same in both languages)
            english_names = {
                auto_label(f.name)
                for f in our_fields(model)
                if f.name != "id" and auto_label(f.name).lower() != str(f.verbose_name).lower()
            }
            made_up = english_names | {name.capitalize() for name in english_names}
            for url in pages:
                page = client.get(url, follow=True).content.decode()
                shown = re.findall(r"<label[^>]*>([^<:]+):?</label>", page)
                shown += re.findall(
                    r'<th scope="col"[^>]*>\s*(?:<div class="text">)?\s*(?:<a [^>]*>|<span>)?([^<]+)<', page
                )
                shown += re.findall(r"<summary>\s*Nach ([^<]+?)\s*</summary>", page)
                english += [(url, label.strip()) for label in shown if label.strip() in made_up]

    # then
    assert english == []


@pytest.mark.django_db
def test_counts_in_the_admin_are_grouped_in_german(client):
    City.objects.bulk_create(
        City(
            name=f"Stadt {n:04d}",
            slug=f"stadt-{n:04d}",
            ags=f"{n:08d}",
            state="Bayern",
            state_code="BY",
            population=100_000,
            population_date=date(2023, 12, 31),
        )
        for n in range(1234)
    )
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    page = client.get("/admin/indicators/city/").content.decode()

    assert "1.234 Städte" in page

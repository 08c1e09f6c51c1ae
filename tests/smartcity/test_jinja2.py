"""The Jinja2 environment (smartcity/jinja2.py): Django's translations, formats, URLs and escaping."""

import datetime
from decimal import Decimal

from django.template import engines
from django.utils import translation
from django.utils.safestring import mark_safe


def render(source: str, **context) -> str:
    return engines["jinja2"].from_string(source).render(context)


def test_strings_are_translated_through_the_active_language_with_named_placeholders():
    source = '{{ _("Vorjahr (%(year)s): %(value)s", year=2023, value="ja") }}'

    with translation.override("de"):
        assert render(source) == "Vorjahr (2023): ja"
    with translation.override("en"):
        assert render(source) == "Previous edition (2023): ja"


def test_dates_and_numbers_follow_the_active_language():
    source = '{{ day|date("SHORT_DATE_FORMAT") }} {{ number|localize }} {{ number|unlocalize }}'
    context = {"day": datetime.date(2024, 3, 31), "number": Decimal("1234.5")}

    with translation.override("de"):
        assert render(source, **context) == "31.03.2024 1234,5 1234.5"
    with translation.override("en"):
        assert render(source, **context) == "03/31/2024 1234.5 1234.5"


def test_text_is_escaped_and_django_safe_strings_are_not_escaped_twice():
    source = "{{ text }}|{{ html }}"

    assert render(source, text='<b>"x"</b>', html=mark_safe("<b>x</b>")) == "&lt;b&gt;&#34;x&#34;&lt;/b&gt;|<b>x</b>"


def test_url_reverses_with_positional_arguments_and_static_gives_the_files_address():
    assert render('{{ url("public:city", "bochum", 2023) }}') == "/stadt/bochum/2023/"
    assert render('{{ static("vendor/htmx-2.0.11.min.js") }}').endswith(".js")


def test_a_datetime_is_shown_in_the_current_time_zone_as_djangos_date_filter_shows_it():
    from django.utils import timezone

    moment = datetime.datetime(2024, 3, 31, 22, 30, tzinfo=datetime.UTC)  # 1 April, 00:30 in Berlin
    django = engines["django"].from_string('{{ moment|date:"SHORT_DATETIME_FORMAT" }}')

    with translation.override("de"), timezone.override("Europe/Berlin"):
        assert render('{{ moment|date("SHORT_DATETIME_FORMAT") }}', moment=moment) == django.render({"moment": moment})
        assert render('{{ moment|date("SHORT_DATE_FORMAT") }}', moment=moment) == "01.04.2024"

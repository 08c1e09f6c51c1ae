"""The questionnaire's rows built fast: fields as Django's widgets render them, addresses as reverse() gives them,
the autosave's row and progress as the whole questionnaire has them, and its queries pinned at two sizes."""

from datetime import date
from decimal import Decimal

import pytest
from django.db import connection
from django.template import engines
from django.test.html import parse_html
from django.urls import reverse
from django.utils import translation

from indicators import selectors
from indicators.forms import AnswerForm, answer_fields_html
from indicators.models import Answer, Edition, Participation
from indicators.services.review_flags import review_flags_refresh
from indicators.views.questionnaire import RowLinks
from tests import factories
from tests.factories import parameter


@pytest.fixture(autouse=True)
def json_support_known(db):
    """SQLite's connection asks once whether it has JSON functions (a query of Django's, not of the code under
    test; PostgreSQL asks none): asked before the pinned counts, so that they do not depend on the test order."""
    connection.features.supports_json_field  # noqa: B018 (the cached answer is what is wanted)


# The rendering fields_html replaces: Django's label_tag, legend_tag and widget templates, field by field; a
# question with options (radio buttons, a select) is a fieldset with the question as its legend.
DJANGO_FIELDS = engines["django"].from_string(
    """{% for field in form.visible_fields %}
      {% if field.field.choices %}
      <fieldset class="field{% if field.errors %} has-error{% endif %}">
        {% if field.use_fieldset %}{{ field.legend_tag }}{% else %}<legend>{{ field.label_tag }}</legend>{% endif %}
        {{ field }}
        {% if field.errors %}<p class="error" role="alert">{{ field.errors|join:" " }}</p>{% endif %}
      </fieldset>
      {% else %}
      <div class="field{% if field.errors %} has-error{% endif %}">
        {{ field.label_tag }} {{ field }}
        {% if field.errors %}<p class="error" role="alert">{{ field.errors|join:" " }}</p>{% endif %}
      </div>
      {% endif %}
    {% endfor %}
    {% for field in form.hidden_fields %}{{ field }}{% endfor %}"""
)


def stored_answers(edition, name_suffix: str = ""):
    """(parameter, answer) of every kind, stored with a URL, a note and a Stand to escape; `name_suffix` goes into
    the parameter's name (not saved)."""
    city = factories.CityFactory()
    stored = {
        "online-termine": {"value_bool": False},
        "smart-meter": {"value_choice": "rollout"},
        "busse": {"value_number": Decimal("1234.5")},
    }
    for key, value in stored.items():
        p = parameter(edition, key)
        if name_suffix:
            p.name_de = p.name_en = p.name_de + name_suffix
        answer = Answer.objects.create(
            edition=edition,
            city=city,
            parameter=p,
            evidence_url="https://example.org/a?b=1&c=<2>",
            note='Zeile 1\n"Zeile" <2>',
            as_of=date(2024, 3, 31),
            version=3,
            **value,
        )
        yield p, answer


def forms_of_every_kind(edition):
    """Unbound forms with stored values, and bound forms with wrong input, for every kind of parameter."""
    for p, answer in stored_answers(edition):
        key = p.key
        yield AnswerForm(parameter=p, answer=answer)
        yield AnswerForm(parameter=p)
        bound = AnswerForm(
            {
                f"{key}-value": "zwölf",
                f"{key}-evidence_url": "kein link",
                f"{key}-as_of": "31.13.",
                f"{key}-version": "x",
            },
            parameter=p,
        )
        bound.is_valid()
        yield bound


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_rows_fields_are_the_html_of_djangos_widgets_for_every_kind_stored_and_wrong(edition, language):
    with translation.override(language):
        for form in forms_of_every_kind(edition):
            assert parse_html(str(form.fields_html())) == parse_html(DJANGO_FIELDS.render({"form": form}))


@pytest.mark.parametrize("language", ["de", "en"])
def test_the_fields_built_from_the_answer_are_those_of_the_unbound_form_for_every_kind(edition, language):
    # given: every kind stored (a URL, a note and a Stand to escape) and unanswered, "ja", "nein", a name to escape
    cases = []
    for p, answer in stored_answers(edition, name_suffix=' <b>"&"</b>'):
        cases += [(p, answer), (p, None), (p, Answer(parameter=p))]
    yes = parameter(edition, "online-termine")
    cases.append((yes, Answer(parameter=yes, value_bool=True)))
    cases.append((parameter(edition, "busse"), Answer(parameter=parameter(edition, "busse"), value_number=Decimal(0))))

    with translation.override(language):
        for p, answer in cases:
            # when
            fast = str(answer_fields_html(p, answer))

            # then
            assert fast == str(AnswerForm(parameter=p, answer=answer).fields_html()), (p.key, answer)


def test_a_stored_number_shows_in_german_in_the_rows_field(edition):
    p = parameter(edition, "busse")
    answer = Answer.objects.create(
        edition=edition, city=factories.CityFactory(), parameter=p, value_number=Decimal("3.5")
    )

    with translation.override("de"):
        html = str(AnswerForm(parameter=p, answer=answer).fields_html())

    assert 'name="busse-value" value="3,5"' in html


def test_the_row_links_are_the_addresses_reverse_gives(edition, city):
    # given
    p = parameter(edition, "busse")
    answer = Answer.objects.create(edition=edition, city=city, parameter=p, value_number=10)
    evidence_file = factories.EvidenceFileFactory(answer=answer)
    row = selectors.questionnaire(edition=edition, city=city).row("busse")

    # when
    RowLinks(city, edition).attach(row)

    # then
    args = [city.slug, edition.year, "busse"]
    assert row.urls == {name: reverse(f"indicators:{name}", args=args) for name in RowLinks.ROW_ROUTES}
    assert row.evidence_files[0].download_url == reverse("indicators:evidence_file_download", args=[evidence_file.pk])
    assert row.evidence_files[0].remove_url == reverse(
        "indicators:evidence_remove", args=[city.slug, edition.year, evidence_file.pk]
    )


def row_state(row):
    return (
        row.parameter.pk,
        row.answer and row.answer.pk,
        row.previous and row.previous.pk,
        [f.pk for f in row.evidence_files],
        row.plausibility,
        row.status,
        row.entered_by_city,
        row.provenance,
        row.checkable,
        row.is_checked,
        row.may_check,
        row.ready_to_submit,
        row.evidence_missing,
        getattr(row.answer, "comment_count", None),
    )


def test_the_autosaves_row_and_progress_are_those_of_the_whole_questionnaire(db):
    # given: a filled edition with a previous one, files, comments, outliers and sent-back answers
    before = factories.small_edition(cities=6, year=2029, phase=Edition.Phase.PUBLISHED)
    edition = factories.small_edition(cities=0, year=2030)
    for other in factories.cities_of(before):
        Participation.objects.create(edition=edition, city=other)
        for key, value in factories.VALID_VALUE.items():
            for year_edition in (before, edition):
                Answer.objects.create(
                    edition=year_edition,
                    city=other,
                    parameter=parameter(year_edition, key),
                    status=Answer.Status.APPROVED if year_edition == before else Answer.Status.DRAFT,
                    **value,
                )
    city = factories.cities_of(before)[0]
    answers = list(Answer.objects.filter(edition=edition, city=city).order_by("pk"))
    factories.EvidenceFileFactory(answer=answers[0])
    Answer.objects.filter(pk=answers[1].pk).update(status=Answer.Status.CHANGES_REQUESTED, evidence_url="")
    Answer.objects.filter(edition=edition, city=city, parameter__key="busse").update(value_number=Decimal(99))
    review_flags_refresh(edition_id=edition.pk)  # as after every save (the page reads the stored outlier flag)

    # when
    whole = selectors.questionnaire(edition=edition, city=city)

    # then
    assert whole.row("busse").plausibility == ["outlier", "jump"] and whole.progress.changes_requested == 1
    for row in whole.rows():
        alone = selectors.questionnaire_row(edition=edition, city=city, parameter=row.parameter)
        assert row_state(alone.row) == row_state(row)
        assert alone.progress == whole.progress
        assert alone.previous_edition == whole.previous_edition


def test_the_progress_counted_in_the_database_is_the_questionnaires_on_rows_of_every_kind(edition, city):
    """models.progress_conditions is Progress.add's rules in SQL: both must count every kind of row alike."""
    # given: evidence required everywhere; the city's answers of every status, kind of value, evidence and origin
    Parameter = type(parameter(edition, "busse"))
    Parameter.objects.filter(indicator__domain__edition=edition).update(evidence_required=True)
    indicator = parameter(edition, "busse").indicator
    Mode, Status = Parameter.CollectionMode, Answer.Status
    kinds = [
        # (collection mode, answer: None or its fields, files)
        (Mode.CITY, None, 0),  # unanswered
        (Mode.CITY, {"value_bool": False}, 0),  # "no" is a value; evidence missing
        (Mode.CITY, {"value_bool": True, "status": Status.SUBMITTED}, 1),  # a file is evidence
        (Mode.CITY, {"value_choice": "x", "status": Status.APPROVED, "evidence_url": "https://e.org"}, 0),
        (Mode.CITY, {"value_number": Decimal(0), "status": Status.CHANGES_REQUESTED}, 0),  # 0 is a value
        (Mode.CITY, {"evidence_url": "https://e.org"}, 1),  # evidence but no value: not answered
        (Mode.CITY, {"value_number": Decimal(5), "source_kind": Mode.RESEARCH}, 0),  # researched: not the city's
        (Mode.CITY, {"value_number": Decimal(5), "official": True}, 0),  # an import is its own evidence
        (Mode.OFFICIAL, None, 0),  # not the city's parameter
        (Mode.RESEARCH, {"value_number": Decimal(7), "source_kind": Mode.RESEARCH}, 0),
    ]
    for n, (mode, fields, files) in enumerate(kinds):
        p = factories.ParameterFactory(
            indicator=indicator, key=f"kind-{n}", position=20 + n, collection_mode=mode, evidence_required=True
        )
        if fields is not None:
            fields = dict(fields)
            if fields.pop("official", False):
                fields.update(source_kind=Mode.CITY, official_import=factories.OfficialImportFactory(parameter=p))
            answer = Answer.objects.create(edition=edition, city=city, parameter=p, **fields)
            for _ in range(files):
                factories.EvidenceFileFactory(answer=answer)

    # when
    counted = selectors.questionnaire_progress(edition=edition, city=city)

    # then
    assert counted == selectors.questionnaire(edition=edition, city=city).progress
    assert (counted.total, counted.answered, counted.missing_evidence) == (12, 5, 2)  # 5 + 7 of the kinds; 5 answered


def test_the_row_of_a_parameter_without_answers_counts_the_progress_in_a_query_of_its_own(
    edition, city, django_assert_num_queries
):
    """The row's query carries the progress as a subquery; where it finds no answer (none this year, none last
    year) the progress is counted by itself, and is still the questionnaire's."""
    # given: the city answered one parameter (a draft with a value), not the one of the row
    Answer.objects.create(edition=edition, city=city, parameter=parameter(edition, "busse"), value_number=3)
    unanswered = factories.ParameterFactory(indicator=parameter(edition, "busse").indicator, key="neu", position=9)

    # when: the answers (none), the progress
    with django_assert_num_queries(2):
        alone = selectors.questionnaire_row(edition=edition, city=city, parameter=unanswered)

    # then
    whole = selectors.questionnaire(edition=edition, city=city)
    assert alone.row.answer is None and alone.row.previous is None
    assert alone.progress == whole.progress
    assert (alone.progress.answered, alone.progress.draft) == (1, 1)


def autosave(client, city, edition, key, value, version):
    data = {f"{key}-value": value, f"{key}-version": version, f"{key}-evidence_url": "", f"{key}-note": ""}
    data[f"{key}-as_of"] = ""
    return client.post(f"/portal/{city.slug}/{edition.year}/answer/{key}/", data, HTTP_HX_REQUEST="true")


def questionnaire_of_size(edition, city, *, parameters: int, peers: int):
    """The city's questionnaire with `parameters` more parameters than the small edition's five, all answered,
    `peers` more cities answering "busse" (the outlier's field) and last year's approved "busse" of the city,
    as drafts; the query counts of a row's POST must not grow with any of these."""
    before = factories.small_edition(cities=0, year=edition.year - 1, phase=Edition.Phase.PUBLISHED)
    Participation.objects.create(edition=before, city=city)
    Answer.objects.create(
        edition=before, city=city, parameter=parameter(before, "busse"), value_number=11, status=Answer.Status.APPROVED
    )
    busse = parameter(edition, "busse")
    answer = Answer.objects.create(
        edition=edition, city=city, parameter=busse, value_number=10, evidence_url="https://example.org/busse"
    )
    for n in range(parameters):
        extra = factories.ParameterFactory(indicator=busse.indicator, key=f"extra-{n}", position=10 + n)
        Answer.objects.create(edition=edition, city=city, parameter=extra, value_bool=True)
    for peer in factories.CityFactory.create_batch(peers):
        Answer.objects.create(edition=edition, city=peer, parameter=busse, value_number=peer.pk % 7 + 10)
    return answer


SIZES = [pytest.param(0, 0, id="5 parameters, 1 answer"), pytest.param(30, 20, id="35 parameters, 31 answers")]


@pytest.mark.parametrize("parameters, peers", SIZES)
def test_the_autosave_runs_a_fixed_number_of_queries(
    client, staff, edition, city, parameters, peers, django_assert_num_queries
):
    # given
    client.force_login(staff)
    questionnaire_of_size(edition, city, parameters=parameters, peers=peers)

    # when: session, user, city with edition (its membership noted), parameter (4); the save: savepoint (the
    # test's transaction), edition and answer locked, update, history row, release (6); the row: this year's and
    # last year's answer with the progress as their subquery, the field of the outlier flag (2)
    with django_assert_num_queries(12):
        response = autosave(client, city, edition, "busse", "12", version=1)

    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert content.count('<article class="answer') == 1
    assert f'data-answered="{1 + parameters}"' in content
    assert "Vorjahr (2029)" in content
    assert Answer.objects.get(parameter__key="busse", city=city, edition=edition).value_number == Decimal(12)


@pytest.mark.parametrize("parameters, peers", SIZES)
def test_the_autosave_of_an_answer_with_files_reads_them_in_one_more_query(
    client, staff, edition, city, parameters, peers, django_assert_num_queries
):
    # given
    client.force_login(staff)
    answer = questionnaire_of_size(edition, city, parameters=parameters, peers=peers)
    files = [factories.EvidenceFileFactory(answer=answer) for _ in range(2)]

    # when: as without files, and the files (one query)
    with django_assert_num_queries(13):
        response = autosave(client, city, edition, "busse", "12", version=1)

    # then
    content = response.content.decode()
    assert response.status_code == 200
    assert all(reverse("indicators:evidence_file_download", args=[f.pk]) in content for f in files)


# A row's other POSTs answer with the row as the autosave does: its queries, the service's own ones added.
ROW_ACTIONS = [
    # the answer looked up by the view; the webhooks' subscriptions to a status change
    pytest.param("submit/", {"version": 1}, 14, "status", Answer.Status.SUBMITTED, id="submit"),
    # last year's answer (one query)
    pytest.param(
        "carry-over/",
        {"version": 1, "evidence_url": "https://example.org/neu"},
        13,
        "value_number",
        Decimal(11),
        id="carry-over",
    ),
]


@pytest.mark.parametrize("parameters, peers", SIZES)
@pytest.mark.parametrize("action, data, queries, field, value", ROW_ACTIONS)
def test_a_row_action_runs_a_fixed_number_of_queries(
    client, staff, edition, city, parameters, peers, action, data, queries, field, value, django_assert_num_queries
):
    # given
    client.force_login(staff)
    questionnaire_of_size(edition, city, parameters=parameters, peers=peers)

    # when
    with django_assert_num_queries(queries):
        response = client.post(
            f"/portal/{city.slug}/{edition.year}/answer/busse/{action}", data, HTTP_HX_REQUEST="true"
        )

    # then
    assert response.status_code == 200
    assert response.content.decode().count('<article class="answer') == 1
    assert getattr(Answer.objects.get(parameter__key="busse", city=city, edition=edition), field) == value


def test_the_questionnaire_goes_gzipped_to_a_client_that_accepts_it_and_reads_the_same(client, staff, edition, city):
    import gzip

    client.force_login(staff)
    plain = client.get(f"/portal/{city.slug}/{edition.year}/")
    packed = client.get(f"/portal/{city.slug}/{edition.year}/", HTTP_ACCEPT_ENCODING="gzip")

    assert plain.status_code == packed.status_code == 200
    assert "Content-Encoding" not in plain and packed["Content-Encoding"] == "gzip"
    assert "Accept-Encoding" in packed["Vary"]
    unpacked = gzip.decompress(packed.content).decode()
    assert unpacked.count('<article class="answer') == plain.content.decode().count('<article class="answer') == 5


@pytest.mark.parametrize(("key", "control"), [("online-termine", 'type="radio"'), ("smart-meter", "<select")])
def test_a_yes_no_or_choice_question_is_a_fieldset_with_the_question_as_its_legend(edition, key, control):
    # given
    p = parameter(edition, key)

    # when
    with translation.override("de"):
        html = str(answer_fields_html(p, None))

    # then: the options sit inside the fieldset, after the legend naming the question
    group = html[html.index("<fieldset") : html.index("</fieldset>")]
    legend = group[group.index("<legend>") : group.index("</legend>")]
    assert p.name_de in legend
    assert control in group[group.index("</legend>") :]
    assert html.count("<fieldset") == 1


def test_a_number_question_keeps_its_label_and_no_fieldset(edition):
    with translation.override("de"):
        html = str(answer_fields_html(parameter(edition, "busse"), None))

    assert "<fieldset" not in html
    assert '<label for="id_busse-value">' in html

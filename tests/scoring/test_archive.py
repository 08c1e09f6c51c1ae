"""Edition export/import: a published edition survives a round trip into an empty database bit for bit."""

import copy
import json
from datetime import date

import pytest
from django.core.exceptions import ValidationError
from django.core.management import CommandError, call_command

from indicators.models import (
    Answer,
    City,
    Edition,
    EvidenceFile,
    InnovationProject,
    OfficialImport,
    Parameter,
    Participation,
    PopulationFigure,
)
from scoring.inputs import load_inputs
from scoring.models import CityScore, DomainScore, IndicatorScore, ScoreRun
from scoring.services import scores_recompute
from scoring.services.archive import FORMAT_VERSION, edition_dumps, edition_export, edition_import
from tests import factories
from tests.scoring.test_services import answer_all, publish


def results(run: ScoreRun) -> dict:
    """A run's rows keyed by AGS and catalogue keys, so two databases' runs compare."""
    return {
        "city": sorted(
            CityScore.objects.filter(run=run).values_list("city__ags", "total", "rank", "completeness", "previous_rank")
        ),
        "domain": sorted(
            DomainScore.objects.filter(run=run).values_list(
                "city__ags", "domain__key", "score", "rank", "bonus", "completeness", "previous_rank"
            )
        ),
        "indicator": sorted(
            IndicatorScore.objects.filter(run=run).values_list("city__ags", "indicator__key", "raw", "score", "rank"),
            key=lambda row: (row[0], row[1]),
        ),
    }


def published(year: int) -> ScoreRun:
    return ScoreRun.objects.get(edition__year=year, is_published=True)


def empty_database():
    ScoreRun.objects.all().delete()  # result rows protect the catalogue and the cities
    Edition.objects.all().delete()  # cascades to catalogue, answers, participations and innovation projects
    City.objects.all().delete()


@pytest.fixture
def exported(editor):
    """A published edition with evidence metadata, a bonus and an unreviewed answer; its export and results."""
    edition = factories.small_edition(cities=4, year=2031)
    answers = answer_all(edition, seed=3)
    Answer.objects.filter(pk=answers[0].pk).update(status=Answer.Status.DRAFT, note="noch offen")
    EvidenceFile.objects.create(
        answer=answers[1],
        file="evidence/x/y/z/beleg.pdf",
        original_name="Beleg – März.pdf",
        content_type="application/pdf",
        size=1234,
        sha256="a" * 64,
        uploaded_by=editor,
    )
    city = edition.participations.first().city
    InnovationProject.objects.create(
        edition=edition, city=city, domain=edition.domains.get(key="mobilitaet"), title="Bus", bonus_points="3.50"
    )
    run = publish(edition, editor)
    return edition_export(edition), run.input_hash, results(run)


def test_an_imported_edition_reproduces_its_published_results_bit_for_bit(exported):
    # given
    data, input_hash, rows = exported
    text = edition_dumps(Edition.objects.get(year=2031))
    empty_database()

    # when
    edition = edition_import(json.loads(text))

    # then
    run = published(2031)
    assert run.input_hash == input_hash == load_inputs(edition).input_hash()
    assert results(run) == rows
    assert edition_dumps(edition) == text  # everything in the file came back, byte for byte
    assert Answer.objects.get(edition=edition, note="noch offen").status == Answer.Status.DRAFT
    evidence = EvidenceFile.objects.get(answer__edition=edition)
    assert (evidence.original_name, evidence.size, evidence.file.name) == (
        "Beleg – März.pdf",
        1234,
        "evidence/x/y/z/beleg.pdf",
    )
    assert evidence.uploaded_by is not None  # the editor exists here, so the reference is kept
    assert data["evidence_bytes_included"] is False
    assert City.objects.count() == 4


def test_recompute_after_import_is_a_no_op(exported):
    # given
    data, _input_hash, _rows = exported
    empty_database()
    edition = edition_import(data)
    run = published(2031)

    # when: published, and even back in review the unchanged inputs give no new run
    frozen = scores_recompute(edition=edition)
    Edition.objects.filter(pk=edition.pk).update(phase=Edition.Phase.REVIEW)
    edition.refresh_from_db()
    reviewed = scores_recompute(edition=edition)

    # then
    assert frozen == reviewed == (run, False)
    assert ScoreRun.objects.filter(edition=edition).count() == 1


def test_a_changed_answer_value_is_refused_and_nothing_is_written(exported):
    # given
    data, _input_hash, _rows = exported
    empty_database()
    tampered = copy.deepcopy(data)
    answer = next(a for a in tampered["answers"] if a["status"] == "approved" and a["value_number"] is not None)
    answer["value_number"] = "98.500000"

    # when / then
    with pytest.raises(ValidationError, match="hash"):
        edition_import(tampered)
    assert not Edition.objects.exists() and not City.objects.exists() and not Answer.objects.exists()
    edition_import(data)  # the untampered file still imports
    assert published(2031).input_hash == data["runs"][0]["input_hash"]


def test_an_existing_year_and_an_unknown_format_version_are_refused(exported):
    data, _input_hash, _rows = exported
    with pytest.raises(ValidationError, match="exists already"):
        edition_import(data)
    empty_database()
    with pytest.raises(ValidationError, match="format version"):
        edition_import({**data, "format_version": FORMAT_VERSION + 1})
    assert not Edition.objects.exists()


def test_two_editions_imported_oldest_first_keep_their_trends(editor):
    # given: 2040 published, then 2041 with the same cities and a newcomer, published
    old = factories.small_edition(cities=3, year=2040)
    answer_all(old, seed=1)
    publish(old, editor)
    new = factories.small_edition(cities=0, year=2041)
    for city in [p.city for p in old.participations.all()] + [factories.CityFactory()]:
        Participation.objects.create(edition=new, city=city)
    answer_all(new, seed=2)
    new_run = publish(new, editor)
    rows = results(new_run)
    assert any(row[4] is not None for row in rows["city"])  # there are trends to keep
    files = [edition_export(old), edition_export(new)]
    empty_database()

    # when / then: newest first is refused, oldest first reproduces both
    with pytest.raises(ValidationError, match="oldest first"):
        edition_import(files[1])
    edition_import(files[0])
    edition_import(files[1])
    assert published(2041).input_hash == new_run.input_hash
    assert results(published(2041)) == rows


def test_the_commands_export_and_import_a_file(exported, tmp_path):
    path = tmp_path / "edition-2031.json"
    call_command("export_edition", "--year", "2031", "--output", str(path))
    assert json.loads(path.read_text(encoding="utf-8"))["format_version"] == FORMAT_VERSION
    with pytest.raises(CommandError, match="exists already"):
        call_command("import_edition", str(path))
    empty_database()
    call_command("import_edition", str(path))
    assert published(2031).input_hash == exported[1]


def test_the_collection_mode_survives_the_round_trip_and_an_older_file_reads_as_city(editor):
    # given: a published edition whose `ladepunkte` is taken from an official source (issue 16)
    edition = factories.small_edition(cities=3, year=2032)
    answer_all(edition)
    Parameter.objects.filter(indicator__domain__edition=edition, key="ladepunkte").update(collection_mode="official")
    publish(edition, editor)
    data = edition_export(edition)
    older = copy.deepcopy(data)
    for domain in older["catalogue"]:
        for indicator in domain["indicators"]:
            for parameter in indicator["parameters"]:
                del parameter["collection_mode"]
    empty_database()

    # when
    imported = edition_import(data)

    # then
    modes = dict(Parameter.objects.filter(indicator__domain__edition=imported).values_list("key", "collection_mode"))
    assert modes["ladepunkte"] == "official"
    assert sorted(modes.values()).count("city") == 4
    empty_database()
    old = edition_import(older)
    assert set(Parameter.objects.filter(indicator__domain__edition=old).values_list("collection_mode", flat=True)) == {
        "city"
    }


def test_provenance_and_population_figures_survive_the_round_trip(editor):
    # given: ladepunkte imported from a register with Stand 2019-07-19 (rows 12 and 15 for the first city), one
    # researched value, population figures that the run divided by
    edition = factories.small_edition(cities=3, year=2033)
    answers = answer_all(edition, seed=5)
    ladepunkte = factories.parameter(edition, "ladepunkte")
    Parameter.objects.filter(pk=ladepunkte.pk).update(collection_mode="official")
    official = factories.OfficialImportFactory(parameter=ladepunkte, imported_by=editor, sha256="b" * 64)
    first, second, third = factories.cities_of(edition)
    Answer.objects.filter(parameter=ladepunkte).update(
        source_kind="official", official_import=official, as_of=official.as_of
    )
    Answer.objects.filter(parameter=ladepunkte, city=first).update(source_rows=[12, 15])
    researched = next(a for a in answers if a.parameter.key == "wartezeit" and a.city == second)
    Answer.objects.filter(pk=researched.pk).update(source_kind="research", researched_by=editor)
    PopulationFigure.objects.create(
        edition=edition, city=first, reference_date=date(2018, 12, 31), population=123_456, source="Destatis"
    )
    PopulationFigure.objects.create(edition=edition, city=third, reference_date=date(2020, 12, 31), population=654_321)
    run = publish(edition, editor)
    assert load_inputs(edition).population[:, 4].tolist()[0] == 123_456
    text = edition_dumps(edition)
    empty_database()

    # when
    imported = edition_import(json.loads(text))

    # then: the run verifies (the figures are in its input hash) and the file comes back byte for byte
    assert published(2033).input_hash == run.input_hash
    assert edition_dumps(imported) == text
    official_answers = Answer.objects.filter(edition=imported, source_kind="official").select_related(
        "official_import", "city"
    )
    assert sorted((a.city.ags, a.source_rows, a.official_import.sha256) for a in official_answers) == sorted(
        [(first.ags, [12, 15], "b" * 64), (second.ags, [], "b" * 64), (third.ags, [], "b" * 64)]
    )
    stored = OfficialImport.objects.get(edition=imported)
    assert (stored.source_name, stored.profile_key, stored.as_of, stored.file.name, stored.imported_by) == (
        "Bundesnetzagentur, Ladesäulenregister",
        "bnetza-ladesaeulen",
        date(2019, 7, 19),
        official.file.name,
        editor,
    )
    assert Answer.objects.get(edition=imported, source_kind="research").researched_by == editor
    assert sorted(
        PopulationFigure.objects.filter(edition=imported).values_list("city__ags", "population", "source")
    ) == sorted([(first.ags, 123_456, "Destatis"), (third.ags, 654_321, "")])


def test_a_version_1_file_still_imports_with_answers_entered_by_the_city(exported):
    # given: the file as version 1 wrote it
    data, input_hash, rows = exported
    older = copy.deepcopy(data)
    older["format_version"] = 1
    del older["population_figures"], older["official_imports"]
    for answer in older["answers"]:
        for name in ("source_kind", "source_rows", "official_import", "researched_by"):
            del answer[name]
    empty_database()

    # when
    edition = edition_import(older)

    # then
    assert published(2031).input_hash == input_hash
    assert results(published(2031)) == rows
    assert set(Answer.objects.filter(edition=edition).values_list("source_kind", flat=True)) == {"city"}

"""scoring.inputs: the code fingerprint of a run covers exactly the code that computes scores."""

import pathlib

import pytest

from indicators import population
from scoring import engine, inputs, services
from scoring.inputs import CODE_VERSION, SCORING_CODE, code_fingerprint


def test_the_fingerprint_covers_the_engine_the_loader_and_the_population_rule_only():
    assert [pathlib.Path(path).name for path in SCORING_CODE] == ["engine.py", "inputs.py", "population.py"]
    assert pathlib.Path(SCORING_CODE[2]).resolve() == pathlib.Path(population.__file__).resolve()
    assert pathlib.Path(services.__file__).resolve() not in {pathlib.Path(p).resolve() for p in SCORING_CODE}
    assert CODE_VERSION == code_fingerprint(SCORING_CODE)
    assert len(CODE_VERSION) == 12


def copies(tmp_path, **replace) -> list[pathlib.Path]:
    """Copies of the scoring sources (engine, loader, population rule, services), each optionally with one text
    appended."""
    paths = []
    for module in (engine, inputs, population, services):
        name = pathlib.Path(module.__file__).name
        target = tmp_path / name
        target.write_text(pathlib.Path(module.__file__).read_text() + replace.get(name.removesuffix(".py"), ""))
        paths.append(target)
    return paths


def test_an_edit_of_the_services_does_not_change_the_fingerprint(tmp_path):
    # given
    *scoring, _services_py = copies(tmp_path)
    before = code_fingerprint(scoring)

    # when: a docstring/comment edit in the services (which the fingerprint does not read)
    *scoring, _services_py = copies(tmp_path, services='\n"""An edited docstring."""\n')

    # then
    assert code_fingerprint(scoring) == before == CODE_VERSION


@pytest.mark.parametrize("module", ["engine", "inputs", "population"])
def test_an_edit_of_the_engine_the_loader_or_the_population_rule_changes_the_fingerprint(tmp_path, module):
    *scoring, _services_py = copies(tmp_path, **{module: "\n# changed\n"})
    assert code_fingerprint(scoring) != CODE_VERSION


@pytest.mark.parametrize(
    ("kind", "value", "option_points", "points"),
    [
        ("yes_no", True, None, 1.0),
        ("yes_no", False, None, 0.0),
        ("choice", "teilweise", {"nein": 0.0, "teilweise": 0.5, "ja": 1.0}, 0.5),
        ("choice", "", {"nein": 0.0}, None),
        ("number", 12.5, None, 12.5),
        ("percentage", 0, None, 0.0),
        ("count", 3, None, 3.0),
        ("number", None, None, None),
        ("yes_no", None, None, None),
    ],
)
def test_value_points_is_the_one_rule_from_an_answer_value_to_engine_points(kind, value, option_points, points):
    assert engine.value_points(kind, value, option_points) == points

"""The what-if simulator's pages: a city picker and one city's simulator (published editions only).

The scenario is the query string (public.simulator names its parameters), so a result can be shared and
the page cached like every public page; nothing is stored.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from urllib.parse import urlencode

from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import gettext as _

from indicators.models import Answer, City, Parameter
from indicators.values import assign_value
from public import simulator
from scoring import selectors
from scoring.models import CityScore
from smartcity.page_cache import public_page


@dataclass
class WeightField:
    name: str  # the query parameter
    value: str  # as entered, else the published weight
    default: str  # the published weight
    errors: list[str]


@dataclass
class ParameterField:
    parameter: Parameter
    name: str  # the query parameter
    value: str  # the hypothetical value as entered ("" = as published)
    official: str  # the published answer as people read it
    outcome: simulator.ParameterOutcome
    choices: list[tuple[str, str]]  # (value, label) for yes/no and choice parameters; empty for numbers
    errors: list[str]


@dataclass
class IndicatorGroup:
    outcome: simulator.IndicatorOutcome
    weight: WeightField
    parameters: list[ParameterField] = field(default_factory=list)

    @property
    def has_errors(self) -> bool:
        return bool(self.weight.errors) or any(p.errors for p in self.parameters)

    @property
    def changed(self) -> bool:
        return self.outcome.weight.changed or any(p.outcome.hypothetical is not None for p in self.parameters)


@dataclass
class DomainGroup:
    outcome: simulator.DomainOutcome
    weight: WeightField
    indicators: list[IndicatorGroup] = field(default_factory=list)

    @property
    def is_open(self) -> bool:
        """Shown unfolded when it holds a change or an error."""
        return (
            self.outcome.weight.changed
            or bool(self.weight.errors)
            or any(group.changed or group.has_errors for group in self.indicators)
        )


@dataclass
class GainRow:
    gain: simulator.Gain
    official: str
    best: str
    query: str


def _query(params: dict[str, str]) -> str:
    return "?" + urlencode(params) if params else ""


def _weight(prefix: str, key: str, published: float | None, entered: dict[str, str], errors: dict) -> WeightField:
    name = prefix + key
    default = _plain_weight(published)
    return WeightField(name=name, value=entered.get(key, default), default=default, errors=errors.get(name, []))


def _plain_weight(value: float | None) -> str:
    """A weight as its input shows it: 1, 0.5 (a dot, as in the URL; a comma is accepted as well)."""
    if value is None:
        return ""
    return str(int(value)) if value == int(value) else repr(float(value))


def _choices(parameter: Parameter) -> list[tuple[str, str]]:
    if parameter.kind == Parameter.Kind.YES_NO:
        return [(simulator.YES, _("ja")), (simulator.NO, _("nein"))]
    if parameter.kind == Parameter.Kind.CHOICE:
        return [(option["key"], parameter.option_label(option["key"])) for option in parameter.options]
    return []


def _shown_value(parameter: Parameter, entered: str) -> str:
    """The entered value as the field shows it: a yes/no answer given as yes/true/1 selects "ja"."""
    if parameter.kind != Parameter.Kind.YES_NO or not entered:
        return entered
    answer = Answer()
    try:
        assign_value(answer, parameter, entered)
    except ValidationError:
        return entered
    return simulator.YES if answer.value_bool else simulator.NO


def _official_display(parameter: Parameter, answers: dict) -> str:
    answer = answers.get(parameter.pk)
    if answer is None or not answer.has_value:
        return _("keine freigegebene Antwort")
    answer.parameter = parameter  # formats its value without a query
    return answer.display_value


def _groups(
    simulation: simulator.Simulation, scenario: simulator.Scenario, answers: dict, errors: dict
) -> list[DomainGroup]:
    """The form's fields: domains, their indicators and parameters in catalogue order, with the result of each."""
    domains = {
        outcome.domain.pk: DomainGroup(
            outcome=outcome,
            weight=_weight(
                simulator.DOMAIN_WEIGHT_PREFIX,
                outcome.domain.key,
                outcome.weight.official,
                scenario.domain_weights,
                errors,
            ),
        )
        for outcome in simulation.domains
    }
    indicators = {}
    for outcome in simulation.indicators:
        group = IndicatorGroup(
            outcome=outcome,
            weight=_weight(
                simulator.INDICATOR_WEIGHT_PREFIX,
                outcome.indicator.key,
                outcome.weight.official,
                scenario.indicator_weights,
                errors,
            ),
        )
        indicators[outcome.indicator.pk] = group
        domains[outcome.indicator.domain_id].indicators.append(group)
    for outcome in simulation.parameters:
        parameter = outcome.parameter
        name = simulator.PARAMETER_PREFIX + parameter.key
        indicators[parameter.indicator_id].parameters.append(
            ParameterField(
                parameter=parameter,
                name=name,
                value=_shown_value(parameter, scenario.values.get(parameter.key, "")),
                official=_official_display(parameter, answers),
                outcome=outcome,
                choices=_choices(parameter),
                errors=errors.get(name, []),
            )
        )
    return list(domains.values())


def _assumptions(simulation: simulator.Simulation, answers: dict) -> list[dict]:
    """What the scenario changes, as listed above the result: {"label", "official", "simulated"}."""
    rows = [
        {
            "label": outcome.parameter.name,
            "official": _official_display(outcome.parameter, answers),
            "simulated": outcome.parameter.format_value(outcome.hypothetical),
        }
        for outcome in simulation.changed_parameters
    ]
    rows += [
        {
            "label": _("Gewicht des Themenbereichs %(name)s") % {"name": outcome.domain.name},
            "official": _plain_weight(outcome.weight.official),
            "simulated": _plain_weight(outcome.weight.simulated),
        }
        for outcome in simulation.domains
        if outcome.weight.changed
    ]
    rows += [
        {
            "label": _("Gewicht des Indikators %(name)s") % {"name": outcome.indicator.name},
            "official": _plain_weight(outcome.weight.official),
            "simulated": _plain_weight(outcome.weight.simulated),
        }
        for outcome in simulation.indicators
        if outcome.weight.changed
    ]
    return rows


def _gain_rows(found: list[simulator.Gain], answers: dict) -> list[GainRow]:
    return [
        GainRow(
            gain=gain,
            official=_official_display(gain.parameter, answers),
            best=gain.parameter.format_value(gain.typed_value),
            query=_query(gain.query),
        )
        for gain in found
    ]


def _unknown_errors(errors: dict, groups: list[DomainGroup]) -> list[str]:
    """Messages of query parameters the form has no field for (an unknown key in a shared URL)."""
    names = set()
    for domain in groups:
        names.add(domain.weight.name)
        for indicator in domain.indicators:
            names.add(indicator.weight.name)
            names.update(p.name for p in indicator.parameters)
    return [message for name, messages in errors.items() if name not in names for message in messages]


# Only the unmodified page is cached: hypothetical answers and weights are endless variants.
@public_page(uncached=(simulator.PARAMETER_PREFIX, simulator.DOMAIN_WEIGHT_PREFIX, simulator.INDICATOR_WEIGHT_PREFIX))
def simulator_view(request, year: int, city_slug: str):
    """One city in a published edition with hypothetical answers and weights from the query string.

    404 for an unknown or unpublished year and a city not ranked in it. Invalid input answers 400: the page
    shows the published result and the message next to each field concerned, and keeps what was entered.
    """
    edition, run, _editions = selectors.published(year)
    if run is None:
        raise Http404
    city = City.objects.filter(slug=city_slug).first()
    if city is None:
        raise Http404
    scenario = simulator.Scenario.from_query(request.GET)
    errors: dict[str, list[str]] = {}
    try:
        simulation = simulator.simulate(
            edition,
            run,
            city,
            values=scenario.values,
            domain_weights=scenario.domain_weights,
            indicator_weights=scenario.indicator_weights,
        )
    except simulator.CityNotRanked:
        raise Http404 from None
    except ValidationError as error:
        errors = error.message_dict
        simulation = simulator.simulate(edition, run, city)
    answers = simulator.official_answers(run, city)
    groups = _groups(simulation, scenario, answers, errors)
    context = {
        "edition": edition,
        "city": city,
        "simulation": simulation,
        "groups": groups,
        "errors": errors,
        "unknown_errors": _unknown_errors(errors, groups),
        "gains": _gain_rows(simulator.gains(edition, run, city), answers),
        "assumptions": _assumptions(simulation, answers),
    }
    return render(request, "public/simulator.html", context, status=400 if errors else 200)


@public_page(query=("stadt",))
def simulator_pick_view(request, year: int):
    """The cities of a published edition to open the simulator for; `?stadt=<slug>` goes to that city's."""
    edition, run, _editions = selectors.published(year)
    if run is None:
        raise Http404
    scores = list(CityScore.objects.filter(run=run).select_related("city").order_by("city__name", "city_id"))
    slug = request.GET.get("stadt", "").strip()
    error = ""
    if slug:
        if any(score.city.slug == slug for score in scores):
            return redirect("public:simulator", year=edition.year, city_slug=slug)
        error = _("„%(value)s“ ist keine Stadt dieser Ausgabe.") % {"value": slug[:80]}
    context = {"edition": edition, "scores": scores, "error": error, "selected": slug}
    return render(request, "public/simulator_pick.html", context, status=400 if error else 200)

"""The methodology of a published edition in words, generated from its catalogue and its run's methodology.

Settings and weights come from the published run (`ScoreRun.methodology`: what the engine actually
used), names, units, options and sources from the edition's catalogue, and the constants of the
method from the engine itself, so the page cannot drift from what was computed.

Size: most of it is the method's text, written out per setting.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count
from django.template.defaultfilters import floatformat
from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _

from indicators.models import Answer, Domain, Edition, Indicator, OfficialImport, Parameter, translated
from indicators.selectors.checks import check_share
from scoring import engine
from scoring.models import CityScore, ScoreRun, UncertaintyAnalysis


def number(value: float | Decimal) -> str:
    """A weight, point or goalpost in the active language, without trailing zeros: 1 / 0,5 (de) / 0.5 (en)."""
    exact = Decimal(str(round(float(value), 6))).normalize()
    return number_format(exact if exact.as_tuple().exponent <= 0 else exact.quantize(Decimal(1)))


def percent(share: float) -> str:
    """A share 0..1 as a percentage with one decimal: 0,667 -> "66,7 %" (de)."""
    return f"{floatformat(share * 100, 1)} %"  # rounds half up; number_format would truncate


@dataclass(frozen=True)
class Weighted:
    """A weight as used by the run and its share of its group (domains of the edition, indicators of a
    domain, parameters of an indicator)."""

    weight: float
    share: float

    @property
    def text(self) -> str:
        return f"{number(self.weight)} ({percent(self.share)})"


@dataclass
class ParameterRow:
    key: str
    name: str
    help: str
    kind: str
    kind_label: str
    scale: list[str]
    weight: Weighted
    source: str


@dataclass
class IndicatorSection:
    key: str
    name: str
    description: str
    weight: Weighted
    parameters: list[ParameterRow] = field(default_factory=list)


@dataclass
class DomainSection:
    key: str
    name: str
    weight: Weighted
    indicators: list[IndicatorSection] = field(default_factory=list)


@dataclass
class Step:
    title: str
    paragraphs: list[str]


@dataclass
class MethodologyDescription:
    settings: list[tuple[str, str]]  # (label, value) of this edition's method
    steps: list[Step]
    domains: list[DomainSection]
    parameter_count: int


def _shares(weights: list[float]) -> list[Weighted]:
    total = sum(weights)
    return [Weighted(w, w / total if total > 0 else 0.0) for w in weights]


def _label(choices, value: str) -> str:
    try:
        return str(choices(value).label)
    except ValueError:
        return value


def _scale(parameter: Parameter, used: dict) -> list[str]:
    """How the parameter's answers become points, one statement per line."""
    if parameter.kind == Parameter.Kind.YES_NO:
        return [_("ja = 1"), _("nein = 0")]
    if parameter.kind == Parameter.Kind.CHOICE:
        return [
            _("%(option)s = %(points)s")
            % {"option": translated(_Option(option), "label"), "points": number(option["points"])}
            for option in parameter.options
        ]
    lines = [_("Einheit: %(unit)s") % {"unit": parameter.unit}]
    if used["per_capita"]:
        lines.append(_("je 1.000 Einwohner"))
    lines.append(_("höher ist besser") if used["higher_is_better"] else _("niedriger ist besser"))
    low, high = parameter.min_value, parameter.max_value
    if low is not None and high is not None:
        lines.append(_("zulässige Werte: %(low)s bis %(high)s") % {"low": number(low), "high": number(high)})
    elif low is not None:
        lines.append(_("zulässige Werte: ab %(low)s") % {"low": number(low)})
    elif high is not None:
        lines.append(_("zulässige Werte: bis %(high)s") % {"high": number(high)})
    if used["goalposts"]:
        worst, best = used["goalposts"]
        lines.append(
            _("Zielwerte: %(worst)s ergibt 0, %(best)s ergibt 1") % {"worst": number(worst), "best": number(best)}
        )
    return lines


class _Option:
    def __init__(self, option: dict):
        self.label_de = option.get("label_de", option["key"])
        self.label_en = option.get("label_en", "")


def _parameter_scaling(normalisation: str, has_goalposts: bool) -> list[str]:
    z = number(engine.Z_CLIP)
    texts = {
        "minmax": _(
            "Zahlen, Prozentsätze und Anzahlen werden relativ zum Feld skaliert (Min-Max): Die beste Stadt "
            "erhält 1 Punkt, die schwächste 0 Punkte, dazwischen linear. Haben alle Städte denselben Wert, "
            "erhalten alle 1 Punkt."
        ),
        "zscore": _(
            "Zahlen, Prozentsätze und Anzahlen werden als z-Wert skaliert: der Abstand zum Mittelwert des Feldes "
            "in Standardabweichungen, begrenzt auf ±%(z)s und linear auf 0 bis 1 Punkt abgebildet; der "
            "Mittelwert des Feldes erhält 0,5 Punkte. Haben alle Städte denselben Wert, erhalten alle 1 Punkt."
        )
        % {"z": z},
        "target": _(
            "Zahlen, Prozentsätze und Anzahlen werden nach ihrem Abstand zum Zielwert skaliert: Ist ein höherer "
            "Wert besser, erhält eine Stadt Wert ÷ Zielwert Punkte, ist ein niedrigerer besser, Zielwert ÷ Wert, "
            "jeweils höchstens 1 Punkt. Zielwert ist der festgelegte beste Zielwert, sonst der beste Wert des "
            "Feldes."
        ),
    }
    paragraphs = [
        _("Ja/Nein-Fragen: ja = 1 Punkt, nein = 0 Punkte."),
        _("Auswahlfragen: Jede Option hat feste Punkte zwischen 0 und 1 (siehe unten)."),
        texts[normalisation],
        _(
            "Parameter „je 1.000 Einwohner“ werden vorher durch die Einwohnerzahl der Stadt in Tausend geteilt; "
            "bei jedem Zahlenwert ist angegeben, ob ein höherer oder ein niedrigerer Wert besser ist."
        ),
    ]
    if has_goalposts and normalisation != "target":
        paragraphs.append(
            _(
                "Wo Zielwerte festgelegt sind, ersetzen sie den schlechtesten und den besten Wert des Feldes: "
                "Der schlechteste Zielwert ergibt 0 Punkte, der beste 1 Punkt, Werte darüber hinaus werden "
                "begrenzt."
            )
        )
    return paragraphs


def _missing_data(policy: str) -> str:
    return {
        "worst": _(
            "Fehlende Daten zählen als schlechtester Wert: Ein Parameter ohne freigegebene Antwort erhält 0 Punkte."
        ),
        "exclude": _(
            "Fehlende Daten werden ausgeschlossen: Der Mittelwert eines Indikators wird über die beantworteten "
            "Parameter neu gewichtet. Hat eine Stadt in einem Indikator gar keine Antwort, zählt dieser Indikator "
            "für sie nicht, und ihr Themenbereich wird über die übrigen Indikatoren gemittelt."
        ),
        "mean": _(
            "Fehlende Daten werden durch den Mittelwert des Feldes ersetzt: Ein Parameter ohne freigegebene "
            "Antwort erhält die durchschnittlichen Punkte der Städte, die ihn beantwortet haben (0 Punkte, wenn "
            "keine Stadt ihn beantwortet hat)."
        ),
    }[policy]


def _indicator_scaling(normalisation: str) -> str:
    return {
        "minmax": _(
            "Der Indikatorwert (0 bis 100) ist wieder relativ zum Feld: Die Stadt mit dem höchsten Rohwert erhält "
            "100, die mit dem niedrigsten 0, dazwischen linear. Haben alle Städte denselben Rohwert, ist der "
            "Indikatorwert 100 × Rohwert (alle ja: 100, alle nein: 0)."
        ),
        "zscore": _(
            "Der Indikatorwert (0 bis 100) ist der z-Wert des Rohwerts im Feld, begrenzt auf ±%(z)s und linear "
            "auf 0 bis 100 abgebildet; der Mittelwert des Feldes erhält 50. Haben alle Städte denselben Rohwert, "
            "ist der Indikatorwert 100 × Rohwert."
        )
        % {"z": number(engine.Z_CLIP)},
        "target": _("Der Indikatorwert (0 bis 100) ist 100 × Rohwert: der Abstand zur vollen Punktzahl."),
    }[normalisation]


def _total(aggregation: str, domain_weights: str) -> str:
    if aggregation == "geometric":
        return _(
            "Der Gesamtindex ist das gewichtete geometrische Mittel der Themenbereiche: exp(gewichteter Mittelwert "
            "von ln(Wert + %(offset)s)) − %(offset)s. Ein Themenbereich mit 0 senkt den Gesamtwert, setzt ihn aber "
            "nicht auf 0. Gewichte: %(weights)s."
        ) % {"offset": number(engine.GEOMETRIC_OFFSET), "weights": domain_weights}
    return _("Der Gesamtindex ist das gewichtete arithmetische Mittel der Themenbereiche. Gewichte: %(weights)s.") % {
        "weights": domain_weights
    }


@dataclass
class UncertaintyDescription:
    """The robustness analysis of a run in words, from its stored settings."""

    settings: list[tuple[str, str]]  # (label, value)
    paragraphs: list[str]


def _alternatives(choices, values: list[str]) -> str:
    """The alternatives drawn from, by their labels: "z-Wert, Abstand zum Zielwert"; one alone is not varied."""
    labels = [_label(choices, value) for value in values]
    if not labels:
        return _("nicht variiert")
    if len(labels) == 1:
        return _("nicht variiert: %(value)s") % {"value": labels[0]}
    return _("je Ziehung zufällig eine von: %(values)s") % {"values": ", ".join(labels)}


def describe_uncertainty(analysis: UncertaintyAnalysis | None) -> UncertaintyDescription | None:
    """The methodology page's section on the robustness analysis of the published run; None while it is not
    computed. Everything comes from the stored analysis: draws, weight spread, alternatives and seed."""
    if analysis is None:
        return None
    alternatives = analysis.alternatives or {}
    draws = number_format(analysis.draws, force_grouping=True)
    spread = f"±{number(analysis.weight_spread * 100)} %"
    settings = [
        (_("Ziehungen (Neuberechnungen)"), draws),
        (
            _("Gewichte der Themenbereiche und Indikatoren"),
            _("je Ziehung zufällig um bis zu %(spread)s verändert") % {"spread": spread},
        ),
        (_("Normierung"), _alternatives(Edition.Normalisation, alternatives.get("normalisation", []))),
        (_("Umgang mit fehlenden Daten"), _alternatives(Edition.MissingPolicy, alternatives.get("missing_policy", []))),
        (_("Startwert des Zufallsgenerators"), str(analysis.seed)),
        (_("Berechnet am"), date_format(timezone.localtime(analysis.created_at), "DATE_FORMAT")),
    ]
    paragraphs = [
        _(
            "Ein Index beruht auf Festlegungen, die man auch anders hätte treffen können: Gewichte, Normierung, "
            "Umgang mit fehlenden Daten. Die Robustheitsanalyse zeigt, wie stark die Ränge davon abhängen: Das "
            "Ranking wurde %(draws)s-mal neu berechnet, jedes Mal mit zufällig gezogenen Gewichten (bis zu "
            "%(spread)s vom veröffentlichten Gewicht) und den unten genannten Alternativen."
        )
        % {"draws": draws, "spread": spread},
        _(
            "Die Spanne eines Rangs reicht vom 5. bis zum 95. Perzentil der Ränge der Stadt über alle Ziehungen: "
            "In neun von zehn Varianten lag ihr Rang in dieser Spanne. Der Median ist der mittlere Rang. Das "
            "Ranking zeigt die Spanne neben jedem Rang, das Profil einer Stadt zum Beispiel als „Rang 4 von 82, "
            "plausibel 3–7“, auch je Themenbereich."
        ),
        _(
            "Zwei Städte sind nicht unterscheidbar, wenn sich ihre Spannen überschneiden: Unter anderen "
            "plausiblen Festlegungen könnte jede der beiden vor der anderen liegen. Ihre Reihenfolge im "
            "offiziellen Ranking ist dann nicht belastbar. Das Profil jeder Stadt nennt die Städte, von denen sie "
            "nicht unterscheidbar ist."
        ),
        _(
            "Der offizielle Rang wird allein mit der veröffentlichten Methodik dieser Ausgabe berechnet (siehe "
            "oben). Die Robustheitsanalyse ändert ihn nicht; sie zeigt nur, wie belastbar er ist."
        ),
        _("Mit dem Startwert %(seed)s und denselben Eingaben ergibt die Analyse wieder genau dieselben Spannen.")
        % {"seed": analysis.seed},
    ]
    return UncertaintyDescription(settings=settings, paragraphs=paragraphs)


def describe(edition: Edition, run: ScoreRun, domains: list[Domain]) -> MethodologyDescription:
    """The methodology page's content for a published run; `domains` as from opendata.load_catalogue.

    Weights, directions, per-capita flags and goalposts are the run's; an item the run does not know
    (a catalogue changed behind the services' back) falls back to the catalogue's value.

    Long: one pass over the catalogue writing the page's sentences in reading order; split, each part
    would need the same lookups.
    """
    method = run.methodology
    used_parameters = method.get("parameters", {})
    domain_weights = method.get("domain_weights", {})
    indicator_weights = method.get("indicator_weights", {})

    sections = []
    parameter_count = 0
    has_goalposts = False
    for domain, domain_weight in zip(
        domains, _shares([float(domain_weights.get(d.key, d.weight)) for d in domains]), strict=True
    ):
        section = DomainSection(key=domain.key, name=domain.name, weight=domain_weight)
        indicators: list[Indicator] = domain.indicator_list
        weights = _shares([float(indicator_weights.get(i.key, i.weight)) for i in indicators])
        for indicator, indicator_weight in zip(indicators, weights, strict=True):
            block = IndicatorSection(
                key=indicator.key, name=indicator.name, description=indicator.description, weight=indicator_weight
            )
            parameters: list[Parameter] = indicator.parameter_list
            used = [
                used_parameters.get(p.key)
                or {
                    "weight": float(p.weight),
                    "per_capita": p.per_capita,
                    "higher_is_better": p.higher_is_better,
                    "goalposts": None if p.goal_best is None else [float(p.goal_worst), float(p.goal_best)],
                }
                for p in parameters
            ]
            for parameter, data, weight in zip(parameters, used, _shares([u["weight"] for u in used]), strict=True):
                has_goalposts = has_goalposts or bool(data.get("goalposts"))
                block.parameters.append(
                    ParameterRow(
                        key=parameter.key,
                        name=parameter.name,
                        help=parameter.help,
                        kind=parameter.kind,
                        kind_label=parameter.get_kind_display(),
                        scale=_scale(parameter, data),
                        weight=weight,
                        source=parameter.source,
                    )
                )
            parameter_count += len(parameters)
            section.indicators.append(block)
        sections.append(section)

    policy, normalisation, aggregation = method["missing_policy"], method["normalisation"], method["aggregation"]
    cap = number(method["bonus_cap"])
    weights_text = "; ".join(f"{s.name} {s.weight.text}" for s in sections)
    equal = len({s.weight.weight for s in sections}) <= 1
    steps = [
        Step(_("Punkte je Parameter (0 bis 1)"), _parameter_scaling(normalisation, has_goalposts)),
        Step(
            _("Fehlende Daten"),
            [
                _("Nur von der Prüfung freigegebene Antworten gehen in die Berechnung ein."),
                _missing_data(policy),
                _("Zu jedem Ergebnis wird die Datenvollständigkeit der Stadt angegeben."),
            ],
        ),
        Step(
            _("Rohwert je Indikator (0 bis 1)"),
            [_("Der Rohwert ist der gewichtete Mittelwert der Punkte seiner Parameter (Gewichte siehe unten).")],
        ),
        Step(_("Indikatorwert (0 bis 100)"), [_indicator_scaling(normalisation)]),
        Step(
            _("Wert je Themenbereich (0 bis 100)"),
            [
                _(
                    "Der Wert eines Themenbereichs ist der gewichtete Mittelwert seiner Indikatorwerte plus der "
                    "Innovationsbonus der Stadt in diesem Themenbereich (von der Prüfung vergeben, höchstens "
                    "%(cap)s Punkte), begrenzt auf 100."
                )
                % {"cap": cap}
            ],
        ),
        Step(
            _("Gesamtindex (0 bis 100)"),
            [_total(aggregation, weights_text)] + ([_("Alle Themenbereiche zählen gleich.")] if equal else []),
        ),
        Step(
            _("Rangfolge und Tendenz"),
            [
                _(
                    "Gerankt wird nach dem ungerundeten Wert, absteigend; exakt gleiche Werte teilen sich einen Rang "
                    "(1, 2, 2, 4). Angezeigt wird eine Nachkommastelle."
                ),
                _(
                    "Tendenz = Rang in der vorigen veröffentlichten Ausgabe − aktueller Rang; „neu“ steht bei "
                    "Städten, die zum ersten Mal im Index sind."
                ),
            ],
        ),
        Step(
            _("Nachvollziehbarkeit"),
            [
                _(
                    "Die veröffentlichte Berechnung speichert ihre Methodik als Daten, einen Hash ihrer Eingaben "
                    "und die Version des Rechenwegs. Mit den offenen Daten dieser Ausgabe lässt sich das Ranking "
                    "nachrechnen."
                )
            ],
        ),
    ]
    published_at = run.published_at or edition.published_at
    settings = [
        (_("Normierung"), _label(Edition.Normalisation, normalisation)),
        (_("Aggregation"), _label(Edition.Aggregation, aggregation)),
        (_("Umgang mit fehlenden Daten"), _label(Edition.MissingPolicy, policy)),
        (_("Höchster Innovationsbonus"), _("%(cap)s Punkte je Themenbereich") % {"cap": cap}),
        (_("Bewertete Städte"), number_format(run.city_count)),
        (_("Hash der Eingaben"), run.input_hash),
        (_("Version des Rechenwegs"), run.code_version),
    ]
    if published_at:
        settings.append((_("Veröffentlicht am"), date_format(timezone.localtime(published_at), "DATE_FORMAT")))
    return MethodologyDescription(settings=settings, steps=steps, domains=sections, parameter_count=parameter_count)


def describe_check_share(edition: Edition) -> str | None:
    """How many cities checked their data (issue 16's check window), as the page says it: "7 von 9 Städten (77,8 %)
    …"; None when no city had an official or researched value to check (one query)."""
    share = check_share(edition)
    if share.share is None:
        return None
    return _(
        "%(checked)s von %(total)s Städten (%(percent)s) haben alle amtlichen und recherchierten Werte über sich "
        "geprüft (bestätigt oder einen Einwand erhoben)."
    ) % {"checked": number_format(share.checked), "total": number_format(share.total), "percent": percent(share.share)}


@dataclass(frozen=True)
class OriginCount:
    """How many of the values that entered the results came from one origin (city, official source, research)."""

    kind: str  # Parameter.CollectionMode
    label: str
    count: int
    share: str  # "62,5 %"


@dataclass(frozen=True)
class OfficialSource:
    """An official file whose values entered the results: its source, file, Stand and the parameter it fed."""

    source: str
    file_name: str
    as_of: date
    parameter: str


@dataclass
class ProvenanceSummary:
    """Where the published values of an edition came from (issue 16, section 3), for its methodology page:
    the approved answers of the ranked cities by origin, and the official files behind them with their Stand.
    One place for the page's statements about the data's origin (the share of cities that checked their
    data belongs here too)."""

    total: int
    origins: list[OriginCount]
    official_sources: list[OfficialSource] = field(default_factory=list)


def provenance_summary(edition: Edition, run: ScoreRun) -> ProvenanceSummary:
    """The values that entered the published run (approved answers of the cities it ranked) counted by origin,
    every origin listed even at 0; and the official imports at least one of them came from, by source and
    Stand. Two queries."""
    entered = Answer.objects.filter(
        edition=edition,
        status=Answer.Status.APPROVED,
        city_id__in=CityScore.objects.filter(run=run).values("city_id"),
    )
    counts = dict(entered.order_by().values_list("source_kind").annotate(n=Count("pk")))
    total = sum(counts.values())
    origins = [
        OriginCount(kind=kind, label=str(label), count=counts.get(kind, 0), share=percent(counts.get(kind, 0) / total))
        if total
        else OriginCount(kind=kind, label=str(label), count=0, share=percent(0))
        for kind, label in Parameter.CollectionMode.choices
    ]
    imports = (
        OfficialImport.objects.filter(pk__in=entered.exclude(official_import=None).values("official_import_id"))
        .select_related("parameter")
        .order_by("source_name", "-as_of", "parameter__key", "pk")
    )
    sources = [
        OfficialSource(
            source=item.source_name, file_name=item.file_name, as_of=item.as_of, parameter=item.parameter.name
        )
        for item in imports
    ]
    return ProvenanceSummary(total=total, origins=origins, official_sources=sources)

"""How a city's points in an indicator came about, in sentences: each parameter against the field, from the
engine's result on the edition's frozen inputs (which reproduces the published run; computed once per run and
cached, public.simulator.run_baseline); and the number formats of those sentences, in the active language's
format."""

from __future__ import annotations

import math
from decimal import Decimal
from typing import TYPE_CHECKING

import numpy as np
from django.template.defaultfilters import floatformat
from django.utils.formats import number_format
from django.utils.translation import gettext, ngettext

from indicators.models import Answer, Edition, Indicator, Parameter
from scoring.models import IndicatorScore
from smartcity.numbers import LanguageNumbers  # (also imported from here by the city profile)

if TYPE_CHECKING:
    from public.simulator import Baseline


class PageTranslations:
    """gettext and ngettext of the active language, each message looked up once per page (the object lives for
    one page): a profile asks for the same dozen sentences some 500 times, and each lookup reads the active
    language and searches every catalogue (German, the source language, is in none)."""

    def __init__(self):
        self.found: dict[tuple, str] = {}

    def gettext(self, message: str) -> str:
        key = (message,)
        if key not in self.found:
            self.found[key] = gettext(message)
        return self.found[key]

    def ngettext(self, singular: str, plural: str, count: int) -> str:
        key = (singular, plural, count)
        if key not in self.found:
            self.found[key] = ngettext(singular, plural, count)
        return self.found[key]


def _decimal(value: float, places: int, number=number_format) -> str:
    """A number in the active language with exactly `places` decimals ("0,62" / "0.62")."""
    return number(round(float(value), places), decimal_pos=places)


def _plain(value: float, number=number_format) -> str:
    """A measured value without trailing zeros: two decimals ("12,5", "3"), three significant digits
    below 1 ("0,0049"), so small per-capita values do not all read 0."""
    value = float(value)
    places = 2 if value == 0 else max(2, 2 - math.floor(math.log10(abs(value))))
    return number(Decimal(str(round(value, places))).normalize())


def score_text(value: float) -> str:
    return floatformat(value, 1)


def _points(value: float, number=number_format) -> str:
    return _decimal(value, 2, number)


def _names(names: list[str], ngettext=ngettext) -> str:
    """One city's name, or "Bochum und 2 weitere" when several cities share the value."""
    if len(names) == 1:
        return names[0]
    others = len(names) - 1
    return ngettext("%(name)s und %(count)d weitere", "%(name)s und %(count)d weitere", others) % {
        "name": names[0],
        "count": others,
    }


class FieldData:
    """A published run's inputs and the engine's result on them, for explaining one city's points: the run's
    baseline as the simulator caches it (public.simulator.run_baseline: computed once per run and cached by run
    id and input hash), so explaining a city reads no answers of the field. One per page: its methods bind `_` to
    the page's translations (PageTranslations), the messages still written `_("…")` for makemessages."""

    def __init__(self, baseline: Baseline, city_names: dict[int, str], city_id: int, methodology: dict):
        self.inputs = baseline
        self.result = baseline.result
        city_ids = baseline.city_ids.tolist()
        self.names = [city_names.get(city_pk, "?") for city_pk in city_ids]
        self.row = city_ids.index(city_id)
        self.parameter_col = {parameter.pk: index for index, parameter in enumerate(baseline.parameters)}
        self.indicator_col = {indicator.pk: index for index, indicator in enumerate(baseline.indicators)}
        self.policy = methodology.get("missing_policy", baseline.methodology.missing_policy)
        self.normalisation = methodology.get("normalisation", baseline.methodology.normalisation)
        self.number = LanguageNumbers()
        self.translations = PageTranslations()

    def _cities_at(self, column: np.ndarray, value: float) -> str:
        return _names(
            sorted(self.names[index] for index in np.flatnonzero(column == value)), self.translations.ngettext
        )

    def points(self, parameter: Parameter) -> float | None:
        value = self.result.parameter_points[self.row, self.parameter_col[parameter.pk]]
        return None if math.isnan(value) else float(value)

    def explain_indicator(self, indicator: Indicator, stored: IndicatorScore) -> str:
        _ = self.translations.gettext
        column = self.result.indicator_score[:, self.indicator_col[indicator.pk]]
        raw_column = self.result.indicator_raw[:, self.indicator_col[indicator.pk]]
        if stored.score is None:
            return _(
                "Diese Stadt hat hier keine freigegebenen Daten; nach der Regel dieser Ausgabe zählt der "
                "Indikator für sie nicht."
            )
        present = raw_column[~np.isnan(raw_column)]
        values = {"raw": _points(stored.raw, self.number), "score": self.number.fixed(stored.score, 1)}
        if self.normalisation == Edition.Normalisation.TARGET:
            return _("Der Wert ist 100 × Rohwert: der Rohwert dieser Stadt (%(raw)s) ergibt %(score)s Punkte.") % values
        if present.min() == present.max():
            return (
                _("Alle Städte haben denselben Rohwert (%(raw)s); der Wert ist dann 100 × Rohwert = %(score)s Punkte.")
                % values
            )
        scores = column[~np.isnan(column)]
        best, worst = scores.max(), scores.min()
        return _(
            "Beste Stadt: %(best)s = %(best_score)s, schwächste Stadt: %(worst)s = %(worst_score)s; "
            "der Rohwert dieser Stadt (%(raw)s) ergibt %(score)s Punkte."
        ) % {
            **values,
            "best": self._cities_at(column, best),
            "best_score": self.number.short(best),  # a score without a needless ".0": 100, 0, 71,4
            "worst": self._cities_at(column, worst),
            "worst_score": self.number.short(worst),
        }

    def explain_parameter(self, parameter: Parameter, answer: Answer | None) -> list[str]:
        """Sentences: how the parameter turns answers into points, then what this city got."""
        _ = self.translations.gettext
        col = self.parameter_col[parameter.pk]
        if parameter.kind == Parameter.Kind.YES_NO:
            rule = _("„Ja“ ergibt 1 Punkt, „Nein“ 0 Punkte.")
        elif parameter.kind == Parameter.Kind.CHOICE:
            options = ", ".join(
                f"{parameter.option_label(option['key'])} = {_plain(option['points'], self.number)}"
                for option in parameter.options
            )
            rule = _("Punkte je Antwort: %(options)s.") % {"options": options}
        else:
            rule = self._numeric_rule(parameter, col)
        return [rule, self._city_sentence(parameter, answer, col)]

    def _scaled(self, parameter: Parameter, col: int) -> np.ndarray:
        """The field's values of a numeric parameter in its scored unit (per 1,000 inhabitants if per capita)."""
        values = self.inputs.values[:, col]
        if parameter.per_capita:
            return values / (self.inputs.population[:, col] / 1000.0)
        return values

    def _with_unit(self, parameter: Parameter, value: float) -> str:
        _ = self.translations.gettext
        if parameter.per_capita:
            return _("%(value)s %(unit)s je 1.000 Einwohner") % {
                "value": _plain(value, self.number),
                "unit": parameter.unit,
            }
        return f"{_plain(value, self.number)} {parameter.unit}".strip()

    def _numeric_rule(self, parameter: Parameter, col: int) -> str:
        _ = self.translations.gettext
        x = self._scaled(parameter, col)
        present = x[~np.isnan(x)]
        direction = "" if parameter.higher_is_better else " " + _("Niedrigere Werte sind besser.")
        if parameter.goal_best is not None and self.normalisation != Edition.Normalisation.TARGET:
            return (
                _("Feste Zielwerte: %(worst)s = 0 Punkte, %(best)s = 1 Punkt, dazwischen linear.")
                % {
                    "worst": self._with_unit(parameter, float(parameter.goal_worst)),
                    "best": self._with_unit(parameter, float(parameter.goal_best)),
                }
                + direction
            )
        if present.size == 0:
            return _("Keine Stadt hat hier einen freigegebenen Wert.")
        best = present.max() if parameter.higher_is_better else present.min()
        worst = present.min() if parameter.higher_is_better else present.max()
        if self.normalisation == Edition.Normalisation.TARGET:
            target = float(parameter.goal_best) if parameter.goal_best is not None else best
            return (
                _("Ziel: %(target)s = 1 Punkt; weniger erreichte Werte erhalten den Anteil am Ziel.")
                % {"target": self._with_unit(parameter, target)}
                + direction
            )
        if best == worst:
            return _("Alle Städte mit Angabe haben denselben Wert (%(value)s); jede erhält 1 Punkt.") % {
                "value": self._with_unit(parameter, best)
            }
        if self.normalisation == Edition.Normalisation.ZSCORE:
            return (
                _(
                    "Punkte nach dem Abstand zum Mittelwert des Feldes (%(mean)s): der Mittelwert ergibt 0,5 Punkte, "
                    "drei Standardabweichungen besser 1 Punkt, drei schlechter 0 Punkte."
                )
                % {"mean": self._with_unit(parameter, float(present.mean()))}
                + direction
            )
        return (
            _(
                "Bester Wert im Feld: %(best)s (%(best_city)s) = 1 Punkt; schwächster Wert: %(worst)s "
                "(%(worst_city)s) = 0 Punkte; dazwischen linear."
            )
            % {
                "best": self._with_unit(parameter, best),
                "best_city": self._cities_at(x, best),
                "worst": self._with_unit(parameter, worst),
                "worst_city": self._cities_at(x, worst),
            }
            + direction
        )

    def _city_sentence(self, parameter: Parameter, answer: Answer | None, col: int) -> str:
        _ = self.translations.gettext
        points = self.points(parameter)
        if answer is None or not answer.has_value:
            if self.policy == Edition.MissingPolicy.EXCLUDE:
                return _(
                    "Keine freigegebene Antwort: nach der Regel dieser Ausgabe bleibt der Parameter unberücksichtigt, "
                    "die übrigen Parameter des Indikators werden neu gewichtet."
                )
            if self.policy == Edition.MissingPolicy.MEAN:
                return _(
                    "Keine freigegebene Antwort: nach der Regel dieser Ausgabe zählt der Mittelwert des Feldes "
                    "(%(points)s Punkte)."
                ) % {"points": _points(points or 0.0, self.number)}
            return _(
                "Keine freigegebene Antwort: nach der Regel dieser Ausgabe zählt sie als schlechtester Wert (0 Punkte)."
            )
        if parameter.per_capita:
            return _("Antwort dieser Stadt: %(value)s (%(scaled)s) ergibt %(points)s Punkte.") % {
                "value": answer.display_value,
                "scaled": self._with_unit(parameter, float(self._scaled(parameter, col)[self.row])),
                "points": _points(points, self.number),
            }
        return _("Antwort dieser Stadt: %(value)s ergibt %(points)s Punkte.") % {
            "value": answer.display_value,
            "points": _points(points, self.number),
        }

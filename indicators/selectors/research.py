"""What the desk research page reads (issue 16, section 3): the editions open to research, per city what is
left to research, and one city's rows (parameters it has not answered and research parameters, with the
current value, status, source and Stand). Fixed queries whatever the size of the catalogue or the field."""

from dataclasses import dataclass, field

from django.db.models import Count, Prefetch, Q

from indicators import roles
from indicators.models import Answer, City, Edition, EvidenceFile, Parameter, catalogue_order

Mode = Parameter.CollectionMode
Status = Answer.Status


def research_editions():
    """The editions a researcher may work on (collecting or in review), the newest first."""
    return Edition.objects.open_for_work().order_by("-year")


@dataclass(frozen=True)
class ResearchCityRow:
    city: City
    open_count: int  # parameters of the city without a value (no answer, or one without a value)
    researched_count: int  # researched values, any status
    sent_back_count: int  # researched values the review sent back


def research_cities(*, user, edition: Edition, sent_back_only: bool = False) -> list[ResearchCityRow]:
    """The participating cities the user may research (not their own), with what is left open, what was
    researched and what the review sent back. Two queries."""
    researchable = Parameter.objects.filter(indicator__domain__edition=edition).exclude(collection_mode=Mode.OFFICIAL)
    parameter_count = researchable.count()
    cities = (
        City.objects.filter(participations__edition=edition)
        .exclude(pk__in=roles.member_city_ids(user))
        .annotate(
            valued=Count(
                "answers",
                filter=Q(answers__edition=edition)
                & ~Q(answers__parameter__collection_mode=Mode.OFFICIAL)
                & (
                    Q(answers__value_bool__isnull=False)
                    | ~Q(answers__value_choice="")
                    | Q(answers__value_number__isnull=False)
                ),
            ),
            researched=Count("answers", filter=Q(answers__edition=edition, answers__source_kind=Mode.RESEARCH)),
            sent_back=Count(
                "answers",
                filter=Q(
                    answers__edition=edition,
                    answers__source_kind=Mode.RESEARCH,
                    answers__status=Status.CHANGES_REQUESTED,
                ),
            ),
        )
        .order_by("name")
    )
    rows = [
        ResearchCityRow(
            city=city,
            open_count=parameter_count - city.valued,
            researched_count=city.researched,
            sent_back_count=city.sent_back,
        )
        for city in cities
    ]
    return [row for row in rows if row.sent_back_count] if sent_back_only else rows


@dataclass
class ResearchRow:
    """One parameter of the research page: the current answer (None when the city has none) and its files."""

    parameter: Parameter
    answer: Answer | None
    files: list[EvidenceFile] = field(default_factory=list)

    @property
    def is_researched(self) -> bool:
        return self.answer is not None and self.answer.source_kind == Mode.RESEARCH

    @property
    def is_sent_back(self) -> bool:
        return self.is_researched and self.answer.is_sent_back

    @property
    def may_edit(self) -> bool:
        """Not while the value is being reviewed (the service's rule; the page offers no form then)."""
        return self.answer is None or self.answer.status != Status.SUBMITTED


def research_rows(*, edition: Edition, city: City, sent_back_only: bool = False) -> list[ResearchRow]:
    """The city's rows to research in catalogue order: every research parameter, and every parameter of the
    city's questionnaire without a value of the city (no answer, an answer without a value, or a researched
    one). Never an imported value, never a value the city entered. Three queries."""
    parameters = (
        Parameter.objects.filter(indicator__domain__edition=edition)
        .exclude(collection_mode=Mode.OFFICIAL)
        .select_related("indicator__domain")
        .order_by(*catalogue_order())
    )
    answers = {
        answer.parameter_id: answer
        for answer in Answer.objects.filter(edition=edition, city=city)
        .exclude(parameter__collection_mode=Mode.OFFICIAL)
        .select_related("researched_by")
        .prefetch_related(Prefetch("evidence_files", queryset=EvidenceFile.objects.order_by("uploaded_at", "pk")))
    }
    rows = []
    for parameter in parameters:
        answer = answers.get(parameter.pk)
        if answer is not None:
            answer.parameter = parameter
            if answer.source_kind == Mode.CITY and answer.has_value:
                continue  # the city's own value: not research's
            if answer.source_kind == Mode.OFFICIAL:
                continue
        row = ResearchRow(parameter=parameter, answer=answer, files=list(answer.evidence_files.all()) if answer else [])
        if sent_back_only and not row.is_sent_back:
            continue
        rows.append(row)
    return rows

"""The portal's reads: a city's questionnaire with progress, the participations a user works on, last edition's
answers, and the lookup that answers 404 for a city the user may not see."""

from dataclasses import dataclass, field
from functools import cached_property

from django.db.models import (
    Case,
    Count,
    Exists,
    FilteredRelation,
    IntegerField,
    JSONField,
    OuterRef,
    Prefetch,
    Q,
    Subquery,
    Sum,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, JSONObject
from django.http import Http404
from django.shortcuts import get_object_or_404
from django.utils import formats
from django.utils.translation import gettext as _

from indicators import roles
from indicators.models import (
    Answer,
    AnswerCheck,
    AnswerComment,
    City,
    Domain,
    Edition,
    EvidenceFile,
    Indicator,
    Parameter,
    Participation,
    ReviewAssignment,
    catalogue_order,
    city_enters,
    progress_conditions,
)
from indicators.selectors.prepared import PreparedQuery
from indicators.selectors.review_flags import JUMP, OLD_ANSWER_FIELDS, OUTLIER, plausibility_flags

Status = Answer.Status


# The phases in which a city's staff may read their questionnaire: while working on it, and after publication.
READABLE_PHASES = (*Edition.OPEN_FOR_WORK_PHASES, *Edition.PUBLIC_PHASES)


def _participations(user, phases) -> list[Participation]:
    """The user's cities in editions of `phases`, newest edition first (one query)."""
    if not user.is_authenticated:
        return []
    return list(
        Participation.objects.filter(city__memberships__user=user, edition__phase__in=phases)
        .select_related("city", "edition")
        .order_by("-edition__year", "city__name")
        .distinct()
    )


def past_participations(user) -> list[Participation]:
    """The user's cities in published or archived editions: their questionnaires stay readable in the portal."""
    return _participations(user, Edition.PUBLIC_PHASES)


def portal_participations(user) -> list[Participation]:
    """The user's cities in editions that are collecting or in review."""
    return _participations(user, Edition.OPEN_FOR_WORK_PHASES)


@dataclass
class Progress:
    """How far a city is: counts by status over the parameters of an edition (or one domain)."""

    total: int = 0
    answered: int = 0
    draft: int = 0
    submitted: int = 0
    approved: int = 0
    changes_requested: int = 0
    missing_evidence: int = 0

    def count(self, answer: Answer | None, evidence_missing: bool) -> None:
        self.total += 1
        if answer is None or not answer.has_value:
            return
        self.answered += 1
        setattr(self, answer.status, getattr(self, answer.status) + 1)
        self.missing_evidence += evidence_missing

    def add(self, row: "ParameterRow") -> None:
        """Count the row if the city enters its value (the city's progress covers what it answers itself)."""
        if row.entered_by_city:
            self.count(row.answer, row.evidence_missing)

    def percent(self, part: int) -> int:
        return round(100 * part / self.total) if self.total else 0

    @property
    def answered_percent(self) -> int:
        return self.percent(self.answered)

    @property
    def submitted_or_approved_percent(self) -> int:
        return self.percent(self.submitted + self.approved)

    @property
    def approved_percent(self) -> int:
        return self.percent(self.approved)


@dataclass
class ParameterRow:
    """One question on the questionnaire page, with the city's answer and last edition's value. What the row
    derives from its answer and files is computed once (a row is built per request and read many times by the
    template)."""

    parameter: Parameter
    answer: Answer | None
    previous: Answer | None
    evidence_files: list[EvidenceFile] = field(default_factory=list)
    plausibility: list[str] = field(default_factory=list)  # review_flags.OUTLIER / JUMP, as reviewers see them

    @cached_property
    def status(self) -> str:
        return self.answer.status if self.answer else ""

    @property
    def is_outlier(self) -> bool:
        return OUTLIER in self.plausibility

    @property
    def is_jump(self) -> bool:
        return JUMP in self.plausibility

    @cached_property
    def entered_by_city(self) -> bool:
        """The city enters this value (services.answers.check_entered_by_city): otherwise the row is read-only
        and shows where the value comes from."""
        return city_enters(self.parameter, self.answer)

    @cached_property
    def provenance(self) -> str:
        """Where a value the city does not enter comes from, as the row shows it: "Amtliche Quelle:
        Bundesnetzagentur, Ladesäulenregister, Stand 19.07.2019", "Recherchiert: <source>"; "" for the city's
        own values. The answer's import is loaded with it (questionnaire), so no query here."""
        if self.entered_by_city:
            return ""
        answer = self.answer
        if answer is None or answer.is_entered_by_city:
            return _("%(mode)s: noch kein Wert eingetragen") % {"mode": self.parameter.get_collection_mode_display()}
        stand = (
            _(", Stand %(date)s") % {"date": formats.date_format(answer.as_of, "SHORT_DATE_FORMAT")}
            if answer.as_of
            else ""
        )
        if answer.source_kind == Parameter.CollectionMode.OFFICIAL:
            return _("Amtliche Quelle: %(source)s") % {"source": answer.official_import.source_name} + stand
        return _("Recherchiert: %(source)s") % {"source": answer.evidence_url or _("Nachweisdatei")} + stand

    @cached_property
    def checkable(self) -> bool:
        """An official or researched value with a value: the city confirms it or objects (check window)."""
        answer = self.answer
        return answer is not None and not answer.is_entered_by_city and answer.has_value

    @cached_property
    def city_check(self):
        """The city's current verdict on the value (AnswerCheck, loaded with the answer), or None."""
        return getattr(self.answer, "city_check", None) if self.checkable else None

    @property
    def is_checked(self) -> bool:
        """The city's verdict holds for the current value (a confirmation of an older value does not)."""
        check = self.city_check
        return check is not None and check.holds_for(self.answer)

    @property
    def check_outcome(self) -> str:
        """The outcome of the city's decided objection as it reads it, "" otherwise (AnswerCheck.outcome_text)."""
        check = self.city_check
        return check.outcome_text(self.answer) if check is not None else ""

    @property
    def may_check(self) -> bool:
        """The city may give (or change) its verdict: the window is open and no decided objection holds for
        the value (services.checks has the rule and its messages; this only offers the buttons)."""
        check = self.city_check
        decided = check is not None and check.is_decided and check.holds_for(self.answer)
        return self.checkable and self.answer.edition.is_check_open and not decided

    @cached_property
    def ready_to_submit(self) -> bool:
        """A draft that submit would take (Answer.incomplete_reason)."""
        return (
            self.entered_by_city
            and self.status == Answer.Status.DRAFT
            and self.answer.incomplete_reason(has_files=bool(self.evidence_files)) is None
        )

    @cached_property
    def evidence_missing(self) -> bool:
        answer = self.answer or Answer(parameter=self.parameter)  # unanswered: no URL, no file
        return answer.lacks_evidence(has_files=bool(self.evidence_files))


@dataclass(frozen=True)
class CheckProgress:
    """The city's check of official and researched values: how many of them have its verdict."""

    checked: int
    total: int
    open_objections: int


@dataclass
class IndicatorBlock:
    indicator: Indicator
    rows: list[ParameterRow]


@dataclass
class DomainBlock:
    domain: Domain
    indicators: list[IndicatorBlock]
    progress: Progress


@dataclass
class Questionnaire:
    edition: Edition
    city: City
    previous_edition: Edition | None
    domains: list[DomainBlock]
    progress: Progress

    def rows(self):
        for domain in self.domains:
            for block in domain.indicators:
                yield from block.rows

    def row(self, parameter_key: str) -> ParameterRow | None:
        return next((row for row in self.rows() if row.parameter.key == parameter_key), None)

    @property
    def check_progress(self) -> "CheckProgress":
        """The official and researched values and how many have the city's verdict holding for them."""
        rows = [row for row in self.rows() if row.checkable]
        return CheckProgress(
            checked=sum(row.is_checked for row in rows),
            total=len(rows),
            open_objections=sum(bool(row.city_check and row.city_check.is_open_objection) for row in rows),
        )

    @property
    def attention(self) -> list[ParameterRow]:
        """What needs the city first: answers sent back, then answered drafts lacking required evidence."""
        sent_back = [r for r in self.rows() if r.status == Status.CHANGES_REQUESTED]
        lacking = [
            r
            for r in self.rows()
            if r.answer
            and r.answer.has_value
            and r.evidence_missing
            and r.status in (Status.DRAFT, Status.CHANGES_REQUESTED)
        ]
        return sent_back + [r for r in lacking if r not in sent_back]


def previous_answers(*, edition: Edition | None, city: City) -> dict[str, Answer]:
    """The city's approved answers of an (earlier) edition by parameter key: last year's values (1 query). Only
    what a value is read and shown with (its columns; the parameter's kind, unit and options): the questionnaire
    reads 162 of them on every page."""
    if edition is None:
        return {}
    answers = (
        Answer.objects.filter(edition=edition, city=city, status=Status.APPROVED)
        .select_related("parameter")
        .only(*PREVIOUS_VALUE_FIELDS)
    )
    return {a.parameter.key: a for a in answers}


# What last year's value is read with: its typed value and display (Parameter.typed_value, format_value), the jump
# flag (review_flags._is_jump) and the questionnaire file's column (questionnaire_io.template.file_value): the
# fields the review queue reads last edition's answers with.
PREVIOUS_VALUE_FIELDS = OLD_ANSWER_FIELDS


# A row's evidence files in the order the row lists them.
ROW_FILES = Prefetch("evidence_files", queryset=EvidenceFile.objects.order_by("uploaded_at", "id"))


def _as_rows_show_them(answers):
    """Answers with what a row shows beside the value: the import, the city's verdict, the number of comments
    (a subquery, not Count: no GROUP BY over every selected column)."""
    comments = AnswerComment.objects.filter(answer=OuterRef("pk")).order_by().values("answer")
    return answers.select_related("official_import", "city_check").annotate(
        comment_count=Coalesce(Subquery(comments.annotate(n=Count("pk")).values("n")), 0)
    )


def _row_answers(*, edition: Edition, city: City):
    """The city's answers as a row shows them, with their evidence files (2 queries)."""
    return _as_rows_show_them(Answer.objects.filter(edition=edition, city=city)).prefetch_related(ROW_FILES)


def _row(
    parameter: Parameter,
    answer: Answer | None,
    previous: Answer | None,
    city: City,
    edition: Edition,
    evidence_files: list[EvidenceFile] | None = None,
) -> ParameterRow:
    """A row of the answer; its evidence files as prefetched (`_row_answers`) unless given."""
    if answer is not None:
        answer.parameter, answer.city, answer.edition = parameter, city, edition  # no query per answer
    if evidence_files is None:
        evidence_files = list(answer.evidence_files.all()) if answer else []
    return ParameterRow(parameter=parameter, answer=answer, previous=previous, evidence_files=evidence_files)


def _flag(rows: list[ParameterRow], *, stored_outliers: bool = False) -> None:
    """The reviewers' plausibility flags on the rows' answers (1 query, 2 with a per-capita parameter; none with
    the outliers as stored: review_flags.plausibility_flags)."""
    rows = [row for row in rows if row.answer is not None]
    flags = plausibility_flags([(row.answer, row.previous) for row in rows], stored_outliers=stored_outliers)
    for row in rows:
        row.plausibility = flags.get(row.answer.pk, [])


def questionnaire(*, edition: Edition, city: City) -> Questionnaire:
    """The whole questionnaire of a city in 6 queries, whatever the number of parameters.

    Last edition's values are the city's approved answers to parameters with the same key.
    """
    domains = list(
        Domain.objects.filter(edition=edition)
        .order_by("position", "id")
        .prefetch_related(
            Prefetch("indicators", queryset=Indicator.objects.order_by("position", "id")),
            Prefetch("indicators__parameters", queryset=Parameter.objects.order_by("position", "id")),
        )
    )
    answers = {a.parameter_id: a for a in _row_answers(edition=edition, city=city)}
    before = edition.previous()
    previous = previous_answers(edition=before, city=city)
    blocks, overall = [], Progress()
    for domain in domains:
        progress, indicator_blocks = Progress(), []
        for indicator in domain.indicators.all():
            rows = []
            for parameter in indicator.parameters.all():
                row = _row(parameter, answers.get(parameter.pk), previous.get(parameter.key), city, edition)
                progress.add(row)
                overall.add(row)
                rows.append(row)
            indicator_blocks.append(IndicatorBlock(indicator=indicator, rows=rows))
        blocks.append(DomainBlock(domain=domain, indicators=indicator_blocks, progress=progress))
    data = Questionnaire(edition=edition, city=city, previous_edition=before, domains=blocks, progress=overall)
    # The outliers as stored, the reviewers' own flags: refreshed after every change of the parameter's field
    # (review_flags_refresh_task), so a reload shows what the row showed when it was saved.
    _flag(list(data.rows()), stored_outliers=True)
    return data


@dataclass
class QuestionnaireRow:
    """One row of the questionnaire and the city's overall progress: what an answer row's partial shows after a
    save, without the rest of the questionnaire."""

    row: ParameterRow
    progress: Progress
    previous_edition: Edition | None


def questionnaire_row(*, edition: Edition, city: City, parameter: Parameter) -> QuestionnaireRow:
    """The row of `parameter` exactly as `questionnaire` builds it (answer, last year's value, evidence files,
    comment count, verdict, plausibility flags) and the overall progress, whatever the number of parameters:
    2 queries (this year's and last year's answer in one, each carrying the progress as a scalar subquery whose
    SQL is compiled once, PROGRESS_COUNTS; the field of the outlier flag), one more when the answer has evidence
    files, one more for a per-capita parameter's population figures, one more for the progress when the city has
    neither answer."""
    answers = list(
        _as_rows_show_them(
            Answer.objects.filter(city=city).filter(
                Q(parameter=parameter)
                | Q(parameter__in=edition.previous_parameters(parameter.key), status=Status.APPROVED)
            )
        )
        .select_related("edition", "parameter")  # last year's, shown with its edition's year
        .annotate(
            has_files=Exists(EvidenceFile.objects.filter(answer=OuterRef("pk"))),
            progress_counts=RawSQL(*PROGRESS_COUNTS.sql(edition=edition.pk, city=city.pk), output_field=JSONField()),
        )
    )
    answer = next((a for a in answers if a.parameter_id == parameter.pk), None)
    previous = next((a for a in answers if a.parameter_id != parameter.pk), None)
    # The files only where there are any (Exists above).
    files = list(ROW_FILES.queryset.filter(answer=answer)) if answer is not None and answer.has_files else []
    row = _row(parameter, answer, previous, city, edition, evidence_files=files)
    _flag([row])
    progress = (
        _progress_of(answers[0].progress_counts) if answers else questionnaire_progress(edition=edition, city=city)
    )
    return QuestionnaireRow(
        row=row,
        progress=progress,
        previous_edition=previous.edition if previous else None,  # shown only beside last year's value
    )


def _progress_counts(*, edition: Edition | int, city: City | int):
    """The city's overall progress as one row of one column, a JSON object of Progress's counts (a scalar
    subquery for the row's query): every parameter of the edition with the city's answer to it (a left join)
    and whether that answer has files, counted by the rules of Progress.add as SQL conditions
    (models.progress_conditions)."""
    rule = progress_conditions("city_answer", has_files="files_exist")
    answered = rule["answered"]

    def rows_where(condition: Q) -> Coalesce:  # 0, not NULL, over an edition without parameters
        return Coalesce(Sum(Case(When(condition, then=Value(1)), default=Value(0), output_field=IntegerField())), 0)

    counts = {
        "total": rows_where(rule["counted"]),
        "answered": rows_where(answered),
        "missing_evidence": rows_where(answered & rule["lacks_evidence"]),
        **{status: rows_where(answered & Q(city_answer__status=status)) for status in Status.values},
    }
    return (
        Parameter.objects.filter(indicator__domain__edition=edition)
        .annotate(
            city_answer=FilteredRelation("answers", condition=Q(answers__city=city)),
            files_exist=Exists(EvidenceFile.objects.filter(answer=OuterRef("city_answer__id"))),
        )
        .order_by()
        .values(one_group=Value(1))  # a constant: no GROUP BY, one row over all parameters
        .values(counts=JSONObject(**counts))
    )


# Built and compiled once per database (its ~2 ms of compiling were a tenth of the autosave), the ids bound per row.
PROGRESS_COUNTS = PreparedQuery(_progress_counts, "edition", "city")


def _progress_of(counts: dict[str, int]) -> Progress:
    return Progress(**{name: int(counts[name]) for name in counts})


def questionnaire_progress(*, edition: Edition, city: City) -> Progress:
    """The city's overall progress as `questionnaire` counts it, counted in the database in one query
    (`_progress_counts`). The ORM's compiling, not the database, is what such a count costs; the autosave's row
    therefore reads it as a subquery of its own query, compiled once (`questionnaire_row`, PROGRESS_COUNTS)."""
    return _progress_of(_progress_counts(edition=edition, city=city).get()["counts"])


@dataclass
class BoardRow:
    """One city's state in an edition, for the editors' board."""

    participation: Participation
    draft: int = 0
    submitted: int = 0
    approved: int = 0
    changes_requested: int = 0
    total: int = 0

    @property
    def missing(self) -> int:
        return self.total - self.draft - self.submitted - self.approved - self.changes_requested

    @property
    def approved_share(self) -> float:
        """Approved answers as a share of the edition's parameters (what the score run can use), 0..1."""
        return self.approved / self.total if self.total else 0.0

    @property
    def approved_percent(self) -> int:
        return round(100 * self.approved_share)


@dataclass
class ReviewerLoad:
    """One reviewer's share of an edition: the cities (and domains) assigned, and the answers waiting."""

    reviewer: object
    assignments: list
    open: int = 0


def reviewer_loads(edition: Edition) -> list[ReviewerLoad]:
    """Per assigned reviewer: their assignments and the submitted answers in them, most open first
    (2 queries)."""
    assignments = list(ReviewAssignment.objects.filter(edition=edition).select_related("reviewer", "city", "domain"))
    waiting: dict[tuple[int, int], int] = {
        (row["city_id"], row["parameter__indicator__domain_id"]): row["n"]
        for row in Answer.objects.filter(edition=edition, status=Status.SUBMITTED)
        .values("city_id", "parameter__indicator__domain_id")
        .annotate(n=Count("id"))
    }
    loads: dict[int, ReviewerLoad] = {}
    for assignment in assignments:
        load = loads.setdefault(assignment.reviewer_id, ReviewerLoad(reviewer=assignment.reviewer, assignments=[]))
        load.assignments.append(assignment)
        load.open += sum(
            n
            for (city_id, domain_id), n in waiting.items()
            if city_id == assignment.city_id and assignment.domain_id in (None, domain_id)
        )
    return sorted(loads.values(), key=lambda load: (-load.open, str(load.reviewer)))


def edition_board(edition: Edition) -> list[BoardRow]:
    """For every participating city: answers by status, unanswered parameters, sign-off (3 queries)."""
    total = Parameter.objects.filter(indicator__domain__edition=edition).count()
    counts = {
        row["city_id"]: row
        for row in Answer.objects.filter(edition=edition)
        .values("city_id")
        .annotate(**{status: Count("id", filter=Q(status=status)) for status in Status.values})
    }
    rows = []
    for participation in Participation.objects.filter(edition=edition).select_related("city", "signed_off_by"):
        found = counts.get(participation.city_id, {})
        rows.append(BoardRow(participation=participation, total=total, **{s: found.get(s, 0) for s in Status.values}))
    return sorted(rows, key=lambda row: row.participation.city.name)


@dataclass
class PublishOverview:
    """What is still open in an edition before it is published (for the editors' confirmation page)."""

    submitted: int
    changes_requested: int
    without_sign_off: list[City]
    rows: list[BoardRow]  # every city, the lowest share of approved answers first
    open_comments: int  # comments on answers not decided yet (submitted or sent back)
    open_objections: list = field(default_factory=list)  # the cities' objections no reviewer has decided yet


def open_objections(edition: Edition) -> list:
    """The cities' objections in the edition that no reviewer has decided yet, by city and catalogue order,
    with answer, city and parameter (one query)."""
    return list(
        AnswerCheck.objects.filter(
            answer__edition=edition, verdict=AnswerCheck.Verdict.OBJECTED, outcome=AnswerCheck.Outcome.OPEN
        )
        .select_related("answer__city", "answer__parameter")
        .order_by("answer__city__name", *catalogue_order("answer__parameter__"))
    )


def publish_overview(edition: Edition) -> PublishOverview:
    """Answers still submitted or sent back, cities without sign-off, completeness per city (lowest first),
    comments on undecided answers and the cities' open objections (5 queries, any number of cities)."""
    rows = edition_board(edition)
    rows.sort(key=lambda row: (row.approved_share, row.participation.city.name))
    open_comments = AnswerComment.objects.filter(
        answer__edition=edition, answer__status__in=(Status.SUBMITTED, Status.CHANGES_REQUESTED)
    ).count()
    return PublishOverview(
        submitted=sum(row.submitted for row in rows),
        changes_requested=sum(row.changes_requested for row in rows),
        without_sign_off=[row.participation.city for row in rows if row.participation.signed_off_at is None],
        rows=rows,
        open_comments=open_comments,
        open_objections=open_objections(edition),
    )


def answer_history(answer: Answer) -> list:
    """The answer's audit records, newest first, each with its value formatted (one query)."""
    parameter = answer.parameter
    records = list(answer.history.select_related("history_user").order_by("-history_date", "-history_id"))
    for record in records:
        record.display_value = parameter.format_value(parameter.typed_value(record))
    return records


def questionnaire_or_404(*, user, city_slug: str, year: int, read_only: bool = False) -> tuple[City, Edition]:
    """The city and edition if the user works for the city and the edition is open to the portal; 404
    otherwise, so other cities cannot be probed (portal views and the workspace API).

    `read_only` (pages that only show): also a published or archived edition the city took part in, so a
    city keeps its own questionnaire, history and comments after publication (the services refuse writes)."""
    phases = READABLE_PHASES if read_only else Edition.OPEN_FOR_WORK_PHASES
    participation = (
        Participation.objects.select_related("city", "edition")
        .filter(city__slug=city_slug, edition__year=year, edition__phase__in=phases, city__memberships__user=user)
        .first()
    )
    if participation is None:
        raise Http404
    roles.note_member_of(user, participation.city_id)  # read by the query above: the services ask no more
    return participation.city, participation.edition


def parameter_or_404(edition: Edition, key: str) -> Parameter:
    """The edition's parameter with `key`, with its indicator, domain and (the given) edition."""
    parameter = get_object_or_404(
        Parameter.objects.select_related("indicator__domain"), indicator__domain__edition=edition, key=key
    )
    parameter.indicator.domain.edition = edition  # the one it was looked up in: no query for it
    return parameter

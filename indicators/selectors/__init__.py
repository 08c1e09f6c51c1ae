"""Reads of indicators with a fixed number of queries: the portal's (portal.py: questionnaires, participations,
last edition's answers, the permission-scoped lookup) and the review flags (review_flags.py).

The package re-exports portal's names (`selectors.questionnaire(...)`); review flags are imported from their module."""

from indicators.selectors.portal import (
    READABLE_PHASES,
    BoardRow,
    DomainBlock,
    IndicatorBlock,
    ParameterRow,
    Progress,
    PublishOverview,
    Questionnaire,
    answer_history,
    edition_board,
    open_objections,
    parameter_or_404,
    past_participations,
    portal_participations,
    previous_answers,
    publish_overview,
    questionnaire,
    questionnaire_or_404,
    reviewer_loads,
)

__all__ = [
    "BoardRow",
    "DomainBlock",
    "IndicatorBlock",
    "ParameterRow",
    "PublishOverview",
    "Progress",
    "Questionnaire",
    "READABLE_PHASES",
    "answer_history",
    "edition_board",
    "open_objections",
    "parameter_or_404",
    "publish_overview",
    "past_participations",
    "portal_participations",
    "previous_answers",
    "questionnaire",
    "questionnaire_or_404",
    "reviewer_loads",
]

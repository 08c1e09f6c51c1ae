"""Catalogue (editions, domains, indicators, parameters), cities, memberships and answers.

The package re-exports its modules' public names (`from indicators.models import ...` keeps working)."""

from indicators.models.answers import (
    ANSWER_FLAG_FIELDS,
    EVIDENCE_FOLDER,
    SOURCE_KIND_CODES,
    Answer,
    AnswerComment,
    EvidenceFile,
    city_enters,
    evidence_upload_to,
    private_evidence_storage,
    progress_conditions,
    public_provenance,
)
from indicators.models.assignments import ReviewAssignment
from indicators.models.catalogue import (
    WEIGHT_FIELD,
    Domain,
    Edition,
    EditionQuerySet,
    Indicator,
    Parameter,
    Translated,
    catalogue_order,
    months_before,
    plain_number,
    translated,
)
from indicators.models.checks import AnswerCheck, answer_value_key
from indicators.models.cities import City, CityMembership, Participation, ResearchCity, StaffInvitation
from indicators.models.notifications import Notification
from indicators.models.official import OFFICIAL_FOLDER, OFFICIAL_PENDING_FOLDER, OfficialImport
from indicators.models.population import PopulationFigure
from indicators.models.projects import InnovationProject

__all__ = [
    "ANSWER_FLAG_FIELDS",
    "AnswerCheck",
    "answer_value_key",
    "ReviewAssignment",
    "catalogue_order",
    "city_enters",
    "progress_conditions",
    "months_before",
    "Answer",
    "AnswerComment",
    "City",
    "CityMembership",
    "Domain",
    "Edition",
    "EditionQuerySet",
    "EvidenceFile",
    "Indicator",
    "InnovationProject",
    "Notification",
    "OFFICIAL_FOLDER",
    "OFFICIAL_PENDING_FOLDER",
    "OfficialImport",
    "Parameter",
    "Participation",
    "ResearchCity",
    "PopulationFigure",
    "StaffInvitation",
    "Translated",
    "WEIGHT_FIELD",
    "evidence_upload_to",
    "EVIDENCE_FOLDER",
    "SOURCE_KIND_CODES",
    "public_provenance",
    "plain_number",
    "private_evidence_storage",
    "translated",
]

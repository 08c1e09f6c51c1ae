"""The indicators admin, one module per area: catalogue, people (cities, participations, memberships,
invitations), review (the review queue), projects (innovation projects and bonuses), notifications (the
outbox, read-only), official (the imports), research (the desk research page "Recherche"). Importing the
package registers them all; it re-exports their classes."""

from indicators.admin import assignments, notifications  # noqa: F401  (register their admins)
from indicators.admin.catalogue import CatalogueAdmin, CatalogueItemForm, DomainAdmin, IndicatorAdmin, ParameterAdmin
from indicators.admin.official import OfficialImportAdmin
from indicators.admin.people import CityAdmin, CityMembershipAdmin, ParticipationAdmin, StaffInvitationAdmin
from indicators.admin.population import PopulationFigureAdmin
from indicators.admin.projects import BonusForm, InnovationProjectAdmin
from indicators.admin.research import ResearchAdmin
from indicators.admin.review import (
    AnswerAdmin,
    AnswerChangeList,
    EvidenceFileInline,
    FlagFilter,
    RequestChangesForm,
    format_change,
)

__all__ = [
    "AnswerAdmin",
    "AnswerChangeList",
    "BonusForm",
    "CatalogueAdmin",
    "CatalogueItemForm",
    "CityAdmin",
    "CityMembershipAdmin",
    "DomainAdmin",
    "EvidenceFileInline",
    "FlagFilter",
    "IndicatorAdmin",
    "InnovationProjectAdmin",
    "OfficialImportAdmin",
    "ParameterAdmin",
    "ParticipationAdmin",
    "PopulationFigureAdmin",
    "RequestChangesForm",
    "ResearchAdmin",
    "StaffInvitationAdmin",
    "format_change",
]

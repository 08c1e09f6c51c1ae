"""Score runs: load an edition's approved inputs, run the engine, store results; publish an edition;
analyse a run's rank uncertainty.

The package re-exports its modules' public names (`from scoring.services import ...` keeps working)."""

from scoring.services.public_pages import public_pages_reconcile, public_pages_refresh, published_fingerprint
from scoring.services.publish import edition_publish
from scoring.services.runs import current_run, scores_recompute
from scoring.services.uncertainty import UNCERTAINTY_ANALYSE_TASK, uncertainty_analyse, uncertainty_analyse_enqueue

__all__ = [
    "UNCERTAINTY_ANALYSE_TASK",
    "current_run",
    "edition_publish",
    "public_pages_reconcile",
    "public_pages_refresh",
    "published_fingerprint",
    "scores_recompute",
    "uncertainty_analyse",
    "uncertainty_analyse_enqueue",
]

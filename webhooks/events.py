"""The events the workflow emits to webhooks and their payloads (the contract with the receivers).

Each function is called inside the transaction of the change it reports (indicators.services,
scoring.services) and only reads the objects it is given, so webhooks never import those services.
Unpublished scores never leave the system: scores.recomputed carries counts and the hash only.
"""

from django.conf import settings
from django.urls import reverse
from django.utils import timezone, translation

from webhooks.models import WebhookDelivery, WebhookEvent
from webhooks.services import webhook_event


def answer_status_changed(answer, *, old_status: str) -> list[WebhookDelivery]:
    """An answer moved from `old_status` to its current status (review decision, submission, edit)."""
    if answer.status == old_status:
        return []
    return webhook_event(
        WebhookEvent.ANSWER_STATUS_CHANGED,
        lambda: {
            "answer_id": answer.pk,
            "edition": answer.edition.year,
            "city": answer.city.slug,
            "parameter": answer.parameter.key,
            "old_status": str(old_status),
            "new_status": str(answer.status),
            "at": timezone.now(),
        },
    )


def scores_recomputed(run) -> list[WebhookDelivery]:
    """A new score run of an edition was stored (identifiers and counts, never the scores)."""
    return webhook_event(
        WebhookEvent.SCORES_RECOMPUTED,
        lambda: {
            "edition": run.edition.year,
            "run_id": run.pk,
            "input_hash": run.input_hash,
            "city_count": run.city_count,
            "approved_answer_count": run.approved_answer_count,
            "at": run.created_at,
        },
    )


def edition_published(run) -> list[WebhookDelivery]:
    """An edition was published with `run` (its frozen results); links to the public pages."""

    def payload() -> dict:
        year = run.edition.year
        site = settings.SITE_URL.rstrip("/")
        with translation.override(settings.LANGUAGE_CODE):  # the default language has no URL prefix
            ranking = reverse("public:ranking", args=[year])
            results = reverse("public:open_data_file", kwargs={"year": year, "dataset": "results", "fmt": "json"})
        return {
            "edition": year,
            "run_id": run.pk,
            "published_at": run.published_at,
            "ranking_url": site + ranking,
            "results_url": site + results,
        }

    return webhook_event(WebhookEvent.EDITION_PUBLISHED, payload)

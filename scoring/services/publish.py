"""Publishing an edition: its current run frozen and the edition moved to "published" in one
transaction, then the public page cache dropped and the analysis requested (both caught up by the
reconcile when lost)."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from indicators import roles
from indicators.models import Answer, Edition
from indicators.selectors import open_objections
from scoring.models import ScoreRun, UncertaintyAnalysis
from scoring.services.public_pages import public_pages_refresh
from scoring.services.runs import scores_recompute
from scoring.services.uncertainty import uncertainty_analyse_enqueue
from webhooks import events as webhook_events


@transaction.atomic
def edition_publish(*, user, edition: Edition, reason: str = "") -> ScoreRun:
    """Freeze the edition's results: recompute from approved answers, mark the run published, publish.

    Refuses while answers are still submitted but unreviewed, or cities' objections to values are still open
    (issue 16's check window), unless the editor gives a reason (stored on the run, with both counts). Holds
    the edition's row lock throughout, so no answer can be approved between the run and the freeze.
    """
    if not roles.is_editor(user):
        raise PermissionDenied(_("Nur die Redaktion kann eine Ausgabe veröffentlichen."))
    edition = Edition.objects.select_for_update().get(pk=edition.pk)
    if edition.phase != Edition.Phase.REVIEW:
        raise ValidationError(_("Nur eine Ausgabe in der Prüfung kann veröffentlicht werden."))
    pending = Answer.objects.filter(edition=edition, status=Answer.Status.SUBMITTED).count()
    if pending and not reason.strip():
        raise ValidationError(
            _(
                "%(count)d Antworten sind eingereicht, aber noch nicht geprüft. Bitte geben Sie einen Grund an, "
                "um trotzdem zu veröffentlichen."
            )
            % {"count": pending}
        )
    objections = len(open_objections(edition))
    if objections and not reason.strip():
        raise ValidationError(
            _(
                "%(count)d Einwände von Städten sind noch nicht entschieden. Bitte geben Sie einen Grund an, "
                "um trotzdem zu veröffentlichen."
            )
            % {"count": objections}
        )
    run, created = scores_recompute(edition=edition)
    if run is None:
        raise ValidationError(_("Für diese Ausgabe gibt es noch keine Ergebnisse."))
    edition.move_to(Edition.Phase.PUBLISHED, user=user, reason=reason)
    ScoreRun.objects.filter(pk=run.pk).update(
        is_published=True,
        published_at=timezone.now(),
        unreviewed_at_publish=pending,
        objections_open_at_publish=objections,
        publish_reason=reason.strip() if pending or objections else "",
    )
    run.refresh_from_db()
    # After commit: the public pages show the new results at once, and the analysis is requested (a new run
    # has requested its own). Lost with the process (killed after the commit) or the broker, both are caught
    # up by scores_reconcile: a published run without its analysis, a cache cleared for older data.
    transaction.on_commit(public_pages_refresh)
    if not created and not UncertaintyAnalysis.objects.filter(run=run).exists():
        transaction.on_commit(lambda: uncertainty_analyse_enqueue(run.pk))
    webhook_events.edition_published(run)
    return run

"""What models and services share about a write: the workflow error and the audit-row annotation."""

from django.core.exceptions import ValidationError


class WorkflowError(ValidationError):
    """An illegal transition or a write the edition's phase does not allow."""


def record_history(instance, *, user, reason: str) -> None:
    """Name who makes the change and why, for the audit row django-simple-history writes when `instance`
    is saved or deleted in the same transaction."""
    instance._history_user = user
    instance._change_reason = reason[:100]

"""The comment thread on an answer, shared by the city's staff and the reviewers."""

from django.core.exceptions import PermissionDenied, ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from indicators import roles
from indicators.models import Answer, AnswerComment

COMMENT_MAX_CHARS = AnswerComment._meta.get_field("body").max_length


def answer_comments(answer: Answer) -> list[AnswerComment]:
    """The thread, oldest first, with the authors (one query)."""
    return list(answer.comments.select_related("author"))


@transaction.atomic
def answer_comment_add(*, user, answer: Answer, body: str) -> AnswerComment:
    """Append a comment by someone who may see the answer (its city's staff, reviewers, editors).

    Published or archived editions are frozen: their threads are closed."""
    answer = Answer.objects.select_related("edition").get(pk=answer.pk)
    if not roles.may_see_answer(user, answer):
        raise PermissionDenied(_("Sie können diese Antwort nicht kommentieren."))
    if answer.edition.is_public:
        raise ValidationError(_("Die Ausgabe ist veröffentlicht; Kommentare sind geschlossen."))
    comment = AnswerComment(answer=answer, author=user, body=(body or "").strip())
    if not comment.body:
        raise ValidationError({"body": _("Bitte schreiben Sie einen Kommentar.")})
    comment.full_clean()
    comment.save()
    return comment

"""The protected download of evidence files: only for those allowed to see the answer, never a public URL."""

import logging

from django.http import FileResponse, Http404
from django.utils.cache import patch_cache_control
from django.views.decorators.http import require_safe

from indicators import roles
from indicators.models import AnswerCheck, EvidenceFile
from indicators.services.evidence import INLINE_TYPES, evidence_file_is_public, evidence_file_may_view, evidence_storage

logger = logging.getLogger(__name__)

# A downloaded file can do nothing in the browser even if it were opened: no scripts, no loads.
DOWNLOAD_CSP = "default-src 'none'; sandbox"
# Inline images (previews embedded in our own pages): as locked down, but frameable by us.
INLINE_IMAGE_CSP = "default-src 'none'; sandbox; frame-ancestors 'self'"
# Inline PDFs: browsers refuse to run their PDF viewer in a sandboxed document (Chromium shows
# "blocked", Firefox and Safari a blank page), so no `sandbox` here; the viewer's own styles need
# 'unsafe-inline'. The content was verified to be a PDF and is sent as application/pdf with nosniff.
INLINE_PDF_CSP = "default-src 'none'; style-src 'unsafe-inline'; frame-ancestors 'self'"
# How long browsers and proxies may keep a file of a published edition (its data is frozen).
PUBLIC_MAX_AGE = 3600


def _open_or_404(name: str, what: str):
    """The stored file opened for reading; a file missing in storage is logged for the operators and a 404."""
    try:
        return evidence_storage().open(name, "rb")
    except OSError:
        logger.error("%s is missing in storage (%s).", what, name)
        raise Http404 from None


@require_safe
def evidence_file_download(request, pk: int):
    """Stream an evidence file to someone who may see its answer; 404 for everybody else.

    404 rather than 403, so nobody can find out which ids exist. `?inline=1` shows a PDF or image in
    the browser (reviewers' previews); every other type, and every request without it, is a download.
    """
    evidence = EvidenceFile.objects.select_related("answer__edition").filter(pk=pk).first()
    if evidence is None or not evidence_file_may_view(request.user, evidence):
        raise Http404
    handle = _open_or_404(evidence.file.name, f"Evidence file {evidence.pk}")
    inline = request.GET.get("inline") == "1" and evidence.content_type in INLINE_TYPES
    response = FileResponse(
        handle, as_attachment=not inline, filename=evidence.original_name, content_type=evidence.content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    if not inline:
        response["Content-Security-Policy"] = DOWNLOAD_CSP
    else:
        pdf = evidence.content_type == "application/pdf"
        response["Content-Security-Policy"] = INLINE_PDF_CSP if pdf else INLINE_IMAGE_CSP
        response["X-Frame-Options"] = "SAMEORIGIN"  # the middleware's DENY would block our own preview frame
    if evidence_file_is_public(evidence):
        patch_cache_control(response, public=True, max_age=PUBLIC_MAX_AGE)
    else:
        patch_cache_control(response, private=True, no_store=True)
    return response


@require_safe
def check_file_download(request, pk: int):
    """The file a city attached to its objection: for the city's staff, reviewers and editors (roles.may_see_answer),
    never public, always a download; 404 for everybody else."""
    check = AnswerCheck.objects.select_related("answer").filter(pk=pk).exclude(evidence_file="").first()
    if check is None or not roles.may_see_answer(request.user, check.answer):
        raise Http404
    handle = _open_or_404(check.evidence_file.name, f"Objection file {check.pk}")
    response = FileResponse(
        handle, as_attachment=True, filename=check.evidence_name, content_type=check.evidence_content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Content-Security-Policy"] = DOWNLOAD_CSP
    patch_cache_control(response, private=True, no_store=True)
    return response

"""The legal pages: Impressum (§ 5 DDG), privacy notice (Art. 13 DSGVO), accessibility statement (BITV 2.0 § 7)
with its feedback form. Their operator-specific facts come from settings (public/legal.py)."""

from django.conf import settings
from django.shortcuts import redirect, render
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_http_methods

from public import feedback, legal
from public.forms import AccessibilityFeedbackForm
from public.models import ANSWER_WITHIN

RATE_LIMITED = _(
    "Sie haben in dieser Stunde schon mehrere Nachrichten gesendet. Bitte versuchen Sie es später noch einmal oder "
    "schreiben Sie eine E-Mail."
)


def impressum_view(request):
    return render(request, "public/legal/impressum.html", {"operator": legal.operator()})


def privacy_view(request):
    return render(
        request,
        "public/legal/privacy.html",
        {
            "operator": legal.operator(),
            "cookies": legal.cookies(),
            "session_policies": settings.SESSION_POLICIES,
            "axes_cooloff_minutes": round(settings.AXES_COOLOFF_TIME * 60),
            "feedback_per_hour": settings.ACCESSIBILITY_FEEDBACK_PER_HOUR,
        },
    )


@require_http_methods(["GET", "HEAD", "POST"])
def accessibility_view(request):
    """The accessibility statement; a valid feedback is stored, mailed (outbox) and confirmed on its own page,
    an invalid one (or one over the hourly limit) is shown again with the message, and nothing is stored."""
    form = AccessibilityFeedbackForm(request.POST or None, initial={"page_url": request.GET.get("seite", "")})
    status = 200
    if request.method == "POST":
        if form.is_valid() and feedback.feedback_rate_limited(request):
            form.add_error(None, RATE_LIMITED)
            status = 429
        elif form.is_valid():
            data = form.cleaned_data
            feedback.feedback_submit(
                name=data["name"], email=data["email"], message=data["message"], page_url=data["page_url"]
            )
            return redirect("public:accessibility_thanks")
        else:
            status = 400
    return render(
        request,
        "public/legal/accessibility.html",
        {
            "operator": legal.operator(),
            "gaps": legal.accessibility_gaps(),
            "conformance": settings.ACCESSIBILITY_CONFORMANCE,
            "statement_date": settings.ACCESSIBILITY_STATEMENT_DATE,
            "feedback_email": settings.ACCESSIBILITY_FEEDBACK_EMAIL,
            "conciliation_body": settings.ACCESSIBILITY_CONCILIATION_BODY,
            "conciliation_url": settings.ACCESSIBILITY_CONCILIATION_URL,
            "answer_days": ANSWER_WITHIN.days,
            "form": form,
        },
        status=status,
    )


def accessibility_thanks_view(request):
    return render(
        request,
        "public/legal/accessibility_thanks.html",
        {"answer_days": ANSWER_WITHIN.days, "feedback_email": settings.ACCESSIBILITY_FEEDBACK_EMAIL},
    )

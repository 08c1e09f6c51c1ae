"""Personal API tokens in the web UI: the user's own tokens, creating one (shown once), revoking one.

Thin views: a token of another user is a 404 (no probing), the services do the writes.
"""

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.shortcuts import get_object_or_404, redirect, render
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from api import services
from api.forms import ApiTokenForm
from api.models import ApiToken


def _render_list(request, form: ApiTokenForm, *, status: int = 200):
    tokens = ApiToken.objects.filter(user=request.user)
    return render(request, "api/tokens.html", {"tokens": tokens, "form": form}, status=status)


@login_required
@require_GET
def token_list(request):
    return _render_list(request, ApiTokenForm())


@never_cache  # the page holds the raw token: neither the browser nor a proxy may keep it
@login_required
@require_POST
def token_create(request):
    """Create a token and show it on this response only. No redirect: a redirect would need the raw
    token in the session, i.e. in the database; reloading this page asks to send the form again."""
    form = ApiTokenForm(request.POST)
    if not form.is_valid():
        return _render_list(request, form, status=400)
    try:
        token, raw = services.api_token_create(
            user=request.user, name=form.cleaned_data["name"], scope=form.cleaned_data["scope"]
        )
    except ValidationError as error:
        for field, field_errors in error.message_dict.items():
            form.add_error(field if field in form.fields else None, field_errors)
        return _render_list(request, form, status=400)
    return render(request, "api/token_created.html", {"token": token, "raw": raw})


@login_required
@require_http_methods(["GET", "POST"])
def token_revoke(request, pk: int):
    """GET asks for confirmation, POST revokes. Only the user's own tokens exist here (404 otherwise)."""
    token = get_object_or_404(ApiToken, pk=pk, user=request.user)
    if request.method == "POST":
        services.api_token_revoke(user=request.user, token=token)
        messages.success(request, _("Das Token „%(name)s“ wurde widerrufen.") % {"name": token.name})
        return redirect("tokens:list")
    return render(request, "api/token_revoke.html", {"token": token})

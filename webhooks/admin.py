"""Admin of the webhooks: endpoints (editors, through the services) and the read-only delivery log."""

import json

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.db.models import Q
from django.urls import reverse
from django.utils.html import format_html, format_html_join
from django.utils.http import urlencode
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from simple_history.admin import SimpleHistoryAdmin

from webhooks.models import SECRET_MIN_LENGTH, WebhookDelivery, WebhookEndpoint, WebhookEvent
from webhooks.services import webhook_deliveries_retry, webhook_endpoint_delete, webhook_endpoint_save


class WebhookEndpointForm(forms.ModelForm):
    """The secret is typed like a password and never rendered back; left empty on a change, it stays."""

    url = forms.URLField(label=_("Adresse"), max_length=500, assume_scheme="https")
    secret = forms.CharField(
        label=_("Geheimnis"),
        required=False,
        strip=True,
        min_length=SECRET_MIN_LENGTH,
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "new-password"}),
        help_text=_("Mindestens 16 Zeichen. Der Empfänger prüft damit die Signatur (X-SCI-Signature)."),
    )
    events = forms.MultipleChoiceField(
        label=_("Ereignisse"), choices=WebhookEvent.choices, widget=forms.CheckboxSelectMultiple
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["description", "url", "secret", "events", "is_active"]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.initial.pop("secret", None)
        if self.instance.pk:
            self.fields["secret"].help_text = _("Leer lassen, um das bisherige Geheimnis (%(hint)s) zu behalten.") % {
                "hint": self.instance.secret_hint
            }
        else:
            self.fields["secret"].required = True

    def clean_secret(self):
        # Empty on a change: keep the stored secret (the model validation then sees that one).
        return self.cleaned_data["secret"] or self.instance.secret


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(SimpleHistoryAdmin):
    """Editors register and change endpoints; every write goes through webhook_endpoint_save."""

    form = WebhookEndpointForm
    list_display = ("__str__", "url", "event_list", "is_active", "secret_hint", "created_by", "created_at")
    list_filter = ("is_active",)
    list_select_related = ("created_by",)
    search_fields = ("url", "description")
    readonly_fields = ("deliveries_link", "created_by", "created_at")

    @admin.display(description=_("Ereignisse"))
    def event_list(self, obj):
        return ", ".join(obj.events)

    @admin.display(description=_("Geheimnis"))
    def secret_hint(self, obj):
        return obj.secret_hint

    @admin.display(description=_("Zustellungen"))
    def deliveries_link(self, obj):
        if obj.pk is None:
            return "–"
        url = reverse("admin:webhooks_webhookdelivery_changelist") + "?" + urlencode({"endpoint__id__exact": obj.pk})
        return format_html('<a href="{}">{}</a>', url, _("Zustellungen ansehen"))

    def save_model(self, request, obj, form, change):
        data = form.cleaned_data
        saved = webhook_endpoint_save(
            user=request.user,
            endpoint=obj if change else None,
            url=data["url"],
            secret=data["secret"],
            events=list(data["events"]),
            is_active=data["is_active"],
            description=data["description"],
        )
        obj.pk = saved.pk  # the admin redirects and logs with the saved object

    def delete_model(self, request, obj):
        webhook_endpoint_delete(user=request.user, endpoint=obj)

    def delete_queryset(self, request, queryset):
        for endpoint in queryset:
            webhook_endpoint_delete(user=request.user, endpoint=endpoint)


class DeliveryStateFilter(admin.SimpleListFilter):
    title = _("Zustand")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return WebhookDelivery.State.choices

    def queryset(self, request, queryset):
        given_up = Q(delivered_at__isnull=True, attempts__gte=settings.WEBHOOK_MAX_ATTEMPTS)
        if self.value() == WebhookDelivery.State.DELIVERED:
            return queryset.filter(delivered_at__isnull=False)
        if self.value() == WebhookDelivery.State.FAILED:
            return queryset.filter(given_up)
        if self.value() == WebhookDelivery.State.PENDING:
            return queryset.filter(delivered_at__isnull=True).exclude(given_up)
        return queryset


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    """Read-only: rows are written with each event and sent by webhooks_deliver; failed ones can be sent again."""

    list_display = (
        "created_at",
        "event",
        "endpoint",
        "state_label",
        "attempts",
        "last_status_code",
        "delivered_at",
        "next_attempt_at",
    )
    list_filter = ("event", DeliveryStateFilter, "endpoint")
    list_select_related = ("endpoint",)
    actions = ["send_again"]
    fields = (
        "endpoint",
        "event",
        "state_label",
        "created_at",
        "attempts",
        "next_attempt_at",
        "delivered_at",
        "last_status_code",
        "duration_ms",
        "last_error",
        "last_response",
        "attempt_table",
        "body_pretty",
    )
    readonly_fields = fields

    @admin.display(description=_("Zustand"))
    def state_label(self, obj):
        return WebhookDelivery.State(obj.state).label

    @admin.display(description=_("Versuche im Einzelnen"))
    def attempt_table(self, obj):
        if not obj.attempt_log:
            return "–"
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td><code>{}</code></td></tr>",
            (
                (
                    entry["at"],
                    entry["status_code"] or "–",
                    entry["duration_ms"] or "–",
                    entry["error"] or "OK",
                    entry["response"],
                )
                for entry in obj.attempt_log
            ),
        )
        return format_html(
            "<table><thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead><tbody>{}</tbody></table>",
            _("Zeitpunkt"),
            _("HTTP-Status"),
            _("Dauer (ms)"),
            _("Ergebnis"),
            _("Antwort"),
            rows,
        )

    @admin.display(description=_("gesendeter Inhalt"))
    def body_pretty(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(json.loads(obj.body), indent=2, ensure_ascii=False))

    @admin.action(description=_("Ausgewählte nicht zugestellte Webhooks erneut senden"), permissions=["view"])
    def send_again(self, request, queryset):
        try:
            count = webhook_deliveries_retry(user=request.user, deliveries=list(queryset))
        except PermissionDenied as error:
            self.message_user(request, " ".join(error.args), messages.ERROR)
            return
        self.message_user(
            request,
            ngettext(
                "%(count)d Zustellung wird erneut gesendet.", "%(count)d Zustellungen werden erneut gesendet.", count
            )
            % {"count": count},
            messages.SUCCESS,
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

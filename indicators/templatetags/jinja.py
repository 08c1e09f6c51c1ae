"""{% jinja "name" key=value ... %}: a Jinja2 template (jinja2/) inside a Django page, for the pieces that have
one Jinja2 template because they are also rendered many times or on their own (the progress of an answer row's
htmx response, which the questionnaire and the dashboard show too)."""

from django import template
from django.template import engines
from django.utils.safestring import SafeString, mark_safe

register = template.Library()


@register.simple_tag
def jinja(name: str, **context) -> SafeString:
    return mark_safe(engines["jinja2"].env.get_template(name).render(context))  # Jinja2 escaped it

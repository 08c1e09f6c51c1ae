"""The Jinja2 environment of the few templates rendered many times per page (issue 17).

Django's template language costs ~1 ms per questionnaire row (about 60 variable lookups, each resolved
through Context, translation and localisation calls); at 162 rows that was most of the page. Jinja2
compiles a template to Python once, so the same row renders several times faster. Everything else stays
in Django templates: a Jinja2 template renders a piece (a row, a list) that a Django template outputs as
safe HTML, and is loaded explicitly with ``using="jinja2"``.

What a Jinja2 template has here, named as in Django's templates where it can be:

* ``_("…")`` and ``ngettext`` through Django's active translation (``jinja2.ext.i18n``, new style: keyword
  arguments fill ``%(name)s``, so a msgid reads as the same string ``{% blocktranslate %}`` gives and the
  English catalogue serves both). ``makemessages`` does not read Jinja2 templates; the catalogue is kept by
  hand (tests/test_i18n.py checks it).
* ``url(name, *args)``, ``static(path)``;
* filters ``date`` (Django's, with the active language's formats: ``value|date("SHORT_DATE_FORMAT")``),
  ``localize`` / ``unlocalize`` (a number in the active language's format, or plain), ``filesizeformat``;
* autoescaping on (Django's backend default); Django's safe strings (``SafeString``, forms' HTML) are
  recognised through ``__html__`` and not escaped twice.
"""

import functools

from django.template.defaultfilters import date, filesizeformat
from django.templatetags.static import static
from django.urls import reverse
from django.utils import formats
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext, ngettext, npgettext, pgettext

from jinja2 import Environment, pass_context


def local_date(value, arg=None) -> str:
    """Django's `date` filter as its templates apply it: an aware datetime in the current time zone first
    (Django's template engine does that for filters marked expects_localtime; Jinja2 would not)."""
    return date(template_localtime(value), arg)


@functools.lru_cache(maxsize=4096)
def _translated(language: str | None, message: str) -> str:
    return gettext(message)


@pass_context
def cached_gettext(context, message: str) -> str:
    """Django's gettext, remembered per language: a row asks for ~12 strings and a page has 162 rows, and each
    lookup (the active language, then Django's catalogue chain) cost a third of a row's render. The language is
    the context's LANGUAGE_CODE where the caller set it once for many renders (as Django's i18n context processor
    names it), else the active one. The messages are the templates' literals (a bounded set); the catalogues do
    not change while the process runs."""
    return _translated(context.get("LANGUAGE_CODE") or get_language(), message)


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def environment(**options) -> Environment:
    env = Environment(extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(cached_gettext, ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext)
    env.globals.update(url=url, static=static)
    env.filters.update(
        date=local_date,
        filesizeformat=filesizeformat,
        localize=formats.localize,
        unlocalize=str,
    )
    return env

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
from django.utils import formats, translation
from django.utils.timezone import template_localtime
from django.utils.translation import get_language, gettext, ngettext, npgettext, pgettext
from jinja2 import Environment, pass_context
from markupsafe import Markup


def local_date(value, arg=None) -> str:
    """Django's `date` filter as its templates apply it: an aware datetime in the current time zone first
    (Django's template engine does that for filters marked expects_localtime; Jinja2 would not)."""
    return date(template_localtime(value), arg)


@functools.lru_cache(maxsize=4096)
def _translated(language: str | None, message: str) -> tuple[Markup, Markup | None]:
    """The message in `language`, escaped-safe as the template shows it, and (when it has no placeholders) as
    it reads without arguments ("%%" as "%", as `message % {}` gives it)."""
    with translation.override(language):
        text = Markup(gettext(message))
    try:
        plain = text % {}
    except (KeyError, TypeError, ValueError):
        plain = None  # needs its arguments
    return text, plain


def _filled(translated: tuple[Markup, Markup | None], variables: dict) -> Markup:
    text, plain = translated
    return text % variables if variables or plain is None else plain


@pass_context
def translate(context, message: str, **variables) -> Markup:
    """`_("…", name=value)` as jinja2.ext.i18n's new-style gettext gives it (the translation, then %(name)s
    filled in with the values escaped), remembered per language: a row shows ~14 strings and a page 162 rows,
    and each lookup (the active language, then Django's catalogue chain, through two wrappers) cost ~9 µs, a third
    of a row's render. The language is the context's LANGUAGE_CODE where the caller set it (the name Django's i18n
    context processor gives it), else the active one. The messages are the templates' literals (a bounded set);
    the catalogues do not change while the process runs."""
    return _filled(_translated(context.get("LANGUAGE_CODE") or get_language(), message), variables)


def translator(language: str | None = None):
    """`_` for many renders in one language (the active one unless given), passed in their context: `translate`
    without looking up the language or the context on every string (~1.5 µs a string instead of ~3)."""
    language = language or get_language()

    def translate_in(message: str, **variables) -> Markup:
        return _filled(_translated(language, message), variables)

    return translate_in


def url(name: str, *args, **kwargs) -> str:
    return reverse(name, args=args or None, kwargs=kwargs or None)


def environment(**options) -> Environment:
    # A block tag's line leaves no blank line behind (a page repeats a row 162 times: fewer bytes to send and zip).
    options.setdefault("trim_blocks", True)
    options.setdefault("lstrip_blocks", True)
    env = Environment(extensions=["jinja2.ext.i18n"], **options)
    env.install_gettext_callables(gettext, ngettext, newstyle=True, pgettext=pgettext, npgettext=npgettext)
    env.globals.update(_=translate, url=url, static=static)
    env.filters.update(
        date=local_date,
        filesizeformat=filesizeformat,
        localize=formats.localize,
        unlocalize=str,
    )
    return env

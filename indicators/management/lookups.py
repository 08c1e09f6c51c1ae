"""What the import commands look up from their arguments (the file, the edition by year, the acting editor),
with the same German messages, and the one way they turn a refusal into a CommandError."""

from pathlib import Path

from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.management.base import CommandError
from django.utils.translation import gettext as _

from indicators.models import Edition


def existing_file(file: str) -> Path:
    path = Path(file)
    if not path.is_file():
        raise CommandError(_("Die Datei „%(file)s“ gibt es nicht.") % {"file": file})
    return path


def edition_of_year(year: int) -> Edition:
    edition = Edition.objects.filter(year=year).first()
    if edition is None:
        raise CommandError(_("Es gibt keine Ausgabe %(year)s.") % {"year": year})
    return edition


def active_user(username: str):
    user = get_user_model().objects.filter(username=username, is_active=True).first()
    if user is None:
        raise CommandError(_("Es gibt keinen aktiven Benutzer „%(user)s“.") % {"user": username})
    return user


def refused(error: ValidationError | PermissionDenied) -> CommandError:
    """A service's refusal as the command's error (its German messages on one line)."""
    messages = error.messages if isinstance(error, ValidationError) else [str(error)]
    return CommandError(" ".join(messages))

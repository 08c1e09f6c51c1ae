"""The portal's help page for city staff (/portal/hilfe/): how to answer, evidence, deadlines, the spreadsheet
import, last year's values, official values and contacts. Facts come from where the rules live (the evidence
checks, the import's limits, the review reasons, settings) and from the user's editions, never copied here."""

from datetime import date

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.shortcuts import render
from django.utils.formats import number_format

from indicators import questionnaire_io
from indicators.selectors.help import portal_help
from indicators.services import REVIEW_REASONS, evidence
from smartcity.zip_limits import megabytes

# A day whose spelling shows the date formats the import reads (questionnaire_io.DATE_FORMATS).
EXAMPLE_DAY = date(2024, 12, 31)


@login_required
def help_page(request):
    """The help for the signed-in user: the general rules for everyone, the dates, catalogue counts and
    template downloads of the editions the user's cities work on, and only the user's own cities' contacts."""
    return render(
        request,
        "indicators/help.html",
        {
            "help": portal_help(request.user),
            "evidence_types": evidence.allowed_types_text(),
            "evidence_extensions": ", ".join(evidence.allowed_extensions()),
            "evidence_max_mb": megabytes(settings.EVIDENCE_MAX_BYTES),
            "evidence_max_unpacked_mb": megabytes(settings.EVIDENCE_MAX_UNCOMPRESSED_BYTES),
            "evidence_max_parts": number_format(settings.EVIDENCE_MAX_ARCHIVE_ENTRIES, force_grouping=True),
            "review_reasons": [str(label) for _key, label in REVIEW_REASONS],
            "stale_months": settings.STALE_STAND_MONTHS,
            "import_columns": questionnaire_io.COLUMNS,
            "import_required": questionnaire_io.REQUIRED_COLUMNS,
            "import_editable": questionnaire_io.EDITABLE_COLUMNS,
            "import_max_rows": number_format(questionnaire_io.MAX_ROWS, force_grouping=True),
            "import_date_examples": [EXAMPLE_DAY.strftime(spelling) for spelling in questionnaire_io.DATE_FORMATS],
            "editorial_email": settings.EDITORIAL_CONTACT_EMAIL,
        },
    )

"""The public API's query parameters, validated (400 with a message per parameter)."""

from django.utils.translation import gettext_lazy as _
from rest_framework import serializers

from public import filters
from smartcity import spreadsheet


class EditionQuerySerializer(serializers.Serializer):
    edition = serializers.IntegerField(
        required=False,
        min_value=2000,
        max_value=2100,
        help_text="Year of a published edition; the newest published edition when left out.",
    )


SORTS = ("rank", "total", "score", "name", "population")


ORDERINGS = [value for key in SORTS for value in (key, f"-{key}")]


class RankingQuerySerializer(EditionQuerySerializer):
    domain = serializers.SlugField(required=False, help_text="A domain key: the ranking by this domain.")
    indicator = serializers.SlugField(required=False, help_text="An indicator key: the ranking by this indicator.")
    state = serializers.CharField(required=False, max_length=60, help_text="Only cities of this federal state.")
    size = serializers.ChoiceField(
        required=False,
        choices=[size.key for size in filters.SIZE_CLASSES],
        error_messages={"invalid_choice": _("„{input}“ ist unbekannt.")},
    )
    search = serializers.CharField(required=False, max_length=100, help_text="A part of the city's name.")
    ordering = serializers.ChoiceField(
        required=False,
        choices=ORDERINGS,
        error_messages={"invalid_choice": _("„{input}“ ist keine mögliche Sortierung.")},
    )
    variant = serializers.ChoiceField(
        required=False,
        choices=[spreadsheet.EXCEL_DE],
        help_text="With CSV: the file for German Excel.",
        error_messages={"invalid_choice": _("„{input}“ ist unbekannt.")},
    )

    def validate(self, attrs):
        if attrs.get("domain") and attrs.get("indicator"):
            raise serializers.ValidationError(
                {"indicator": [_("Bitte entweder „domain“ oder „indicator“ angeben, nicht beides.")]}
            )
        return attrs


class AnswerQuerySerializer(EditionQuerySerializer):
    city = serializers.SlugField(required=False, help_text="A city's slug: only this city's answers.")
    parameter = serializers.SlugField(required=False, help_text="A parameter key: only answers to this parameter.")

"""Serializers of the editors' API (score runs, recomputes): read-only presentations."""

from rest_framework import serializers

from scoring.models import ScoreRun


class ScoreRunSerializer(serializers.ModelSerializer):
    edition = serializers.IntegerField(source="edition.year", help_text="The edition's year.")

    class Meta:
        model = ScoreRun
        fields = [
            "id",
            "edition",
            "created_at",
            "is_published",
            "published_at",
            "input_hash",
            "code_version",
            "city_count",
            "approved_answer_count",
            "duration_ms",
        ]
        read_only_fields = fields


class ScoreRunDetailSerializer(ScoreRunSerializer):
    class Meta(ScoreRunSerializer.Meta):
        fields = [*ScoreRunSerializer.Meta.fields, "methodology"]
        read_only_fields = fields


class RecomputeSerializer(serializers.Serializer):
    message = serializers.CharField()
    edition = serializers.IntegerField(help_text="The edition's year.")
    enqueued = serializers.BooleanField(
        help_text="False when a recompute of the edition was already waiting (requests are coalesced) or the "
        "queue was unreachable (a periodic job catches up)."
    )

"""Serializers of ranked cities: the short reference, the list entry with links, the detail."""

from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from indicators.models import City
from public import filters
from public.api.serializers.base import absolute


class CityRefSerializer(serializers.ModelSerializer):
    class Meta:
        model = City
        fields = ["slug", "name", "ags", "state", "population"]
        ref_name = "PublicCityRef"


class CityLinksSerializer(serializers.Serializer):
    self = serializers.URLField()
    scores = serializers.URLField()
    history = serializers.URLField()
    page = serializers.URLField(help_text="The city's profile on the website.")

    class Meta:
        ref_name = "PublicCityLinks"


class CitySerializer(serializers.ModelSerializer):
    size = serializers.SerializerMethodField()
    links = serializers.SerializerMethodField()

    class Meta:
        model = City
        fields = ["slug", "name", "ags", "state", "state_code", "population", "population_date", "size", "links"]
        ref_name = "PublicCity"

    @extend_schema_field(
        serializers.ChoiceField(
            choices=[size.key for size in filters.SIZE_CLASSES],
            help_text="Size class by population (the `size` filter).",
        )
    )
    def get_size(self, city: City) -> str | None:
        size = filters.size_class(city.population)
        return size.key if size else None

    @extend_schema_field(CityLinksSerializer)
    def get_links(self, city: City) -> dict:
        request = self.context["request"]
        return {
            "self": absolute(request, "v1:public-city-detail", city.slug),
            "scores": absolute(request, "v1:public-city-scores", city.slug),
            "history": absolute(request, "v1:public-city-history", city.slug),
            "page": absolute(request, "public:city_latest", city.slug),
        }


class CityDetailSerializer(CitySerializer):
    editions = serializers.ListField(
        child=serializers.IntegerField(), help_text="Years of the published editions the city is ranked in."
    )

    class Meta(CitySerializer.Meta):
        fields = [*CitySerializer.Meta.fields, "editions"]
        ref_name = "PublicCityDetail"

"""API bodies. Validation calls the same functions as the web form (reporting.validation)."""

from __future__ import annotations

from django.conf import settings
from django.core.exceptions import ValidationError as DjangoValidationError
from rest_framework import serializers

from .. import validation
from ..models import OccurredWindow


class TipCreateSerializer(serializers.Serializer):
    text = serializers.CharField(trim_whitespace=False, max_length=settings.TIPLINE_TIP_MAX_CHARS * 2)
    language = serializers.ChoiceField(
        choices=[code for code, _name in settings.LANGUAGES], required=False, allow_blank=True,
        help_text="The language the reporter chose, if any; the text's language is detected anyway.",
    )
    place_name = serializers.CharField(required=False, allow_blank=True, max_length=400)
    latitude = serializers.FloatField(required=False, allow_null=True)
    longitude = serializers.FloatField(required=False, allow_null=True)
    location_precision_m = serializers.IntegerField(required=False, allow_null=True, min_value=0, max_value=1_000_000)
    occurred = serializers.ChoiceField(choices=OccurredWindow.choices, required=False, allow_blank=True)
    photos = serializers.ListField(
        child=serializers.FileField(allow_empty_file=False), required=False, max_length=settings.TIPLINE_MAX_PHOTOS * 4,
        help_text="Multipart only: up to 5 JPEG, PNG or WebP photos.",
    )
    campaign = serializers.CharField(required=False, allow_blank=True, max_length=32)

    def validate_text(self, value: str) -> str:
        return validation.clean_tip_text(value)

    def validate_place_name(self, value: str) -> str:
        return validation.clean_place_name(value)

    def validate_photos(self, files: list) -> list[bytes]:
        validation.check_photo_count(len(files))
        contents = []
        for upload in files:
            validation.check_photo_size(upload.size)
            content = upload.read()
            validation.inspect_photo(content)
            contents.append(content)
        return contents

    def validate(self, attrs: dict) -> dict:
        try:
            validation.clean_coordinates(attrs.get("latitude"), attrs.get("longitude"))
        except DjangoValidationError as exc:
            raise serializers.ValidationError({"latitude": exc.messages}) from exc
        return attrs


class TipReceiptSerializer(serializers.Serializer):
    reference = serializers.CharField()
    receipt = serializers.CharField(help_text="Shown once. Keep it secret; it opens the tip's status.")
    status = serializers.CharField()


class MessageSerializer(serializers.Serializer):
    direction = serializers.CharField()
    text = serializers.CharField(source="body")
    created_at = serializers.DateTimeField()


class TipStatusSerializer(serializers.Serializer):
    reference = serializers.CharField()
    status = serializers.CharField()
    status_text = serializers.CharField()
    received_at = serializers.DateTimeField()
    messages = MessageSerializer(many=True)


class ReplySerializer(serializers.Serializer):
    text = serializers.CharField(trim_whitespace=False, max_length=settings.TIPLINE_MAX_MESSAGE_CHARS * 2)

    def validate_text(self, value: str) -> str:
        return validation.clean_message_text(value)

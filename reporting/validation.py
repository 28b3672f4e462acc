"""Validators shared by every channel: the web form, the API and the bot all call these.

Each raises django.core.exceptions.ValidationError with a translated message, so every bad
input gets the same clear answer whichever way it came in.
"""

from __future__ import annotations

import io
import unicodedata
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from PIL import Image, UnidentifiedImageError

# Formats residents' phones produce that Pillow can decode and re-encode without plugins.
ALLOWED_IMAGE_FORMATS = {"JPEG": "image/jpeg", "PNG": "image/png", "WEBP": "image/webp"}
_ALLOWED_CONTROL = {"\n", "\t"}


def clean_free_text(value: str, *, min_chars: int, max_chars: int) -> str:
    """Normalise (NFC, unified line ends, trimmed) and check length and control characters."""
    text = unicodedata.normalize("NFC", value or "").replace("\r\n", "\n").replace("\r", "\n")
    text = text.strip()
    for char in text:
        if char not in _ALLOWED_CONTROL and unicodedata.category(char) in {"Cc", "Cs", "Co"}:
            raise ValidationError(
                _("The text contains control characters. Please remove them and try again."),
                code="control_characters",
            )
    if len(text) < min_chars:
        raise ValidationError(
            ngettext(
                "Please write at least %(count)d character.",
                "Please write at least %(count)d characters.",
                min_chars,
            )
            % {"count": min_chars},
            code="too_short",
        )
    if len(text) > max_chars:
        raise ValidationError(
            ngettext(
                "Please keep it under %(count)d character.",
                "Please keep it under %(count)d characters.",
                max_chars,
            )
            % {"count": max_chars},
            code="too_long",
        )
    return text


def clean_tip_text(value: str) -> str:
    return clean_free_text(
        value, min_chars=settings.TIPLINE_TIP_MIN_CHARS, max_chars=settings.TIPLINE_TIP_MAX_CHARS
    )


def clean_message_text(value: str) -> str:
    return clean_free_text(value, min_chars=1, max_chars=settings.TIPLINE_MAX_MESSAGE_CHARS)


def clean_place_name(value: str) -> str:
    if not (value or "").strip():
        return ""
    return clean_free_text(value, min_chars=2, max_chars=200)


def clean_coordinates(
    latitude: float | None, longitude: float | None
) -> tuple[float | None, float | None]:
    """Both or neither, each within range."""
    if latitude is None and longitude is None:
        return None, None
    if latitude is None or longitude is None:
        raise ValidationError(
            _("Give both latitude and longitude, or leave both empty."), code="half_point"
        )
    if not -90.0 <= latitude <= 90.0:
        raise ValidationError(_("Latitude must be between -90 and 90."), code="latitude_range")
    if not -180.0 <= longitude <= 180.0:
        raise ValidationError(_("Longitude must be between -180 and 180."), code="longitude_range")
    return latitude, longitude


@dataclass(frozen=True)
class PhotoInfo:
    format: str
    content_type: str
    width: int
    height: int
    byte_size: int


def check_photo_size(byte_count: int) -> None:
    limit = settings.TIPLINE_MAX_PHOTO_BYTES
    if byte_count > limit:
        raise ValidationError(
            _("This photo is too large. The limit is %(megabytes)s MB.")
            % {"megabytes": limit // (1024 * 1024)},
            code="photo_too_large",
        )


def inspect_photo(data: bytes) -> PhotoInfo:
    """Judge an upload by its content, not its name or declared type."""
    check_photo_size(len(data))
    if not data:
        raise ValidationError(_("This file is empty."), code="photo_empty")
    try:
        with Image.open(io.BytesIO(data)) as image:
            image_format = image.format or ""
            width, height = image.size
            if image_format not in ALLOWED_IMAGE_FORMATS:
                raise ValidationError(
                    _("Only JPEG, PNG and WebP photos are accepted."), code="photo_type"
                )
            if width * height > settings.TIPLINE_MAX_PHOTO_PIXELS:
                raise ValidationError(
                    _("This photo has too many pixels. Please send a smaller one."),
                    code="photo_pixels",
                )
            image.verify()  # truncated or corrupt files fail here, before anyone stores them
    except ValidationError:
        raise
    except (UnidentifiedImageError, OSError, SyntaxError, ValueError, Image.DecompressionBombError):
        raise ValidationError(
            _("This file is not a photo we can read. Please send a JPEG, PNG or WebP image."),
            code="photo_unreadable",
        ) from None
    return PhotoInfo(
        format=image_format,
        content_type=ALLOWED_IMAGE_FORMATS[image_format],
        width=width,
        height=height,
        byte_size=len(data),
    )


def check_photo_count(count: int) -> None:
    limit = settings.TIPLINE_MAX_PHOTOS
    if count > limit:
        raise ValidationError(
            ngettext(
                "You can send at most %(count)d photo.",
                "You can send at most %(count)d photos.",
                limit,
            )
            % {"count": limit},
            code="too_many_photos",
        )

"""Web forms: thin wrappers that call the shared validators in reporting.validation."""

from __future__ import annotations

from django import forms
from django.conf import settings
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from . import validation
from .models import OccurredWindow
from .receipts import RECEIPT_DIGITS, normalise_receipt, normalise_reference


class MultiplePhotoInput(forms.ClearableFileInput):
    allow_multiple_selected = True


class MultiplePhotoField(forms.FileField):
    """Several photos in one input (Django's documented pattern); each checked by content."""

    def __init__(self, *args: object, **kwargs: object) -> None:
        kwargs.setdefault("widget", MultiplePhotoInput(attrs={"accept": "image/jpeg,image/png,image/webp"}))
        super().__init__(*args, **kwargs)

    def clean(self, data: object, initial: object = None) -> list[bytes]:
        files = [f for f in (data if isinstance(data, list | tuple) else [data]) if f]
        validation.check_photo_count(len(files))
        contents = []
        for upload in files:
            validation.check_photo_size(upload.size)  # before reading it into memory
            content = upload.read()
            validation.inspect_photo(content)
            contents.append(content)
        return contents


class TipForm(forms.Form):
    text = forms.CharField(
        label=_("What happened?"),
        help_text=_("Say what you saw, where and when. Do not write your own name."),
        widget=forms.Textarea(attrs={"rows": 7, "maxlength": settings.TIPLINE_TIP_MAX_CHARS}),
        max_length=settings.TIPLINE_TIP_MAX_CHARS * 2,  # the validator gives the clear message
    )
    place_name = forms.CharField(
        label=_("Where? (optional)"),
        help_text=_("A village, road, river crossing or landmark."),
        required=False,
        max_length=400,
    )
    latitude = forms.FloatField(label=_("Latitude (optional)"), required=False)
    longitude = forms.FloatField(label=_("Longitude (optional)"), required=False)
    occurred = forms.ChoiceField(
        label=_("Roughly when? (optional)"),
        choices=[("", _("I am not sure"))] + list(OccurredWindow.choices),
        required=False,
    )
    photos = MultiplePhotoField(
        label=_("Photos (optional, up to 5)"),
        help_text=_("Location and camera details are removed from photos before anyone sees them."),
        required=False,
    )
    campaign = forms.CharField(required=False, max_length=32, widget=forms.HiddenInput)

    def clean_text(self) -> str:
        return validation.clean_tip_text(self.cleaned_data["text"])

    def clean_place_name(self) -> str:
        return validation.clean_place_name(self.cleaned_data["place_name"])

    def clean(self) -> dict[str, object]:
        cleaned = super().clean()
        try:
            validation.clean_coordinates(cleaned.get("latitude"), cleaned.get("longitude"))
        except ValidationError as exc:
            self.add_error("latitude", exc)
        return cleaned


class StatusLookupForm(forms.Form):
    reference = forms.CharField(label=_("Reference"), max_length=20, help_text=_("For example T-7KQ3-M9"))
    receipt = forms.CharField(
        label=_("Receipt code"),
        max_length=40,
        help_text=_("The 16-digit code you were shown when you sent the report."),
        widget=forms.PasswordInput(attrs={"autocomplete": "off", "inputmode": "numeric"}),
    )

    def clean_reference(self) -> str:
        reference = normalise_reference(self.cleaned_data["reference"])
        if reference is None:
            raise ValidationError(_("This does not look like a reference. It looks like T-7KQ3-M9."))
        return reference

    def clean_receipt(self) -> str:
        receipt = normalise_receipt(self.cleaned_data["receipt"])
        if len(receipt) != RECEIPT_DIGITS or not receipt.isdigit():
            raise ValidationError(_("The receipt code has 16 digits."))
        return receipt


class ReplyForm(StatusLookupForm):
    reference = forms.CharField(widget=forms.HiddenInput)
    receipt = forms.CharField(widget=forms.HiddenInput)
    text = forms.CharField(
        label=_("Your answer"), widget=forms.Textarea(attrs={"rows": 4}), max_length=4000
    )

    def clean_text(self) -> str:
        return validation.clean_message_text(self.cleaned_data["text"])

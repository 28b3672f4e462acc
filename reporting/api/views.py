"""REST API for residents' apps: submit a tip, read its status and thread, reply (docs/api.md)."""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.utils.translation import gettext as _
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework import status
from rest_framework.exceptions import NotFound, ValidationError
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..intake import (
    TipSubmission,
    add_reporter_reply,
    messages_for_reporter,
    open_tip,
    reporter_facing_status,
    submit_tip,
)
from ..models import Channel, Tip
from ..throttles import PseudonymousClientThrottle, ReceiptThrottle
from .serializers import (
    MessageSerializer,
    ReplySerializer,
    TipCreateSerializer,
    TipReceiptSerializer,
    TipStatusSerializer,
)

RECEIPT_HEADER = OpenApiParameter(
    name="X-Receipt", location=OpenApiParameter.HEADER, required=True,
    description="The receipt code returned when the tip was submitted.",
)


def _tip_from_receipt(request: Request, reference: str) -> Tip:
    tip = open_tip(reference, request.headers.get("X-Receipt", ""))
    if tip is None:
        # The same answer for an unknown reference and a wrong receipt: nothing to learn.
        raise NotFound(_("No report matches this reference and receipt code."))
    return tip


class TipCreateView(APIView):
    throttle_classes = [PseudonymousClientThrottle]

    @extend_schema(request=TipCreateSerializer, responses={201: TipReceiptSerializer})
    def post(self, request: Request) -> Response:
        serializer = TipCreateSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        data = serializer.validated_data
        submission = TipSubmission(
            text=data["text"],
            channel=Channel.API,
            declared_language=data.get("language", ""),
            place_name=data.get("place_name", ""),
            latitude=data.get("latitude"),
            longitude=data.get("longitude"),
            location_precision_m=data.get("location_precision_m"),
            occurred_window=data.get("occurred", ""),
            photos=data.get("photos", []),
            campaign_code=data.get("campaign", ""),
        )
        try:
            submitted = submit_tip(submission)
        except DjangoValidationError as exc:
            raise ValidationError(exc.message_dict) from exc
        body = {"reference": submitted.reference, "receipt": submitted.receipt, "status": submitted.status}
        return Response(body, status=status.HTTP_201_CREATED, headers={"Cache-Control": "no-store"})


class TipStatusView(APIView):
    throttle_classes = [ReceiptThrottle]

    @extend_schema(parameters=[RECEIPT_HEADER], responses={200: TipStatusSerializer})
    def get(self, request: Request, reference: str) -> Response:
        tip = _tip_from_receipt(request, reference)
        body = {
            "reference": tip.reference,
            "status": tip.status,
            "status_text": reporter_facing_status(tip.status),
            "received_at": tip.received_at,
            "messages": messages_for_reporter(tip),
        }
        return Response(TipStatusSerializer(body).data, headers={"Cache-Control": "no-store"})


class TipReplyView(APIView):
    throttle_classes = [ReceiptThrottle]

    @extend_schema(parameters=[RECEIPT_HEADER], request=ReplySerializer, responses={201: MessageSerializer})
    def post(self, request: Request, reference: str) -> Response:
        tip = _tip_from_receipt(request, reference)
        serializer = ReplySerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        message = add_reporter_reply(tip, serializer.validated_data["text"])
        return Response(MessageSerializer(message).data, status=status.HTTP_201_CREATED)

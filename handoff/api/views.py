"""The agency API: acknowledge a handoff and report its outcome (docs/handoff.md)."""

from __future__ import annotations

from django.utils.translation import gettext as _
from drf_spectacular.utils import extend_schema
from rest_framework import serializers, status
from rest_framework.exceptions import AuthenticationFailed, NotFound
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..actions import OUTCOMES, agency_for_token, report_outcome
from ..models import Agency, Handoff


class StatusSerializer(serializers.Serializer):
    status = serializers.ChoiceField(choices=sorted(OUTCOMES))
    note = serializers.CharField(required=False, allow_blank=True, max_length=2000, default="")


class HandoffStateSerializer(serializers.Serializer):
    id = serializers.IntegerField()
    state = serializers.CharField()
    idempotency_key = serializers.UUIDField()


def _agency(request: Request) -> Agency:
    scheme, _space, token = request.headers.get("Authorization", "").partition(" ")
    agency = agency_for_token(token.strip()) if scheme.lower() == "bearer" and token.strip() else None
    if agency is None:
        raise AuthenticationFailed(_("A valid agency token is required."))
    return agency


class HandoffStatusView(APIView):
    authentication_classes: list = []  # agencies send their own token, checked in _agency
    permission_classes: list = []

    @extend_schema(request=StatusSerializer, responses={200: HandoffStateSerializer},
                   summary="Acknowledge a handoff or report its outcome (agency token as Bearer)")
    def post(self, request: Request, handoff_id: int) -> Response:
        agency = _agency(request)
        handoff = Handoff.objects.filter(pk=handoff_id, agency=agency).first()
        if handoff is None:  # another agency's handoff is as unknown as a missing one
            raise NotFound(_("No handoff with this id for your agency."))
        body = StatusSerializer(data=request.data)
        body.is_valid(raise_exception=True)
        handoff = report_outcome(handoff, body.validated_data["status"], body.validated_data["note"])
        return Response({"id": handoff.pk, "state": handoff.state, "idempotency_key": str(handoff.idempotency_key)},
                        status=status.HTTP_200_OK)

    def get_authenticate_header(self, request: Request) -> str:
        return 'Bearer realm="agencies"'  # so a bad token is a 401, not a 403

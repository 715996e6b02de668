"""POST /api/v1/salons/<slug>/integrations/<uuid>/sync/ — "sync now" / "full resync" for API
clients. Answers 202 with the SyncRun id at once; a worker runs the sync."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response

from salons.roles import Action
from salonsync.api import error_response

from ..models import SyncRun
from ..sync import sync_request, sync_skip_reason
from .integrations import _SalonIntegrationApi


class SyncRunOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    state = serializers.CharField()
    started_at = serializers.DateTimeField()


class IntegrationSyncApi(_SalonIntegrationApi):
    write_action = Action.OPERATE

    class InputSerializer(serializers.Serializer):
        full = serializers.BooleanField(required=False, default=False)

    @extend_schema(
        request=InputSerializer,
        responses={
            202: SyncRunOutput,
            409: inline_serializer(
                "SyncUnavailable",
                {"error": serializers.DictField(child=serializers.CharField())},
            ),
        },
    )
    def post(self, request, slug, pk):
        integration = self.get_integration(pk)
        data = self.InputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        reason = sync_skip_reason(integration)
        if reason:
            return error_response("sync_unavailable", reason, status.HTTP_409_CONFLICT)
        kind = SyncRun.Kind.FULL if data.validated_data["full"] else SyncRun.Kind.INCREMENTAL
        run = sync_request(integration=integration, kind=kind)
        return Response(SyncRunOutput(run).data, status=status.HTTP_202_ACCEPTED)

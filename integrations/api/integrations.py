"""REST API for a salon's integrations (docs/contract.md §6). Thin: services do the work."""

from __future__ import annotations

from datetime import date, datetime, timedelta

from drf_spectacular.utils import extend_schema, inline_serializer
from rest_framework import serializers, status
from rest_framework.response import Response
from rest_framework.views import APIView

from salons.roles import Action
from salonsync.api import error_response

from ..adapters import errors
from ..adapters.registry import get_adapter_class, platform_keys
from ..adapters.types import AppointmentFilters, AvailabilityFilters, BookingRequest
from ..availability import availability_invalidate, availability_list
from ..booking import BookingService
from ..models import Integration, IntegrationStatus
from ..services import (
    ConnectError,
    integration_connect,
    integration_disconnect,
    integration_settings_update,
)
from .permissions import SalonMember

MAX_AVAILABILITY_DAYS = 31

# Normalized platform errors -> HTTP answers for API clients.
PLATFORM_ERROR_STATUS = {
    errors.AuthenticationError: 409,  # the integration needs re-authentication
    errors.RateLimitError: 429,
    errors.TransientError: 503,
    errors.NotFoundError: 404,
    errors.ValidationError: 409,
    errors.UnsupportedOperation: 400,
}


def platform_error_response(exc: errors.IntegrationError) -> Response:
    http_status = next(
        (code for cls, code in PLATFORM_ERROR_STATUS.items() if isinstance(exc, cls)), 502
    )
    response = error_response(exc.code, str(exc), http_status)
    if isinstance(exc, errors.RateLimitError) and exc.retry_after:
        response["Retry-After"] = str(int(exc.retry_after))
    return response


class IntegrationOutput(serializers.ModelSerializer):
    platform_name = serializers.CharField(read_only=True)
    saved_credentials = serializers.ListField(
        source="saved_credential_names", child=serializers.CharField(), read_only=True
    )

    class Meta:
        model = Integration
        fields = [
            "id",
            "platform",
            "platform_name",
            "status",
            "account",
            "account_name",
            "options",
            "saved_credentials",
            "last_sync_at",
            "last_error",
            "last_error_at",
            "created_at",
        ]


class SlotOutput(serializers.Serializer):
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    provider = serializers.CharField()
    service = serializers.CharField()


class AvailabilityOutput(serializers.Serializer):
    timezone = serializers.CharField()
    slots = SlotOutput(many=True)


class AppointmentOutput(serializers.Serializer):
    id = serializers.CharField()
    status = serializers.CharField()
    start = serializers.DateTimeField()
    end = serializers.DateTimeField()
    customer = serializers.CharField()
    service = serializers.CharField()
    provider = serializers.CharField()
    service_name = serializers.CharField()


class ConnectInput(serializers.Serializer):
    platform = serializers.ChoiceField(choices=[])
    credentials = serializers.DictField(child=serializers.CharField(max_length=500))
    account = serializers.DictField(
        child=serializers.CharField(max_length=128), required=False, default=dict
    )
    settings = serializers.DictField(required=False, default=dict)

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["platform"].choices = platform_keys()


class _SalonIntegrationApi(APIView):
    permission_classes = [*APIView.permission_classes, SalonMember]
    write_action = Action.MANAGE_INTEGRATIONS

    def get_integration(self, pk) -> Integration:
        from django.http import Http404

        try:
            return Integration.objects.select_related("salon").get(pk=pk, salon=self.salon)
        except (Integration.DoesNotExist, ValueError):
            raise Http404 from None


class IntegrationListApi(_SalonIntegrationApi):
    @extend_schema(responses=IntegrationOutput(many=True))
    def get(self, request, slug):
        qs = Integration.objects.filter(salon=self.salon).select_related("salon")
        return Response(IntegrationOutput(qs, many=True).data)

    @extend_schema(request=ConnectInput, responses={201: IntegrationOutput})
    def post(self, request, slug):
        data = ConnectInput(data=request.data)
        data.is_valid(raise_exception=True)
        values = {**data.validated_data["credentials"], **data.validated_data["account"]}
        try:
            outcome = integration_connect(
                salon=self.salon,
                platform=data.validated_data["platform"],
                values=values,
                options=_safe_options(
                    data.validated_data["settings"], data.validated_data["platform"]
                ),
            )
        except ConnectError as exc:
            http_status = 409 if exc.code == "conflict" else 400
            return error_response(exc.code, exc.message, http_status)
        body = IntegrationOutput(outcome.integration).data
        return Response(body, status=status.HTTP_201_CREATED)


class IntegrationDetailApi(_SalonIntegrationApi):
    class PatchInput(serializers.Serializer):
        credentials = serializers.DictField(
            child=serializers.CharField(max_length=500), required=False
        )
        account = serializers.DictField(child=serializers.CharField(max_length=128), required=False)
        settings = serializers.DictField(required=False)

    @extend_schema(responses=IntegrationOutput)
    def get(self, request, slug, pk):
        return Response(IntegrationOutput(self.get_integration(pk)).data)

    @extend_schema(request=PatchInput, responses=IntegrationOutput)
    def patch(self, request, slug, pk):
        integration = self.get_integration(pk)
        data = self.PatchInput(data=request.data)
        data.is_valid(raise_exception=True)
        if "settings" in data.validated_data:
            settings = _safe_options(data.validated_data["settings"], integration.platform)
            # Merged, never replaced: the options also hold what SalonSync learned itself.
            integration_settings_update(
                integration=integration,
                values=settings,
                user=request.user,
                also=frozenset(_ALLOWED_OPTIONS),
            )
        if "credentials" in data.validated_data or "account" in data.validated_data:
            values = {**integration.account, **data.validated_data.get("account", {})}
            values.update(data.validated_data.get("credentials", {}))
            try:
                integration_connect(
                    salon=self.salon,
                    platform=integration.platform,
                    values=values,
                    integration=integration,
                )
            except ConnectError as exc:
                return error_response(exc.code, exc.message, 409 if exc.code == "conflict" else 400)
        integration.refresh_from_db()
        return Response(IntegrationOutput(integration).data)

    @extend_schema(responses={204: None})
    def delete(self, request, slug, pk):
        integration_disconnect(integration=self.get_integration(pk))
        return Response(status=status.HTTP_204_NO_CONTENT)


class IntegrationTestApi(_SalonIntegrationApi):
    write_action = Action.OPERATE

    @extend_schema(
        request=None,
        responses=inline_serializer(
            "ConnectionTest",
            {
                "ok": serializers.BooleanField(),
                "account_name": serializers.CharField(),
                "message": serializers.CharField(),
                "status": serializers.CharField(),
            },
        ),
    )
    def post(self, request, slug, pk):
        integration = self.get_integration(pk)
        try:
            result = BookingService(integration).test_connection()
        except errors.IntegrationError as exc:
            integration.refresh_from_db(fields=["status"])
            return Response(
                {"ok": False, "account_name": "", "message": str(exc), "status": integration.status}
            )
        integration.refresh_from_db(fields=["status"])
        return Response(
            {
                "ok": result.ok,
                "account_name": result.account_name,
                "message": result.message,
                "status": integration.status,
            }
        )


class AvailabilityApi(_SalonIntegrationApi):
    class QueryInput(serializers.Serializer):
        start = serializers.DateField()
        end = serializers.DateField()
        service = serializers.CharField(required=False, max_length=128)
        provider = serializers.CharField(required=False, max_length=128)

        def validate(self, attrs):
            if attrs["end"] < attrs["start"]:
                raise serializers.ValidationError("end must not be before start.")
            if (attrs["end"] - attrs["start"]).days >= MAX_AVAILABILITY_DAYS:
                raise serializers.ValidationError(
                    f"Ask for at most {MAX_AVAILABILITY_DAYS} days at a time."
                )
            return attrs

    @extend_schema(parameters=[QueryInput], responses=AvailabilityOutput)
    def get(self, request, slug, pk):
        integration = _usable(self.get_integration(pk))
        query = self.QueryInput(data=request.query_params)
        query.is_valid(raise_exception=True)
        q = query.validated_data
        filters = AvailabilityFilters(
            service_ids=(q["service"],) if q.get("service") else (),
            provider_ids=(q["provider"],) if q.get("provider") else (),
        )
        try:
            slots = availability_list(
                integration=integration, start_date=q["start"], end_date=q["end"], filters=filters
            )
        except errors.IntegrationError as exc:
            return platform_error_response(exc)
        return Response(
            {
                "timezone": integration.salon.timezone,
                "slots": [
                    {
                        "start": s.start.isoformat(),
                        "end": s.end.isoformat(),
                        "provider": s.provider_id,
                        "service": s.service_id,
                    }
                    for s in slots
                ],
            }
        )


class BookingApi(_SalonIntegrationApi):
    write_action = Action.OPERATE

    class BookingInput(serializers.Serializer):
        customer = serializers.CharField(max_length=128)
        service = serializers.CharField(max_length=128)
        provider = serializers.CharField(max_length=128)
        start = serializers.DateTimeField()
        notes = serializers.CharField(max_length=500, required=False, allow_blank=True)

        def validate_start(self, value: datetime) -> datetime:
            from django.utils import timezone

            if value <= timezone.now():
                raise serializers.ValidationError("start must be in the future.")
            return value

    @extend_schema(request=BookingInput, responses={201: AppointmentOutput})
    def post(self, request, slug, pk):
        integration = _usable(self.get_integration(pk))
        data = self.BookingInput(data=request.data)
        data.is_valid(raise_exception=True)
        d = data.validated_data
        details = BookingRequest(
            customer_id=d["customer"],
            service_id=d["service"],
            provider_id=d["provider"],
            start=d["start"],
            notes=d.get("notes", ""),
        )
        try:
            appointment = BookingService(integration).book(details)
        except errors.IntegrationError as exc:
            return platform_error_response(exc)
        availability_invalidate(integration=integration)
        return Response(appointment_json(appointment), status=status.HTTP_201_CREATED)


class CustomerAppointmentsApi(_SalonIntegrationApi):
    @extend_schema(responses=AppointmentOutput(many=True))
    def get(self, request, slug, pk, customer_id):
        integration = _usable(self.get_integration(pk))
        today = date.today()
        filters = AppointmentFilters(
            start_date=today - timedelta(days=365), end_date=today + timedelta(days=180)
        )
        try:
            appointments = BookingService(integration).customer_appointments(customer_id, filters)
        except errors.IntegrationError as exc:
            return platform_error_response(exc)
        return Response([appointment_json(a) for a in appointments])


def appointment_json(a) -> dict:
    return {
        "id": a.platform_id,
        "status": str(a.status),
        "start": a.start.isoformat(),
        "end": a.end.isoformat(),
        "customer": a.customer_id,
        "service": a.service_id,
        "provider": a.provider_id,
        "service_name": a.service_name,
    }


def _usable(integration: Integration) -> Integration:
    from rest_framework.exceptions import APIException

    if integration.status in (IntegrationStatus.DISABLED, IntegrationStatus.NEEDS_REAUTH):
        state = (
            "is disconnected"
            if integration.status == IntegrationStatus.DISABLED
            else "needs re-authentication"
        )
        exc = APIException(f"This integration {state}: reconnect it first.")
        exc.status_code = 409
        raise exc
    return integration


# Never base_url: a client-chosen host would let the server call anywhere (SSRF). A region only
# picks one of the platform's own hosts (checked by integration_connect).
_ALLOWED_OPTIONS = {"page_size", "branch_timezone", "region"}


def _safe_options(value: dict, platform: str) -> dict:
    """The settings a client may send: the technical ones above and the platform's owner
    settings (integrations/adapters/base.py Setting), each with one of its choices."""
    owner = {spec.name: spec for spec in get_adapter_class(platform).owner_settings}
    unknown = set(value) - _ALLOWED_OPTIONS - set(owner)
    if unknown:
        raise serializers.ValidationError(
            {"settings": f"Unknown settings: {', '.join(sorted(unknown))}."}
        )
    for name, given in value.items():
        choices = [choice for choice, _ in owner[name].choices] if name in owner else None
        if choices is not None and given not in choices:
            raise serializers.ValidationError(
                {"settings": f"{name} must be one of: {', '.join(choices)}."}
            )
    return dict(value)

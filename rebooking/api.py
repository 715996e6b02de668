"""REST API for rebooking (docs/contract.md §6): suggestions (list, accept, dismiss) and the
salon's RebookingSettings (GET, PUT). Thin: RebookingService decides and books.

Accept answers 200 when booked; 409 ``conflict`` for a suggestion that is no longer open, 409
``slot_taken`` (with ``next_option``) when the platform refused the slot, 502
``platform_error`` for any other platform failure; 400 for an option that does not exist.
"""

from __future__ import annotations

from django.core.exceptions import ValidationError as DjangoValidationError
from django.shortcuts import get_object_or_404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema, extend_schema_field
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from integrations.api.permissions import SalonMember
from salons.roles import Action
from salonsync.api import error_response

from .accept import suggestion_accept
from .forms import parse_emails
from .models import RebookingSettings, RebookingSuggestion, SuggestionStatus
from .selectors import suggestion_list
from .services import rebooking_settings_get, suggestion_dismiss


@extend_schema_field({"type": "string", "pattern": "^([01][0-9]|2[0-3]):[0-5][0-9]$"})
class WallClockField(serializers.TimeField):
    """Wall-clock "HH:MM" in the salon's zone (OpenAPI `format: time` needs seconds + offset)."""


class SuggestionOutput(serializers.Serializer):
    id = serializers.IntegerField()
    kind = serializers.CharField()
    status = serializers.CharField()
    integration = serializers.UUIDField(source="integration_id")
    customer_ref = serializers.CharField()
    customer_name = serializers.CharField()
    service_ref = serializers.CharField()
    service_name = serializers.CharField()
    provider_ref = serializers.CharField()
    provider_name = serializers.CharField()
    reason = serializers.CharField()
    options = serializers.JSONField(
        help_text="Ranked: slots {start, end, provider, provider_name, service, score} or, for a "
        "refill, clients {customer, name, due, score} for slot_start/slot_end."
    )
    slot_start = serializers.DateTimeField(allow_null=True)
    slot_end = serializers.DateTimeField(allow_null=True)
    revenue = serializers.DecimalField(max_digits=10, decimal_places=2, allow_null=True)
    currency = serializers.CharField(
        source="salon.currency", help_text="The salon's ISO 4217 code for revenue; blank if unset."
    )
    created_at = serializers.DateTimeField()
    expires_at = serializers.DateTimeField()
    decided_at = serializers.DateTimeField(allow_null=True)
    booked_appointment_ref = serializers.CharField()
    notified_at = serializers.DateTimeField(allow_null=True)


class _SalonRebookingApi(APIView):
    permission_classes = [*APIView.permission_classes, SalonMember]
    write_action = Action.OPERATE

    def get_suggestion(self, pk) -> RebookingSuggestion:
        return get_object_or_404(
            RebookingSuggestion.objects.select_related("salon", "integration"),
            pk=pk,
            salon=self.salon,
        )


def _not_open(suggestion: RebookingSuggestion):
    if suggestion.status == SuggestionStatus.BOOKING:
        return error_response(
            "in_progress",
            "A booking for this suggestion is in progress; look again in a moment.",
            409,
            status=suggestion.status,
        )
    return error_response(
        "conflict",
        f"This suggestion is already {suggestion.get_status_display().lower()}.",
        409,
        status=suggestion.status,
    )


class SuggestionListApi(_SalonRebookingApi):
    LIMIT = 200

    @extend_schema(
        operation_id="rebooking_suggestions_list",
        parameters=[
            OpenApiParameter(
                "status",
                OpenApiTypes.STR,
                enum=SuggestionStatus.values,
                description="Default: open. The newest 200.",
            )
        ],
        responses=SuggestionOutput(many=True),
    )
    def get(self, request, slug):
        status = request.query_params.get("status") or SuggestionStatus.OPEN
        if status not in SuggestionStatus.values:
            return error_response(
                "invalid",
                f"status must be one of {', '.join(SuggestionStatus.values)}.",
                400,
                fields={"status": [f"“{status}” is not a suggestion status."]},
            )
        suggestions = suggestion_list(salon=self.salon, status=status)
        return Response(SuggestionOutput(suggestions[: self.LIMIT], many=True).data)


class SuggestionAcceptApi(_SalonRebookingApi):
    class AcceptInput(serializers.Serializer):
        option = serializers.IntegerField(min_value=0, default=0, help_text="Index in options.")

    class AcceptOutput(serializers.Serializer):
        message = serializers.CharField()
        appointment_ref = serializers.CharField()
        suggestion = SuggestionOutput()

    @extend_schema(
        operation_id="rebooking_suggestion_accept",
        request=AcceptInput,
        responses=AcceptOutput,
    )
    def post(self, request, slug, pk):
        suggestion = self.get_suggestion(pk)
        data = self.AcceptInput(data=request.data)
        data.is_valid(raise_exception=True)
        option = data.validated_data["option"]
        if suggestion.status != SuggestionStatus.OPEN:
            return _not_open(suggestion)
        if option >= len(suggestion.options or []):
            return error_response(
                "invalid",
                f"option must be between 0 and {len(suggestion.options or []) - 1}.",
                400,
                fields={"option": ["There is no such option."]},
            )
        outcome = suggestion_accept(suggestion=suggestion, option_index=option, user=request.user)
        suggestion.refresh_from_db()
        if outcome.ok:
            return Response(
                {
                    "message": outcome.message,
                    "appointment_ref": outcome.appointment_ref,
                    "suggestion": SuggestionOutput(suggestion).data,
                }
            )
        if outcome.in_progress:  # claimed by another request, or the outcome is not known yet
            return error_response("in_progress", outcome.message, 409, status=suggestion.status)
        if suggestion.status != SuggestionStatus.OPEN:  # decided by someone else meanwhile
            return _not_open(suggestion)
        options = suggestion.options or []
        if (
            option < len(options)
            and isinstance(options[option], dict)
            and options[option].get("taken")
        ):
            return error_response(
                "slot_taken", outcome.message, 409, next_option=outcome.next_option
            )
        return error_response("platform_error", outcome.message, 502)


class SuggestionDismissApi(_SalonRebookingApi):
    @extend_schema(
        operation_id="rebooking_suggestion_dismiss", request=None, responses=SuggestionOutput
    )
    def post(self, request, slug, pk):
        suggestion = self.get_suggestion(pk)
        if suggestion.status != SuggestionStatus.OPEN:
            return _not_open(suggestion)
        suggestion_dismiss(suggestion=suggestion, user=request.user)
        suggestion.refresh_from_db()
        if suggestion.status != SuggestionStatus.DISMISSED:
            return _not_open(suggestion)
        return Response(SuggestionOutput(suggestion).data)


# -- settings -----------------------------------------------------------------------------------
class RebookingSettingsApi(APIView):
    """GET the salon's rebooking settings; PUT replaces them (every field is required; send back
    what GET returned with your changes). Validated like the page: limits, intervals, quiet
    hours, recipients."""

    permission_classes = [*APIView.permission_classes, SalonMember]
    write_action = Action.EDIT_SALON

    class RebookingSettingsData(serializers.Serializer):
        enabled = serializers.BooleanField()
        on_cancellation = serializers.BooleanField()
        lookahead_days = serializers.IntegerField()
        suggestions_per_cancellation = serializers.IntegerField()
        prefer_same_provider = serializers.BooleanField()
        keep_usual_time = serializers.BooleanField()
        overdue_enabled = serializers.BooleanField()
        grace_factor = serializers.DecimalField(max_digits=4, decimal_places=2)
        min_visits = serializers.IntegerField()
        fallback_intervals = serializers.DictField(
            child=serializers.IntegerField(), help_text='Days per service category: {"Cut": 42}.'
        )
        interval_overrides = serializers.DictField(
            child=serializers.IntegerField(),
            required=False,
            help_text=(
                'The owner\'s days per category over the learned intervals: {"Colour": 49}. '
                "Left out of a PUT: unchanged."
            ),
        )
        default_fallback_days = serializers.IntegerField()
        cooldown_days = serializers.IntegerField()
        suggest_after_no_show = serializers.BooleanField()
        quiet_hours_start = WallClockField(format="%H:%M")
        quiet_hours_end = WallClockField(format="%H:%M")
        daily_cap = serializers.IntegerField()
        client_messages = serializers.BooleanField()
        notify = serializers.ChoiceField(choices=RebookingSettings.Recipients.choices)
        notify_emails = serializers.ListField(
            child=serializers.CharField(allow_blank=True), allow_empty=True
        )
        updated_at = serializers.DateTimeField(read_only=True)

        def validate_notify_emails(self, value: list[str]) -> list[str]:
            try:
                return parse_emails(value)
            except DjangoValidationError as exc:
                raise serializers.ValidationError(exc.messages) from None

        def to_representation(self, instance):
            data = super().to_representation(instance)
            data["notify_emails"] = instance.notify_email_list()
            return data

    @extend_schema(operation_id="rebooking_settings_get", responses=RebookingSettingsData)
    def get(self, request, slug):
        return Response(self.RebookingSettingsData(rebooking_settings_get(salon=self.salon)).data)

    @extend_schema(
        operation_id="rebooking_settings_put",
        request=RebookingSettingsData,
        responses=RebookingSettingsData,
    )
    def put(self, request, slug):
        data = self.RebookingSettingsData(data=request.data)
        data.is_valid(raise_exception=True)
        settings = rebooking_settings_get(salon=self.salon)
        values = dict(data.validated_data)
        values["notify_emails"] = "\n".join(values["notify_emails"])
        for name, value in values.items():
            setattr(settings, name, value)
        try:
            settings.full_clean(exclude=["salon"])
        except DjangoValidationError as exc:
            raise serializers.ValidationError(exc.message_dict) from None
        settings.save()
        return Response(self.RebookingSettingsData(settings).data)

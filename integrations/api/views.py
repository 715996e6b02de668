from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.response import Response
from rest_framework.views import APIView

from salons.roles import Action
from salons.selectors import salon_list_for_user

from ..models import Salon, validate_currency, validate_timezone
from .permissions import SalonMember


class SalonOutput(serializers.ModelSerializer):
    role = serializers.SerializerMethodField()

    class Meta:
        model = Salon
        fields = ["slug", "name", "timezone", "currency", "role"]

    def get_role(self, salon) -> str:
        return self.context["roles"].get(salon.pk, "")


class SalonListApi(APIView):
    @extend_schema(operation_id="salons_list", responses=SalonOutput(many=True))
    def get(self, request):
        salons = salon_list_for_user(user=request.user)
        roles = dict(request.user.memberships.values_list("salon_id", "role"))
        return Response(SalonOutput(salons, many=True, context={"roles": roles}).data)


class SalonDetailApi(APIView):
    permission_classes = [*APIView.permission_classes, SalonMember]
    write_action = Action.EDIT_SALON

    class InputSerializer(serializers.Serializer):
        name = serializers.CharField(max_length=200, required=False, allow_blank=False)
        timezone = serializers.CharField(
            max_length=64, required=False, validators=[validate_timezone]
        )
        currency = serializers.CharField(
            max_length=3,
            required=False,
            allow_blank=True,
            validators=[validate_currency],
            help_text="ISO 4217 code (USD, EUR, GBP…); blank for none.",
        )

    def _out(self):
        return SalonOutput(
            self.salon, context={"roles": {self.salon.pk: self.membership.role}}
        ).data

    @extend_schema(responses=SalonOutput)
    def get(self, request, slug):
        return Response(self._out())

    @extend_schema(request=InputSerializer, responses=SalonOutput)
    def patch(self, request, slug):
        data = self.InputSerializer(data=request.data, partial=True)
        data.is_valid(raise_exception=True)
        for key, value in data.validated_data.items():
            setattr(self.salon, key, value.strip() if key == "name" else value)
        self.salon.save(update_fields=list(data.validated_data) or None)
        return Response(self._out())

"""POST /api/v1/impact/: the sampling-impact calculator."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..impact import REQUIRED, calculate
from .serializers import SamplingSerializer


class ImpactInputSerializer(SamplingSerializer):
    """The calculator's inputs as a request stores them; those it cannot work without required."""

    production_model = serializers.ChoiceField(
        choices=["MTS", "MTO"], required=False, default="MTS"
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in REQUIRED:
            self.fields[name].required = True
            self.fields[name].allow_null = False


class ImpactSerializer(serializers.Serializer):
    remaining_units = serializers.DecimalField(
        max_digits=20, decimal_places=3, coerce_to_string=False
    )
    remaining_percent = serializers.DecimalField(
        max_digits=6, decimal_places=1, coerce_to_string=False
    )
    in_country_total_units = serializers.DecimalField(
        max_digits=20, decimal_places=3, coerce_to_string=False
    )
    in_country_percent = serializers.DecimalField(
        max_digits=6, decimal_places=1, coerce_to_string=False
    )
    patients = serializers.DecimalField(max_digits=20, decimal_places=1, coerce_to_string=False)
    whole_patients = serializers.IntegerField()
    remaining_without_in_country_units = serializers.DecimalField(
        max_digits=20, decimal_places=3, coerce_to_string=False
    )
    patients_without_in_country = serializers.DecimalField(
        max_digits=20, decimal_places=1, coerce_to_string=False
    )
    whole_patients_without_in_country = serializers.IntegerField()
    patients_lost_to_in_country = serializers.IntegerField()
    shelf_life_left_days = serializers.DecimalField(
        max_digits=10, decimal_places=2, allow_null=True, coerce_to_string=False
    )
    feasible = serializers.BooleanField(allow_null=True)


class ImpactView(APIView):
    @extend_schema(
        request=ImpactInputSerializer,
        responses={200: ImpactSerializer},
        summary="Sampling-impact calculator",
    )
    def post(self, request: Request) -> Response:
        data = ImpactInputSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        return Response(ImpactSerializer(calculate(**data.validated_data).as_dict()).data)

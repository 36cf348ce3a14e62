"""GET/POST /api/v1/waivers/{id}/batches/: batch notifications under a granted waiver.

A notification that is verified and refused is still a record: both outcomes answer ``201`` with
the record, whose ``status`` is ``released`` or ``refused`` and whose ``reasons`` give every point.
Input that cannot be verified at all is a ``400``; a waiver that is not granted a ``409``.
"""

from __future__ import annotations

from typing import Any

from django.http import FileResponse
from django.shortcuts import get_object_or_404
from django.urls import path, reverse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_field
from rest_framework import generics, serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from ..access import certificates_for, waivers_for
from ..models import BatchNotification, WaiverRequest
from ..selectors import batches as batch_reads
from ..services import batches as service
from .permissions import signed_in


class ReasonSerializer(serializers.Serializer):
    check = serializers.CharField()
    label = serializers.CharField()  # type: ignore[assignment]  # the reason's label, not the field's
    status = serializers.ChoiceField(choices=["pass", "fail"])
    detail = serializers.CharField()


class BatchSerializer(serializers.ModelSerializer):
    waiver = serializers.CharField(source="waiver.reference", read_only=True)
    notified_by = serializers.CharField(source="notified_by.username", read_only=True)
    reasons = ReasonSerializer(many=True, read_only=True)
    acknowledgement = serializers.SerializerMethodField()
    verification_code = serializers.SerializerMethodField()

    class Meta:
        model = BatchNotification
        fields = [
            "id",
            "reference",
            "waiver",
            "batch_number",
            "certificate",
            "status",
            "reasons",
            "notified_by",
            "notified_at",
            "acknowledgement",
            "verification_code",
            "flagged_for_sampling",
            "flag_reason",
            "flagged_at",
        ]
        read_only_fields = fields

    def get_acknowledgement(self, batch: BatchNotification) -> str | None:
        """The API URL of the acknowledgement PDF of a released batch."""
        if not batch.acknowledgement:
            return None
        url = reverse(
            "api-batch-acknowledgement", kwargs={"pk": batch.waiver_id, "batch_pk": batch.pk}
        )
        return self.context["request"].build_absolute_uri(url)

    def get_verification_code(self, batch: BatchNotification) -> str | None:
        return batch.verification_code if batch.acknowledgement else None


@extend_schema_field(OpenApiTypes.INT)
class OwnCertificateField(serializers.PrimaryKeyRelatedField):
    """A certificate id, looked up only among those the caller may see."""

    def get_queryset(self):
        return certificates_for(self.context["request"].user)


class NotifySerializer(serializers.Serializer):
    batch_number = serializers.CharField(max_length=100)
    certificate = OwnCertificateField(
        help_text="Id of the batch's Certificate of Analysis (uploaded via /api/v1/certificates/).",
        error_messages={"does_not_exist": "No Certificate of Analysis of yours has id {pk_value}."},
    )


def _waiver(request: Request, pk: int) -> WaiverRequest:
    return get_object_or_404(waivers_for(signed_in(request)), pk=pk)


class WaiverBatchesView(generics.ListAPIView):
    serializer_class = BatchSerializer

    def get_queryset(self):
        if getattr(self, "swagger_fake_view", False):  # schema generation has no waiver
            return BatchNotification.objects.none()
        return (
            batch_reads.batches_for(signed_in(self.request))
            .filter(waiver=_waiver(self.request, self.kwargs["pk"]))
            .select_related("waiver", "notified_by")
            .order_by("-notified_at", "-pk")
        )

    @extend_schema(summary="Batches notified under a waiver, newest first")
    def get(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        return super().get(request, *args, **kwargs)

    @extend_schema(
        request=NotifySerializer,
        responses={
            201: OpenApiResponse(
                BatchSerializer,
                description="Recorded: `status` is `released` (with an acknowledgement) or "
                "`refused`, and `reasons` gives every verification point.",
            ),
            400: OpenApiResponse(description="Invalid input, by field."),
            403: OpenApiResponse(description="Only the waiver's applicant organisation notifies."),
            404: OpenApiResponse(description="No such waiver visible to you."),
            409: OpenApiResponse(description="The waiver is not granted: `detail` and `state`."),
        },
        summary="Notify a batch: verified at once, released on the CoA or refused with reasons",
    )
    def post(self, request: Request, pk: int) -> Response:
        waiver = _waiver(request, pk)
        service.check_may_notify(waiver=waiver, user=signed_in(request))
        data = NotifySerializer(data=request.data, context={"request": request})
        data.is_valid(raise_exception=True)
        batch = service.notify_batch(
            waiver=waiver,
            user=signed_in(request),
            batch_number=data.validated_data["batch_number"],
            certificate=data.validated_data["certificate"],
        )
        return Response(self.get_serializer(batch).data, status=201)


class AcknowledgementView(APIView):
    @extend_schema(responses={(200, "application/pdf"): bytes}, summary="Acknowledgement PDF")
    def get(self, request: Request, pk: int, batch_pk: int) -> FileResponse:
        batch = get_object_or_404(
            batch_reads.batches_for(signed_in(request)).filter(waiver=_waiver(request, pk)),
            pk=batch_pk,
        )
        file, name = batch_reads.acknowledgement_of(batch)
        return FileResponse(file, as_attachment=True, filename=name, content_type="application/pdf")


urlpatterns = [
    path("", WaiverBatchesView.as_view(), name="api-waiver-batches"),
    path(
        "<int:batch_pk>/acknowledgement/",
        AcknowledgementView.as_view(),
        name="api-batch-acknowledgement",
    ),
]

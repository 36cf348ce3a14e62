"""/api/v1/certificates/: uploading evidence (multipart) and reading it back, PDF included."""

from __future__ import annotations

from django.db.models import QuerySet
from django.http import FileResponse
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, status, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import FormParser, MultiPartParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from .. import access
from ..models import Certificate
from ..services.evidence import upload_certificate
from .downloads import PdfDownloads, PdfRenderer, pdf_attachment
from .permissions import ApplicantWrites, signed_in, viewer
from .renderers import JSONRenderer
from .serializers import CertificateSerializer, CertificateUploadSerializer, ErrorSerializer


@extend_schema_view(
    list=extend_schema(summary="Certificates you may see"),
    retrieve=extend_schema(summary="A certificate's metadata"),
)
class CertificateViewSet(
    PdfDownloads,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    viewsets.GenericViewSet,
):
    """Evidence: GMP certificates, WHO CPPs and Certificates of Analysis, each a PDF."""

    lookup_value_regex = "[^/]+"  # a malformed id is a JSON 404 from the view, not a routing miss
    serializer_class = CertificateSerializer
    permission_classes = [IsAuthenticated, ApplicantWrites]
    parser_classes = [MultiPartParser, FormParser]

    def get_queryset(self) -> QuerySet[Certificate]:
        return access.certificates_for(viewer(self.request)).order_by("-uploaded_at", "-pk")

    @extend_schema(
        summary="Upload a GMP certificate, CPP or CoA (a PDF of at most the upload limit)",
        request={"multipart/form-data": CertificateUploadSerializer},
        responses={
            201: CertificateSerializer,
            200: OpenApiResponse(
                CertificateSerializer,
                description="Your organisation already holds this very file with the same "
                "details: it is returned.",
            ),
            409: OpenApiResponse(
                ErrorSerializer,
                description="Your organisation already holds this very file with other details; "
                "the message names the certificate.",
            ),
            413: ErrorSerializer,
            415: ErrorSerializer,
        },
    )
    def create(self, request: Request) -> Response:
        upload = CertificateUploadSerializer(data=request.data, context={"request": request})
        upload.is_valid(raise_exception=True)
        result = upload_certificate(
            user=signed_in(request),
            kind=upload.validated_data["kind"],
            file=upload.validated_data["file"],
            **upload.metadata(),
        )
        return Response(
            CertificateSerializer(result.certificate).data,
            status=status.HTTP_200_OK if result.reused else status.HTTP_201_CREATED,
        )

    @extend_schema(
        summary="The certificate's PDF",
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    @action(detail=True, renderer_classes=[JSONRenderer, PdfRenderer])
    def file(self, request: Request, pk: str) -> FileResponse:
        certificate = self.get_object()
        name = f"{certificate.get_kind_display()} {certificate.number or certificate.pk}.pdf"
        return pdf_attachment(certificate.file, name)

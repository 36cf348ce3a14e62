"""/api/v1/waivers/: waiver requests, their workflow actions, checks, history and letter.

Every change goes through the domain: services.cases for drafts, workflow.fire for transitions.
A case the user may not see is 404 (access.waivers_for); one they see but may not act on is 403;
an action the state does not allow is 409 with the current state.
"""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

from django.db.models import QuerySet
from django.http import FileResponse, Http404
from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiResponse, extend_schema, extend_schema_view
from rest_framework import mixins, serializers, viewsets
from rest_framework.decorators import action
from rest_framework.parsers import JSONParser
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from .. import access, audit, workflow
from ..errors import InvalidInput, NotPermitted
from ..models import SAMPLING_FIELDS, CheckResult, WaiverRequest
from ..services import archive
from ..services.cases import create_request, update_draft
from .downloads import PdfDownloads, PdfRenderer, ZipRenderer, pdf_attachment
from .filters import WaiverFilter
from .pagination import CaseListPagination
from .permissions import ApplicantWrites, signed_in, viewer
from .renderers import JSONRenderer
from .serializers import (
    ActionSerializer,
    AssignSerializer,
    AuditEntrySerializer,
    CheckResultSerializer,
    ConflictSerializer,
    ErrorSerializer,
    IncompleteSerializer,
    LegalHoldSerializer,
    MessageSerializer,
    RecommendSerializer,
    RespondSerializer,
    RevokeSerializer,
    SignSerializer,
    WaiverSerializer,
    WaiverUpdateSerializer,
)


def _workflow_action(
    name: str,
    input_serializer: type[serializers.Serializer],
    summary: str,
    url_path: str | None = None,
    bad_input: Any = ErrorSerializer,
) -> Any:
    """A POST …/{id}/{action}/ endpoint that fires the workflow transition ``name``."""

    def fire_action(self: WaiverViewSet, request: Request, pk: str) -> Response:
        case = self.get_object()
        data = input_serializer(data=request.data)
        data.is_valid(raise_exception=True)
        params = {k: v for k, v in data.validated_data.items() if v is not None}
        version = params.pop("version", None)
        workflow.fire(case, name, actor=signed_in(request), expected_version=version, **params)
        return Response(self.get_serializer(self.get_queryset().get(pk=case.pk)).data)

    # The router maps the method to the function's name, which must be its attribute name.
    fire_action.__name__ = "return_" if name == "return" else name
    routed = action(
        detail=True,
        methods=["post"],
        url_path=url_path or name,
        url_name=url_path or name,
        filterset_class=None,
    )(fire_action)
    return extend_schema(
        summary=summary,
        request=input_serializer,
        responses={200: WaiverSerializer, 400: bad_input, 409: ConflictSerializer},
    )(routed)


@contextmanager
def _refusals_as_sent() -> Iterator[None]:
    """A domain refusal in the shape of the request body: sampling figures under ``sampling``."""
    try:
        yield
    except InvalidInput as exc:
        sampling = {k: v for k, v in exc.errors.items() if k in SAMPLING_FIELDS}
        if not sampling:
            raise
        rest = {k: v for k, v in exc.errors.items() if k not in sampling}
        raise serializers.ValidationError({**rest, "sampling": sampling}) from exc


@extend_schema_view(
    list=extend_schema(summary="Waiver requests you may see"),
    retrieve=extend_schema(summary="One waiver request"),
    create=extend_schema(summary="Create a draft waiver request (applicant)"),
    partial_update=extend_schema(
        summary="Edit a draft (applicant)",
        request=WaiverUpdateSerializer,
        responses={200: WaiverSerializer, 409: ConflictSerializer},
    ),
)
class WaiverViewSet(
    PdfDownloads,
    mixins.ListModelMixin,
    mixins.RetrieveModelMixin,
    mixins.CreateModelMixin,
    mixins.UpdateModelMixin,
    viewsets.GenericViewSet,
):
    """Waiver requests: applicants create and edit drafts; both sides read and act on cases."""

    lookup_value_regex = "[^/]+"  # a malformed id is a JSON 404 from the view, not a routing miss
    serializer_class = WaiverSerializer
    filterset_class = WaiverFilter
    pagination_class = CaseListPagination
    parser_classes = [JSONParser]
    http_method_names = ["get", "post", "patch", "head", "options"]

    def get_queryset(self) -> QuerySet[WaiverRequest]:
        # Related objects are serialised as ids: nothing to join or prefetch (see LinkedIds).
        return access.waivers_for(viewer(self.request)).order_by("-updated_at", "-pk")

    def get_permissions(self) -> list[Any]:
        # Workflow actions are open to both sides: the workflow decides who may fire what.
        if self.action in ("create", "update", "partial_update"):
            return [IsAuthenticated(), ApplicantWrites()]
        return [IsAuthenticated()]

    def perform_create(self, serializer: serializers.BaseSerializer) -> None:
        assert isinstance(serializer, WaiverSerializer)
        with _refusals_as_sent():
            serializer.instance = create_request(
                user=signed_in(self.request), **serializer.domain_values()
            )

    def update(self, request: Request, *args: Any, **kwargs: Any) -> Response:
        case = self.get_object()
        data = WaiverUpdateSerializer(
            case, data=request.data, partial=True, context=self.get_serializer_context()
        )
        data.is_valid(raise_exception=True)
        with _refusals_as_sent():
            update_draft(
                waiver=case,
                user=signed_in(request),
                expected_version=data.validated_data.get("version"),
                **data.domain_values(),
            )
        return Response(self.get_serializer(self.get_queryset().get(pk=case.pk)).data)

    submit = _workflow_action(
        "submit",
        ActionSerializer,
        "Submit a draft (400 with `reasons` while evidence is incomplete)",
        bad_input=IncompleteSerializer,
    )
    withdraw = _workflow_action("withdraw", ActionSerializer, "Withdraw before a decision")
    assign = _workflow_action(
        "assign", AssignSerializer, "Assign a reviewer (or take the case yourself)"
    )
    request_information = _workflow_action(
        "request_information",
        MessageSerializer,
        "Ask the applicant for information (the review clock stops)",
        url_path="request-information",
    )
    respond = _workflow_action(
        "respond", RespondSerializer, "Answer an information request (the clock resumes)"
    )
    recommend = _workflow_action("recommend", RecommendSerializer, "Recommend a decision")
    return_ = _workflow_action(
        "return", MessageSerializer, "Return a recommendation to the reviewer", url_path="return"
    )
    sign = _workflow_action(
        "sign",
        SignSerializer,
        "Sign the decision (approver, not the recommender; 400 for a wrong password)",
    )
    revoke = _workflow_action("revoke", RevokeSerializer, "Revoke a granted waiver")

    @extend_schema(
        summary="Latest automated check results",
        responses={200: CheckResultSerializer(many=True)},
    )
    @action(detail=True, pagination_class=None, filterset_class=None)
    def checks(self, request: Request, pk: str) -> Response:
        case = self.get_object()
        results = CheckResult.objects.filter(waiver=case).order_by("check_name")
        return Response(CheckResultSerializer(results, many=True).data)

    @extend_schema(
        summary="The audit trail, oldest first", responses={200: AuditEntrySerializer(many=True)}
    )
    @action(detail=True, pagination_class=None, filterset_class=None)
    def history(self, request: Request, pk: str) -> Response:
        case = self.get_object()
        entries = audit.timeline_for(case, signed_in(request))
        return Response(AuditEntrySerializer(entries, many=True).data)

    @extend_schema(
        summary="The decision letter (404 until one is issued)",
        responses={(200, "application/pdf"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    @action(
        detail=True,
        pagination_class=None,
        filterset_class=None,
        renderer_classes=[JSONRenderer, PdfRenderer],
    )
    def letter(self, request: Request, pk: str) -> FileResponse:
        case = self.get_object()
        letter = case.letters.order_by("-version").first()
        if letter is None:
            raise Http404("No decision letter has been issued for this request yet.")
        return pdf_attachment(letter.file, f"{case.reference}-decision-v{letter.version}.pdf")

    @extend_schema(
        summary="The case's archive: evidence, letters, audit trail, manifest (NRA staff)",
        responses={(200, "application/zip"): OpenApiResponse(OpenApiTypes.BINARY)},
    )
    @action(
        detail=True,
        pagination_class=None,
        filterset_class=None,
        renderer_classes=[JSONRenderer, ZipRenderer],
    )
    def archive(self, request: Request, pk: str) -> FileResponse:
        case = self.get_object()
        user = signed_in(request)
        if not user.is_nra_staff:
            raise NotPermitted("Archives are exported by the NRA's reviewers and approvers.")
        response = FileResponse(
            archive.case_archive(user=user, case=case),
            as_attachment=True,
            filename=archive.case_filename(case),
            content_type="application/zip",
        )
        response["X-Content-Type-Options"] = "nosniff"
        return response

    @extend_schema(
        summary="Put the case on legal hold or release it (approvers of its NRA, with a reason)",
        request=LegalHoldSerializer,
        responses={200: LegalHoldSerializer, 400: ErrorSerializer, 403: ErrorSerializer},
    )
    @action(
        detail=True,
        methods=["post"],
        url_path="legal-hold",
        pagination_class=None,
        filterset_class=None,
    )
    def legal_hold(self, request: Request, pk: str) -> Response:
        case = self.get_object()
        data = LegalHoldSerializer(data=request.data)
        data.is_valid(raise_exception=True)
        held = archive.set_legal_hold(
            case=case,
            user=signed_in(request),
            hold=data.validated_data["hold"],
            reason=data.validated_data["reason"],
        )
        return Response({"hold": held.legal_hold, "legal_hold_reason": held.legal_hold_reason})

"""Serving stored PDFs to API clients: as an attachment the browser will not sniff into HTML."""

from __future__ import annotations

from typing import Any

from django.db.models.fields.files import FieldFile
from django.http import FileResponse, Http404
from rest_framework.renderers import BaseRenderer
from rest_framework.request import Request
from rest_framework.response import Response

from .renderers import JSONRenderer


class PdfRenderer(BaseRenderer):
    """Lets clients ask for `Accept: application/pdf`; the response body is the file itself."""

    media_type = "application/pdf"
    format = "pdf"
    charset = None
    render_style = "binary"

    def render(
        self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None
    ) -> Any:
        return data


class ZipRenderer(PdfRenderer):
    """Lets clients ask for `Accept: application/zip` (archives)."""

    media_type = "application/zip"
    format = "zip"


class PdfDownloads:
    """View mixin: file actions answer PDFs, while errors and JSON answers stay JSON even for a
    client that asked only for `application/pdf`."""

    def finalize_response(self, request: Request, response: Any, *args: Any, **kwargs: Any) -> Any:
        if isinstance(response, Response) and isinstance(
            getattr(request, "accepted_renderer", None), PdfRenderer
        ):
            request.accepted_renderer = JSONRenderer()
            request.accepted_media_type = JSONRenderer.media_type
        return super().finalize_response(request, response, *args, **kwargs)  # type: ignore[misc]


def pdf_attachment(file: FieldFile, filename: str) -> FileResponse:
    try:
        handle = file.open("rb")
    except (FileNotFoundError, ValueError) as exc:
        raise Http404("The stored file is missing.") from exc
    response = FileResponse(
        handle, as_attachment=True, filename=filename, content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response

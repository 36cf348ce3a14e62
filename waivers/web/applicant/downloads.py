"""Private PDFs leave the portal only as attachments the browser must not sniff."""

from __future__ import annotations

from django.db.models.fields.files import FieldFile
from django.http import FileResponse


def pdf_attachment(file: FieldFile, filename: str) -> FileResponse:
    response = FileResponse(
        file.open("rb"), as_attachment=True, filename=filename, content_type="application/pdf"
    )
    response["X-Content-Type-Options"] = "nosniff"
    return response

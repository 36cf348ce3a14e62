"""A 50 MB PDF upload: peak RSS growth ≤ 30 MB (the file is streamed to disk and hashed on the fly).

The request goes through Django's own multipart parser from a body read off disk (as a WSGI server
hands it over), then through ``upload_certificate``; RSS is sampled around exactly that.
"""

from __future__ import annotations

import random
import tempfile
import time
from datetime import date
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.handlers.wsgi import WSGIRequest
from django.db import transaction

from bench.measure import latency, peak_rss_mb, reset_peak_rss, rss_mb
from waivers.models import Authority, Certificate, User
from waivers.services.evidence import upload_certificate

MEGABYTE = 1024 * 1024
BOUNDARY = "----bench-upload-boundary"


def write_pdf(path: Path, megabytes: int) -> None:
    """A valid PDF of ``megabytes`` one-page scans: one uncompressed 1024x1024 grey image each."""
    rng = random.Random(megabytes)
    offsets: list[int] = []
    with path.open("wb") as out:

        def obj(number: int, body: bytes, stream: bytes | None = None) -> None:
            offsets.append(out.tell())
            out.write(f"{number} 0 obj\n".encode() + body)
            if stream is not None:
                out.write(b"\nstream\n" + stream + b"\nendstream")
            out.write(b"\nendobj\n")

        out.write(b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n")
        pages = megabytes
        kids = " ".join(f"{3 + 3 * i} 0 R" for i in range(pages))
        obj(1, b"<< /Type /Catalog /Pages 2 0 R >>")
        obj(2, f"<< /Type /Pages /Kids [{kids}] /Count {pages} >>".encode())
        for i in range(pages):
            page, content, image = 3 + 3 * i, 4 + 3 * i, 5 + 3 * i
            obj(
                page,
                f"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents {content} 0 R "
                f"/Resources << /XObject << /Im0 {image} 0 R >> >> >>".encode(),
            )
            draw = b"q 595 0 0 842 0 0 cm /Im0 Do Q"
            obj(content, f"<< /Length {len(draw)} >>".encode(), draw)
            pixels = rng.randbytes(MEGABYTE)
            obj(
                image,
                b"<< /Type /XObject /Subtype /Image /Width 1024 /Height 1024 "
                b"/ColorSpace /DeviceGray /BitsPerComponent 8 /Length %d >>" % len(pixels),
                pixels,
            )
        xref = out.tell()
        out.write(f"xref\n0 {len(offsets) + 1}\n0000000000 65535 f \n".encode())
        for offset in offsets:
            out.write(f"{offset:010d} 00000 n \n".encode())
        out.write(
            f"trailer\n<< /Size {len(offsets) + 1} /Root 1 0 R >>\nstartxref\n{xref}\n%%EOF\n".encode()
        )


def write_body(pdf: Path, body: Path, fields: dict[str, str]) -> None:
    """The multipart/form-data body a client would send, on disk."""
    with body.open("wb") as out:
        for name, value in fields.items():
            out.write(
                f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="{name}"\r\n\r\n{value}\r\n'.encode()
            )
        out.write(
            f'--{BOUNDARY}\r\nContent-Disposition: form-data; name="file"; filename="scan.pdf"\r\n'
            "Content-Type: application/pdf\r\n\r\n".encode()
        )
        with pdf.open("rb") as source:
            while chunk := source.read(MEGABYTE):
                out.write(chunk)
        out.write(f"\r\n--{BOUNDARY}--\r\n".encode())


def measure(*, size: int, smoke: bool) -> list[dict[str, Any]]:
    applicant = User.objects.get(username="bench-applicant")
    site = applicant.organisation.sites.first()
    issuer = Authority.objects.get(code="EU-EMA")
    fields = {
        "number": "GMP-BENCH-1",
        "inspected_on": "2024-11-20",
        "issued_on": "2025-01-01",
        "valid_until": "2027-12-31",
    }
    work = Path(tempfile.mkdtemp(prefix="bench-upload-"))
    settings.MEDIA_ROOT = str(work / "media")
    settings.FILE_UPLOAD_TEMP_DIR = None
    settings.UPLOAD_MAX_BYTES = 64 * MEGABYTE
    pdf, body = work / "scan.pdf", work / "body"
    write_pdf(pdf, 50)
    write_body(pdf, body, fields)
    growths, seconds = [], []
    for _ in range(1 if smoke else 3):
        with body.open("rb") as stream:
            environ = {
                "REQUEST_METHOD": "POST",
                "PATH_INFO": "/api/v1/certificates/",
                "CONTENT_TYPE": f"multipart/form-data; boundary={BOUNDARY}",
                "CONTENT_LENGTH": str(body.stat().st_size),
                "SERVER_NAME": "127.0.0.1",
                "SERVER_PORT": "8000",
                "wsgi.input": stream,
                "wsgi.url_scheme": "http",
            }
            reset_peak_rss()
            before = rss_mb()
            started = time.perf_counter()
            with transaction.atomic():
                request = WSGIRequest(environ)
                upload = upload_certificate(
                    user=applicant,
                    kind="gmp",
                    file=request.FILES["file"],
                    number=request.POST["number"],
                    issuing_authority=issuer,
                    inspected_on=date.fromisoformat(request.POST["inspected_on"]),
                    issued_on=date.fromisoformat(request.POST["issued_on"]),
                    valid_until=date.fromisoformat(request.POST["valid_until"]),
                    site=site,
                )
                assert upload.certificate.size == pdf.stat().st_size
                upload.certificate.file.delete(save=False)
                transaction.set_rollback(True)
            seconds.append(time.perf_counter() - started)
            growths.append(peak_rss_mb() - before)
    assert not Certificate.objects.filter(number="GMP-BENCH-1").exists()
    for path in sorted(work.rglob("*"), reverse=True):
        path.unlink() if path.is_file() else path.rmdir()
    work.rmdir()
    row = latency("upload: 50 MB PDF (parse + check + hash + store)", seconds)
    worst = max(growths)
    row.update(
        peak_rss_mb=round(worst, 1),
        rss_growth_mb=[round(g, 1) for g in growths],
        target="peak RSS growth ≤ 30 MB",
        met=worst <= 30,
    )
    return [row]

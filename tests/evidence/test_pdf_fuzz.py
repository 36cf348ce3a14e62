"""A bounded mutation fuzz of the PDF policy (issue 18, finding 5): whatever a mutated PDF holds,
the policy accepts it or refuses it with a reason; no other exception escapes to become a 500."""

from __future__ import annotations

import io
import zlib

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from pypdf import PdfWriter

from waivers.errors import NotAPdf, PdfRefused
from waivers.pdf_policy import PdfLimits, check_pdf

from ..factories import minimal_pdf
from .hostile import PAGES, document, one_page, stream

LIMITS = PdfLimits(pages=50, objects=2000, nesting=50, decompressed_bytes=8 * 1024 * 1024)


def _written_by_pypdf() -> bytes:
    writer = PdfWriter()
    writer.add_blank_page(width=595, height=842)
    writer.add_blank_page(width=595, height=842)
    buffer = io.BytesIO()
    writer.write(buffer)
    return buffer.getvalue()


SEEDS = [
    minimal_pdf("fuzz"),
    _written_by_pypdf(),
    document(
        [b"<< /Type /Catalog /Pages 2 0 R >>", PAGES],
        packed=[b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"],
    ),
    one_page(
        page=b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        more=[stream(b"/Filter /FlateDecode", zlib.compress(b"BT /F1 12 Tf (x) Tj ET" * 50))],
    ),
]
TOKENS = [
    b"obj",
    b"endobj",
    b"<<",
    b">>",
    b"[",
    b"]",
    b"(",
    b")",
    b" R ",
    b"0 0 R",
    b"/Kids",
    b"/Pages",
    b"/Type /ObjStm /N 99999 /First 3",
    b"/Length 999999999",
    b"/Length -1",
    b"/Filter /FlateDecode",
    b"/Filter [/LZWDecode /RunLengthDecode]",
    b"stream\n",
    b"endstream",
    b"xref\n0 9999999\n",
    b"trailer",
    b"startxref\n0\n",
    b"%%EOF",
    b"/Prev 0",
    b"/Encrypt",
    b"#",
    b"\x00",
    b"\xff" * 8,
]

mutation = st.one_of(
    st.tuples(st.just("flip"), st.integers(0, 10**6), st.integers(1, 255)),
    st.tuples(st.just("delete"), st.integers(0, 10**6), st.integers(1, 64)),
    st.tuples(st.just("insert"), st.integers(0, 10**6), st.sampled_from(TOKENS)),
    st.tuples(st.just("random"), st.integers(0, 10**6), st.binary(min_size=1, max_size=16)),
    st.tuples(st.just("repeat"), st.integers(0, 10**6), st.integers(2, 200)),
)


def mutate(data: bytes, steps: list[tuple]) -> bytes:
    out = bytearray(data)
    for kind, position, argument in steps:
        at = position % (len(out) + 1)
        if kind == "flip" and at < len(out):
            out[at] ^= argument
        elif kind == "delete":
            del out[at : at + argument]
        elif kind in ("insert", "random"):
            out[at:at] = argument
        elif kind == "repeat":
            out[at:at] = bytes(out[at : at + 8]) * argument
    return bytes(out)


@settings(
    max_examples=3000,
    deadline=None,
    derandomize=True,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(seed=st.sampled_from(SEEDS), steps=st.lists(mutation, min_size=1, max_size=6))
def test_a_mutated_pdf_is_accepted_or_refused_with_a_reason(seed, steps):
    try:
        check_pdf(io.BytesIO(mutate(seed, steps)), LIMITS)
    except PdfRefused as refusal:
        assert refusal.reason
    except NotAPdf as refusal:
        assert refusal.message

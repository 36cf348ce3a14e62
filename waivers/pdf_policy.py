"""The PDF policy: which uploaded files the portal keeps as evidence and shows to reviewers.

Evidence is opened by NRA reviewers, in the portal's viewer and in their own PDF readers, so a
file is judged before it is stored, on the web and the API alike (``check_pdf``):

- it must be a PDF from its first byte, complete, unencrypted and free of HTML (a polyglot that a
  browser could be led to run as a page);
- it is bounded: pages, objects, nesting and the bytes its streams decompress to
  (``PdfLimits``, from settings), every stream inflated with a running cap, never whole;
- it carries no active content: JavaScript, actions that run by themselves (an ``/OpenAction``
  other than opening a page, ``/AA``), ``/Launch`` and other active actions, embedded files, XFA
  forms, multimedia or 3D. Such a file is refused, not rewritten: what a reviewer reads is then
  always byte for byte what the applicant sent (its SHA-256 is the record's).

Whatever the parser makes of a malformed file, the answer is a refusal with a reason
(``PdfRefused``, or ``NotAPdf`` for a file that is not a PDF at all), never another exception.
"""

from __future__ import annotations

import logging
import re
import zlib
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from typing import IO, Any

from django.conf import settings
from pypdf import PdfReader, apply_configuration
from pypdf.errors import LimitReachedError
from pypdf.filters import ASCII85Decode, ASCIIHexDecode, LZWDecode, RunLengthDecode
from pypdf.generic import (
    ArrayObject,
    DictionaryObject,
    IndirectObject,
    NameObject,
    PdfObject,
    StreamObject,
)

from .errors import NotAPdf, PdfRefused

logger = logging.getLogger(__name__)

CHUNK = 1024 * 1024
TAIL_BYTES = 2048
REFUSED = " Export or print the document to a plain PDF and upload that."
# The most pypdf may inflate of one stream it reads itself (its own default).
PYPDF_STREAM_CAP = 75_000_000

# Markup a browser would run if it ever took the file for a page; long enough never to occur by
# chance in compressed data.
HTML = re.compile(rb"<(?:!doctype\s+html|html|body|script|iframe)[\s>/]", re.IGNORECASE)


def _name_pattern(name: str) -> bytes:
    """A PDF name as it may be spelt in the file: each character plain or as ``#xx``."""
    return b"/" + b"".join(b"(?:%s|#(?i:%02x))" % (re.escape(c.encode()), ord(c)) for c in name)


RAW_NAME_REASONS = {
    "JavaScript": "The PDF contains JavaScript.",
    "Launch": "The PDF launches other programs or files (/Launch).",
    "EmbeddedFile": "The PDF carries an embedded file.",
    "EmbeddedFiles": "The PDF carries an embedded file.",
    "XFA": "The PDF is an XFA form.",
}
# Names of active content, found in the raw bytes whatever the cross-reference table says (a
# viewer that repairs a file sees objects the table leaves out). Short names (/JS, /AA) occur by
# chance in binary data and are left to the walk over the parsed objects.
ACTIVE_NAMES = re.compile(
    b"(?:"
    + b"|".join(_name_pattern(n) for n in RAW_NAME_REASONS)
    + rb")(?=[\s\x00/<>\[\]()%{}]|$)",
)

ACTIVE_KEYS = {
    "/JS": "The PDF contains JavaScript.",
    "/JavaScript": "The PDF contains JavaScript.",
    "/AA": "The PDF runs actions by itself when a page or field is viewed (/AA).",
    "/XFA": "The PDF is an XFA form.",
    "/EmbeddedFiles": "The PDF carries an embedded file.",
    "/EF": "The PDF carries an embedded file.",
}
ACTIVE_ACTIONS = {
    "/JavaScript": "The PDF contains JavaScript.",
    "/Launch": "The PDF launches other programs or files (/Launch).",
    "/ImportData": "The PDF imports data from elsewhere (/ImportData).",
    "/SubmitForm": "The PDF sends data elsewhere (/SubmitForm).",
    "/GoToE": "The PDF opens an embedded file (/GoToE).",
    "/RichMediaExecute": "The PDF contains multimedia or 3D content.",
    "/Rendition": "The PDF contains multimedia or 3D content.",
}
ACTIVE_SUBTYPES = {
    "/FileAttachment": "The PDF carries an embedded file.",
    **{
        subtype: "The PDF contains multimedia or 3D content."
        for subtype in ("/RichMedia", "/Screen", "/Movie", "/Sound", "/3D")
    },
}

FLATE = {"/FlateDecode", "/Fl"}
# Decoders whose output is never longer than their input.
SHRINKING: dict[str, Callable[[bytes], bytes]] = {
    "/ASCIIHexDecode": ASCIIHexDecode.decode,
    "/AHx": ASCIIHexDecode.decode,
    "/ASCII85Decode": ASCII85Decode.decode,
    "/A85": ASCII85Decode.decode,
}
# pypdf's own decoders, capped by its configuration (set to what the budget has left).
CAPPED: dict[str, Callable[[bytes], bytes]] = {
    "/LZWDecode": LZWDecode.decode,
    "/LZW": LZWDecode.decode,
    "/RunLengthDecode": RunLengthDecode.decode,
    "/RL": RunLengthDecode.decode,
}
DECODED = FLATE | set(SHRINKING) | set(CAPPED)


@dataclass(frozen=True)
class PdfLimits:
    pages: int
    objects: int
    nesting: int
    decompressed_bytes: int

    @classmethod
    def from_settings(cls) -> PdfLimits:
        return cls(
            pages=settings.PDF_MAX_PAGES,
            objects=settings.PDF_MAX_OBJECTS,
            nesting=settings.PDF_MAX_NESTING,
            decompressed_bytes=settings.PDF_MAX_DECOMPRESSED_BYTES,
        )


def check_pdf(file: IO[bytes], limits: PdfLimits | None = None) -> None:
    """Refuse a file the policy does not accept (``PdfRefused``, ``NotAPdf``); else return."""
    limits = limits or PdfLimits.from_settings()
    file.seek(0)
    _check_bytes(file)
    file.seek(0)
    pypdf_cap = min(limits.decompressed_bytes, PYPDF_STREAM_CAP)
    try:
        with apply_configuration(
            zlib_maximum_output_length=pypdf_cap,
            lzw_maximum_output_length=pypdf_cap,
            run_length_maximum_output_length=pypdf_cap,
            jbig2dec_binary=None,
        ):
            reader = PdfReader(file, strict=False, xref_stream_maximum_entries=limits.objects)
            _Inspection(reader, limits).run()
    except PdfRefused:
        raise
    except LimitReachedError as exc:
        logger.info("PDF refused, a limit of the parser was reached: %s", exc)
        raise PdfRefused("The PDF is too large or complex to read safely." + REFUSED) from exc
    except Exception as exc:  # whatever a malformed file makes the parser raise is a refusal
        if _caused_by(exc, RecursionError):
            raise PdfRefused(
                "The PDF's objects are nested too deeply to read safely." + REFUSED
            ) from exc
        logger.info("PDF refused, the parser failed: %r", exc)
        raise PdfRefused(
            "The PDF is corrupt or malformed and cannot be read; upload the complete, original file."
        ) from exc
    finally:
        file.seek(0)


def _caused_by(exc: BaseException | None, kind: type[BaseException]) -> bool:
    """Whether the exception or one it was raised from is of the kind (pypdf wraps some)."""
    while exc is not None:
        if isinstance(exc, kind):
            return True
        exc = exc.__cause__ or exc.__context__
    return False


def _chunks(file: IO[bytes]) -> Iterator[bytes]:
    while chunk := file.read(CHUNK):
        yield chunk


def _check_bytes(file: IO[bytes]) -> None:
    """What the raw bytes alone tell: a PDF from the first byte to a final %%EOF, no HTML, no
    names of active content."""
    tail, overlap = b"", b""
    for chunk in _chunks(file):
        if not tail and not chunk.startswith(b"%PDF-"):
            raise NotAPdf("The file is not a PDF (judged by its content, not its name).")
        window = overlap + chunk
        if HTML.search(window):
            raise PdfRefused("The file contains HTML as well as PDF." + REFUSED)
        found = ACTIVE_NAMES.search(window)
        if found:
            name = re.sub(rb"#([0-9a-fA-F]{2})", lambda m: bytes.fromhex(m[1].decode()), found[0])
            raise PdfRefused(RAW_NAME_REASONS[name[1:].decode("latin-1")] + REFUSED)
        overlap = window[-64:]
        tail = (tail + chunk)[-TAIL_BYTES:]
    if not tail:
        raise PdfRefused("The file is empty.")
    if b"%%EOF" not in tail:
        raise PdfRefused("The PDF is truncated or corrupt; upload the complete file.")


class _Inspection:
    """One walk over every object of a parsed file, within the limits."""

    def __init__(self, reader: PdfReader, limits: PdfLimits) -> None:
        self.reader = reader
        self.limits = limits
        self.budget = limits.decompressed_bytes
        self.declared_in_streams = 0

    def run(self) -> None:
        reader = self.reader
        if reader.is_encrypted:
            raise PdfRefused(
                "The PDF is encrypted or password-protected; upload an unprotected copy."
            )
        listed = len(reader.xref_objStm) + sum(len(table) for table in reader.xref.values())
        declared = reader.trailer.get("/Size", 0)
        if max(listed, declared if isinstance(declared, int) else 0) > self.limits.objects:
            self._too_many_objects()
        # The page tree first, a cheap refusal (an object stream it opens is inflated by pypdf,
        # within PYPDF_STREAM_CAP); then every object, those stored as such first, so that the
        # other object streams are sized against the budget before the objects inside are read.
        self._count_pages()
        for generation, table in reader.xref.items():
            for number in table:
                self._inspect(IndirectObject(number, generation, reader))
        for number in reader.xref_objStm:
            self._inspect(IndirectObject(number, 0, reader))

    def _too_many_objects(self) -> None:
        raise PdfRefused(f"The PDF has more than {self.limits.objects:,} objects." + REFUSED)

    def _too_deep(self, what: str) -> None:
        raise PdfRefused(
            f"The PDF's {what} is nested deeper than {self.limits.nesting} levels." + REFUSED
        )

    def _inspect(self, reference: IndirectObject) -> None:
        stack: list[tuple[Any, int]] = [(reference.get_object(), 1)]
        while stack:
            value, depth = stack.pop()
            if depth > self.limits.nesting:
                self._too_deep("structure")
            if isinstance(value, DictionaryObject):
                self._check_dictionary(value)
                stack.extend((item, depth + 1) for item in value.values())
            elif isinstance(value, ArrayObject):
                stack.extend((item, depth + 1) for item in value)

    def _check_dictionary(self, dictionary: DictionaryObject) -> None:
        for key, reason in ACTIVE_KEYS.items():
            if key in dictionary:
                raise PdfRefused(reason + REFUSED)
        action, subtype = _name(dictionary, "/S"), _name(dictionary, "/Subtype")
        if action in ACTIVE_ACTIONS:
            raise PdfRefused(ACTIVE_ACTIONS[action] + REFUSED)
        if subtype in ACTIVE_SUBTYPES:
            raise PdfRefused(ACTIVE_SUBTYPES[subtype] + REFUSED)
        if _name(dictionary, "/Type") == "/EmbeddedFile":
            raise PdfRefused("The PDF carries an embedded file." + REFUSED)
        if "/OpenAction" in dictionary and not _opens_a_page(dictionary["/OpenAction"]):
            raise PdfRefused("The PDF runs an action when it is opened (/OpenAction)." + REFUSED)
        if isinstance(dictionary, StreamObject):
            self._spend(self._decoded_size(dictionary))
            if _name(dictionary, "/Type") == "/ObjStm":
                count = dictionary.get("/N")
                self.declared_in_streams += count if isinstance(count, int) else 0
                if self.declared_in_streams > self.limits.objects:
                    self._too_many_objects()

    def _spend(self, size: int) -> None:
        self.budget -= size
        if self.budget < 0:
            raise PdfRefused(
                "The PDF decompresses to more than "
                f"{self.limits.decompressed_bytes // (1024 * 1024)} MB." + REFUSED
            )

    def _decoded_size(self, stream: StreamObject) -> int:
        """The bytes the stream's filters produce, up to the image codecs (which the policy
        leaves encoded: their size as stored counts)."""
        filters = _resolved(stream.get("/Filter"))
        listed = filters if isinstance(filters, ArrayObject) else [filters] if filters else []
        names = [_resolved(name) for name in listed]
        data: bytes = stream._data  # the bytes as stored (pypdf's documented raw attribute)
        for position, name in enumerate(names):
            if name in FLATE:
                if not DECODED.intersection(names[position + 1 :]):
                    return sum(len(part) for part in self._inflate(data))
                data = b"".join(self._inflate(data))
            elif name in SHRINKING:
                data = SHRINKING[name](data)
            elif name in CAPPED:
                cap = max(min(self.budget, PYPDF_STREAM_CAP), 1)
                with apply_configuration(
                    lzw_maximum_output_length=cap, run_length_maximum_output_length=cap
                ):
                    data = CAPPED[name](data)
            else:
                break
        return len(data)

    def _inflate(self, data: bytes) -> Iterator[bytes]:
        """Inflate in chunks, refusing as soon as the budget is spent (a bomb is never whole)."""
        for wbits in (zlib.MAX_WBITS | 32, -zlib.MAX_WBITS):  # a zlib or gzip header, else raw
            inflater, produced = zlib.decompressobj(wbits), 0
            try:
                part = inflater.decompress(data, CHUNK)
                while part:
                    produced += len(part)
                    if produced > self.budget:
                        self._spend(produced)
                    yield part
                    if inflater.eof:
                        return
                    part = inflater.decompress(inflater.unconsumed_tail, CHUNK)
                return
            except zlib.error:
                if produced:
                    return  # a damaged end: what came out is what a viewer shows

    def _count_pages(self) -> None:
        root = self.reader.trailer.get("/Root")
        catalog = root.get_object() if isinstance(root, PdfObject) else None
        if not isinstance(catalog, DictionaryObject) or "/Pages" not in catalog:
            raise PdfRefused("The PDF has no pages.")
        stack: list[tuple[Any, int]] = [(catalog.raw_get("/Pages"), 1)]
        seen: set[int] = set()
        pages = 0
        while stack:
            node, depth = stack.pop()
            if isinstance(node, IndirectObject):
                if node.idnum in seen:
                    raise PdfRefused("The PDF's page tree refers back to itself." + REFUSED)
                seen.add(node.idnum)
            node = node.get_object()
            if depth > self.limits.nesting:
                self._too_deep("page tree")
            if not isinstance(node, DictionaryObject):
                continue
            kids = node.get("/Kids")
            if isinstance(kids, ArrayObject):
                if len(kids) > self.limits.pages:
                    self._too_many_pages()
                stack.extend((kid, depth + 1) for kid in kids)
            else:
                pages += 1
                if pages > self.limits.pages:
                    self._too_many_pages()
        if pages == 0:
            raise PdfRefused("The PDF has no pages.")

    def _too_many_pages(self) -> None:
        raise PdfRefused(f"The PDF has more than {self.limits.pages:,} pages." + REFUSED)


def _opens_a_page(opening: PdfObject) -> bool:
    """An opening action that only shows a page (what LibreOffice and Word write) is passive."""
    action = opening.get_object()
    if isinstance(action, ArrayObject):
        return True
    return isinstance(action, DictionaryObject) and _name(action, "/S") == "/GoTo"


def _resolved(value: Any) -> Any:
    """A value as a viewer reads it: what a reference points to."""
    return value.get_object() if isinstance(value, IndirectObject) else value


def _name(dictionary: DictionaryObject, key: str) -> str:
    """The name under the key, even if stored as a reference; "" for anything else."""
    value = _resolved(dictionary.get(key))
    return value if isinstance(value, NameObject) else ""

"""`Idempotency-Key` on API POSTs: a retried create or action is answered as the first was.

A client that lost an answer (a dropped connection, a 503, a timeout) cannot know whether its POST
was done. Sent with the same ``Idempotency-Key`` header, the retry is answered with the first
successful answer, and nothing is done twice. The view runs in one transaction with the storing of
its answer, keyed per user and key (a unique constraint), so that:

- an answer that is stored was committed with the work it reports, and work that failed (5xx) is
  rolled back and stores nothing: a retry does it afresh;
- a retry, even one racing the first attempt, runs in its own transaction, finds the first answer
  (the unique key, or a refusal it meets because the work is done) and is rolled back whole,
  answering the first answer with ``Idempotent-Replayed: true``;
- the same key with another method, path or body (for an upload: other fields or files, whatever
  its multipart boundary) is refused with 422 and rolled back.

Only successful (2xx) answers are kept, for ``IDEMPOTENCY_KEY_HOURS``; a refusal is not, so a
corrected retry is tried afresh. POSTs without a signed-in user (the token request) are not kept:
their answer may hold a secret. Runs last among the middleware and calls the view itself
(``process_view``), so the transaction covers everything DRF does, authentication included.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from typing import Any

from django.core.files.uploadhandler import FileUploadHandler
from django.db import IntegrityError, transaction
from django.http import HttpRequest, HttpResponse, HttpResponseBase, JsonResponse

from ..models import IdempotentResponse
from ..services.idempotency import kept_since
from .errors import API_PREFIX

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 255


class _BodyStream:
    """The request body as the view reads it, counted, and hashed on the way unless ``digest`` is
    None (uploads are never held whole)."""

    def __init__(self, stream: Any, digest: Any, length: int) -> None:
        self._stream, self._digest, self.left = stream, digest, length

    def _seen(self, data: bytes) -> bytes:
        if self._digest is not None:
            self._digest.update(data)
        self.left -= len(data)
        return data

    def read(self, *args: Any) -> bytes:
        return self._seen(self._stream.read(*args))

    def readline(self, *args: Any) -> bytes:
        return self._seen(self._stream.readline(*args))

    def __getattr__(self, name: str) -> Any:
        return getattr(self._stream, name)


class _HashingUploads(FileUploadHandler):
    """Feeds each uploaded file, as it streams past, to the digest, and passes it on untouched.

    A multipart body is fingerprinted by its fields and files, not its bytes: its boundary is
    random, so a client's retry of the same upload has other bytes."""

    def __init__(self, digest: Any, request: HttpRequest) -> None:
        super().__init__(request)
        self._digest = digest

    def new_file(self, field_name: str, file_name: str, *args: Any, **kwargs: Any) -> None:
        super().new_file(field_name, file_name, *args, **kwargs)
        self._digest.update(f"\nfile {field_name!r} {file_name!r}\n".encode())

    def receive_data_chunk(self, raw_data: bytes, start: int) -> bytes:
        self._digest.update(raw_data)
        return raw_data

    def file_complete(self, file_size: int) -> None:
        return None


def _replay(first: IdempotentResponse, fingerprint: str) -> HttpResponse:
    if first.fingerprint != fingerprint:
        return JsonResponse(
            {
                "detail": f"This {HEADER} was first sent with another request; "
                "use a new key for a new request."
            },
            status=422,
        )
    response = HttpResponse(bytes(first.body), status=first.status, content_type=first.content_type)
    response["Idempotent-Replayed"] = "true"
    return response


class IdempotentPosts:
    def __init__(self, get_response: Callable[[HttpRequest], HttpResponseBase]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponseBase:
        return self.get_response(request)

    def process_view(
        self,
        request: HttpRequest,
        view: Callable[..., HttpResponseBase],
        args: tuple[Any, ...],
        kwargs: dict[str, Any],
    ) -> HttpResponseBase | None:
        key = request.headers.get(HEADER)
        if key is None or request.method != "POST" or not request.path_info.startswith(API_PREFIX):
            return None
        if not 0 < len(key) <= MAX_KEY_LENGTH:
            return JsonResponse(
                {"detail": f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters."}, status=400
            )
        digest = hashlib.sha256(
            f"{request.method} {request.path_info}\n{request.content_type}\n".encode()
        )
        multipart = request.content_type == "multipart/form-data"
        if multipart:
            request.upload_handlers.insert(0, _HashingUploads(digest, request))
        body = _BodyStream(
            request._stream,  # type: ignore[attr-defined]  # HttpRequest.read() reads it
            None if multipart else digest,
            int(request.META.get("CONTENT_LENGTH") or 0),
        )
        request._stream = body  # type: ignore[assignment]
        replayed: HttpResponse | None = None
        with transaction.atomic():
            response = view(request, *args, **kwargs)
            render = getattr(response, "render", None)
            if callable(render):
                response = render()
            if response.status_code >= 500:
                transaction.set_rollback(True)
                return response
            user = getattr(request, "user", None)
            if user is None or not user.is_authenticated or body.left > 0:
                return response  # nobody to key it to, or a body the view did not read
            if not isinstance(response, HttpResponse):
                return response  # a streamed file: not kept
            if multipart:  # read whole, so parsed: DRF left the fields on the request
                digest.update(repr(sorted(request.POST.lists())).encode())
            fingerprint = digest.hexdigest()
            kept = IdempotentResponse.objects.filter(user=user, key=key)
            if 200 <= response.status_code < 300:
                try:
                    with transaction.atomic():
                        kept.filter(created_at__lt=kept_since()).delete()
                        IdempotentResponse.objects.create(
                            user=user,
                            key=key,
                            fingerprint=fingerprint,
                            status=response.status_code,
                            content_type=response.get("Content-Type", ""),
                            body=response.content,
                        )
                except IntegrityError:
                    pass  # a first attempt committed the key meanwhile: answer as it was answered
                else:
                    return response
            first = kept.filter(created_at__gte=kept_since()).first()
            if first is None:
                return response
            replayed = _replay(first, fingerprint)
            transaction.set_rollback(True)
        return replayed

"""Domain errors. Their messages are written for the person who caused them.

The web and API layers map them to messages and HTTP statuses in one place each
(waivers.web.errors and waivers.api.errors).
"""

from __future__ import annotations

from django.core.exceptions import ValidationError


class DomainError(Exception):
    status = 400

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


class InvalidInput(DomainError):
    """Input that cannot be accepted; ``errors`` maps field names to messages."""

    def __init__(self, errors: dict[str, list[str]]) -> None:
        self.errors = errors
        super().__init__("; ".join(f"{field}: {' '.join(msgs)}" for field, msgs in errors.items()))

    @staticmethod
    def messages_of(exc: ValidationError) -> dict[str, list[str]]:
        """A model's refusal as field → messages, the shape forms and the API show."""
        if hasattr(exc, "error_dict"):
            return {
                ("non_field_errors" if k == "__all__" else k): [
                    str(m) for e in v for m in e.messages
                ]
                for k, v in exc.error_dict.items()
            }
        return {"non_field_errors": list(exc.messages)}

    @classmethod
    def from_validation_error(cls, exc: ValidationError) -> InvalidInput:
        return cls(cls.messages_of(exc))


class PdfRefused(InvalidInput):
    """An uploaded PDF that the PDF policy refuses (waivers.pdf_policy), with the reason why."""

    def __init__(self, reason: str) -> None:
        super().__init__({"file": [reason]})
        self.reason = reason


class NotPermitted(DomainError):
    status = 403


class TransitionNotAllowed(DomainError):
    status = 409

    def __init__(self, action: str, state: str, label: str) -> None:
        super().__init__(f"You cannot {label} a case that is {state.replace('_', ' ')}.")
        self.action = action
        self.state = state


class StaleCase(DomainError):
    status = 409

    def __init__(self, state: str) -> None:
        super().__init__("This case changed since you opened it: reload the page and try again.")
        self.state = state


class EvidenceIncomplete(DomainError):
    def __init__(self, reasons: list[str]) -> None:
        super().__init__("The request cannot be submitted yet: " + " ".join(reasons))
        self.reasons = reasons


class SignatureRejected(DomainError):
    """Wrong password at signing. The attempt is audited."""


class SigningLocked(DomainError):
    status = 403


class FileTooLarge(DomainError):
    status = 413


class NotAPdf(DomainError):
    status = 415


class DuplicateEvidence(DomainError):
    """The very file is already held as a certificate whose details differ from the upload's."""

    status = 409


class EntryInUse(DomainError):
    """A site or product that a submitted request rests on cannot change."""

    status = 409


class AlreadyDone(DomainError):
    """The action would change nothing (e.g. assigning the reviewer already assigned)."""

    status = 409


class WaiverNotInForce(TransitionNotAllowed):
    """Batches are notified only under a granted waiver; any other state is a conflict (409)."""

    def __init__(self, state: str) -> None:
        super().__init__("notify_batch", state, "notify a batch under")
        self.message = (
            f"Batches can only be notified under an approved waiver; this one is "
            f"{state.replace('_', ' ')}."
        )
        self.args = (self.message,)


class NoAcknowledgement(DomainError):
    """Only a batch released on its CoA has an acknowledgement to download."""

    status = 404


class CodeRefused(DomainError):
    """A two-factor code refused: a wrong, reused or malformed code, or one tried too soon after a wrong one."""

    def __init__(self, message: str, *, retry_after: int = 0) -> None:
        super().__init__(message)
        self.retry_after = retry_after

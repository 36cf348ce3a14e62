from .audit import GENESIS, AuditCheckpoint, AuditEntry, AuditTrailIsAppendOnly, Chain
from .batches import BatchNotification, BatchStatus
from .cases import (
    DECIDED_STATES,
    GRANTED_STATES,
    OPEN_STATES,
    SAMPLING_FIELDS,
    SUBMITTED_TO_NRA,
    CheckResult,
    CheckStatus,
    Message,
    Outcome,
    ReferenceCounter,
    Scope,
    Signature,
    State,
    WaiverRequest,
)
from .catalogue import AtmpClass, Product, ProductionModel, Site
from .documents import DecisionLetter, new_verification_code, normalise_verification_code
from .evidence import KIND_FIELDS, Certificate, CertificateKind, certificate_label
from .idempotency import IdempotentResponse
from .notifications import Notification
from .outbox import OutboxMessage
from .people import Organisation, Role, User
from .register import Authority, Recognition, ReliancePolicy, Scheme
from .sweeps import Announcement, SweepRun
from .tokens import ApiToken

__all__ = [
    "DECIDED_STATES",
    "GENESIS",
    "GRANTED_STATES",
    "KIND_FIELDS",
    "OPEN_STATES",
    "SAMPLING_FIELDS",
    "SUBMITTED_TO_NRA",
    "Announcement",
    "ApiToken",
    "AtmpClass",
    "AuditCheckpoint",
    "AuditEntry",
    "AuditTrailIsAppendOnly",
    "Authority",
    "BatchNotification",
    "BatchStatus",
    "Certificate",
    "CertificateKind",
    "Chain",
    "CheckResult",
    "CheckStatus",
    "DecisionLetter",
    "IdempotentResponse",
    "Message",
    "Notification",
    "Organisation",
    "OutboxMessage",
    "Outcome",
    "Product",
    "ProductionModel",
    "Recognition",
    "ReferenceCounter",
    "ReliancePolicy",
    "Role",
    "Scheme",
    "Scope",
    "Signature",
    "Site",
    "State",
    "SweepRun",
    "User",
    "WaiverRequest",
    "certificate_label",
    "new_verification_code",
    "normalise_verification_code",
]

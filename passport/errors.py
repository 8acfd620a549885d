"""Domain errors. They carry no HTTP status: ``api.errors`` maps them in one table."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime


@dataclass(frozen=True)
class FieldError:
    """One violation, located by a JSON pointer into the request document."""

    pointer: str
    message: str

    def as_dict(self) -> dict[str, str]:
        return {"pointer": self.pointer, "message": self.message}


class KreislaufError(Exception):
    """Base of every error the domain raises on purpose."""

    title = "Registry error"

    def __init__(self, detail: str) -> None:
        super().__init__(detail)
        self.detail = detail


class InvalidDocument(KreislaufError):
    """The request document breaks the schema or a registry rule; lists every violation."""

    title = "Invalid document"

    def __init__(self, detail: str, errors: list[FieldError] | tuple[FieldError, ...] = ()) -> None:
        super().__init__(detail)
        self.errors: list[FieldError] = list(errors)


class UnsupportedProductCategory(InvalidDocument):
    """A product category that has no fault list to suggest from (``repairs.faults``)."""

    title = "Unsupported product category"


class InvalidIdentifier(KreislaufError):
    """A GTIN, GMN or GS1 Digital Link URI is malformed or fails its check digit."""

    title = "Invalid identifier"

    def __init__(self, detail: str, pointer: str | None = None) -> None:
        super().__init__(detail)
        self.pointer = pointer

    def at(self, pointer: str) -> InvalidIdentifier:
        """Return the same error located at ``pointer`` in a request document."""
        return InvalidIdentifier(self.detail, pointer)


class InvalidDigitalLink(InvalidIdentifier):
    """A GS1 Digital Link URI that was requested (not submitted in a document) breaks GS1 syntax.

    The resolver's "bad request": the URI itself is the request, so it is a 400, not a 422.
    """

    title = "Invalid GS1 Digital Link"


class InvalidRequestedIdentifier(InvalidIdentifier):
    """An identifier that is itself the request (e.g. a community passport's key in its URI) and
    is malformed: like :class:`InvalidDigitalLink`, a 400, not a 422."""


class InvalidRequest(KreislaufError):
    """A request parameter, path or body that makes no sense for what it asks, e.g. a proof
    for a tree larger than the log."""

    title = "Bad request"


class NotFound(KreislaufError):
    title = "Not found"


class NoSuchLink(NotFound):
    """The passport exists but has no link of the requested type."""

    title = "No such link"


class Conflict(KreislaufError):
    """The request clashes with what is stored (e.g. an identifier already has a passport)."""

    title = "Conflict"


class PassportMoved(Conflict):
    """The passport moved to another registry: its history stays here, read-only, and every
    write (a version, an event, a transfer, another move) belongs to the new registry."""

    title = "Passport moved"


class NotAuthenticated(KreislaufError):
    title = "Authentication required"


class Forbidden(KreislaufError):
    title = "Forbidden"


class IdempotencyKeyReused(KreislaufError):
    """An Idempotency-Key came back with a different request body."""

    title = "Idempotency key reused"


class IdempotencyKeyBusy(KreislaufError):
    """The first request with this Idempotency-Key is still being answered after the wait."""

    title = "Idempotency key in use"


class TooManyAttempts(KreislaufError):
    """Too many failed sign-ins or transfer-code claims lately; ``retry_after`` is in seconds."""

    title = "Too many attempts"

    def __init__(self, detail: str, retry_after: int) -> None:
        super().__init__(detail)
        self.retry_after = retry_after


class CodeRefused(KreislaufError):
    """A transfer code that does not open this item: wrong, ``used`` (:class:`CodeUsed`) or
    ``expired`` (:class:`CodeExpired`)."""

    title = "Transfer code refused"
    used = False
    expired = False


class CodeUsed(CodeRefused):
    """A transfer code that opened this item once already, or was replaced by a newer one."""

    used = True


class CodeExpired(CodeRefused):
    """A transfer code of this item, unused, whose time ran out (``expires_at``, aware UTC)."""

    expired = True

    def __init__(self, detail: str, expires_at: datetime) -> None:
        super().__init__(detail)
        self.expires_at = expires_at


class KeyMissing(KreislaufError):
    """A signing key is neither in the environment nor in the data directory (or is unusable)."""

    title = "Signing key missing"


class SigningUnavailable(KreislaufError):
    """The registry cannot sign here, e.g. its base URL has no did:web form (plain http)."""

    title = "Signing unavailable"


class WitnessError(KreislaufError):
    """A refused C2SP tlog-witness add-checkpoint request; the subclass says why."""

    kind = "refused"


class WitnessRequestMalformed(WitnessError):
    """The add-checkpoint body or its checkpoint does not parse, or its sizes contradict."""

    title = "Bad request"
    kind = "malformed request"


class WitnessLogUnknown(WitnessError):
    """The checkpoint's origin is not a log this registry witnesses."""

    title = "Not found"
    kind = "unknown log"


class WitnessSignatureRefused(WitnessError):
    """The checkpoint is not signed by the witnessed log's key."""

    title = "Forbidden"
    kind = "bad signature"


class WitnessSizeMismatch(WitnessError):
    """The request's old size is not the witness's latest size, which it carries as ``size``."""

    title = "Conflict"
    kind = "size mismatch"

    def __init__(self, detail: str, size: int) -> None:
        super().__init__(detail)
        self.size = size


class WitnessProofRefused(WitnessError):
    """The consistency proof is missing, superfluous or does not verify."""

    title = "Unprocessable"
    kind = "bad proof"


class EuRegistryError(KreislaufError):
    """The EU DPP registry cannot take registrations now: it is not configured here, it refused
    the token or a whole batch, or it stayed unreachable after every retry (only
    ``kreislauf register-eu`` meets this; what was not registered stays queued)."""

    title = "EU registry unavailable"


class MirrorRefused(KreislaufError):
    """A mirror refuses what an origin served: a checkpoint its key did not sign, entries that
    do not make the signed root, a document that is not what its leaf commits to (only
    ``kreislauf mirror sync`` meets this; nothing of the refused part is stored)."""

    title = "Mirror refused"

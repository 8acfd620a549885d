"""Every public URL of the registry, in one place: ``Routes(base_url)``.

The domain links to the registry's own addresses (a passport's API address, a version's, which
is the credential's id, the log's checkpoint, the DID documents, ...). It names them here and
nowhere else; the HTTP edges serve these paths and build their links and ``Location`` headers
from the same value. The path constants are the prefixes the edges mount their routes under.
"""

from __future__ import annotations

from dataclasses import dataclass
from urllib.parse import quote, urlsplit

API = "/api/v1"
PASSPORTS = f"{API}/passports"
PASSPORT_PAGES = "/passports"
LOG = "/log/v1"
# Other registries' passports and logs, served read-only by a mirror under MIRRORS/{host}.
MIRRORS = "/mirror"
REGISTRY_DID = "/.well-known/did.json"
RESOLVER_DESCRIPTION = "/.well-known/gs1resolver"
ORGANISATIONS = "/orgs"
DID_DOCUMENT = "did.json"
# Products without a GS1 number get a URI under the registry's own base URL: /c/ plus a key
# the registry mints. GS1 Digital Link paths start with a numeric application identifier
# (/01/, /8013/, ...), so no GS1 path can ever look like one.
COMMUNITY = "/c/"
# The registry's own JSON-LD contexts, each under CONTEXTS.
CONTEXTS = "/contexts"
# W3C Bitstring Status Lists: the revocation list credentials passports point to.
STATUS_LISTS = "/credentials/status"
KREISLAUF_V1_CONTEXT = f"{CONTEXTS}/kreislauf/v1"
KREISLAUF_V2_CONTEXT = f"{CONTEXTS}/kreislauf/v2"  # beside UNTP 0.7.0


def _segment(value: str) -> str:
    """One path segment: a registry id is plain, but one read from elsewhere may not be."""
    return quote(value, safe="")


@dataclass(frozen=True)
class Routes:
    """The public URLs of the registry at ``base_url`` (trailing slashes are dropped)."""

    base_url: str

    def __post_init__(self) -> None:
        object.__setattr__(self, "base_url", self.base_url.rstrip("/"))

    # --- passports ---------------------------------------------------------------------------

    def passport(self, public_id: str) -> str:
        """The passport's API address: its newest version as a credential."""
        return f"{self.base_url}{PASSPORTS}/{_segment(public_id)}"

    def status_list(self, number: int) -> str:
        """A Bitstring Status List credential (revocation), numbered from 1."""
        return f"{self.base_url}{STATUS_LISTS}/{number}"

    def version(self, public_id: str, version: int) -> str:
        """One version's address, which is also the id of that version's credential."""
        return f"{self.passport(public_id)}?version={version}"

    def versions(self, public_id: str) -> str:
        return f"{self.passport(public_id)}/versions"

    def qr(self, public_id: str) -> str:
        """The QR code of the passport's URI, as SVG."""
        return f"{self.passport(public_id)}/qr.svg"

    def page(self, public_id: str) -> str:
        """The passport's page for people."""
        return f"{self.base_url}{PASSPORT_PAGES}/{_segment(public_id)}"

    def claim(self, public_id: str) -> str:
        """The page where the next holder enters an item's transfer code."""
        return f"{self.page(public_id)}/claim"

    def events(self, public_id: str) -> str:
        """The passport's lifecycle events (also the id of its EPCIS document)."""
        return f"{self.passport(public_id)}/events"

    def event_receipt(self, public_id: str, seq: int) -> str:
        """The tlog-proof receipt that puts one event in the log."""
        return f"{self.events(public_id)}/{seq}/receipt"

    def community(self, key: str) -> str:
        """The URI the registry minted for a product without a GS1 number."""
        return f"{self.base_url}{COMMUNITY}{key}"

    # --- the log -----------------------------------------------------------------------------

    @property
    def log_origin(self) -> str:
        """The log's name and checkpoint origin: the registry's host plus ``/log/v1``."""
        return urlsplit(self.base_url).netloc + LOG

    @property
    def checkpoint(self) -> str:
        return f"{self.base_url}{LOG}/checkpoint"

    @property
    def witness_prefix(self) -> str:
        """This registry's C2SP tlog-witness submission prefix (``…/add-checkpoint``)."""
        return f"{self.base_url}{LOG}/witness"

    def consistency_proof(self, first: int, second: int) -> str:
        return f"{self.base_url}{LOG}/proof/consistency?first={first}&second={second}"

    # --- mirrors ----------------------------------------------------------------------------

    @property
    def host(self) -> str:
        """``host[:port]``: the segment a mirror serves this registry under."""
        return urlsplit(self.base_url).netloc.lower()

    def mirrored(self, host: str) -> str:
        """Where this registry, as a mirror, serves the registry at ``host``: under it, that
        registry's own paths (``Routes(routes.mirrored(host)).passport(id)``)."""
        return f"{self.base_url}{MIRRORS}/{host}"

    # --- identities and documents ------------------------------------------------------------

    @property
    def registry_did_document(self) -> str:
        return f"{self.base_url}{REGISTRY_DID}"

    def organisation(self, org_id: str) -> str:
        """The organisation's address under the registry: what its did:web is made of."""
        return f"{self.base_url}{ORGANISATIONS}/{_segment(org_id)}"

    def organisation_did_document(self, org_id: str) -> str:
        return f"{self.organisation(org_id)}/{DID_DOCUMENT}"

    @property
    def kreislauf_context(self) -> str:
        """The registry's own JSON-LD context (v1), which every passport names."""
        return f"{self.base_url}{KREISLAUF_V1_CONTEXT}"

    @property
    def kreislauf_context_v2(self) -> str:
        """The registry's own JSON-LD context for UNTP 0.7.0 credentials (v2)."""
        return f"{self.base_url}{KREISLAUF_V2_CONTEXT}"

    @property
    def resolver_description(self) -> str:
        """The GS1 resolver description document."""
        return f"{self.base_url}{RESOLVER_DESCRIPTION}"

"""Lifecycle event endpoints: record, correct and read a passport's history (EPCIS 2.0)."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from flask import Response, json, request, url_for
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from api import deps
from api.event_summaries import event_summary
from api.schemas import EventCreatedSchema, EventsArgsSchema
from edge.reads import note_events_read
from edge.request import session, settings, validate_first, writing
from passport import idempotency
from passport.disclosure.readers import tier_of
from passport.disclosure.tiers import Tier
from passport.disclosure.views import epcis_view
from passport.errors import NotFound
from passport.events import dte, history
from passport.ledger import checkpoints, log
from passport.models import Event, Passport
from passport.passports import lookup
from passport.routes import PASSPORTS, Routes

blp = Blueprint(
    "events",
    __name__,
    url_prefix=PASSPORTS,
    description="Lifecycle events (repair, resale, recycling, …), append-only, as EPCIS 2.0",
)

EVENT_BODY = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {"$ref": "#/components/schemas/Event"},
            "examples": {
                "repair": {
                    "value": {
                        "type": "repair",
                        "eventTime": "2026-05-03T14:00:00+01:00",
                        "repair": {"outcome": "fixed", "problem": "Switch broken"},
                    }
                }
            },
        }
    },
}
PROBLEM = {
    "content": {"application/problem+json": {"schema": {"$ref": "#/components/schemas/Problem"}}}
}


@blp.route("/<string:passport_id>/events")
class PassportEvents(MethodView):
    @blp.arguments(EventsArgsSchema, location="query", unknown=RAISE)
    @blp.doc(
        responses={
            200: {
                "description": "The history: a JSON list, an EPCIS 2.0 document with "
                "?format=epcis or Accept: application/ld+json, or an unsigned UNTP 0.7.0 "
                "Digital Traceability Event credential with ?format=dte",
                "content": {
                    "application/json": {"schema": {"type": "object"}},
                    "application/ld+json": {"schema": {"type": "object"}},
                },
            },
            401: {"description": "An API key was sent but is unknown or revoked", **PROBLEM},
            404: {"description": "Unknown passport", **PROBLEM},
        },
        security=[{}, {"bearer": []}],
    )
    def get(self, args: dict[str, Any], passport_id: str) -> Response:
        """List a passport's events, oldest first, corrections included (measurements only
        for readers with a legitimate interest: send an API key)."""
        db = session()
        passport = lookup.get_passport(db, passport_id)
        reader = deps.reader()
        tier = tier_of(db, reader, passport)
        rows = history.list_events(db, passport)
        fmt = _format(args.get("format"))
        builder, mimetype, way = FORMATS[fmt]
        note_events_read(reader, passport, tier, rows, way)
        return _private(json.dumps(builder(passport, rows, tier)), mimetype)

    @blp.doc(
        requestBody=EVENT_BODY,
        security=[{"bearer": []}],
        parameters=[deps.IDEMPOTENCY_KEY],
        responses={
            400: {"description": "Malformed, too deep or out-of-bounds JSON", **PROBLEM},
            401: {"description": "No or unknown API key", **PROBLEM},
            403: {"description": "This role may not record this event type", **PROBLEM},
            404: {"description": "Unknown passport, or the event a correction names", **PROBLEM},
            409: {
                "description": "The product's life has ended (only corrections), or a request "
                "with this Idempotency-Key is still being answered",
                **PROBLEM,
            },
            413: {"description": "Body over 1 MiB, refused before it is read", **PROBLEM},
            422: {
                "description": "Invalid event, each problem with a JSON pointer; or an "
                "Idempotency-Key used before with another body",
                **PROBLEM,
            },
        },
    )
    @blp.response(
        201,
        EventCreatedSchema,
        description="Recorded; Location points at it",
        headers={"Location": {"schema": {"type": "string"}}} | deps.REPLAYED,
    )
    def post(self, passport_id: str) -> Response:
        """Record an event (or a correction of one) in a passport's history."""
        validate_first()  # the write lock is taken after validation, for the inserts only
        org = deps.caller()
        body = deps.json_body()
        lookup.get_passport(session(), passport_id)  # an unknown passport: a 404 before a 422
        new = history.prepare_event(body)
        db = writing()

        def write() -> idempotency.Answer:
            event = history.store_event(db, settings(), org, passport_id, new)
            location = url_for("events.PassportEvents", passport_id=passport_id)
            return idempotency.Answer(201, _created(event), f"{location}#{event.seq}")

        return deps.answer_once(org, body, write)


@blp.route("/<string:passport_id>/events/<int:seq>/receipt")
class EventReceipt(MethodView):
    @blp.doc(
        responses={
            200: {
                "description": "A C2SP tlog-proof (c2sp.org/tlog-proof@v1) that the event's "
                "log entry is in a signed checkpoint; its extra line is the leaf",
                "content": {"text/plain": {"schema": {"type": "string"}}},
            },
            404: {"description": "Unknown passport or event", **PROBLEM},
        }
    )
    def get(self, passport_id: str, seq: int) -> Response:
        """An offline-verifiable receipt for one event of a passport's history."""
        db = session()
        passport = lookup.get_passport(db, passport_id)
        event = history.get_event(db, passport, seq)
        entry = log.event_entry(db, passport.uri, event)
        if entry is None:
            raise NotFound(f"Event {seq} of passport {passport_id} is not in the log.")
        text = checkpoints.receipt(db, entry.index)
        return Response(text, content_type="text/plain; charset=utf-8")


def _created(event: Event) -> dict[str, Any]:
    return {"id": event.event_id, "seq": event.seq}


def _epcis(passport: Passport, rows: list[Event], tier: Tier) -> dict[str, Any]:
    """The EPCIS 2.0 document of a passport's events, as ``tier`` may see it."""
    base = settings().base_url
    url = Routes(base).events(passport.public_id)
    return epcis_view(history.epcis_document(base, passport, rows, document_url=url), tier)


def _dte(passport: Passport, rows: list[Event], tier: Tier) -> dict[str, Any]:
    """The UNTP 0.7.0 DTE credential of a passport's events, as ``tier`` may see it."""
    base = settings().base_url
    url = Routes(base).events(passport.public_id) + "?format=dte"
    return dte.dte_document(base, passport, rows, tier, document_url=url)


def _listing(passport: Passport, rows: list[Event], tier: Tier) -> dict[str, Any]:
    """The plain JSON list of a passport's events, as ``tier`` may see them."""
    return {
        "passport": passport.uri,
        "lifeStatus": passport.life_status,
        "ownershipChanges": history.ownership_changes(rows),
        "events": [event_summary(e, tier) for e in rows],
    }


Builder = Callable[[Passport, list[Event], Tier], dict[str, Any]]
# ?format= -> (what builds the body, its media type, the way out the access log names)
FORMATS: dict[str, tuple[Builder, str, str]] = {
    "json": (_listing, "application/json", "api-events"),
    "epcis": (_epcis, "application/ld+json", "api-epcis"),
    "dte": (_dte, "application/ld+json", "api-dte"),
}


def _private(body: str, mimetype: str) -> Response:
    """Events may carry measurements only some readers see: no shared cache keeps them."""
    headers = {"Cache-Control": "private, no-cache", "Vary": "Accept, Authorization"}
    return Response(body, mimetype=mimetype, headers=headers)


def _format(fmt: str | None) -> str:
    """The format asked for: ``?format=``, else EPCIS for Accept: application/ld+json."""
    if fmt is not None:
        return fmt
    best = request.accept_mimetypes.best_match(
        ["application/json", "application/ld+json"], default="application/json"
    )
    return "epcis" if best == "application/ld+json" else "json"

"""HTTP envelopes (marshmallow). The passport document itself is owned by JSON Schema."""

from __future__ import annotations

from marshmallow import Schema, fields, validate


class PassportRefSchema(Schema):
    id = fields.String(required=True, metadata={"description": "Opaque passport id"})
    uri = fields.String(
        required=True, metadata={"description": "Canonical GS1 Digital Link URI (QR content)"}
    )
    version = fields.Integer(required=True)


class BatchResultSchema(Schema):
    count = fields.Integer(required=True)
    passports = fields.List(fields.Nested(PassportRefSchema), required=True)


class PassportSummarySchema(PassportRefSchema):
    granularity = fields.String(validate=validate.OneOf(["model", "batch", "item"]))
    status = fields.String(validate=validate.OneOf(["active", "withdrawn", "moved"]))
    name = fields.String()
    issuer = fields.String(metadata={"description": "Issuing organisation's id"})
    gtin = fields.String(allow_none=True)
    lot = fields.String(allow_none=True)
    serial = fields.String(allow_none=True)
    gmn = fields.String(allow_none=True)
    href = fields.String()


class SearchPageSchema(Schema):
    items = fields.List(fields.Nested(PassportSummarySchema), required=True)
    next = fields.String(
        allow_none=True, metadata={"description": "Cursor of the next page; null on the last"}
    )
    nextHref = fields.String(allow_none=True)


class SearchArgsSchema(Schema):
    gtin = fields.String(metadata={"description": "GTIN-8/12/13/14 (check digit verified)"})
    lot = fields.String(validate=validate.Length(max=20))
    serial = fields.String(validate=validate.Length(max=20))
    q = fields.String(
        validate=validate.Length(max=200), metadata={"description": "Words in name/description"}
    )
    issuer = fields.String(metadata={"description": "Organisation id of the issuer"})
    granularity = fields.String(validate=validate.OneOf(["model", "batch", "item"]))
    cursor = fields.String(validate=validate.Length(max=100))
    limit = fields.Integer(load_default=50, validate=validate.Range(min=1, max=200))


class ReadArgsSchema(Schema):
    version = fields.Integer(validate=validate.Range(min=1, max=2**31 - 1))
    format = fields.String(
        validate=validate.OneOf(["jsonld", "json", "ttl", "jwt", "sd-jwt"]),
        metadata={
            "description": "jsonld (default), ttl (Turtle), jwt (signed application/vc+jwt) "
            "or sd-jwt (application/vc+sd-jwt, signed once, disclosed by tier); "
            "or use the Accept header"
        },
    )
    untp = fields.String(
        validate=validate.OneOf(["0.7.0", "0.6.1"]),
        metadata={
            "description": "UNTP version of the credential: 0.7.0 (default) or 0.6.1; or the "
            "Accept header's profile parameter (the version's UNTP context URL); every format "
            "(JSON-LD, Turtle, jwt, sd-jwt) serves the version asked for"
        },
    )


class VersionInfoSchema(Schema):
    version = fields.Integer(required=True)
    status = fields.String(required=True)
    createdAt = fields.String(required=True)
    href = fields.String(required=True)


class VersionListSchema(Schema):
    id = fields.String(required=True)
    current = fields.Integer(required=True)
    versions = fields.List(fields.Nested(VersionInfoSchema), required=True)


class FieldErrorSchema(Schema):
    pointer = fields.String(required=True, metadata={"description": "RFC 6901 JSON pointer"})
    message = fields.String(required=True)


class ProblemSchema(Schema):
    """RFC 9457 problem details, the body of every error."""

    type = fields.String(required=True)
    title = fields.String(required=True)
    status = fields.Integer(required=True)
    detail = fields.String(required=True)
    errors = fields.List(fields.Nested(FieldErrorSchema))


class EventCreatedSchema(Schema):
    id = fields.String(required=True, metadata={"description": "CBV 2.0 event hash (eventID)"})
    seq = fields.Integer(required=True, metadata={"description": "Position in the history"})


class AccessLogArgsSchema(Schema):
    after = fields.Integer(
        load_default=0,
        validate=validate.Range(min=0, max=2**53),
        metadata={"description": "Cursor: the `after` of the previous page's `next` link"},
    )
    limit = fields.Integer(load_default=100, validate=validate.Range(min=1, max=1000))


class EventsArgsSchema(Schema):
    format = fields.String(
        validate=validate.OneOf(["json", "epcis", "dte"]),
        metadata={
            "description": "json (default), epcis (EPCIS 2.0 JSON-LD document) or dte (an "
            "unsigned UNTP 0.7.0 Digital Traceability Event credential)"
        },
    )


class RepairsArgsSchema(Schema):
    format = fields.String(validate=validate.OneOf(["csv", "json"]), load_default="csv")
    since = fields.Date(metadata={"description": "First event date (YYYY-MM-DD)"})
    until = fields.Date(metadata={"description": "Last event date (YYYY-MM-DD)"})
    category = fields.String(metadata={"description": "ORDS product category, e.g. Kettle"})
    group = fields.String(metadata={"description": "Repair group (ORDS group_identifier)"})

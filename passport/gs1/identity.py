"""The identity of a passport: which product a document is about, and the key it is kept under.

``identify`` reads the GTIN or GMN, lot and serial of a passport document (from the GS1
Digital Link in ``product.id``, from the plain fields, or from both, which must then agree)
and checks that they fit its granularity. ``identity_key`` is the one writer of the key a
passport is issued under (two passports never share one); ``candidate_keys`` lists, from the
same function, the keys a scanned link resolves to, most specific first. Community passports
have no GS1 identifier and are kept under ``community_key``.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from passport.errors import FieldError, InvalidDocument, InvalidIdentifier
from passport.gs1.check_digits import normalise_gtin
from passport.gs1.digital_link import DigitalLink, looks_like_digital_link, parse_digital_link
from passport.gs1.values import validate_ai_value, validate_gmn

# --- the keys -------------------------------------------------------------------------------


def _elements(link: DigitalLink, granularity: str) -> list[tuple[str, str]]:
    """The AIs and values that make the product of ``link`` unique at ``granularity``."""
    if link.gmn is not None:
        return [("8013", link.gmn)]  # a GMN identifies a model on its own
    if link.gtin is None:  # DigitalLink has a GTIN or a GMN; said here for the type checker
        raise InvalidIdentifier("a passport needs a GTIN (AI 01) or a GMN (AI 8013)")
    if granularity == "item":  # the serial is unique under the GTIN: lot and CPV do not count
        return [("01", link.gtin), ("21", _needed(link.serial, "an item", "serial (AI 21)"))]
    if granularity == "batch":
        return [("01", link.gtin), ("10", _needed(link.lot, "a batch", "batch number (AI 10)"))]
    if granularity == "model":
        return [("01", link.gtin), *([("22", link.cpv)] if link.cpv is not None else [])]
    raise ValueError(f"unknown granularity {granularity!r}: item, batch or model")


def _needed(value: str | None, level: str, what: str) -> str:
    if value is None:
        raise InvalidIdentifier(f"{level} passport is identified by its {what}, and has none")
    return value


def _key(elements: list[tuple[str, str]]) -> str:
    return "/".join(f"{ai}/{value}" for ai, value in elements)


def identity_key(link: DigitalLink, granularity: str) -> str:
    """The key a passport of ``granularity`` for ``link`` is issued under.

    ``01/{gtin}/21/{serial}`` for an item, ``01/{gtin}/10/{lot}`` for a batch, ``01/{gtin}``
    (with ``/22/{cpv}`` for a variant) for a model, ``8013/{gmn}`` for a GMN: values as
    decoded, not percent-encoded.
    """
    return _key(_elements(link, granularity))


def candidate_keys(link: DigitalLink) -> list[str]:
    """The keys a scanned ``link`` resolves to, most specific first.

    Its item's key (when it has a serial), its batch's (a lot), its model's (with its CPV, if
    any) and, for a variant, the model's without CPV: a product without a passport of its own
    resolves to the nearest one above it.
    """
    levels = [
        level
        for level, given in (
            ("item", link.serial is not None),
            ("batch", link.lot is not None),
            ("model", True),
        )
        if given
    ]
    keys = [identity_key(link, level) for level in levels]
    if link.cpv is not None:
        keys.append(_key(_elements(link, "model")[:1]))  # the GTIN alone
    return keys


def community_key(key: str) -> str:
    """The key of a community passport: "c/" and its own key (GS1 keys start with a digit)."""
    return f"c/{key}"


# --- the identity of a document --------------------------------------------------------------


@dataclass(frozen=True)
class Identity:
    """The product a passport document is about, at its level of identification."""

    link: DigitalLink
    granularity: str

    @property
    def key(self) -> str:
        """What makes the product unique at its level; two passports never share it."""
        return identity_key(self.link, self.granularity)


def identify(subject: dict[str, Any]) -> Identity:
    """Derive GTIN / GMN, lot and serial from the document; they must agree where given twice.

    Call only on a schema-valid subject. Raises InvalidDocument listing every disagreement.
    """
    product = subject["product"]
    errors: list[FieldError] = []
    from_uri: DigitalLink | None = None
    if "id" in product:
        if looks_like_digital_link(product["id"]):
            try:
                from_uri = parse_digital_link(product["id"])
            except InvalidIdentifier as exc:
                errors.append(FieldError("/product/id", exc.detail))
        elif "registeredId" not in product:
            errors.append(
                FieldError(
                    "/product/id",
                    "not a GS1 Digital Link URI (…/01/{gtin} or …/8013/{gmn}) and no "
                    "product.registeredId given: the registry needs a GTIN or a GMN",
                )
            )

    gtin: str | None = None
    gmn: str | None = None
    if "registeredId" in product:
        reg = str(product["registeredId"]).strip()
        try:
            if reg.isdigit():
                gtin = normalise_gtin(reg)
            else:
                gmn = validate_gmn(reg)
        except InvalidIdentifier as exc:
            errors.append(FieldError("/product/registeredId", exc.detail))
    lot = _qualifier(product, "batchNumber", "10", errors)
    serial = _qualifier(product, "serialNumber", "21", errors)

    def agree(field: str, pointer: str, given: str | None, in_uri: str | None) -> str | None:
        if given is not None and in_uri is not None and given != in_uri:
            errors.append(
                FieldError(
                    pointer,
                    f"'{given}' does not agree with the {field} '{in_uri}' in /product/id",
                )
            )
        return in_uri if in_uri is not None else given

    in_uri: dict[str, str | None] = {}
    if from_uri is not None:
        in_uri = {
            "gtin": from_uri.gtin,
            "cpv": from_uri.cpv,
            "lot": from_uri.lot,
            "serial": from_uri.serial,
            "gmn": from_uri.gmn,
        }

    def part(name: str) -> str | None:
        return in_uri.get(name)

    gtin = agree("GTIN", "/product/registeredId", gtin, part("gtin"))
    gmn = agree("GMN", "/product/registeredId", gmn, part("gmn"))
    lot = agree("batch number (AI 10)", "/product/batchNumber", lot, part("lot"))
    serial = agree("serial number (AI 21)", "/product/serialNumber", serial, part("serial"))
    if errors:
        raise InvalidDocument("The product's identifiers are invalid.", errors)
    if gtin is None and gmn is None:
        raise InvalidDocument(
            "The product has no GS1 identifier.",
            [
                FieldError(
                    "/product/registeredId",
                    "a GTIN (or a GMN for a model) is required: give product.registeredId "
                    "or a GS1 Digital Link URI in product.id",
                )
            ],
        )
    if gtin is not None and gmn is not None:
        raise InvalidDocument(
            "A product has either a GTIN or a GMN, not both.",
            [FieldError("/product/registeredId", "give a GTIN or a GMN, not both")],
        )

    level = subject["granularityLevel"]
    rule = {
        "item": (serial is not None, "an item passport needs product.serialNumber (AI 21)"),
        "batch": (
            lot is not None and serial is None,
            "a batch passport needs product.batchNumber (AI 10) and no serial number",
        ),
        "model": (
            lot is None and serial is None,
            "a model passport has no batch or serial number",
        ),
    }[level]
    if gmn is not None and level != "model":
        rule = (False, "a GMN (AI 8013) identifies a model: granularityLevel must be 'model'")
    if not rule[0]:
        raise InvalidDocument(
            "Granularity does not fit the identifiers.", [FieldError("/granularityLevel", rule[1])]
        )
    cpv = part("cpv")
    parts = {"gtin": gtin, "cpv": cpv, "lot": lot, "serial": serial, "gmn": gmn}
    if from_uri is not None and all(in_uri[k] == v for k, v in parts.items()):
        link = from_uri  # already validated by the parser; building it again costs as much
    else:
        link = DigitalLink(gtin=gtin, cpv=cpv, lot=lot, serial=serial, gmn=gmn)
    return Identity(link=link, granularity=level)


def _qualifier(
    product: dict[str, Any], field: str, ai: str, errors: list[FieldError]
) -> str | None:
    if field not in product:
        return None
    try:
        return validate_ai_value(ai, str(product[field]))
    except InvalidIdentifier as exc:
        errors.append(FieldError(f"/product/{field}", exc.detail))
        return None

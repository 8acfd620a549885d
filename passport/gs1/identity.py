"""The identity of a passport document: which product (GTIN or GMN, lot, serial) it is about."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from passport.errors import FieldError, InvalidDocument, InvalidIdentifier
from passport.identifiers import (
    DigitalLink,
    looks_like_digital_link,
    normalise_gtin,
    parse_digital_link,
    validate_ai_value,
    validate_gmn,
)


@dataclass(frozen=True)
class Identity:
    link: DigitalLink
    granularity: str

    @property
    def key(self) -> str:
        """What makes the product unique at its level; two passports never share it."""
        link = self.link
        if link.gmn:
            return f"8013/{link.gmn}"
        if self.granularity == "item":
            return f"01/{link.gtin}/21/{link.serial}"
        if self.granularity == "batch":
            return f"01/{link.gtin}/10/{link.lot}"
        return f"01/{link.gtin}" + (f"/22/{link.cpv}" if link.cpv else "")


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

    gtin = gmn = None
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

    def part(name: str) -> str | None:
        return getattr(from_uri, name) if from_uri is not None else None

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
    if from_uri is not None and all(getattr(from_uri, k) == v for k, v in parts.items()):
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

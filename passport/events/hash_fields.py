"""Where each EPCIS 2.0 field stands for the event hash, as the reference generator reads it.

Tables only: the keys the hash drops or leaves out, the lists read as pairs, the JSON-LD
positions typed as vocabulary terms or IRIs (``passport.events.bare_words``), the standard time
fields (``passport.events.hash_checks``), and the canonical property order the pre-hash writes
(``passport.events.canonical``).
"""

from __future__ import annotations

DROPPED = frozenset({"rdfs:comment", "comment"})
NOT_HASHED = frozenset({"recordTime", "eventID", "type", "errorDeclaration"})
# Lists whose items the reference reads as (first key, second key) pairs.
PAIR_LISTS = frozenset({"bizTransactionList", "sourceList", "destinationList"})
# An object or list holding one of these keys (or strings) keeps its order.
KEEP_ORDER = ("bizTransaction", "source", "destination")

# JSON-LD positions (keys from the event, list levels skipped) whose values the EPCIS context
# types as vocabulary terms, and which list of schemas/epcis-vocabulary.json ("vocabularies")
# applies.
VOCABULARY_FIELDS = {
    ("bizStep",): "bizStep",
    ("disposition",): "disposition",
    ("persistentDisposition", "set"): "disposition",
    ("persistentDisposition", "unset"): "disposition",
    ("sourceList", "type"): "sourceOrDestinationType",
    ("destinationList", "type"): "sourceOrDestinationType",
    ("bizTransactionList", "type"): "bizTransactionType",
    ("sensorElementList", "sensorReport", "type"): "measurementType",
    ("sensorElementList", "sensorReport", "exception"): "exception",
    ("sensorElementList", "sensorReport", "component"): "component",
    ("errorDeclaration", "reason"): "reason",
}
_SENSOR_IRIS = ("deviceID", "deviceMetadata", "rawData", "dataProcessingMethod")
# Positions typed @id: a compact IRI there is expanded (elsewhere it stays a string).
IRI_FIELDS = frozenset(
    {
        ("certificationInfo",),
        ("readPoint", "id"),
        ("bizLocation", "id"),
        ("transformationID",),
        ("epcList",),
        ("parentID",),
        ("childEPCs",),
        ("inputEPCList",),
        ("outputEPCList",),
        ("sourceList", "source"),
        ("destinationList", "destination"),
        ("errorDeclaration", "correctiveEventIDs"),
        *((f"{name}QuantityList", "epcClass") for name in ("child", "input", "output")),
        ("quantityList", "epcClass"),
        *(("sensorElementList", "sensorMetadata", name) for name in (*_SENSOR_IRIS, "bizRules")),
        *(
            ("sensorElementList", "sensorReport", name)
            for name in (
                *_SENSOR_IRIS,
                "coordinateReferenceSystem",
                "microorganism",
                "chemicalSubstance",
                "uriValue",
            )
        ),
    }
)
# The standard time fields the canonical order reaches (they are written in UTC).
TIME_FIELDS = frozenset(
    {
        ("eventTime",),
        *(
            ("sensorElementList", "sensorMetadata", name)
            for name in ("time", "startTime", "endTime")
        ),
        ("sensorElementList", "sensorReport", "time"),
    }
)

Order = tuple[tuple[str, "Order | None"], ...]
_QUANTITY: Order = (("quantityElement", (("epcClass", None), ("quantity", None), ("uom", None))),)
_EPCS: Order = (("epc", None),)
_SENSOR_METADATA: Order = tuple(
    (name, None) for name in ("time", "startTime", "endTime", *_SENSOR_IRIS, "bizRules")
)
_SENSOR_REPORT: Order = tuple(
    (name, None)
    for name in (
        "type",
        "exception",
        *_SENSOR_IRIS,
        "time",
        "microorganism",
        "chemicalSubstance",
        "value",
        "component",
        "stringValue",
        "booleanValue",
        "hexBinaryValue",
        "uriValue",
        "minValue",
        "maxValue",
        "meanValue",
        "sDev",
        "percRank",
        "percValue",
        "uom",
        "coordinateReferenceSystem",
    )
)
# The canonical property order. The README puts epcList before parentID and certificationInfo
# nowhere; the reference writes them as here. bizTransactionList, sourceList and
# destinationList have places between bizLocation and sensorElementList that the reference
# never fills: they come with the rest, sorted by name (rule 4, passport.events.canonical).
ORDER: Order = (
    ("eventTime", None),
    ("eventTimeZoneOffset", None),
    ("certificationInfo", None),
    ("parentID", None),
    ("epcList", _EPCS),
    ("inputEPCList", _EPCS),
    ("childEPCs", _EPCS),
    ("quantityList", _QUANTITY),
    ("childQuantityList", _QUANTITY),
    ("inputQuantityList", _QUANTITY),
    ("outputEPCList", _EPCS),
    ("outputQuantityList", _QUANTITY),
    ("action", None),
    ("transformationID", None),
    ("bizStep", None),
    ("disposition", None),
    ("persistentDisposition", (("set", None), ("unset", None))),
    ("readPoint", (("id", None),)),
    ("bizLocation", (("id", None),)),
    (
        "sensorElementList",
        (
            (
                "sensorElement",
                (("sensorMetadata", _SENSOR_METADATA), ("sensorReport", _SENSOR_REPORT)),
            ),
        ),
    ),
)

"""Fault types suggested from a repair's problem text (open repair data; docs/FAULTS.md)."""

from __future__ import annotations

from typing import Any

from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import Schema, fields, validate

from api import deps
from api.schemas import ProblemSchema
from passport.routes import API
from repairs.faults.data import FAULT_LISTS
from repairs.faults.features import MAX_PROBLEM_LENGTH
from repairs.faults.suggestion import SUGGESTIONS, parse_request, suggest

blp = Blueprint(
    "faults",
    __name__,
    url_prefix=f"{API}/faults",
    description="Open Repair Alliance fault types suggested from a repair's problem text, by a "
    "small local model trained on the Open Repair Alliance quests (CC BY-SA 4.0, Open Repair "
    "Alliance / The Restart Project)",
)

REQUEST = {
    "required": True,
    "content": {
        "application/json": {
            "schema": {
                "type": "object",
                "required": ["productCategory", "problem"],
                "additionalProperties": False,
                "properties": {
                    "productCategory": {
                        "type": "string",
                        "description": "ORDS product category; fault types are known for: "
                        + ", ".join(sorted(FAULT_LISTS)),
                        "examples": ["Laptop"],
                    },
                    "problem": {
                        "type": "string",
                        "minLength": 1,
                        "maxLength": MAX_PROBLEM_LENGTH,
                        "description": "The problem in the volunteer's own words, any language",
                        "examples": ["Screen flickers and the hinge is broken"],
                    },
                },
            }
        }
    },
}


class SuggestionSchema(Schema):
    faultType = fields.String(required=True)
    score = fields.Float(required=True, validate=validate.Range(min=0, max=1))


class SuggestionsSchema(Schema):
    suggestions = fields.List(
        fields.Nested(SuggestionSchema), required=True, validate=validate.Length(max=SUGGESTIONS)
    )


@blp.route("/suggest")
class Suggest(MethodView):
    @blp.doc(
        requestBody=REQUEST,
        security=[{}, {"bearer": []}],
        responses={
            code: {
                "description": text,
                "content": {"application/problem+json": {"schema": ProblemSchema}},
            }
            for code, text in (
                (400, "Malformed JSON"),
                (401, "An invalid API key"),
                (413, "Body too large"),
                (415, "Not JSON"),
                (422, "A missing or bad field, or a category without a fault list"),
            )
        },
    )
    @blp.response(200, SuggestionsSchema, description="At most three fault types, best first")
    def post(self) -> dict[str, Any]:
        """Suggest fault types for a repair from its problem text (a read, though a POST)."""
        deps.reader()  # an invalid key is a 401 here too
        category, problem = parse_request(deps.json_body())
        found = suggest(category, problem)
        return {"suggestions": [{"faultType": s.fault_type, "score": s.score} for s in found]}

"""Open repair data: every repair the registry knows, as ORDS v0.3 rows (CSV or JSON)."""

from __future__ import annotations

import io
from typing import Any

from flask import Response, json
from flask.views import MethodView
from flask_smorest import Blueprint
from marshmallow import RAISE

from api.schemas import RepairsArgsSchema
from edge.request import session, settings
from passport.routes import API
from repairs import listing
from repairs.ords import writer

blp = Blueprint(
    "repairs",
    __name__,
    url_prefix=f"{API}/repairs",
    description="Open Repair Data Standard v0.3 export (CC BY-SA 4.0 data from repair networks, "
    "plus repairs logged in this registry)",
)


@blp.route("")
class Repairs(MethodView):
    @blp.arguments(RepairsArgsSchema, location="query", unknown=RAISE)
    @blp.doc(
        responses={
            200: {
                "description": "ORDS v0.3 rows: the 14 columns in their standard order",
                "content": {"text/csv": {}, "application/json": {}},
            }
        }
    )
    def get(self, args: dict[str, Any]) -> Response:
        """Export repairs as ORDS v0.3, filtered by date, category and repair group."""
        config = settings()
        filters = {name: args.get(name) for name in ("since", "until", "category", "group")}
        rows = listing.repair_rows(
            session(), **filters, base_url=config.base_url, country=config.country
        )
        if args.get("format", "csv") == "json":
            return Response(json.dumps(writer.to_json(rows)), mimetype="application/json")
        buffer = io.StringIO()
        writer.write_ords(rows, buffer)
        return Response(
            buffer.getvalue(),
            mimetype="text/csv",
            headers={"Content-Disposition": 'attachment; filename="ords_v0.3.csv"'},
        )

"""HTML pages. For now: the front page that shows a newcomer around."""

from __future__ import annotations

from flask import Blueprint, Flask, current_app, render_template, send_from_directory
from sqlalchemy.orm import Session

from passport import services
from passport.rdf import CONTEXT_FILES

bp = Blueprint("pages", __name__)


def _session() -> Session:
    from flask import g

    if "db" not in g:
        g.db = current_app.extensions["kreislauf"].session_factory()
    return g.db  # type: ignore[no-any-return]


@bp.get("/")
def index() -> str:
    """Show what the registry holds and where to go next."""
    passports = services.search(_session(), limit=50).items
    return render_template("index.html", passports=passports)


@bp.get("/contexts/<path:name>")
def context(name: str) -> object:
    """Serve the JSON-LD contexts the registry uses, from the package."""
    from importlib.resources import files

    if name not in CONTEXT_FILES.values():
        from werkzeug.exceptions import NotFound

        raise NotFound(f"No context '{name}'.")
    directory = str(files("schemas") / "contexts")
    return send_from_directory(directory, name, mimetype="application/ld+json", max_age=86400)


def init_app(app: Flask) -> None:
    app.register_blueprint(bp)

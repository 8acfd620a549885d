"""How many independent registries have seen a passport's history, in plain words.

A registry with a witness policy (``KREISLAUF_WITNESS_POLICY``) keeps its witnesses'
cosignatures (``kreislauf cosign``). A witness that cosigned a checkpoint holding a passport's
newest log entry has seen that history, and vouches that it never saw another. The passport
page says how many of the policy's witnesses have.

A kept public page holds a marker with the passport's newest log index; the count is filled
in as the page is served, from the witnesses' largest cosigned sizes, read at most every
:data:`TTL` seconds per process (cosigning runs minutes apart; the page's ETag changes with it).
"""

from __future__ import annotations

import logging
import re
import time
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from flask_babel import get_locale, ngettext
from flask_babel import gettext as _
from markupsafe import Markup
from sqlalchemy.orm import Session

from edge.request import session, settings
from passport.ledger import cosigning, log
from passport.ledger.policy import PolicyError
from passport.models import Passport

TTL = 30.0
_MARKER = re.compile(rb"<!--kreislauf:seen:(\d+)-->")
_logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Witnessed:
    """The largest size each of the policy's witnesses has cosigned."""

    sizes: tuple[int, ...]

    @property
    def stamp(self) -> str:
        return ".".join(map(str, self.sizes))

    def count(self, index: int) -> int:
        return sum(1 for size in self.sizes if size > index)


_cached: dict[tuple[str, Path], tuple[float, Witnessed | None]] = {}


def witnessed() -> Witnessed | None:
    """The witnesses' sizes under the registry's policy; None without a (readable) policy."""
    path = settings().witness_policy
    if path is None:
        return None
    key = (settings().database_url, path)
    now = time.monotonic()
    kept = _cached.get(key)
    if kept is None or now - kept[0] > TTL:
        kept = _cached[key] = (now, _read(session(), path))
    return kept[1]


def _read(db: Session, path: Path) -> Witnessed | None:
    try:
        policy = cosigning.load(path)
    except PolicyError as exc:
        _logger.warning("the witness policy cannot be used: %s", exc)
        return None
    return Witnessed(tuple(sorted(cosigning.sizes(db, policy).values())))


def marker(db: Session, passport: Passport) -> Markup:
    """What a kept page holds where the count goes (nothing without a policy)."""
    if settings().witness_policy is None:
        return Markup("")
    index = log.last_index(db, passport.uri)
    return Markup(f"<!--kreislauf:seen:{index}-->") if index is not None else Markup("")


def fill(body: bytes, seen: Witnessed | None) -> bytes:
    """``body`` with the marker replaced by the sentence for its passport."""
    if seen is None:
        return _MARKER.sub(b"", body)
    return _MARKER.sub(lambda m: str(line(seen.count(int(m.group(1))))).encode(), body)


def sentence(db: Session, passport: Passport) -> Markup:
    """The sentence itself, for a page that is not kept."""
    seen = witnessed()
    index = log.last_index(db, passport.uri)
    return line(seen.count(index)) if seen is not None and index is not None else Markup("")


def line(count: int) -> Markup:
    return _line(count, str(get_locale()))


@lru_cache(maxsize=64)
def _line(count: int, _locale: str) -> Markup:
    if count:
        text = ngettext(
            "%(num)s independent registry has seen this history and countersigned it.",
            "%(num)s independent registries have seen this history and countersigned it.",
            count,
        )
    else:
        text = _("No independent registry has countersigned this history yet.")
    return Markup('<p class="verified">{}</p>').format(text)

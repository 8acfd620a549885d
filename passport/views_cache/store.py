"""Where built views are kept: an in-process LRU bounded in bytes, one per worker process.

An entry is stored under its ETag (``keys.Found.digest``), which changes with everything the
view depends on; a changed passport is therefore never looked up under its old ETag again, and
the old entry ages out. Nothing here needs invalidating, only forgetting (docs/CACHING.md).
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import dataclass, field


@dataclass(frozen=True)
class View:
    """One built answer: its status, body, the headers it was built with, and what serving it
    again must know (whether another tier would see another view, whether it showed
    restricted data, which way out it was, for the access log)."""

    status: int
    body: bytes
    headers: tuple[tuple[str, str], ...]
    varies: bool
    shows_restricted: bool
    way: str

    @property
    def size(self) -> int:
        return len(self.body) + sum(len(k) + len(v) for k, v in self.headers) + 200


@dataclass
class ViewStore:
    """Views by ETag, the least recently used forgotten first once ``limit`` bytes are held
    (0 keeps nothing: every view is built, ETags and 304s still work)."""

    limit: int
    _views: OrderedDict[str, View] = field(default_factory=OrderedDict)
    _held: int = 0
    _lock: threading.Lock = field(default_factory=threading.Lock)
    hits: int = 0
    misses: int = 0

    def get(self, etag: str) -> View | None:
        with self._lock:
            view = self._views.get(etag)
            if view is None:
                self.misses += 1
                return None
            self._views.move_to_end(etag)
            self.hits += 1
            return view

    def put(self, etag: str, view: View) -> None:
        if view.size > self.limit // 4:
            return  # one view may not push out a quarter of the others
        with self._lock:
            old = self._views.pop(etag, None)
            if old is not None:
                self._held -= old.size
            self._views[etag] = view
            self._held += view.size
            while self._held > self.limit:
                _, gone = self._views.popitem(last=False)
                self._held -= gone.size

    @property
    def held(self) -> int:
        """Bytes held (bodies, headers and a rough 200 bytes of bookkeeping each)."""
        return self._held

    def __len__(self) -> int:
        return len(self._views)

from typing import NamedTuple


class Row(NamedTuple):
    work: str
    kreislauf: str
    baseline: str
    ratio: float | None
    target: str
    met: bool | None

"""One run of ``kreislauf register-eu``: queue what is missing, then send the queue in batches
of at most 100, retrying what is transient, and record each answer.

Never lost, never twice:

* Every passport has at most one row (unique passport and product identifier) and a row leaves
  ``queued`` only with the registry's answer for it. Whatever happens in between (a crash, a
  timeout, a lost answer), the row is still ``queued`` and the next run sends it again.
* Sending again is harmless: the registry is idempotent by unique product identifier. An
  identifier it holds for the same passport and operator is answered 200 with the
  ``registrationId`` it gave the first time (the fake of the tests does the same), so a batch
  the registry accepted but whose answer was never recorded is recorded on the next run, with
  the same ids, and nothing is registered twice.
* Each batch is two short transactions: the send is counted (``attempts``) and committed
  before the request goes out, and the answers are committed right after it comes back. The
  network is never waited on inside the issuing transaction.

Transient failures (no answer, 429, 5xx) are retried with exponential backoff (``Retry-After``
wins when the registry sends one), up to ``attempts`` tries per batch; then the run stops and
what is left stays queued. 401/403 (the token) and 400 for the whole batch stop the run at once.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from sqlalchemy.orm import Session

from passport.config import Settings
from passport.errors import EuRegistryError
from passport.euregistry import messages, queue
from passport.euregistry.transport import Answer, Transport

BACKOFF_BASE = 0.5  # seconds before the first retry; doubled each time
BACKOFF_CAP = 60.0


@dataclass(frozen=True)
class Rejection:
    public_id: str
    product_identifier: str
    reason: str


@dataclass
class Report:
    queued: int = 0  # rows this run queued (passports that had none)
    registered: int = 0  # 201: registered now
    existing: int = 0  # 200: registered before (a repeated send), id recorded
    rejected: list[Rejection] = field(default_factory=list)
    batches: int = 0  # requests sent, retries included
    retries: int = 0
    left: int = 0  # still queued when the run ended


def backoff(retry: int, hint: float | None) -> float:
    """Seconds to wait before retry number ``retry`` (0-based)."""
    if hint is not None:
        return min(max(hint, 0.0), BACKOFF_CAP)
    return float(min(BACKOFF_BASE * 2**retry, BACKOFF_CAP))


def check_configured(settings: Settings) -> str:
    """The URL to send to; an error naming every missing setting."""
    missing = [
        name
        for name, value in (
            ("KREISLAUF_EU_REGISTRY_URL", settings.eu_registry_url),
            ("KREISLAUF_EU_BACKUP_OPERATOR_ID", settings.eu_backup_operator_id),
        )
        if not value
    ]
    if missing or settings.eu_registry_url is None:
        raise EuRegistryError(f"The EU registry is not configured: set {', '.join(missing)}.")
    return settings.eu_registry_url


def _check_operators(session: Session, settings: Settings) -> None:
    """Every queued registration names an operator: its issuer's own, or the default."""
    missing = [] if settings.eu_operator_id else queue.without_operator_id(session)
    if missing:
        named = ", ".join(f"{org.name} ({org.public_id})" for org in missing)
        raise EuRegistryError(
            f"No operator identifier for {named}: set each one's with `kreislauf "
            "set-operator-id ORG_ID OPERATOR_ID`, or a default with KREISLAUF_EU_OPERATOR_ID."
        )


def register_queued(
    session: Session,
    settings: Settings,
    transport: Transport,
    *,
    commit: Callable[[], None],
    progress: Callable[[int], None] = lambda n: None,
    start: Callable[[int], None] = lambda total: None,
    sleep: Callable[[float], None] = time.sleep,
    attempts: int = 6,
    retry_rejected: bool = False,
    batch_size: int = messages.MAX_BATCH,
) -> Report:
    """Queue what is missing and send every queued registration; ``commit`` ends each of the
    run's short transactions (the command passes ``session.commit``); ``start`` is told how
    many are queued, ``progress`` how many each batch settled."""
    url = check_configured(settings)
    report = Report()
    if retry_rejected:
        queue.requeue_rejected(session)
    report.queued = queue.enqueue_missing(session)
    commit()
    _check_operators(session, settings)
    start(queue.count(session, queue.QUEUED))
    after = 0
    try:
        while chunk := queue.next_queued(session, after, min(batch_size, messages.MAX_BATCH)):
            after = chunk[-1][0].pk
            rows = [row for row, _ in chunk]
            entries = [queue.entry(settings, passport) for _, passport in chunk]
            queue.mark_sent(rows)
            commit()
            try:
                answer = _send(url, entries, settings, transport, sleep, attempts, report)
                found = messages.results(answer.body, entries)
            except (EuRegistryError, messages.MalformedAnswer) as exc:
                queue.mark_failed(rows, str(exc))
                commit()
                raise EuRegistryError(str(exc)) from exc
            for (row, passport), item in zip(chunk, entries, strict=True):
                result = found[item.product_identifier]
                if queue.record(row, result) == queue.REJECTED:
                    report.rejected.append(
                        Rejection(passport.public_id, item.product_identifier, result.reason())
                    )
                elif result.status == 200:
                    report.existing += 1
                else:
                    report.registered += 1
            commit()
            progress(len(chunk))
    finally:
        report.left = queue.count(session, queue.QUEUED)
    return report


def _send(
    url: str,
    entries: list[messages.Entry],
    settings: Settings,
    transport: Transport,
    sleep: Callable[[float], None],
    attempts: int,
    report: Report,
) -> Answer:
    """One batch, retried while the failure is transient."""
    body = messages.body(entries)
    last = ""
    for attempt in range(attempts):
        if attempt:
            report.retries += 1
        report.batches += 1
        hint: float | None = None
        try:
            answer = transport.post(url, body, settings.eu_registry_token)
        except ConnectionError as exc:
            last = str(exc)
        else:
            if 200 <= answer.status < 300:
                return answer
            if answer.status in (401, 403):
                raise EuRegistryError(
                    f"The EU registry refused the token ({answer.status}): check "
                    "KREISLAUF_EU_REGISTRY_TOKEN."
                )
            if answer.status != 429 and answer.status < 500:
                raise EuRegistryError(
                    f"The EU registry refused the batch ({answer.status}): {_detail(answer)}"
                )
            last = f"the EU registry answered {answer.status}: {_detail(answer)}"
            hint = answer.retry_after
        if attempt + 1 < attempts:
            sleep(backoff(attempt, hint))
    raise EuRegistryError(f"Gave up after {attempts} tries; {last}")


def _detail(answer: Answer) -> str:
    body: Any = answer.body
    if isinstance(body, dict):
        text = str(body.get("detail") or body.get("title") or "")
        errors = body.get("errors")
        if isinstance(errors, list) and errors:
            text += (
                " ("
                + "; ".join(
                    f"{e.get('field')}: {e.get('message')}"
                    for e in errors[:5]
                    if isinstance(e, dict)
                )
                + ")"
            )
        return text or "no detail"
    return "no detail"

"""Settings: configuration as data, read once from ``KREISLAUF_*`` environment variables."""

from __future__ import annotations

import os
from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from pathlib import Path
from urllib.parse import urlsplit

DEFAULT_BASE_URL = "http://127.0.0.1:5000"
DEFAULT_TIME_ZONE = "Europe/Berlin"


@dataclass(frozen=True)
class Settings:
    database_url: str
    base_url: str = DEFAULT_BASE_URL
    data_dir: Path = field(default_factory=lambda: Path.cwd() / "kreislauf-data")
    secret_key: str | None = None
    # A batch of 10,000 passports at a few KB each fits well inside 64 MiB.
    max_body_bytes: int = 64 * 1024 * 1024
    # Every other request (one passport, one event, a grant, a form): 1 MiB (edge.body).
    max_write_bytes: int = 1024 * 1024
    max_batch: int = 10_000
    testing: bool = False
    # The UNTP version a passport is served in when the reader names none
    # (KREISLAUF_UNTP_DEFAULT): 0.7.0, or 0.6.1 for a registry whose readers still expect it.
    untp_default: str = "0.7.0"
    # The IANA time zone the web forms work in (KREISLAUF_TIME_ZONE): they fill in today's
    # date and the time now, and give what people type its UTC offset.
    time_zone: str = DEFAULT_TIME_ZONE
    # ISO 3166 alpha-3 country of the repairs logged here (KREISLAUF_COUNTRY): ORDS requires a
    # country on every row, and the registry records organisations, not places.
    country: str = ""
    # Signing keys from the environment (KREISLAUF_LOG_KEY, KREISLAUF_VC_KEY): PEM text or a
    # path to a PEM file. Unset, passport.signing.keys reads <data_dir>/keys/. Kept out of repr.
    log_key: str | None = field(default=None, repr=False)
    vc_key: str | None = field(default=None, repr=False)
    # How long the access log keeps a read of restricted data (KREISLAUF_ACCESS_LOG_DAYS);
    # `kreislauf prune-access-log` deletes older reads. Five years by default: long enough for
    # an issuer or a market-surveillance authority to look back at a dispute, and no personal
    # data is kept (organisations, never people).
    access_log_days: int = 1825
    # API writes allowed per key (KREISLAUF_WRITE_RATE, in Flask-Limiter's notation: "600/minute",
    # "100/second;5000/hour"); a batch of 10,000 passports is one write. Counted in memory per
    # process, or in Redis when KREISLAUF_REDIS_URL is set (then all workers share the count;
    # the URL may hold a password, so it is kept out of repr). The prefix separates several
    # registries (or test runs) on one Redis.
    write_rate: str = "600/minute"
    redis_url: str | None = field(default=None, repr=False)
    rate_limit_prefix: str = "kreislauf"
    # How many reverse proxies stand in front of the registry (KREISLAUF_PROXIES, default 0):
    # with 1 (compose.yaml's Caddy) the client's address is the one that proxy puts in
    # X-Forwarded-For, so sign-in throttling and rate limits count clients, not the proxy.
    # Never more than really stand there: a client can write X-Forwarded-For itself.
    proxies: int = 0
    # The EU DPP registry (ESPR Art. 13; passport.euregistry, docs/EU_REGISTRY.md): the URL
    # batches of registrations are POSTed to (KREISLAUF_EU_REGISTRY_URL), the bearer token
    # (KREISLAUF_EU_REGISTRY_TOKEN, kept out of repr), the economic operator's and the backup
    # operator's unique identifiers (KREISLAUF_EU_OPERATOR_ID, KREISLAUF_EU_BACKUP_OPERATOR_ID)
    # and whether issuing queues each new passport's registration in its own transaction
    # (KREISLAUF_EU_REGISTRY_AUTO=1; off by default). Issuing never waits for the network:
    # `kreislauf register-eu` sends what is queued.
    eu_registry_url: str | None = None
    eu_registry_token: str | None = field(default=None, repr=False)
    eu_operator_id: str = ""
    eu_backup_operator_id: str = ""
    eu_registry_auto: bool = False
    # Bytes of built passport views (JSON-LD, linksets, pages) each worker process keeps
    # (KREISLAUF_VIEW_CACHE_MB, in MiB; 0 keeps none): served again, with a strong ETag, while
    # nothing they depend on changes (passport.views_cache, docs/CACHING.md).
    view_cache_mb: int = 32
    # The registry's C2SP tlog-policy file (KREISLAUF_WITNESS_POLICY): the witnesses it asks to
    # cosign its checkpoints (`kreislauf cosign`) and the quorum a checkpoint needs
    # (passport.ledger.cosigning, docs/FEDERATION.md "Witnesses").
    witness_policy: Path | None = None
    # The registries that mirror this one, its backup operators (KREISLAUF_MIRRORS: their base
    # URLs, separated by spaces or commas): published in /.well-known/gs1resolver and in every
    # passport's linkset, each with the address of its copy (docs/FEDERATION.md).
    mirrors: tuple[str, ...] = ()
    # As a mirror: seconds between the server's own `kreislauf mirror sync` runs
    # (KREISLAUF_MIRROR_SYNC_SECONDS; 0, the default, runs none: a timer may run the command).
    mirror_sync_seconds: int = 0
    # Seconds between the server's own `kreislauf cosign` runs (KREISLAUF_COSIGN_SECONDS; 0, the
    # default, runs none), asking the witnesses of KREISLAUF_WITNESS_POLICY.
    cosign_seconds: int = 0

    @classmethod
    def from_env(cls, env: Mapping[str, str] | None = None, **overrides: object) -> Settings:
        """Read settings from the environment; ``overrides`` win (used by CLI flags and tests)."""
        env = os.environ if env is None else env
        data_dir = Path(env.get("KREISLAUF_DATA_DIR") or Path.cwd() / "kreislauf-data")
        database_url = env.get("KREISLAUF_DATABASE_URL") or f"sqlite:///{data_dir / 'kreislauf.db'}"
        settings = cls(
            database_url=database_url,
            base_url=(env.get("KREISLAUF_BASE_URL") or DEFAULT_BASE_URL).rstrip("/"),
            data_dir=data_dir,
            secret_key=env.get("KREISLAUF_SECRET_KEY") or None,
            time_zone=env.get("KREISLAUF_TIME_ZONE") or DEFAULT_TIME_ZONE,
            country=(env.get("KREISLAUF_COUNTRY") or "").upper(),
            log_key=env.get("KREISLAUF_LOG_KEY") or None,
            vc_key=env.get("KREISLAUF_VC_KEY") or None,
            access_log_days=_days(env.get("KREISLAUF_ACCESS_LOG_DAYS")),
            write_rate=env.get("KREISLAUF_WRITE_RATE") or Settings.write_rate,
            redis_url=env.get("KREISLAUF_REDIS_URL") or None,
            rate_limit_prefix=env.get("KREISLAUF_RATE_LIMIT_PREFIX") or Settings.rate_limit_prefix,
            proxies=_count("KREISLAUF_PROXIES", env.get("KREISLAUF_PROXIES")),
            eu_registry_url=env.get("KREISLAUF_EU_REGISTRY_URL") or None,
            eu_registry_token=env.get("KREISLAUF_EU_REGISTRY_TOKEN") or None,
            eu_operator_id=(env.get("KREISLAUF_EU_OPERATOR_ID") or "").strip(),
            eu_backup_operator_id=(env.get("KREISLAUF_EU_BACKUP_OPERATOR_ID") or "").strip(),
            eu_registry_auto=_flag(
                "KREISLAUF_EU_REGISTRY_AUTO", env.get("KREISLAUF_EU_REGISTRY_AUTO")
            ),
            untp_default=env.get("KREISLAUF_UNTP_DEFAULT") or Settings.untp_default,
            view_cache_mb=_cache_mb(env.get("KREISLAUF_VIEW_CACHE_MB")),
            witness_policy=Path(env["KREISLAUF_WITNESS_POLICY"])
            if env.get("KREISLAUF_WITNESS_POLICY")
            else None,
            mirrors=mirror_urls(env.get("KREISLAUF_MIRRORS") or ""),
            mirror_sync_seconds=_count(
                "KREISLAUF_MIRROR_SYNC_SECONDS", env.get("KREISLAUF_MIRROR_SYNC_SECONDS")
            ),
            cosign_seconds=_count("KREISLAUF_COSIGN_SECONDS", env.get("KREISLAUF_COSIGN_SECONDS")),
        )
        return replace(settings, **overrides) if overrides else settings  # type: ignore[arg-type]


def _days(text: str | None) -> int:
    """A number of days from the environment (unset: the default)."""
    if not text:
        return Settings.access_log_days
    if not text.strip().isdigit() or int(text) < 1:
        raise ValueError(f"KREISLAUF_ACCESS_LOG_DAYS must be a whole number of days, not {text!r}")
    return int(text)


def _count(name: str, text: str | None) -> int:
    """A whole number from the environment (unset: 0)."""
    if not text:
        return 0
    if not text.strip().isdigit():
        raise ValueError(f"{name} must be a whole number, not {text!r}")
    return int(text)


def _cache_mb(text: str | None) -> int:
    """KREISLAUF_VIEW_CACHE_MB: MiB of views each worker keeps (unset: the default)."""
    return _count("KREISLAUF_VIEW_CACHE_MB", text) if text else Settings.view_cache_mb


def mirror_urls(text: str) -> tuple[str, ...]:
    """KREISLAUF_MIRRORS: http(s) base URLs (no query or fragment), trailing "/" dropped."""
    found = []
    for url in text.replace(",", " ").split():
        parts = urlsplit(url)
        if parts.scheme not in ("http", "https") or not parts.hostname:
            raise ValueError(f"KREISLAUF_MIRRORS: {url!r} is not an http(s)://host[:port] URL")
        if parts.query or parts.fragment:
            raise ValueError(f"KREISLAUF_MIRRORS: {url!r} must have no query or fragment")
        found.append(url.rstrip("/"))
    return tuple(dict.fromkeys(found))


def _flag(name: str, text: str | None) -> bool:
    """A yes/no switch from the environment (unset or empty: no)."""
    value = (text or "").strip().lower()
    if value in ("", "0", "false", "no", "off"):
        return False
    if value in ("1", "true", "yes", "on"):
        return True
    raise ValueError(f"{name} must be 1 or 0, not {text!r}")

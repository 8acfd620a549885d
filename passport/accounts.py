"""People who sign in to the web pages for an organisation: creating them, signing them in.

Passwords are hashed with scrypt by the edge (``werkzeug.security``, which this package may not
import) and handed in as functions; this module decides everything else: what a login name
and a password must look like, the rate limit (``passport.throttle``), and that a wrong
password and an unknown login name are indistinguishable, in the message and in the time the
answer takes.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.orm import Session

from passport import throttle
from passport.errors import Conflict, FieldError, Forbidden, InvalidDocument, NotAuthenticated
from passport.models import Organisation, User, utcnow
from passport.roles import ROLES

LOGIN_MAX = 254  # the longest e-mail address SMTP carries
# Long enough to resist guessing with the rate limit; no composition rules (NIST SP 800-63B).
PASSWORD_MIN = 10
# scrypt reads the whole password: a megabyte-long one would only cost the server time.
PASSWORD_MAX = 1024
WRONG = "Wrong login name or password."

# hash_password(password) -> a werkzeug "scrypt:..." hash; check_password(hash or None,
# password) -> whether it matches, spending the same time when there is no hash to check.
HashPassword = Callable[[str], str]
CheckPassword = Callable[[str | None, str], bool]


def normalise_login(login: str) -> str:
    """Login names are matched without regard to case or surrounding spaces."""
    return login.strip().casefold()


def get_organisation(session: Session, public_id: str) -> Organisation:
    org = session.scalars(select(Organisation).where(Organisation.public_id == public_id)).first()
    if org is None:
        raise InvalidDocument(
            f"No organisation with id '{public_id}'.",
            [FieldError("/organisation", "not an organisation of this registry")],
        )
    return org


def create_user(
    session: Session,
    org: Organisation,
    login: str,
    password: str,
    hash_password: HashPassword,
    now: datetime | None = None,
) -> User:
    """Give an organisation a person who can sign in."""
    if org.role not in ROLES:
        raise Forbidden(f"Organisation {org.public_id} cannot have people who sign in.")
    key = normalise_login(login)
    errors = []
    if not key:
        errors.append(FieldError("/login", "a login name is required"))
    elif len(key) > LOGIN_MAX:
        errors.append(FieldError("/login", f"must be at most {LOGIN_MAX} characters long"))
    elif any(c.isspace() or not c.isprintable() for c in key):
        errors.append(FieldError("/login", "must not contain spaces or control characters"))
    if len(password) < PASSWORD_MIN:
        errors.append(FieldError("/password", f"must be at least {PASSWORD_MIN} characters long"))
    elif len(password) > PASSWORD_MAX:
        errors.append(FieldError("/password", f"must be at most {PASSWORD_MAX} characters long"))
    if errors:
        raise InvalidDocument("The user cannot be created.", errors)
    if session.scalars(select(User.pk).where(User.login == key)).first() is not None:
        raise Conflict(f"The login name '{key}' is taken.")
    hashed = hash_password(password)
    if not hashed.startswith("scrypt:"):
        # A programming error at the edge, never a user's: refuse to store a weaker hash.
        raise ValueError("passwords are stored as scrypt hashes only")
    user = User(organisation=org, login=key, password_hash=hashed, created_at=now or utcnow())
    session.add(user)
    session.flush()
    return user


def sign_in(
    session: Session,
    login: str,
    password: str,
    address: str,
    check_password: CheckPassword,
    now: datetime | None = None,
) -> User:
    """The user these credentials belong to; NotAuthenticated or TooManyAttempts otherwise.

    A failure is recorded in the session: the edge commits it even though sign-in failed.
    """
    now = now or utcnow()
    key = normalise_login(login)
    throttle.check(session, "sign_in", key, address, now)
    user = session.scalars(select(User).where(User.login == key)).first()
    # Checked even without a user (against nothing, at the same cost): the time the answer
    # takes must not tell whether a login name exists.
    matches = check_password(user.password_hash if user is not None else None, password)
    if user is None or not matches or user.disabled:
        throttle.record_failure(session, "sign_in", key, address, now)
        raise NotAuthenticated(WRONG)
    throttle.clear(session, "sign_in", key)
    return user


def signed_in_user(session: Session, pk: object) -> User | None:
    """The user a session cookie names, unless it was disabled since."""
    if not isinstance(pk, int):
        return None
    user = session.get(User, pk)
    return None if user is None or user.disabled else user

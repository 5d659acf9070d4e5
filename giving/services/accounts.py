"""Accounts: registering, confirming an email, logging in, passwords and email changes.

Links sent by email carry a signed token; the pages they open change nothing until the
person presses the button on them.
"""

from __future__ import annotations

import functools

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from flask import current_app, has_app_context, url_for
from flask_babel import gettext as _
from flask_babel import lazy_gettext as _l
from itsdangerous import BadSignature, SignatureExpired, URLSafeTimedSerializer
from sqlalchemy import select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.orm import Session

from giving.email import send_email, send_email_for
from giving.errors import DomainError
from giving.languages import known
from giving.models import Place, User, new_session_token
from giving.postcodes import normalise_postcode, places_for_postcode
from giving.services.core import audit, find_one, flush_or_refuse
from giving.timeutil import utcnow


class BadLink(DomainError):
    """A link sent by email that has run out, has been used, or is not right: its page says
    what to do instead."""


def require_known_postcode(session: Session, raw: str) -> str:
    """A tidied postcode that is in at least one place, or a clear refusal."""
    postcode = normalise_postcode(raw)
    if not places_for_postcode(session, postcode):
        names = ", ".join(session.scalars(select(Place.name).order_by(Place.name)))
        message = _("Placefund does not cover %(postcode)s yet.", postcode=postcode)
        if names:
            message += " " + _("It works in: %(names)s.", names=names)
        raise DomainError(message, field="postcode")
    return postcode


MIN_PASSWORD_LENGTH = 10


@functools.cache
def _hasher_for(time_cost: int, memory_cost: int) -> PasswordHasher:
    return PasswordHasher(time_cost=time_cost, memory_cost=memory_cost)


def _hasher() -> PasswordHasher:
    """Argon2 with the app's cost settings (the library's defaults unless changed)."""
    config = current_app.config if has_app_context() else {}
    return _hasher_for(
        config.get("ARGON2_TIME_COST", ARGON2_DEFAULTS[0]),
        config.get("ARGON2_MEMORY_COST", ARGON2_DEFAULTS[1]),
    )


ARGON2_DEFAULTS = (PasswordHasher().time_cost, PasswordHasher().memory_cost)


def normalise_email(raw: str) -> str:
    return raw.strip().lower()


def find_user_by_email(session: Session, email: str) -> User | None:
    return find_one(session, User, email=normalise_email(email))


def hash_password(password: str) -> str:
    return _hasher().hash(password)


def check_new_password(password: str, field: str = "password") -> None:
    if len(password) < MIN_PASSWORD_LENGTH:
        raise DomainError(
            _(
                "Your password must be at least %(n)s characters long",
                n=MIN_PASSWORD_LENGTH,
            ),
            field=field,
        )


def _serializer(purpose: str) -> URLSafeTimedSerializer:
    return URLSafeTimedSerializer(current_app.config["SECRET_KEY"], salt=f"placefund.{purpose}")


def _make_token(purpose: str, payload: dict) -> str:
    return _serializer(purpose).dumps(payload)


def _read_token(purpose: str, token: str, max_age: int) -> dict:
    try:
        return _serializer(purpose).loads(token, max_age=max_age)
    except SignatureExpired:
        raise BadLink(_("This link has run out. Ask for a new one.")) from None
    except BadSignature:
        raise BadLink(_("This link is not right. Check you copied all of it.")) from None


def make_link_token(purpose: str, payload: dict) -> str:
    """A signed token for a link in an email, kept apart from other links by ``purpose``."""
    return _make_token(purpose, payload)


def read_link_token(purpose: str, token: str, max_age: int) -> dict:
    """What :func:`make_link_token` signed; :class:`BadLink` when it is not right or too old."""
    return _read_token(purpose, token, max_age)


def register(
    session: Session,
    *,
    email: str,
    name: str,
    password: str,
    postcode: str | None = None,
    locale: str | None = None,
) -> User | None:
    """Create an account and send the email that confirms it; the new account, or None.
    ``locale`` is the language the visitor chose for pages (kept when it is one on offer).

    When the email already has an account, make nothing and send its owner a note instead.
    Both ways do the same work (the password is hashed, one email is sent), so neither the
    page nor the time it takes tells anyone who has an account."""
    email = normalise_email(email)
    check_new_password(password)
    tidy_postcode = require_known_postcode(session, postcode) if postcode else None
    password_hash = hash_password(password)  # either way, so the time taken is the same
    owner = find_user_by_email(session, email)
    if owner is None:
        user = User(email=email, name=name.strip(), password_hash=password_hash)
        user.postcode = tidy_postcode
        user.locale = known(locale)
        if _added(session, user):
            audit(session, user, "account.register", user, f"{user.name} registered")
            send_confirmation(session, user)
            return user
        # Another request made the account first: answer as for any account.
        owner = find_user_by_email(session, email)
    if owner is not None:
        _tell_owner_of_registration(session, owner)
    return None


def _added(session: Session, user: User) -> bool:
    """Add a new account in a savepoint; False when its email was taken meanwhile."""
    try:
        with session.begin_nested():
            session.add(user)
            session.flush()
    except IntegrityError:
        return False
    return True


def _tell_owner_of_registration(session: Session, owner: User) -> None:
    """Someone tried to register with an email that has an account: tell its owner how to
    get in, and keep a note in the audit log."""
    audit(session, None, "account.register_again", owner, "Someone tried to register again")
    send_email(
        owner.email,
        _l("You already have a Placefund account"),
        "register_again",
        user=owner,
        **_way_in_links(),
    )


def _way_in_links() -> dict[str, str]:
    return {
        "login_link": url_for("giving.login", _external=True),
        "reset_link": url_for("giving.forgot_password", _external=True),
    }


def resend_confirmation(session: Session, email: str) -> None:
    """Send the email that confirms an account again. Whatever is typed, one email goes to
    it and the answer is the same: the link for an account not yet confirmed, a way in for
    one that is, and a way to register for an address with no account."""
    user = find_user_by_email(session, email)
    if user is None:
        send_email(
            normalise_email(email),
            _l("There is no Placefund account with this email"),
            "confirm_no_account",
            register_link=url_for("giving.register", _external=True),
        )
    elif user.is_confirmed:
        send_email(
            user.email,
            _l("Your Placefund email is already confirmed"),
            "confirm_already",
            user=user,
            **_way_in_links(),
        )
    else:
        send_confirmation(session, user)


def send_confirmation(session: Session, user: User) -> None:
    token = _make_token("confirm", {"u": user.id, "e": user.email})
    link = url_for("giving.confirm_email", token=token, _external=True)
    send_email(
        user.email,
        _l("Confirm your email for Placefund"),
        "confirm",
        user=user,
        link=link,
    )


def check_confirm_token(session: Session, token: str) -> User:
    """The user a confirmation link is for; refuses a link that has run out or is wrong.
    Changes nothing: the link's page asks the person to press a button first."""
    data = _read_token("confirm", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    user = session.get(User, data.get("u"))
    if user is None or user.email != data.get("e"):
        raise BadLink(_("This link is not right. Check you copied all of it."))
    return user


def confirm_email(session: Session, token: str) -> tuple[User, bool]:
    """Confirm the email a link is for: the user, and whether this confirmed it (False when
    it was confirmed already)."""
    user = check_confirm_token(session, token)
    if user.email_confirmed_at is not None:
        return user, False
    user.email_confirmed_at = utcnow()
    audit(session, user, "account.confirm", user, f"{user.name} confirmed their email")
    return user, True


def authenticate(session: Session, email: str, password: str) -> User | None:
    """The user whose email and password these are, or None."""
    user = find_user_by_email(session, email)
    if user is None:
        # Check the password against a stand-in hash, so the time taken is the same as for
        # an account and does not reveal who has one.
        _checks(_dummy_hash(), password)
        return None
    if not _checks(user.password_hash, password):
        return None
    if _hasher().check_needs_rehash(user.password_hash):
        user.password_hash = hash_password(password)
    return user


def _checks(password_hash: str, password: str) -> bool:
    try:
        return _hasher().verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


def _dummy_hash() -> str:
    """A hash of no one's password, made with the app's current cost settings."""
    hasher = _hasher()
    return _dummy_hash_for(hasher.time_cost, hasher.memory_cost)


@functools.cache
def _dummy_hash_for(time_cost: int, memory_cost: int) -> str:
    return _hasher_for(time_cost, memory_cost).hash("not anyone's password")


def record_login(session: Session, user: User) -> None:
    audit(session, user, "account.login", user, f"{user.name} logged in")


def end_sessions(session: Session, user: User) -> None:
    """Log the user out everywhere: old session cookies stop working."""
    user.session_token = new_session_token()


def request_password_reset(session: Session, email: str) -> None:
    """Send one email either way: a reset link to an account, or, to an address with no
    account, a note saying so. Both make and sign a token, so the time taken is the same and
    does not reveal who has an account."""
    user = find_user_by_email(session, email)
    if user is None:
        _make_token("reset", {"u": 0, "h": ""})
        send_email(
            normalise_email(email),
            _l("There is no Placefund account with this email"),
            "reset_no_account",
            register_link=url_for("giving.register", _external=True),
        )
        return
    token = _make_token("reset", {"u": user.id, "h": user.password_hash[-16:]})
    link = url_for("giving.reset_password", token=token, _external=True)
    # The subject is put into the language the person chose, as the words are.
    send_email(user.email, _l("Reset your Placefund password"), "reset", user=user, link=link)


def check_reset_token(session: Session, token: str) -> User:
    data = _read_token("reset", token, current_app.config["PASSWORD_RESET_MAX_AGE"])
    user = session.get(User, data.get("u"))
    # The token carries part of the old hash, so it works once only.
    if user is None or user.password_hash[-16:] != data.get("h"):
        raise BadLink(_("This link has already been used. Ask for a new one."))
    return user


def reset_password(session: Session, token: str, password: str) -> User:
    user = check_reset_token(session, token)
    check_new_password(password)
    user.password_hash = hash_password(password)
    if user.email_confirmed_at is None:
        # They proved they can read mail sent to this address.
        user.email_confirmed_at = utcnow()
    end_sessions(session, user)
    audit(
        session,
        user,
        "account.password_reset",
        user,
        f"{user.name} reset their password",
    )
    return user


def change_password(session: Session, actor: User, current: str, new: str) -> None:
    if authenticate(session, actor.email, current) is None:
        raise DomainError(_("Your current password is not right"), field="current_password")
    check_new_password(new, field="new_password")
    actor.password_hash = hash_password(new)
    end_sessions(session, actor)
    audit(
        session,
        actor,
        "account.password_change",
        actor,
        f"{actor.name} changed password",
    )


def request_email_change(session: Session, actor: User, new_email: str, password: str) -> None:
    """Check the password, then send a link to the new address; nothing changes until then."""
    if authenticate(session, actor.email, password) is None:
        raise DomainError(_("Your password is not right"), field="password")
    new_email = normalise_email(new_email)
    if new_email == actor.email:
        raise DomainError(_("This is already your email"), field="email")
    if find_user_by_email(session, new_email) is not None:
        raise DomainError(_("Another account already uses this email"), field="email")
    token = _make_token("email", {"u": actor.id, "e": new_email, "h": actor.password_hash[-16:]})
    link = url_for("giving.confirm_email_change", token=token, _external=True)
    send_email_for(
        actor,
        new_email,
        _l("Confirm your new email for Placefund"),
        "change_email",
        user=actor,
        link=link,
    )
    send_email(
        actor.email,
        _l("Someone asked to change your Placefund email"),
        "change_email_notice",
        user=actor,
        new_email=new_email,
    )
    audit(
        session,
        actor,
        "account.email_change_requested",
        actor,
        f"{actor.name} asked to change their email",
    )


def check_email_change_token(session: Session, token: str) -> tuple[User, str]:
    """The user and the new address a change-of-email link is for; refuses a link that has
    run out, is wrong, or asks for an address another account now uses. Changes nothing."""
    data = _read_token("email", token, current_app.config["EMAIL_TOKEN_MAX_AGE"])
    user = session.get(User, data.get("u"))
    if user is None or user.password_hash[-16:] != data.get("h"):
        raise BadLink(_("This link is not right. Check you copied all of it."))
    new_email = data["e"]
    if user.email != new_email and find_user_by_email(session, new_email) is not None:
        raise BadLink(_("Another account already uses this email"))
    return user, new_email


def confirm_email_change(session: Session, token: str) -> User:
    user, new_email = check_email_change_token(session, token)
    if user.email == new_email:
        return user
    old = user.email
    user.email = new_email
    user.email_confirmed_at = utcnow()
    flush_or_refuse(session, _("Another account already uses this email"))
    audit(
        session,
        user,
        "account.email_change",
        user,
        f"{user.name} changed email",
        old=old,
    )
    return user


def set_postcode(session: Session, actor: User, postcode: str) -> list[Place]:
    """Set where someone lives; returns the places that makes them a resident of."""
    actor.postcode = require_known_postcode(session, postcode)
    audit(session, actor, "account.postcode", actor, f"{actor.name} set their postcode")
    return places_for_postcode(session, actor.postcode)

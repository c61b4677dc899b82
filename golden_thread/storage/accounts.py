"""Accounts the machine's operator writes, and the sign-in sessions that keep a person signed in.

The command line (``golden-thread users``) acts as nobody signed in.

Every other account change goes through ``Store.save_user``, which is ``@guarded`` by the signed-in administrator
making it. The operator of the machine is not a signed-in person: on a new database there is nobody to sign in
yet, and a locked-out organisation needs a way back in. ``operator_save_account`` is that one write. It runs the
very same validation and write as ``save_user`` (the undecorated method: username, name, role, password of at
least 12 characters, where the person works, never leaving an organisation without an administrator), audited
in the same transaction under the name ``OPERATOR``, and adds the operator's own rules below.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import secrets
from collections.abc import Iterator
from contextlib import contextmanager

import polars as pl

from golden_thread.errors import PermissionRefused, Refused

# The name the audit trail gives every change the command line makes.
OPERATOR = "command line"


def operator_save_account(
    store,
    account: str,
    display_name: str,
    role: str,
    organisation_id: int | None,
    password: str | None,
    *,
    active: bool = True,
) -> str:
    """Add or change a local account as the machine's operator; returns 'added' or 'changed'.

    ``organisation_id`` is where the person works (None: an administrator of the whole database), ``password``
    None keeps the current one. Beyond ``Store.save_user``'s rules: an empty database's first account is an
    administrator, of an organisation when the database holds one, of the whole database when it holds none yet;
    and only an administrator can work nowhere in particular, so any other new account needs an organisation."""
    from golden_thread.storage.store import Store

    everything = store.everything()
    with everything._write_lock:  # the first-account rule and the write see the same accounts
        organisations = everything.organisations()
        if organisation_id is not None and organisation_id not in set(organisations["id"]):
            raise Refused(f"There is no organisation {organisation_id} in this database.")
        first = everything.users().height == 0
        new = first or everything.user(account.strip()) is None  # an existing account keeps where it works
        if first and role != "administrator":
            raise Refused("The first account must be an administrator (--role administrator): they add everyone else.")
        if new and organisation_id is None and organisations.height and first:
            raise Refused(
                "The first administrator administers an organisation of this database: say which with --organisation."
            )
        if new and organisation_id is None and organisations.height and role != "administrator":
            raise Refused(
                "Say where the person works with --organisation: only an administrator works for no organisation "
                "in particular."
            )
        if new and organisation_id is None and role != "administrator":
            raise Refused(
                "This database holds no organisation yet, so only an administrator of the whole database can be "
                "added (--role administrator)."
            )
        scoped = (
            everything
            if organisation_id is None
            else everything.within(everything.resolve_scope(top_organisation(organisations, organisation_id)))
        )
        # save_user without its @guarded check (the operator is not a signed-in person): the same validation,
        # write and audit record, the record naming OPERATOR and the organisation the account works in.
        save_user = getattr(Store.save_user, "__wrapped__", Store.save_user)
        return save_user(
            scoped, account, display_name, role, organisation_id, password, username=OPERATOR, active=active
        )


def top_organisation(organisations: pl.DataFrame, organisation_id: int) -> int:
    """The trust or network an organisation unit belongs to (itself when it is one), as ``home_organisation``
    reads it: up the parents to one with no parent, or to a network."""
    rows = {row["id"]: row for row in organisations.iter_rows(named=True)}
    current = rows[organisation_id]
    for _ in range(64):
        if current["parent_id"] is None or current["kind"] == "network":
            break
        current = rows[current["parent_id"]]
    return current["id"]


# -- sign-in sessions (migration 10) ---------------------------------------------------------------------------
#
# A sign-in lasts a working session: the browser keeps a random token (256 bits, so it cannot be guessed) and the
# database only its SHA-256, so a copy of the database signs nobody in. A token signs its account in while it is
# unexpired, unrevoked and the account active. These writes are not the organisation's data: they take the write
# lock but do not bump the data version, so signing in leaves every cached chart and board as it was.

EXPIRED_SESSIONS_KEPT = dt.timedelta(days=30)  # ended sessions are forgotten after a month


def _now() -> dt.datetime:
    return dt.datetime.now(dt.UTC).replace(tzinfo=None)


def _digest(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


def _write(store, sql: str, params: list) -> int:
    """One statement in its own transaction, outside the data version (see above); returns rows changed."""
    with store.everything().unversioned_transaction() as cursor:
        changed = cursor.execute(sql, params).fetchall()
    return int(changed[0][0]) if changed and changed[0] and changed[0][0] is not None else 0


def start_session(store, username: str, length: dt.timedelta, *, now: dt.datetime | None = None) -> str:
    """A new sign-in session for an account: returns the token to give the browser (it is never stored)."""
    if length <= dt.timedelta(0):
        raise Refused("A sign-in session must last some time.")
    now = now or _now()
    token = secrets.token_urlsafe(32)
    _write(store, "DELETE FROM sign_in_session WHERE expires_at < ?", [now - EXPIRED_SESSIONS_KEPT])
    _write(
        store,
        "INSERT INTO sign_in_session (token_hash, username, created_at, expires_at) VALUES (?, ?, ?, ?)",
        [_digest(token), username, now, now + length],
    )
    return token


def session_account(store, token: str | None, *, now: dt.datetime | None = None) -> dict | None:
    """The account a token signs in: None for no token, an unknown, expired or revoked one, or an account that is
    no longer active (the caller shows the sign-in screen, without saying which)."""
    if not isinstance(token, str) or not token or len(token) > 200:
        return None
    frame = store.everything()._query(
        "SELECT u.* FROM sign_in_session s JOIN app_user u ON u.username = s.username "
        "WHERE s.token_hash = ? AND s.revoked_at IS NULL AND s.expires_at > ? AND u.active",
        [_digest(token), now or _now()],
    )
    return frame.row(0, named=True) if frame.height else None


def end_sessions(store, username: str, *, now: dt.datetime | None = None) -> int:
    """Sign an account out everywhere: every session of it ends now. Returns how many were still open."""
    return _write(
        store,
        "UPDATE sign_in_session SET revoked_at = ? WHERE username = ? AND revoked_at IS NULL",
        [now or _now(), username],
    )


def end_sessions_in(cursor, username: str) -> None:
    """``end_sessions`` inside a write's own transaction (deactivating an account, giving it a new password)."""
    cursor.execute(
        "UPDATE sign_in_session SET revoked_at = ? WHERE username = ? AND revoked_at IS NULL", [_now(), username]
    )


# -- failed sign-ins (migration 11) ------------------------------------------------------------------------------
#
# The rows the sign-in policy (``services/sign_ins.py``) counts. Like sessions, these writes take the write lock but
# leave the data version alone: a guessed password must not empty every cached chart. Each failure is also one
# audit record, in the same transaction, kept with the account's organisation (a name that is no account: with the
# database's only organisation, or with none when it holds several). Times are local, as the audit trail's.

FAILURES_KEPT = dt.timedelta(days=30)  # older failures are only in the audit trail
TYPED_KEPT = 200  # characters of a typed username kept (an account's is at most 64)


def local_now() -> dt.datetime:
    return dt.datetime.now()


@contextmanager
def _outside_version(store) -> Iterator:
    """One transaction under the write lock that does not bump the data version (see above)."""
    with store.everything().unversioned_transaction() as cursor:
        yield cursor


def record_sign_in_failure(store, typed: str, source: str, *, now: dt.datetime | None = None) -> None:
    """Keep one refused password: the username as typed (nothing is created for a name that is no account), where
    it came from and when, and say so in the audit trail."""
    now = now or local_now()
    typed = typed.strip()[:TYPED_KEPT]
    everything = store.everything()
    account = everything.user(typed)
    if account is not None:
        organisation = everything.home_organisation(typed)
    else:
        tops = everything.top_organisations()["id"].to_list()
        organisation = tops[0] if len(tops) == 1 else None
    with _outside_version(store) as cursor:
        cursor.execute("DELETE FROM sign_in_failure WHERE attempted_at < ?", [now - FAILURES_KEPT])
        cursor.execute(
            "INSERT INTO sign_in_failure (attempted_at, username, source) VALUES (?, ?, ?)", [now, typed, source]
        )
        cursor.execute(
            "INSERT INTO audit_log (id, username, action, entity_type, entity_key, after_json, organisation_id) "
            "SELECT coalesce(max(id), 0) + 1, NULL, 'sign_in_failed', 'app_user', ?, ?, ? FROM audit_log",
            [typed, json.dumps({"source": source}), organisation],
        )


def sign_in_failures(store, since: dt.datetime) -> pl.DataFrame:
    """Every failure since ``since``, oldest first, across the database: attempted_at, username (as typed), source,
    cleared_at, and account (whether the username is an account's)."""
    return store.everything()._query(
        "SELECT f.attempted_at, f.username, f.source, f.cleared_at, u.username IS NOT NULL AS account "
        "FROM sign_in_failure f LEFT JOIN app_user u ON u.username = f.username "
        "WHERE f.attempted_at >= ? ORDER BY f.attempted_at",
        [since],
    )


def clear_sign_in_failures(store, typed: str, *, now: dt.datetime | None = None) -> int:
    """A successful sign-in: the username's failures no longer count towards a lock. Returns how many were open."""
    with _outside_version(store) as cursor:
        return _clear(cursor, typed.strip()[:TYPED_KEPT], now or local_now())


def _clear(cursor, username: str, now: dt.datetime) -> int:
    cleared = cursor.execute(
        "UPDATE sign_in_failure SET cleared_at = ? WHERE username = ? AND cleared_at IS NULL", [now, username]
    ).fetchall()
    return int(cleared[0][0]) if cleared and cleared[0] and cleared[0][0] is not None else 0


def unlock_account(store, account: str, *, username: str, now: dt.datetime | None = None) -> int:
    """An administrator lets an account sign in again at once: its failed sign-ins stop counting, and the audit
    trail says who unlocked it. Only an administrator of the account's own organisation may (``store`` is theirs,
    as the app scopes it). Returns how many failures were cleared."""
    store.authorise(username, "manage_users")
    found = store.everything().user(account)
    if found is None:
        raise Refused(f"There is no account “{account}”.")
    if store.scope.is_everything:
        store._require_own_people(username, account, True, found["organisation_id"], found["organisation_id"])
    elif found["organisation_id"] not in store.scope.units:
        raise PermissionRefused(
            f"“{account}” does not work in {store.scope.name}: only their own organisation's administrators can "
            "unlock their account. Nothing was changed."
        )
    with _outside_version(store) as cursor:
        cleared = _clear(cursor, account, now or local_now())
        store._audit(cursor, username, "unlock", "app_user", account, None, {"failures_cleared": cleared})
    return cleared

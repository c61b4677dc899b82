"""Signing in with a password, guarded against guessing (issue 20).

The guard lives in the database, so it holds in every browser session, in every tab and after a restart:

- **a lock per username**: five failed sign-ins with one username within a day, with no successful sign-in since,
  lock it for a quarter of an hour; each failure after a lock ends locks it again. A name that is no account locks
  the same way, so the answer never tells a guesser which names exist. An administrator can unlock an account at
  once (the Users screen, which also lists locked accounts and recent failures).
- **a slowing per address**: ten failures from one address within a quarter of an hour make each further attempt
  from it wait, one second and doubling, up to a minute, whichever usernames it tries. The address is the one
  Streamlit saw (``st.context.ip_address``); it is not a secret and can be shared (every browser on the server
  itself, or behind one proxy, is one address), which is why it only slows and never locks.

A refused attempt (locked, or too soon) checks no password and is not counted: it tested nothing. Every failure
that did check one is kept (``storage/accounts.py``) and is in the audit trail.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

import polars as pl

from golden_thread.storage.accounts import (
    TYPED_KEPT,
    clear_sign_in_failures,
    local_now,
    record_sign_in_failure,
    sign_in_failures,
    unlock_account,
)
from golden_thread.storage.store import Store

FAILURES_BEFORE_LOCK = 5
FAILURE_WINDOW = dt.timedelta(days=1)
LOCK_LENGTH = dt.timedelta(minutes=15)
ADDRESS_FREE_FAILURES = 10
ADDRESS_WINDOW = dt.timedelta(minutes=15)
ADDRESS_LONGEST_WAIT = dt.timedelta(minutes=1)
THIS_MACHINE = "this machine"  # Streamlit gives no address for a browser on the server itself

NO_MATCH = "That username and password do not match an active account. Check both and try again."

__all__ = ["SignIn", "attempt_sign_in", "locked_accounts", "recent_failures", "unlock_account"]


@dataclass(frozen=True)
class SignIn:
    """What a sign-in attempt came to: the account, or the sentence to show instead."""

    user: dict | None
    refusal: str | None = None
    locked: bool = False  # refused by the lock or the slowing, not by the password


def _minutes(left: dt.timedelta) -> str:
    minutes = max(1, -(-int(left.total_seconds()) // 60))
    return f"{minutes} more minute{'s' if minutes != 1 else ''}"


def _lock_ends(failures: pl.DataFrame, username: str, now: dt.datetime) -> dt.datetime | None:
    """When the username's lock ends, or None when it is not locked (``failures``: ``sign_in_failures``)."""
    counted = failures.filter(
        (pl.col("username") == username)
        & pl.col("cleared_at").is_null()
        & (pl.col("attempted_at") > now - FAILURE_WINDOW)
    )
    if counted.height < FAILURES_BEFORE_LOCK:
        return None
    ends = counted["attempted_at"].max() + LOCK_LENGTH
    return ends if ends > now else None


def _address_wait(failures: pl.DataFrame, source: str, now: dt.datetime) -> dt.timedelta | None:
    """How long the address must still wait before its next attempt, or None."""
    recent = failures.filter((pl.col("source") == source) & (pl.col("attempted_at") > now - ADDRESS_WINDOW))
    over = recent.height - ADDRESS_FREE_FAILURES
    if over < 0:
        return None
    wait = min(dt.timedelta(seconds=2**over), ADDRESS_LONGEST_WAIT)
    left = recent["attempted_at"].max() + wait - now
    return left if left > dt.timedelta(0) else None


def attempt_sign_in(
    db: Store, typed: str, password: str, *, source: str | None, now: dt.datetime | None = None
) -> SignIn:
    """Sign in with a username and password from ``source`` (the browser's address; None: this machine)."""
    now = now or local_now()
    typed = typed.strip()[:TYPED_KEPT]  # as the failures keep it: a longer name is no account's anyway
    source = source or THIS_MACHINE
    failures = sign_in_failures(db, now - max(FAILURE_WINDOW, ADDRESS_WINDOW))
    if (wait := _address_wait(failures, source, now)) is not None:
        seconds = max(1, -(-int(wait.total_seconds() * 1000) // 1000))
        return SignIn(
            None,
            f"Too many failed attempts to sign in from this address: wait {seconds} second"
            f"{'s' if seconds != 1 else ''}, then try again.",
            locked=True,
        )
    if (ends := _lock_ends(failures, typed, now)) is not None:
        return SignIn(
            None,
            "Too many failed attempts to sign in with this username: it is locked for "
            f"{_minutes(ends - now)}. Wait, or ask your Golden Thread administrator to unlock it.",
            locked=True,
        )
    user = db.verify_password(typed, password)
    if user is None:
        record_sign_in_failure(db, typed, source, now=now)
        if _lock_ends(sign_in_failures(db, now - FAILURE_WINDOW), typed, now) is not None:
            return SignIn(
                None,
                f"{NO_MATCH} After {FAILURES_BEFORE_LOCK} failed attempts this username is locked for "
                f"{int(LOCK_LENGTH.total_seconds() // 60)} minutes; your Golden Thread administrator can unlock it.",
            )
        return SignIn(None, NO_MATCH)
    clear_sign_in_failures(db, typed, now=now)
    return SignIn(user)


def locked_accounts(db: Store, *, now: dt.datetime | None = None) -> pl.DataFrame:
    """The accounts of ``db``'s organisation locked now: username, display_name, failures, locked_until."""
    now = now or local_now()
    failures = sign_in_failures(db, now - FAILURE_WINDOW)
    people = db.users()
    rows = []
    for person in people.iter_rows(named=True):
        ends = _lock_ends(failures, person["username"], now)
        if ends is not None:
            mine = failures.filter((pl.col("username") == person["username"]) & pl.col("cleared_at").is_null())
            rows.append((person["username"], person["display_name"], mine.height, ends))
    return pl.DataFrame(
        rows,
        schema={"username": pl.Utf8, "display_name": pl.Utf8, "failures": pl.Int64, "locked_until": pl.Datetime},
        orient="row",
    )


def recent_failures(db: Store, viewer: str, *, days: int = 7, now: dt.datetime | None = None) -> pl.DataFrame:
    """Failed sign-ins of the last ``days``, newest first, as an administrator of ``db``'s organisation may see them:
    attempted_at, username, account (the person's name, or None for a name that is no account), source. Names that
    are no account show where the database holds one organisation, or to an administrator of the whole database."""
    now = now or local_now()
    failures = sign_in_failures(db, now - dt.timedelta(days=days))
    people = db.users()
    names = dict(zip(people["username"], people["display_name"]))
    whole = db.everything()
    viewer_account = whole.user(viewer) if viewer else None
    sees_unknown = (
        db.scope.is_everything
        or whole.top_organisations().height <= 1
        or (
            viewer_account is not None
            and viewer_account["role"] == "administrator"
            and viewer_account["organisation_id"] is None
        )
    )
    shown = failures.filter(pl.col("username").is_in(list(names)) | (pl.lit(sees_unknown) & ~pl.col("account")))
    return shown.sort("attempted_at", descending=True).select(
        "attempted_at",
        "username",
        pl.col("username").replace_strict(names, default=None, return_dtype=pl.Utf8).alias("account"),
        "source",
    )

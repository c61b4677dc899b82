"""The settings the machine's operator gives through the environment.

``GOLDEN_THREAD_DB``: where the database lives (else ``data/golden_thread.duckdb``).
``GOLDEN_THREAD_SESSION_HOURS``: how long a sign-in lasts, across reloads and new tabs, before the person signs in
again (else 10 hours: a working day and a little more).
"""

from __future__ import annotations

import datetime as dt
import logging
import os

DEFAULT_DB = "data/golden_thread.duckdb"
SESSION_HOURS_VARIABLE = "GOLDEN_THREAD_SESSION_HOURS"
DEFAULT_SESSION_HOURS = 10.0
# A quarter of an hour at least (shorter would sign people out mid-form); thirty days at most.
SESSION_HOURS_LIMITS = (0.25, 720.0)


def default_db_path() -> str:
    return os.environ.get("GOLDEN_THREAD_DB") or DEFAULT_DB


def session_length() -> dt.timedelta:
    """How long a sign-in lasts. A value the operator mistyped keeps the default and says so in the server's log,
    rather than stopping everyone signing in."""
    raw = (os.environ.get(SESSION_HOURS_VARIABLE) or "").strip()
    if not raw:
        return dt.timedelta(hours=DEFAULT_SESSION_HOURS)
    low, high = SESSION_HOURS_LIMITS
    try:
        hours = float(raw)
    except ValueError:
        hours = float("nan")
    if not low <= hours <= high:  # also false for nan
        logging.getLogger(__name__).warning(
            "%s=%r is not a number of hours from %g to %g; sign-ins last %g hours.",
            SESSION_HOURS_VARIABLE,
            raw,
            low,
            high,
            DEFAULT_SESSION_HOURS,
        )
        return dt.timedelta(hours=DEFAULT_SESSION_HOURS)
    return dt.timedelta(hours=hours)

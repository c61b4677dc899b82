"""Loading the demo organisation into a store (used by the CLI and on the app's first start)."""

from __future__ import annotations

import datetime as dt

from golden_thread.demo import build_demo_trust
from golden_thread.store import Store


def load_demo(store: Store, today: dt.date | None = None) -> dict[str, int]:
    """Load the demo trust, its data ending at the last complete period before ``today``."""
    return store.insert_tables(build_demo_trust(today or dt.date.today()))


def ensure_demo(store: Store) -> bool:
    """Load the demo into an empty database; returns whether it did."""
    if store.is_empty():
        load_demo(store)
        return True
    return False

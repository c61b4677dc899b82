"""Loading the demo organisations into a store (used by the CLI and on the app's first start).

The demo trust and, beside it, the demo education network: their ids never meet (the network's are above
``demo_network.ID_BASE``), so both load into one database in one transaction.
"""

from __future__ import annotations

import datetime as dt

import polars as pl

from golden_thread.errors import Refused
from golden_thread.seed.demo import build_demo_trust
from golden_thread.seed.demo_network import ID_BASE, build_demo_network
from golden_thread.seed.focus_demo import demo_focus_boards
from golden_thread.storage.store import Store

# Whether ``load_demo`` puts the education network beside the trust. Off until the trust's own screens are
# scoped to one organisation (store queries take an organisation): until then every trust-wide screen and
# check would count the network's aims and projects as the trust's.
NETWORK_BESIDE_TRUST = True


def demo_frames(today: dt.date, *, network: bool) -> dict[str, pl.DataFrame]:
    """The demo trust's rows, and the network's beside them when ``network``; refuses ids that would clash."""
    frames = build_demo_trust(today)
    if not network:
        return frames
    for table, extra in build_demo_network(today).items():
        if table not in frames:
            frames[table] = extra
            continue
        if "id" in extra.columns and frames[table]["id"].max() >= ID_BASE:
            raise Refused(f"The demo trust's {table} ids reach {ID_BASE}, where the demo network's begin.")
        frames[table] = pl.concat([frames[table], extra], how="diagonal_relaxed")
    # The trust's rows leave the vocabulary to the column's default, which a concatenated null would override.
    frames["organisation"] = frames["organisation"].with_columns(pl.col("vocabulary").fill_null("health"))
    return frames


def load_demo(store: Store, today: dt.date | None = None, *, network: bool | None = None) -> dict[str, int]:
    """Load the demo trust (and the demo network beside it, see ``NETWORK_BESIDE_TRUST``), its data ending at
    the last complete period before ``today``, with the leadership frameworks and the demo's assessments."""
    network = NETWORK_BESIDE_TRUST if network is None else network
    today = today or dt.date.today()
    frames = demo_frames(today, network=network)
    frames.update(demo_focus_boards(frames, today))
    frames.update(_leadership_frames(store, frames, today))
    return store.insert_tables(frames)


def _leadership_frames(store: Store, frames: dict[str, pl.DataFrame], today: dt.date) -> dict[str, pl.DataFrame]:
    """The leadership frameworks this database lacks and, on a fresh one, the demo's leadership assessments."""
    from golden_thread.domain.leadership import seed_frames
    from golden_thread.seed.leadership_demo import demo_leadership

    frameworks = seed_frames(store.framework_keys(), store.leadership_next_ids(), today)
    if "leadership_framework" not in frameworks:
        return frameworks
    return {**frameworks, **demo_leadership(frameworks, frames["organisation"], today)}


def ensure_frameworks(store: Store, today: dt.date | None = None) -> int:
    """Seed the leadership frameworks Golden Thread ships with that this database lacks; returns how many."""
    from golden_thread.domain.leadership import seed_frames

    tables = seed_frames(store.framework_keys(), store.leadership_next_ids(), today or dt.date.today())
    return store.insert_tables(tables)["leadership_framework"] if tables else 0


def ensure_demo(store: Store) -> bool:
    """Load the demo into an empty database (no organisation and no account: a real organisation's first
    administrator, added with ``golden-thread users add`` before the first start, keeps it empty); returns whether
    it did. Either way the leadership frameworks are there afterwards (a database made before they existed, or
    imported without them, gets them now)."""
    if store.is_empty() and store.everything().users().height == 0:
        load_demo(store)
        return True
    ensure_frameworks(store)
    return False

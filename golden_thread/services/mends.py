"""The mends a flag offers (``domain.mends``), placed on the flagged record: the screen to open, its query
parameters and the team that owns the record (a team member may mend only their own team's work)."""

from __future__ import annotations

from dataclasses import dataclass

import polars as pl

from golden_thread.domain.mends import MENDS, Mend
from golden_thread.storage.store import Store


@dataclass(frozen=True)
class PlacedMend:
    mend: Mend
    query: dict[str, str]
    team_id: int | None


def flag_mends(
    db: Store, flags: pl.DataFrame, places: pl.DataFrame | None = None
) -> dict[tuple[str, int], list[PlacedMend]]:
    """(rule, entity_id) -> the mends of that flag, for every flag in ``flags`` (the checks' frame). ``places``:
    ``Store.flag_places()`` read already (a page listing the flags rule by rule reads it once)."""
    if flags.height == 0:
        return {}
    places = db.flag_places(flags["entity_id"].unique().to_list()) if places is None else places
    placed = flags.select("rule", "entity_type", "entity_id").join(places, on=["entity_type", "entity_id"], how="left")
    # a network's own flags concern the network open (its page opens on it)
    network = {"network_id": db.scope.organisation_id or "", "member_id": ""}
    found: dict[tuple[str, int], list[PlacedMend]] = {}
    for row in placed.iter_rows(named=True):
        place = {**network, **{k: "" if v is None else v for k, v in row.items()}, "id": row["entity_id"]}
        found[(row["rule"], row["entity_id"])] = [
            PlacedMend(mend, mend.query(place), row["team_id"]) for mend in MENDS.get(row["rule"], ())
        ]
    return found

"""The demo trust: deterministic, current, realistic in size, and carrying its deliberate breaks."""

from __future__ import annotations

import datetime as dt

import polars as pl
import pytest

from golden_thread.seed.demo import DEMO_AWAITING_ENTRY, DEMO_BREAKS, build_demo_trust
from golden_thread.storage.store import Store


@pytest.fixture(scope="module")
def demo() -> dict[str, pl.DataFrame]:
    return build_demo_trust(dt.date(2026, 11, 23))


@pytest.mark.slow
def test_the_same_day_and_seed_give_the_same_trust(demo):
    again = build_demo_trust(dt.date(2026, 11, 23))
    assert demo.keys() == again.keys()
    # Password hashes are salted, so they differ run to run; each still verifies the demo password.
    assert all(
        demo[t].drop("password_hash", strict=False).equals(again[t].drop("password_hash", strict=False)) for t in demo
    )
    from argon2 import PasswordHasher

    from golden_thread.seed.demo import DEMO_PASSWORD

    assert all(PasswordHasher().verify(h, DEMO_PASSWORD) for h in demo["app_user"]["password_hash"])


@pytest.mark.parametrize(
    ("today", "last_month"),
    [(dt.date(2026, 11, 23), dt.date(2026, 10, 1)), (dt.date(2027, 1, 5), dt.date(2026, 12, 1))],
)
def test_monthly_data_end_at_the_last_complete_month(today, last_month):
    frames = build_demo_trust(today)
    monthly = frames["measure"].filter(pl.col("frequency") == "monthly")["id"]
    ends = (
        frames["observation"]
        .filter(pl.col("measure_id").is_in(monthly.implode()))
        .group_by("measure_id")
        .agg(pl.col("period_start").max())
    )
    quiet = set(DEMO_BREAKS["measure_gone_quiet"])
    current = ends.filter(~pl.col("measure_id").is_in(list(quiet | set(DEMO_AWAITING_ENTRY))))
    assert current["period_start"].unique().to_list() == [last_month]
    # One team's measure waits for last month's figure, so a team member has something to enter.
    awaiting = ends.filter(pl.col("measure_id").is_in(DEMO_AWAITING_ENTRY))["period_start"].to_list()
    assert awaiting == [(last_month - dt.timedelta(days=1)).replace(day=1)]
    weekly = frames["observation"].join(
        frames["measure"].filter(pl.col("frequency") == "weekly"), left_on="measure_id", right_on="id"
    )
    assert weekly["period_start"].max() < today - dt.timedelta(days=today.weekday())
    assert (weekly["period_start"].dt.weekday() == 1).all()  # Mondays


def test_the_demo_is_the_size_of_a_real_portfolio(demo):
    assert demo["organisation"].filter(pl.col("kind") == "team").height == 12
    assert demo["aim"].height == 5 and demo["strategic_objective"].height == 4
    assert 25 <= demo["project"].height <= 35
    assert 130 <= demo["pdsa_cycle"].height <= 170
    assert 35 <= demo["measure"].height <= 50
    lengths = demo["observation"].group_by("measure_id").len()["len"]
    assert lengths.min() >= 18 and lengths.max() <= 104


def test_every_project_is_linked_except_the_deliberate_orphans(demo):
    linked = set(demo["project_link"]["project_id"])
    unlinked = set(demo["project"]["id"]) - linked
    assert unlinked == set(DEMO_BREAKS["orphan_project"])
    # An orphan is live work: a finished (completed or closed) project with no link would not be flagged.
    orphans = demo["project"].filter(pl.col("id").is_in(list(unlinked)))
    assert not orphans["status"].is_in(["completed", "closed"]).any()
    primaries = demo["project_link"].filter(pl.col("is_primary")).group_by("project_id").len()
    assert primaries["len"].max() == 1


def test_each_deliberate_break_names_real_records(demo):
    owner = {
        "orphan_project": "project",
        "stale_project": "project",
        "project_without_measure": "project",
        "aim_without_project": "aim",
        "measure_gone_quiet": "measure",
        "untested_change_idea": "change_idea",
        "pdsa_without_prediction": "pdsa_cycle",
        "pdsa_overdue": "pdsa_cycle",
        "driver_without_change_idea": "driver",
    }
    assert set(DEMO_BREAKS) == set(owner)
    for rule, ids in DEMO_BREAKS.items():
        assert ids and set(ids) <= set(demo[owner[rule]]["id"]), rule
    tested = set(demo["pdsa_cycle"]["change_idea_id"].drop_nulls())
    assert not tested & set(DEMO_BREAKS["untested_change_idea"])
    measured = set(demo["measure"]["project_id"].drop_nulls())
    assert set(demo["project"]["id"]) - measured == set(DEMO_BREAKS["project_without_measure"])


def test_the_demo_loads_under_every_constraint_of_the_schema(demo):
    store = Store(":memory:")
    counts = store.insert_tables(demo)
    assert counts["observation"] > 1000
    store.close()


def test_the_demo_shows_the_patterns_boards_must_see(demo_db):
    from golden_thread.services.measure_series import measure_charts

    store = Store(demo_db)
    points, summaries = measure_charts(store)
    store.close()
    by_name = {row["name"]: row for row in summaries.iter_rows(named=True)}
    falls = by_name["Inpatient falls with harm per 1,000 occupied bed days"]
    assert falls["chart_type"] == "u" and falls["multiplier"] == 1000
    los = by_name["Average length of stay, emergency medical admissions (days)"]
    assert los["special_cause_type"] == "7 Point Trend (Decreasing)"
    assert los["variation_icon"] == "special_cause_improvement"
    agency = by_name["Agency nursing spend (£k)"]
    assert agency["variation_icon"] == "common_cause"  # the spike was six months ago, not the latest point
    spikes = points.filter((pl.col("series") == agency["id"]) & (pl.col("special_cause_type") == "Above UCL"))
    assert spikes.height == 1
    assert summaries.filter(pl.col("state").is_not_null()).height == summaries.height

"""Checking a PDSA cycle a team logs (DOMAIN §1.2–1.4): every problem named, in words the team can act on."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from golden_thread.domain.enumerations import ACT_DECISIONS, PDSA_PURPOSES

TITLE_LIMIT = 200
TEXT_LIMIT = 4000


@dataclass(frozen=True)
class ProposedCycle:
    """A PDSA cycle as typed into the form (text and dates as given)."""

    title: str
    start_date: dt.date | None
    end_date: dt.date | None = None
    change_idea_id: int | None = None
    purpose: str | None = "test_change"
    prediction: str = ""
    plan: str = ""
    study_notes: str = ""
    act_decision: str | None = None


def check_cycle(proposed: ProposedCycle, today: dt.date) -> tuple[dict, list[str]]:
    """(row for the pdsa_cycle table, problems). A cycle with problems is never saved."""
    problems = []
    title = (proposed.title or "").strip()
    if not title:
        problems.append("Give the cycle a title: what is being tested, where.")
    elif len(title) > TITLE_LIMIT:
        problems.append(f"Keep the title under {TITLE_LIMIT} characters; put the detail in the plan.")
    if proposed.start_date is None:
        problems.append("Enter the date the cycle starts.")
    elif proposed.start_date > today + dt.timedelta(days=366):
        problems.append("The start date is more than a year away; check the year.")
    if proposed.start_date and proposed.end_date and proposed.end_date < proposed.start_date:
        problems.append(
            f"The cycle ends ({proposed.end_date:%d %B %Y}) before it starts ({proposed.start_date:%d %B %Y})."
        )
    if proposed.purpose is not None and proposed.purpose not in PDSA_PURPOSES:
        problems.append(f"Purpose must be one of: {', '.join(p.replace('_', ' ') for p in PDSA_PURPOSES)}.")
    if proposed.act_decision is not None and proposed.act_decision not in ACT_DECISIONS:
        problems.append(f"The Act decision is adopt, adapt or abandon, not “{proposed.act_decision}”.")
    if proposed.act_decision and not proposed.study_notes.strip():
        problems.append("Record what you learned (Study) before deciding to adopt, adapt or abandon.")
    for name in ("prediction", "plan", "study_notes"):
        if len(getattr(proposed, name) or "") > TEXT_LIMIT:
            problems.append(f"The {name.replace('_', ' ')} is longer than {TEXT_LIMIT} characters; shorten it.")

    def text(value: str) -> str | None:
        return value.strip() or None

    row = dict(
        title=title,
        start_date=proposed.start_date,
        end_date=proposed.end_date,
        change_idea_id=proposed.change_idea_id,
        purpose=proposed.purpose,
        prediction=text(proposed.prediction),
        plan=text(proposed.plan),
        study_notes=text(proposed.study_notes),
        act_decision=proposed.act_decision,
    )
    return row, problems

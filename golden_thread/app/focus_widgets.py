"""The focus board's pieces (``screens/focus.py``): an objective's card, the objective and action forms, and the
huddle's steps with their draft, which lives in the session so a step left and come back to loses nothing."""

from __future__ import annotations

import datetime as dt
import re

import polars as pl
import streamlit as st

from golden_thread.app.forms import (
    added,
    forget_opened,
    new_record_form,
    record_fields,
    remember_opened,
    show_refusal,
)
from golden_thread.app.ui import all_measures, label_text, plain, remember_message, show_table, username
from golden_thread.domain.enumerations import ACTION_STATUSES, OBJECTIVE_CATEGORIES
from golden_thread.domain.focus_boards import (
    ACTION_STATUS_WORDS,
    REFLECTION_QUESTIONS,
    RISK_WORDS,
    category_meaning,
)
from golden_thread.domain.formatting import format_day, format_value
from golden_thread.draw.board_matrix import STYLE, icons_with_words_html
from golden_thread.draw.charts import compact_spec
from golden_thread.errors import Refused
from golden_thread.services import focus_boards as service
from golden_thread.services.editing import save_record
from golden_thread.storage.store import Store

# Huddle mode is read from across a room: larger type, no sidebar or header, the whole width.
HUDDLE_STYLE = """<style>
html { font-size: 19px; }
section[data-testid="stSidebar"], [data-testid="stSidebarCollapsedControl"], header[data-testid="stHeader"] {
  display: none; }
[data-testid="stMainBlockContainer"] { padding: 0.8rem 2rem 0.5rem 2rem; max-width: 100%; }
[data-testid="stVerticalBlock"] { gap: 0.55rem; }
</style>"""


def requested_id(name: str) -> int | None:
    """A record number from the address (``?board=12``); anything else is reported once and ignored."""
    raw = st.query_params.get(name)
    if raw is None:
        return None
    if re.fullmatch(r"[0-9]{1,9}", raw.strip()):
        return int(raw.strip())
    st.warning(
        f"“{plain(raw)}” in the address is not a {name} number; showing the list instead.", icon=":material/link_off:"
    )
    return None


def standing_text(objective: dict) -> str:
    """“54.2% now · target 60%”: the measure's latest figure against its target, as the measure writes them."""
    if objective["measure_id"] is None:
        return "No measure chosen yet"
    decimals, unit = objective["decimal_places"], objective["unit"]
    now = format_value(objective["latest_value"], decimals, unit, missing="no data yet")
    target = objective["target_value"]
    return f"{now} now" + (
        f" · target {format_value(target, decimals, unit)}" if target is not None else " · no target"
    )


def objective_card(objective: dict, points: pl.DataFrame, *, compact: bool) -> None:
    """One objective on the board: what, why, how it is measured and whether it is on target, and what it serves."""
    with st.container(border=True):
        st.markdown(f"**{plain(objective['title'])}**")
        if not compact:
            if objective["problem"]:
                st.caption(f"Problem: {plain(objective['problem'])}")
            if objective["focus"]:
                st.caption(f"Focus: {plain(objective['focus'])}")
        if objective["measure_id"] is not None:
            mark = {True: " · :green[**on target**]", False: " · :orange[**not yet on target**]"}.get(
                objective["on_target"], ""
            )
            st.markdown(f"{standing_text(objective)}{mark}")
            st.caption(plain(objective["measure"]))
            series = points.filter(pl.col("series") == objective["measure_id"]) if points.height else points
            if series.height:
                spec = compact_spec(
                    series, unit=objective["unit"] or "", target=objective["target_value"], height=70 if compact else 90
                )
                st.vega_lite_chart(spec=spec, width="stretch")
            if objective["variation_icon"]:
                st.html(
                    STYLE
                    + icons_with_words_html(
                        objective["variation_icon"],
                        objective["assurance_icon"],
                        objective["improvement_direction"],
                        size=28 if compact else 34,
                    )
                )
        else:
            st.caption("No measure chosen yet.")
        served = objective["aim"] or objective["strategic_objective"]
        if objective["linked"]:
            st.caption(f"Serves: {plain(served)}")
        else:
            st.warning("No strategic link: choose the objective or aim it serves.", icon=":material/link_off:")


def _choices(frame: pl.DataFrame, label: str = "title") -> dict:
    return dict(zip(frame["id"].to_list(), frame[label].to_list(), strict=True)) if frame.height else {}


def objective_form(db: Store, board: dict, record_id: int | None, area, today: dt.date) -> None:
    """Add an objective to the board, or change one (as it was when this editor opened: a colleague's change since
    is refused by name); the links are chosen from the organisation's own records."""
    measures = all_measures(db).filter(pl.col("status") == "active").sort("name")
    objectives = db.records("strategic_objective").filter(pl.col("status") == "active")
    aims = db.records("aim").filter(pl.col("status") == "active")
    options = {
        "measure_id": _choices(measures, "name"),
        "strategic_objective_id": _choices(objectives),
        "aim_id": _choices(aims),
    }
    if record_id:
        opened, key = remember_opened(db, "focus_objective", record_id)
    else:
        opened, key = None, new_record_form("objective-new")
    with st.form(key):
        typed = record_fields("focus_objective", opened, key=key, options=options)
        st.caption(
            "Link the objective to the strategic objective or the system-level aim it serves (one is enough): an "
            "objective with neither shows on the Alignment page."
        )
        if st.form_submit_button("Save the objective", type="primary"):
            try:
                save_record(
                    db,
                    "focus_objective",
                    typed,
                    username=username(),
                    today=today,
                    record_id=record_id,
                    opened=opened,
                    placed=None if record_id else {"board_id": board["id"]},
                )
            except Refused as refused:
                with area:
                    show_refusal(refused)
            else:
                if record_id:
                    forget_opened("focus_objective", record_id)
                else:
                    added(key)
                remember_message("objective", f"The objective “{plain(typed.get('title'))}” is saved.")
                st.rerun()


def action_form(db: Store, view: service.FocusBoardView, record_id: int | None, area, today: dt.date) -> None:
    """A new action on the board (or a change to one, refused if a colleague changed it since this editor opened):
    who, by when, its status and risk, what it serves."""
    board = view.board
    projects = db.records("project").filter(pl.col("team_id") == board["unit_id"])
    options = {
        "focus_objective_id": _choices(view.objectives),
        "project_id": _choices(projects),
    }
    if record_id:
        opened, key = remember_opened(db, "focus_action", record_id)
    else:  # blank once added, never on a refusal
        opened, key = None, new_record_form("action-new")
    values = opened or {"status": "not_started", "risk_level": "low", "due_date": today + dt.timedelta(days=7)}
    with st.form(key):
        typed = record_fields(
            "focus_action", values, key=key, skip=("learning", "done_on", "pdsa_cycle_id"), options=options
        )
        if st.form_submit_button("Add the action" if record_id is None else "Save the action", type="primary"):
            try:
                service.save_action(
                    db,
                    typed,
                    username=username(),
                    today=today,
                    board_id=board["id"],
                    action_id=record_id,
                    opened=opened,
                )
            except Refused as refused:
                with area:
                    show_refusal(refused)
            else:
                if record_id:
                    forget_opened("focus_action", record_id)
                else:
                    added(key)
                remember_message("action", f"The action “{plain(typed.get('title'))}” is on the board.")
                st.rerun()


# -- huddle mode ------------------------------------------------------------------------------------------------------


def huddle_draft(board_id: int) -> dict:
    """The huddle being recorded at this board, kept across its steps (and a visit elsewhere) until it is saved."""
    return st.session_state.setdefault(f"huddle-draft-{board_id}", {"reviews": {}, "new_actions": [], "meeting": {}})


def huddle_step(
    db: Store, view: service.FocusBoardView, draft: dict, step: int, area, today: dt.date, vocabulary: str
) -> None:
    [_actions_step, _measures_step, _new_actions_step, _reflection_step][step](db, view, draft, area, today, vocabulary)


def _actions_step(db, view, draft, area, today, vocabulary) -> None:
    last = view.last_huddle
    if last and last["changes_to_make"]:
        st.caption(
            f"Last huddle ({format_day(last['held_on'])}) said it would change: {plain(last['changes_to_make'])}"
        )
    opening = view.opening
    if opening.height == 0:
        st.info("No open action: go on to the measures.", icon=":material/check_circle:")
        return
    feedback = dict(zip(view.last_reviews["action_id"].to_list(), view.last_reviews["feedback"].to_list(), strict=True))
    for action in opening.iter_rows(named=True):
        if action["status"] == "done":
            st.markdown(
                f":green[**Done**] **{plain(action['title'])}** ({plain(action['owner'])}), "
                f"{format_day(action['done_on'])}. "
                f"Learned: {plain(action['learning'])}"
            )
            continue
        review = draft["reviews"].setdefault(
            action["id"], {"status": action["status"], "feedback": "", "learning": "", "title": action["title"]}
        )
        review.setdefault("opened", service.action_opened(action))  # as the huddle first showed it
        late = f" · :red[**overdue {action['days_overdue']} days**]" if action["overdue"] else ""
        said = feedback.get(action["id"])
        what, status, note = st.columns([5, 2, 4], vertical_alignment="center")
        what.markdown(
            f"**{plain(action['title'])}**  \n{plain(action['owner'])} · due {format_day(action['due_date'])}{late}"
            + (f"  \nLast time: {plain(said)}" if said else "")
        )
        review["status"] = status.selectbox(
            label_text(f"Status of {action['title']}"),
            ACTION_STATUSES,
            index=ACTION_STATUSES.index(review["status"]),
            format_func=ACTION_STATUS_WORDS.get,
            key=f"huddle-status-{action['id']}",
            label_visibility="collapsed",
        )
        if review["status"] == "done":
            review["learning"] = note.text_input(
                label_text(f"What we learned from {action['title']}"),
                value=review["learning"],
                key=f"huddle-learning-{action['id']}",
                placeholder="What did we learn? (needed to close it)",
                label_visibility="collapsed",
            )
        else:
            review["feedback"] = note.text_input(
                label_text(f"Feedback on {action['title']}"),
                value=review["feedback"],
                key=f"huddle-feedback-{action['id']}",
                placeholder="Feedback (optional)",
                label_visibility="collapsed",
            )


def _measures_step(db, view, draft, area, today, vocabulary) -> None:
    columns = st.columns(4)
    for column, category in zip(columns, OBJECTIVE_CATEGORIES, strict=True):
        with column:
            st.markdown(f"**{category}** · {category_meaning(category, vocabulary)}")
            for objective in view.objectives.filter(pl.col("category") == category).iter_rows(named=True):
                objective_card(objective, view.points, compact=True)


def _new_actions_step(db, view, draft, area, today, vocabulary) -> None:
    drafted: list[dict] = draft["new_actions"]
    objectives = _choices(view.objectives)
    form = new_record_form("huddle-new-action")  # blank once added, never on a refusal
    with st.form(form):
        what, who, when, risk, serves = st.columns([4, 2, 2, 1, 3])
        title = what.text_input("Action *", key=f"{form}-title")
        owner = who.text_input("Responsible *", key=f"{form}-owner")
        due = when.date_input("Due *", value=today + dt.timedelta(days=7), format="DD/MM/YYYY", key=f"{form}-due")
        level = risk.selectbox("Risk", list(RISK_WORDS), format_func=RISK_WORDS.get, key=f"{form}-risk")
        objective = serves.selectbox(
            "For the objective",
            list(objectives),
            format_func=lambda k: label_text(objectives[k]),
            index=None,
            key=f"{form}-objective",
        )
        if st.form_submit_button("Add to this huddle's actions", icon=":material/add:"):
            problems = [
                p
                for p, missing in (
                    ("Name the action.", not title.strip()),
                    ("Say who is responsible.", not owner.strip()),
                )
                if missing
            ]
            if problems:
                area.error(" ".join(problems), icon=":material/error:")
            else:
                drafted.append(
                    {
                        "title": title,
                        "owner": owner,
                        "due_date": due,
                        "risk_level": level,
                        "focus_objective_id": objective,
                    }
                )
                added(form)
                st.rerun()  # listed below, and the form blank for the next
    if drafted:
        shown = pl.DataFrame(drafted, schema_overrides={"focus_objective_id": pl.Int64}).select(
            pl.col("title").alias("Action"),
            pl.col("owner").alias("Responsible"),
            pl.col("due_date").alias("Due"),
            pl.col("risk_level").replace_strict(RISK_WORDS).alias("Risk"),
        )
        show_table(shown, dates={"Due": "day"})
        if st.button("Remove the last one", icon=":material/undo:"):
            drafted.pop()
            st.rerun()
    else:
        st.caption("No new action yet. They are kept with the huddle when it is saved.")


def _reflection_step(db, view, draft, area, today, vocabulary) -> None:
    meeting = draft["meeting"]
    left, right = st.columns(2)
    with left:
        meeting["held_on"] = st.date_input(
            "Held on *", value=meeting.get("held_on", today), max_value=today, format="DD/MM/YYYY", key="huddle-held-on"
        )
        meeting["attendees"] = st.text_input(
            "Who was there *", value=meeting.get("attendees", ""), key="huddle-attendees"
        )
        meeting["decisions"] = st.text_area(
            "Decisions", value=meeting.get("decisions", ""), height=68, key="huddle-decisions"
        )
        answer = st.radio(
            REFLECTION_QUESTIONS["ran_to_time"] + " *",
            ["Yes", "No"],
            index={True: 0, False: 1}.get(meeting.get("ran_to_time")),
            horizontal=True,
            key="huddle-ran-to-time",
        )
        meeting["ran_to_time"] = {"Yes": True, "No": False}.get(answer)
        if meeting["ran_to_time"] is False:
            meeting["why_not_to_time"] = st.text_input(
                REFLECTION_QUESTIONS["why_not_to_time"] + " *",
                value=meeting.get("why_not_to_time", ""),
                key="huddle-why-not",
            )
    with right:
        for name in ("went_well", "learned", "not_working", "changes_to_make"):
            meeting[name] = st.text_input(REFLECTION_QUESTIONS[name], value=meeting.get(name, ""), key=f"huddle-{name}")
    reviews = list(draft["reviews"].values())
    st.caption(
        f"Saving keeps this huddle with {len(reviews)} action(s) gone through and {len(draft['new_actions'])} new."
    )
    if st.button("Save the huddle", type="primary", icon=":material/save:"):
        try:
            service.record_huddle(
                db,
                view.board["id"],
                meeting,
                [{**review, "action_id": action_id} for action_id, review in draft["reviews"].items()],
                draft["new_actions"],
                username=username(),
                today=today,
            )
        except Refused as refused:
            with area:
                show_refusal(refused)
        else:
            st.session_state.pop(f"huddle-draft-{view.board['id']}", None)
            remember_message(
                "board",
                f"The huddle of {format_day(meeting['held_on'])} is kept: {len(reviews)} action(s) gone through, "
                f"{len(draft['new_actions'])} new.",
            )
            del st.query_params["huddle"]
            st.rerun()

"""Focus boards: the golden thread at a ward's huddle (DOMAIN §4.5, issue 17).

``?board=ID`` opens a team's board: its purpose, its objectives in the four columns of the strategy with each one's
measure (current against target, its icons and run chart), its actions, and its huddles. ``&huddle=1`` turns it into
huddle mode, for a wall display: last meeting's actions, the measures, new actions, then how the huddle went, kept
as one record. With no board named, a team member opens their own team's board; everyone else the roll-up of every
board side by side. ``?objective=ID`` opens the board holding that objective, on its editor (the Alignment page's
mend for an objective with no strategic link).
"""

import datetime as dt

import polars as pl
import streamlit as st

from golden_thread.app.focus_widgets import (
    HUDDLE_STYLE,
    action_form,
    huddle_draft,
    huddle_step,
    objective_card,
    objective_form,
    requested_id,
)
from golden_thread.app.forms import forget_opened, record_fields, remember_opened, show_refusal
from golden_thread.app.ui import (
    kept,
    label_text,
    may,
    message_area,
    plain,
    remember_message,
    role_may,
    session_scope,
    show_table,
    store,
    username,
)
from golden_thread.domain.enumerations import OBJECTIVE_CATEGORIES
from golden_thread.domain.focus_boards import (
    HUDDLE_STEPS,
    REFLECTION_QUESTIONS,
    RISK_WORDS,
    category_meaning,
    roll_up_by_division,
)
from golden_thread.domain.formatting import format_day, format_percent
from golden_thread.domain.vocabulary import words
from golden_thread.errors import Refused
from golden_thread.services import focus_boards as service
from golden_thread.services.editing import save_record

db = store()
today = dt.date.today()
vocabulary = session_scope().vocabulary
board_word = words(vocabulary).focus_board  # "focus board" in a trust, "data wall" in a school network
boards = service.focus_boards(db)

board_id = requested_id("board")
objective_asked = requested_id("objective")
if objective_asked is not None and board_id is None:
    board_id = service.board_of_objective(db, objective_asked)
if board_id is None and "board" not in st.query_params and "rollup" not in st.query_params:
    board_id = service.board_for(db, username())


def roll_up() -> None:
    st.title(words(vocabulary).heading("{focus_board}s"))
    st.caption(
        f"Every team's {board_word} side by side: objectives on target, actions overdue, how often each huddle "
        "meets and how often it runs to time (last three months)."
    )
    summary = kept(db, "focus_roll_up", lambda db, today: service.roll_up_view(db, today), today)
    if summary.height == 0:
        st.info(f"No team keeps a {board_word} here yet.", icon=":material/info:")
    else:
        totals = st.columns(4)
        totals[0].metric(words(vocabulary).heading("{focus_board}s"), f"{summary.height:,}")
        totals[1].metric(
            "Objectives on target", f"{int(summary['on_target'].sum())} of {int(summary['objectives'].sum())}"
        )
        totals[2].metric("Actions overdue", f"{int(summary['overdue_actions'].sum())}")
        unlinked = int(summary["unlinked"].sum())
        totals[3].metric(
            "Objectives with no strategic link",
            f"{unlinked}",
            help="Shown on the Alignment page, with the way to link each one.",
        )
        table = summary.with_columns(
            pl.concat_str([pl.lit("?board="), pl.col("board_id").cast(pl.Utf8)]).alias("open"),
            (pl.col("ran_to_time") * 100).alias("ran_to_time"),
        ).select(
            "open",
            pl.col("unit").alias("Team"),
            pl.col("parent").alias("Division"),
            pl.col("objectives").alias("Objectives"),
            pl.col("on_target").alias("On target"),
            pl.col("unlinked").alias("No strategic link"),
            pl.col("open_actions").alias("Open actions"),
            pl.col("overdue_actions").alias("Overdue"),
            pl.col("huddles_per_month").alias("Huddles a month"),
            pl.col("ran_to_time").alias("Ran to time"),
            pl.col("last_huddle").alias("Last huddle"),
        )
        divisions = roll_up_by_division(summary)
        if divisions.height > 1:
            st.markdown("**By division**")
            show_table(
                divisions.select(
                    pl.col("division").alias("Division"),
                    pl.col("boards").alias("Boards"),
                    pl.format("{} of {}", "on_target", "objectives").alias("Objectives on target"),
                    pl.col("overdue_actions").alias("Actions overdue"),
                    pl.col("huddles_per_month").alias("Huddles a month (per board)"),
                    (pl.col("ran_to_time") * 100).alias("Ran to time"),
                ),
                numbers={"Huddles a month (per board)": 1},
                percents={"Ran to time": 0},
                counts=["Boards", "Actions overdue"],
            )
            st.markdown("**Every board**")
        show_table(
            table,
            numbers={"Huddles a month": 1},
            percents={"Ran to time": 0},
            counts=["Objectives", "On target", "No strategic link", "Open actions", "Overdue"],
            column_config={"open": st.column_config.LinkColumn("Board", display_text="Open")},
        )
    new_board_form()


def new_board_form() -> None:
    """A team (or division) without a board starts one; a team member only for their own team."""
    if not role_may("run_huddles"):
        return
    units = db.teams().filter(
        pl.col("kind").is_in(["division", "team"]) & ~pl.col("id").is_in(boards["unit_id"].to_list())
    )
    if may(db, "run_huddles") is not None:  # acts for its own team only: a team member
        units = units.filter(pl.col("id").is_in(list(db.user_teams(username()))))
    if units.height == 0:
        return
    with st.expander(f"Start a {board_word} for a team", icon=":material/add:"):
        area = message_area("new-board")
        with st.form("new-board", clear_on_submit=False):
            options = dict(zip(units["id"].to_list(), units["name"].to_list(), strict=True))
            unit_id = st.selectbox("Team or division *", list(options), format_func=options.get, index=None)
            name = st.text_input("Board name *", placeholder="Ward 7 focus board")
            purpose = st.text_area("Purpose at the top", height=70)
            rhythm = st.text_input("When the huddle meets", placeholder="Tuesdays 10:30 at the board")
            minutes = st.number_input("Huddle length (minutes) *", min_value=5, max_value=120, value=15, step=5)
            if st.form_submit_button("Start the board", type="primary"):
                try:
                    new_id = save_record(
                        db,
                        "focus_board",
                        {"name": name, "purpose": purpose, "huddle_rhythm": rhythm, "huddle_minutes": minutes},
                        username=username(),
                        today=today,
                        placed={"unit_id": unit_id},
                    )
                except Refused as refused:
                    with area:
                        show_refusal(refused)
                else:
                    remember_message("board", f"The {board_word} “{plain(name)}” is started: add its objectives.")
                    st.query_params.clear()
                    st.query_params["board"] = str(new_id)
                    st.rerun()


def wall_print(view: service.FocusBoardView) -> bytes:
    from golden_thread.report.focus_board_pdf import focus_board_pdf  # reportlab loads only when a print is asked for

    return focus_board_pdf(view, vocabulary=vocabulary, generated_on=today)


def board_page(view: service.FocusBoardView) -> None:
    board = view.board
    refusal = may(db, "run_huddles", board["unit_id"])
    head, go = st.columns([4, 1], vertical_alignment="center")
    with head:
        st.title(plain(board["name"]))
        place = plain(board["unit"]) + (f" · {plain(board['parent'])}" if board["parent"] else "")
        rhythm = f" · Huddle: {plain(board['huddle_rhythm'])}" if board["huddle_rhythm"] else ""
        st.caption(f"{place}{rhythm} · {board['huddle_minutes']} minutes")
    with go:
        if refusal is None:
            if st.button("Start the huddle", type="primary", icon=":material/groups:", width="stretch"):
                st.query_params["huddle"] = "1"
                st.rerun()
        st.download_button(
            "Print for the wall (A3)",
            lambda: wall_print(view),
            file_name=f"focus-board-{board['id']}-{today:%Y-%m-%d}.pdf",
            mime="application/pdf",
            icon=":material/print:",
            width="stretch",
            help="The whole board on one A3 page, for a ward without a screen.",
        )
        st.link_button(f"Every {board_word}", "?rollup=1", width="stretch", icon=":material/view_column:")
    message_area("board")
    if board["purpose"]:
        st.info(plain(board["purpose"]), icon=":material/flag:")
    last = view.last_huddle
    if last is None:
        st.caption("No huddle recorded yet.")
    else:
        st.caption(
            f"Last huddle {format_day(last['held_on'])}: "
            + ("ran to time." if last["ran_to_time"] else f"overran ({plain(last['why_not_to_time'] or '')}).")
        )

    st.subheader("Our objectives")
    columns = st.columns(4)
    for column, category in zip(columns, OBJECTIVE_CATEGORIES, strict=True):
        with column:
            st.markdown(f"**{category}**")
            st.caption(category_meaning(category, vocabulary))
            for objective in view.objectives.filter(pl.col("category") == category).iter_rows(named=True):
                objective_card(objective, view.points, compact=False)
    if refusal is None:
        objective_editor(view)
        board_settings(view.board)

    st.subheader("Our actions")
    actions_section(view, refusal)
    st.subheader("Our huddles")
    huddle_history(view)


def objective_editor(view: service.FocusBoardView) -> None:
    objectives = view.objectives
    chosen = objective_asked if objective_asked in objectives["id"].to_list() else None
    with st.expander("Add or change an objective", icon=":material/edit:", expanded=chosen is not None):
        area = message_area("objective")
        options = {None: "A new objective", **dict(zip(objectives["id"], objectives["title"], strict=True))}
        picked = st.selectbox(
            "Objective",
            list(options),
            format_func=lambda k: label_text(options[k]),
            key="objective-pick",
            index=list(options).index(chosen),
        )
        objective_form(db, view.board, picked, area, today)
        if picked is not None:
            retire_objective(picked, options[picked], area)


def retire_objective(objective_id: int, title: str, area) -> None:
    """An objective the team no longer works on leaves the board with its reason; nothing is deleted."""
    with st.form(f"retire-objective-{objective_id}"):
        reason = st.text_input("Why is it leaving the board? *", placeholder="Achieved and sustained for six months")
        if st.form_submit_button("Retire this objective", icon=":material/archive:"):
            try:
                db.set_status("focus_objective", objective_id, "retired", username=username(), reason=reason)
            except Refused as refused:
                with area:
                    show_refusal(refused)
            else:
                forget_opened("focus_objective", objective_id)
                remember_message("objective", f"“{plain(title)}” has left the board ({plain(reason)}).")
                st.rerun()


def board_settings(board: dict) -> None:
    with st.expander("The board's name, purpose and huddle", icon=":material/settings:"):
        area = message_area("board-settings")
        opened, key = remember_opened(db, "focus_board", board["id"])
        with st.form(key):
            typed = record_fields("focus_board", opened, key=key)
            if st.form_submit_button("Save the board", type="primary"):
                try:
                    save_record(
                        db,
                        "focus_board",
                        typed,
                        username=username(),
                        today=today,
                        record_id=board["id"],
                        opened=opened,
                    )
                except Refused as refused:
                    with area:
                        show_refusal(refused)
                else:
                    forget_opened("focus_board", board["id"])
                    remember_message("board", "The board's settings are saved.")
                    st.rerun()


def actions_section(view: service.FocusBoardView, refusal: str | None) -> None:
    actions = view.actions
    open_actions = actions.filter(pl.col("status") != "done")
    overdue = int(open_actions["overdue"].sum()) if open_actions.height else 0
    st.caption(
        f"{open_actions.height} open"
        + (f", {overdue} overdue" if overdue else "")
        + f" · {actions.height - open_actions.height} done"
    )
    if open_actions.height:
        shown = open_actions.with_columns(
            pl.when(pl.col("overdue"))
            .then(pl.format("Overdue {} days", pl.col("days_overdue")))
            .otherwise(pl.col("status_words"))
            .alias("Status"),
            pl.col("risk_level").replace_strict(RISK_WORDS, default=None).alias("Risk"),
            pl.coalesce("project", "pdsa_cycle", "objective").alias("Serves"),
        ).select(
            pl.col("title").alias("Action"),
            pl.col("owner").alias("Responsible"),
            pl.col("due_date").alias("Due"),
            "Status",
            "Risk",
            pl.col("notes").alias("Notes"),
            "Serves",
        )
        show_table(
            shown,
            dates={"Due": "day"},
            column_config={
                "Status": st.column_config.TextColumn(
                    "Status", help="Overdue actions first need a new date or a decision."
                )
            },
        )
    if refusal is not None:
        st.caption(f"{refusal}")
    else:
        area = message_area("action")
        close, change, add = st.columns(3)
        with close:
            close_form(open_actions, area)
        with change:
            with st.expander("Change an action", icon=":material/edit_note:"):
                options = dict(zip(open_actions["id"].to_list(), open_actions["title"].to_list(), strict=True))
                picked = st.selectbox(
                    "Action", list(options), format_func=lambda k: label_text(options[k]), index=None, key="action-pick"
                )
                if picked is not None:
                    action_form(db, view, picked, area, today)
        with add:
            with st.expander("Add an action", icon=":material/add_task:"):
                action_form(db, view, None, area, today)
    done = actions.filter(pl.col("status") == "done").sort("done_on", descending=True)
    if done.height:
        with st.expander(f"Done actions and what we learned ({done.height})"):
            show_table(
                done.select(
                    pl.col("title").alias("Action"),
                    pl.col("owner").alias("Responsible"),
                    pl.col("done_on").alias("Done"),
                    pl.col("learning").alias("What we learned"),
                ),
                dates={"Done": "day"},
            )


def close_form(open_actions: pl.DataFrame, area) -> None:
    with st.expander("Close an action", icon=":material/task_alt:"):
        if open_actions.height == 0:
            st.caption("No open action.")
            return
        options = dict(zip(open_actions["id"].to_list(), open_actions["title"].to_list(), strict=True))
        # The actions as this list first showed them: closing one a colleague has changed since is refused by name.
        slot = f"opened-actions-{open_actions['board_id'][0]}"
        shown = st.session_state.setdefault(slot, {})
        for action in open_actions.iter_rows(named=True):
            shown.setdefault(action["id"], service.action_opened(action))
        with st.form("close-action"):
            action_id = st.selectbox(
                "Action *", list(options), format_func=lambda k: label_text(options[k]), index=None
            )
            learning = st.text_area("What did we learn? *", height=80, help="The next huddle reads it back.")
            if st.form_submit_button("Close the action", type="primary"):
                if action_id is None:
                    area.error("Choose the action to close.", icon=":material/error:")
                    return
                try:
                    service.close_action(
                        db,
                        action_id,
                        learning,
                        username=username(),
                        today=today,
                        opened=shown[action_id],
                    )
                except Refused as refused:
                    with area:
                        show_refusal(refused)
                else:
                    st.session_state.pop(slot, None)
                    remember_message("action", f"“{plain(options[action_id])}” is done, with what was learned.")
                    st.rerun()


def huddle_history(view: service.FocusBoardView) -> None:
    huddles = view.huddles
    if huddles.height == 0:
        st.caption("No huddle recorded yet: start one with “Start the huddle”.")
        return
    ran = huddles["ran_to_time"].mean()
    st.caption(f"{huddles.height} huddles recorded · {format_percent(ran * 100, 0)} ran to time")
    shown = huddles.select(
        pl.col("held_on").alias("Held"),
        pl.col("attendees").alias("Who was there"),
        pl.when(pl.col("ran_to_time")).then(pl.lit("Yes")).otherwise(pl.lit("No")).alias("Ran to time"),
        pl.col("decisions").alias("Decisions"),
        pl.col("went_well").alias(REFLECTION_QUESTIONS["went_well"]),
        pl.col("learned").alias(REFLECTION_QUESTIONS["learned"]),
        pl.col("changes_to_make").alias(REFLECTION_QUESTIONS["changes_to_make"]),
    )
    show_table(shown, dates={"Held": "day"}, height=min(38 * (shown.height + 1), 400))


def huddle_mode(view: service.FocusBoardView) -> None:
    """The huddle at the board, for a wall display: one step at a time, large type, no scrolling."""
    board = view.board
    st.html(HUDDLE_STYLE)
    refusal = may(db, "run_huddles", board["unit_id"])
    if refusal is not None:
        st.warning(refusal, icon=":material/lock:")
        return
    draft = huddle_draft(board["id"])
    step = draft.setdefault("step", 0)
    head, steps = st.columns([2, 3], vertical_alignment="center")
    head.markdown(f"### {plain(board['name'])} · huddle {format_day(today)}")
    steps.markdown(
        " → ".join(f"**{i + 1}. {name}**" if i == step else f"{i + 1}. {name}" for i, name in enumerate(HUDDLE_STEPS))
    )
    area = message_area("huddle")
    huddle_step(db, view, draft, step, area, today, vocabulary)
    back, leave, forward = st.columns([1, 1, 1])
    if step > 0 and back.button("Back", icon=":material/arrow_back:", width="stretch"):
        draft["step"] = step - 1
        st.rerun()
    if leave.button("Leave huddle mode (the draft is kept)", width="stretch"):
        del st.query_params["huddle"]
        st.rerun()
    if step < len(HUDDLE_STEPS) - 1 and forward.button(
        f"Next: {HUDDLE_STEPS[step + 1]}", type="primary", icon=":material/arrow_forward:", width="stretch"
    ):
        draft["step"] = step + 1
        st.rerun()


if board_id is None:
    roll_up()
else:
    view = kept(db, "focus_board", lambda db, board, today: service.focus_board_view(db, board, today), board_id, today)
    if view is None:
        st.title(words(vocabulary).heading("{focus_board}s"))
        st.warning(
            f"There is no {board_word} {board_id} in {plain(session_scope().name)}: choose one from the list.",
            icon=":material/search_off:",
        )
        roll_up()
    elif st.query_params.get("huddle") == "1":
        huddle_mode(view)
    else:
        board_page(view)

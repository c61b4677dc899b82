"""PDSA cycles: each project's tests of change as its team runs them, plan, do, study and act (DOMAIN §1.2–1.5).

``?project=ID`` lists a project's cycles and plans a new one; ``?cycle=ID`` opens one cycle: its plan, what was done,
what was learned and the decision. The project's team, improvement leads and administrators record them; everyone
else reads, and is told why they cannot change them.
"""

import datetime as dt
import re

import polars as pl
import streamlit as st

from golden_thread.app.forms import added, new_record_form
from golden_thread.app.page_end import end_page
from golden_thread.app.ui import (
    label_text,
    may,
    message_area,
    plain,
    remember_message,
    rule_name,
    show_table,
    store,
    thread_flags,
    username,
)
from golden_thread.domain.enumerations import ACT_DECISIONS, PDSA_PURPOSES
from golden_thread.domain.formatting import format_day
from golden_thread.domain.pdsa import (
    DECISION_WORDS,
    PROGRESS,
    PROGRESS_WORDS,
    PURPOSE_WORDS,
    STAGE_FIELDS,
    STAGE_TITLES,
    ProposedCycle,
    next_cycle,
    possible_duplicates,
)
from golden_thread.errors import Refused, StaleEdit

db = store()
today = dt.date.today()
EDITABLE = tuple(name for names in STAGE_FIELDS.values() for name in names)
# What each stage's form shows beside it: a save is refused if these changed since the person opened the cycle.
SHOWN_BESIDE = {"plan": (), "do": (), "study": ("prediction", "do_notes"), "act": ("study_notes",)}
STAGE_NAMES = {"planned": "Planned", "doing": "Doing", "studied": "Studied", "acted": "Acted"}
ACT_WORDS = {code: words.split(":")[0] for code, words in DECISION_WORDS.items()}  # "Adopt", "Adapt", "Abandon"

st.title("PDSA cycles")
if message := st.session_state.pop("pdsa-saved", None):
    st.success(message, icon=":material/check_circle:")


def requested(name: str) -> tuple[int | None, str | None]:
    """(id, None) for a record number in the URL, (None, what was typed) for anything else, (None, None) if absent."""
    raw = st.query_params.get(name)
    if raw is None:
        return None, None
    if re.fullmatch(r"[0-9]{1,9}", raw.strip()):
        return int(raw.strip()), None
    return None, raw


def go(**params: int) -> None:
    st.query_params.clear()
    for name, value in params.items():
        st.query_params[name] = str(value)
    st.rerun()


def paragraphs(text: str | None) -> str:
    """User text for markdown: shown as typed, its line breaks kept."""
    return plain(text).replace("\n", "  \n")


def show_text(label: str, text: str | None, empty: str = "Not written.") -> None:
    st.markdown(f"**{label}**")
    if text:
        st.markdown(paragraphs(text))
    else:
        st.caption(empty)


def cycle_flags(cycle_ids: list[int]) -> pl.DataFrame:
    """The breaks in the thread flagged on these cycles (entity_id, rule, message)."""
    flags = thread_flags(db, today)
    return flags.filter((pl.col("entity_type") == "pdsa_cycle") & pl.col("entity_id").is_in(cycle_ids))


def dates(row) -> str:
    start, end = row["start_date"], row["end_date"]
    return f"{format_day(start)} to {format_day(end)}" if end else f"from {format_day(start)}, no end date set"


# -- a new cycle (a project's next test, or the next cycle of a ramp) -------------------------------------------


def new_cycle_form(project_id: int, cycles: pl.DataFrame, prefill: ProposedCycle, key: str, area) -> None:
    """Plan a new cycle. Before saving, cycles that look like the same test are pointed out (in ``area``, the top of
    the form's part of the page, above the panel holding the form); saving one anyway needs a second, explicit
    click."""
    ideas = db.change_ideas_for_project(project_id)
    idea_titles = dict(zip(ideas["id"], ideas["title"]))
    earlier = {row["id"]: f"Cycle {row['cycle_number']}: {row['title']}" for row in cycles.iter_rows(named=True)}
    key = new_record_form(key)  # a cycle saved from this form: its next use starts from the prefill
    with st.form(key):
        title = st.text_input("What are you testing, where?", value=prefill.title, key=f"{key}-title", max_chars=200)
        boxes = st.columns(2)
        idea_options = [None, *idea_titles]
        # The idea the ramp carries on; else, for a project that tests a single change idea, that idea.
        idea_shown = prefill.change_idea_id if prefill.change_idea_id in idea_titles else None
        if idea_shown is None and len(idea_titles) == 1:
            idea_shown = next(iter(idea_titles))
        idea = boxes[0].selectbox(
            "Change idea tested",
            idea_options,
            index=idea_options.index(idea_shown),
            format_func=lambda i: "None chosen" if i is None else idea_titles[i],
            key=f"{key}-idea",
        )
        purpose = boxes[1].selectbox(
            "Purpose",
            PDSA_PURPOSES,
            index=PDSA_PURPOSES.index(prefill.purpose) if prefill.purpose in PDSA_PURPOSES else 2,
            format_func=PURPOSE_WORDS.get,
            key=f"{key}-purpose",
        )
        start = boxes[0].date_input("Starts", value=prefill.start_date, key=f"{key}-start", format="DD/MM/YYYY")
        end = boxes[1].date_input("Ends", value=prefill.end_date, key=f"{key}-end", format="DD/MM/YYYY")
        ramp_options = [None, *earlier]
        builds_on = st.selectbox(
            "Builds on (a ramp: each test building on the last)",
            ramp_options,
            index=ramp_options.index(prefill.builds_on_id) if prefill.builds_on_id in earlier else 0,
            format_func=lambda i: "No earlier cycle: a first test" if i is None else earlier[i],
            key=f"{key}-builds-on",
        )
        objective = st.text_area("Objective: what is this test for?", value=prefill.objective, key=f"{key}-objective")
        questions = st.text_area(
            "Questions the test will answer", value=prefill.questions, key=f"{key}-questions", height=80
        )
        prediction = st.text_area(
            "Prediction: what do you expect to happen? And why? (needed)",
            value=prefill.prediction,
            key=f"{key}-prediction",
            help="A prediction is what the team learns against: the Study compares what happened with it.",
        )
        plan = st.text_area(
            "Plan: who, what, when, where; what data will you collect?", value=prefill.plan, key=f"{key}-plan"
        )
        submitted = st.form_submit_button("Save the new cycle", type="primary", icon=":material/add:")
    proposed = ProposedCycle(
        title=title,
        start_date=start,
        end_date=end,
        change_idea_id=idea,
        purpose=purpose,
        prediction=prediction,
        plan=plan,
        objective=objective,
        questions=questions,
        builds_on_id=builds_on,
    )
    pending = f"{key}-duplicates"
    duplicates = possible_duplicates(proposed, cycles)
    if submitted:
        st.session_state[pending] = duplicates.height > 0
        if duplicates.height == 0:
            save_new_cycle(project_id, proposed, area, key)
    if st.session_state.get(pending) and duplicates.height:
        area.warning(
            "This looks like a cycle already logged. Check it is a different test before saving: "
            "if it is the same, open that cycle and carry it on instead.",
            icon=":material/content_copy:",
        )
        for row in duplicates.iter_rows(named=True):
            area.page_link(
                "screens/pdsa.py",
                label=f"Cycle {row['cycle_number']}: {label_text(row['title'])} ({dates(row)}): {row['why']}",
                icon=":material/open_in_new:",
                query_params={"cycle": str(row["id"])},
            )
        if area.button("It is a different test: save it anyway", key=f"{key}-anyway", icon=":material/save:"):
            st.session_state[pending] = False
            save_new_cycle(project_id, proposed, area, key)


def save_new_cycle(project_id: int, proposed: ProposedCycle, area, key: str) -> None:
    try:
        cycle_id = db.log_pdsa_cycle(project_id, proposed, username=username(), today=today)
    except Refused as refused:
        for problem in refused.problems:
            area.error(plain(problem), icon=":material/error:")  # it may quote what the person typed
        area.caption("Nothing was saved; your text is still in the form below.")
    else:
        st.session_state["pdsa-saved"] = (
            f"New cycle saved: {plain(proposed.title.strip())}. Record what happens as it runs."
        )
        added(key)
        go(cycle=cycle_id)


# -- one cycle ---------------------------------------------------------------------------------------------------


def field_key(cycle_id: int, name: str) -> str:
    return f"pdsa-{cycle_id}-{name}"


def open_for_editing(cycle: dict) -> None:
    """Load the cycle's stored fields into its forms and remember them as what the person opened, the first time
    the forms are drawn (again after a save, and when the person asks to reopen it)."""
    cycle_id = cycle["id"]
    opened = f"pdsa-opened-{cycle_id}"
    reload = st.session_state.pop(f"pdsa-reload-{cycle_id}", False)
    if (
        reload
        or opened not in st.session_state
        or any(field_key(cycle_id, n) not in st.session_state for n in EDITABLE)
    ):
        for name in EDITABLE:
            value = cycle[name]
            text = name not in ("change_idea_id", "purpose", "start_date", "end_date", "builds_on_id", "act_decision")
            st.session_state[field_key(cycle_id, name)] = (value or "") if text else value
        st.session_state[opened] = {name: cycle[name] for name in EDITABLE}


def save_stage(cycle: dict, stage: str, values: dict, area) -> None:
    """Save one stage; what went wrong shows in ``area``, the top of the stage's part of the page, and so does the
    sentence saying it was saved, after the page reruns."""
    cycle_id = cycle["id"]
    seen = st.session_state.get(f"pdsa-opened-{cycle_id}", {})
    opened = {name: seen.get(name) for name in (*STAGE_FIELDS[stage], *SHOWN_BESIDE[stage])}
    try:
        outcome = db.record_pdsa_stage(cycle_id, stage, values, username=username(), today=today, opened=opened)
    except StaleEdit as stale:
        for problem in stale.problems:
            area.error(plain(problem), icon=":material/sync_problem:")  # it quotes what the colleague typed
        area.button(
            "Reopen the cycle with their changes",
            key=f"pdsa-reopen-{cycle_id}-{stage}",
            icon=":material/refresh:",
            on_click=lambda: st.session_state.update({f"pdsa-reload-{cycle_id}": True}),
        )
    except Refused as refused:
        for problem in refused.problems:
            area.error(plain(problem), icon=":material/error:")  # it may quote what the person typed
        area.caption("Nothing was saved; your text is still in the form below.")
    else:
        remember_message(
            f"pdsa-{stage}-{cycle_id}",
            f"{STAGE_TITLES[stage]} saved." if outcome == "saved" else "Nothing to save: that is what is stored.",
            "success" if outcome == "saved" else "info",
        )
        st.session_state[f"pdsa-reload-{cycle_id}"] = True
        st.rerun()


def stage_form(cycle: dict, stage: str, label: str, draw, *, open_form: bool, area) -> None:
    """A stage's form (``draw`` lays out its widgets and returns the values), shown at once when it is the stage to
    record, else behind an expander; its messages show in ``area`` (``stage_area``)."""
    holder = st.container() if open_form else st.expander(label, icon=":material/edit:")
    with holder:
        with st.form(f"pdsa-{stage}-{cycle['id']}"):
            values = draw()
            submitted = st.form_submit_button(
                f"Save the {STAGE_TITLES[stage].lower()}" if stage != "do" else "Save what happened", type="primary"
            )
        if submitted:
            save_stage(cycle, stage, values, area)


def stage_area(cycle: dict, stage: str):
    """The top of a stage's part of the page, under its heading: its messages (saved, or what to fix) show here."""
    return message_area(f"pdsa-{stage}-{cycle['id']}")


def plan_widgets(cycle: dict, cycles: pl.DataFrame) -> dict:
    cid = cycle["id"]
    ideas = db.change_ideas_for_project(cycle["project_id"])
    idea_titles = dict(zip(ideas["id"], ideas["title"]))
    if cycle["change_idea_id"] is not None and cycle["change_idea_id"] not in idea_titles:
        idea_titles[cycle["change_idea_id"]] = f"{cycle['change_idea']} (an earlier version of the diagram)"
    earlier = {
        row["id"]: f"Cycle {row['cycle_number']}: {row['title']}"
        for row in cycles.iter_rows(named=True)
        if row["id"] != cid
    }
    if cycle["builds_on_id"] is not None and cycle["builds_on_id"] not in earlier:  # imported from elsewhere
        earlier[cycle["builds_on_id"]] = f"Cycle {cycle['builds_on_number']}: {cycle['builds_on_title']}"
    st.text_input("What are you testing, where?", key=field_key(cid, "title"), max_chars=200)
    boxes = st.columns(2)
    boxes[0].selectbox(
        "Change idea tested",
        [None, *idea_titles],
        format_func=lambda i: "None chosen" if i is None else idea_titles[i],
        key=field_key(cid, "change_idea_id"),
    )
    boxes[1].selectbox(
        "Purpose",
        [None, *PDSA_PURPOSES],
        format_func=lambda p: PURPOSE_WORDS.get(p, "Not said"),
        key=field_key(cid, "purpose"),
    )
    boxes[0].date_input("Starts", key=field_key(cid, "start_date"), format="DD/MM/YYYY")
    boxes[1].date_input("Ends", key=field_key(cid, "end_date"), format="DD/MM/YYYY")
    st.selectbox(
        "Builds on (a ramp)",
        [None, *earlier],
        format_func=lambda i: "No earlier cycle: a first test" if i is None else earlier[i],
        key=field_key(cid, "builds_on_id"),
    )
    st.text_area("Objective: what is this test for?", key=field_key(cid, "objective"), height=80)
    st.text_area("Questions the test will answer", key=field_key(cid, "questions"), height=80)
    st.text_area(
        "Prediction: what do you expect to happen? And why? (needed)",
        key=field_key(cid, "prediction"),
        help="A prediction is what the team learns against. Once the Study is recorded it stays as it was.",
    )
    st.text_area("Plan: who, what, when, where; what data will you collect?", key=field_key(cid, "plan"))
    return {name: st.session_state[field_key(cid, name)] for name in STAGE_FIELDS["plan"]}


def cycle_page(cycle: dict) -> None:
    cid, project_id = cycle["id"], cycle["project_id"]
    refusal = may(db, "log_pdsa", cycle["team_id"])
    editing = refusal is None
    if editing:
        open_for_editing(cycle)
    cycles = db.pdsa_cycles(project_id)

    st.page_link(
        "screens/pdsa.py",
        label=f"All cycles of {label_text(cycle['project'])}",
        icon=":material/arrow_back:",
        query_params={"project": str(project_id)},
    )
    st.subheader(f"Cycle {cycle['cycle_number'] or '–'}: {plain(cycle['title'])}", anchor=False)
    st.caption(
        f"{plain(cycle['team'])} · {PURPOSE_WORDS.get(cycle['purpose'], 'purpose not said')} · {dates(cycle)} · "
        + (f"tests the change idea “{plain(cycle['change_idea'])}”" if cycle["change_idea"] else "no change idea named")
    )
    stage = cycle["stage"]
    st.progress((PROGRESS.index(stage) + 1) / len(PROGRESS), text=PROGRESS_WORDS[stage])
    for flag in cycle_flags([cid]).iter_rows(named=True):
        st.warning(f"{rule_name(flag['rule'])}: {plain(flag['message'])}", icon=":material/flag:")

    ramp, charts = st.columns([1, 2])
    with ramp:
        st.markdown("**Ramp**")
        if cycle["builds_on_id"] is not None:
            st.page_link(
                "screens/pdsa.py",
                label=f"Builds on cycle {cycle['builds_on_number']}",
                icon=":material/arrow_upward:",
                help=plain(cycle["builds_on_title"]),
                query_params={"cycle": str(cycle["builds_on_id"])},
            )
        else:
            st.caption("A first test: it builds on no earlier cycle.")
        following = cycles.filter(pl.col("id").is_in(cycle["built_on_by"]))
        for row in following.iter_rows(named=True):
            st.page_link(
                "screens/pdsa.py",
                label=f"Built on by cycle {row['cycle_number']}",
                icon=":material/arrow_downward:",
                help=plain(row["title"]),
                query_params={"cycle": str(row["id"])},
            )
    with charts:
        st.markdown("**Its measures** (the cycle is marked on their charts)")
        measures = db.cycle_measures(cid)
        if measures.height == 0:
            st.caption("No measure watches this project's work yet.")
        for row in measures.iter_rows(named=True):
            st.page_link(
                "screens/measures.py",
                label=f"{label_text(row['name'])} ({row['measure_type']})",
                icon=":material/monitoring:",
                query_params={"measure": str(row["id"])},
            )
    if refusal:
        st.info(f"You can read this cycle. {refusal}", icon=":material/lock:")

    with st.container(border=True):
        st.markdown("#### Plan")
        area = stage_area(cycle, "plan")
        left, right = st.columns(2)
        with left:
            show_text("Objective", cycle["objective"])
            show_text("Questions", cycle["questions"])
            show_text("Plan", cycle["plan"])
        with right:
            show_text("Prediction", cycle["prediction"], "No prediction: there is nothing to learn against.")
        if editing:
            stage_form(cycle, "plan", "Edit the plan", lambda: plan_widgets(cycle, cycles), open_form=False, area=area)

    with st.container(border=True):
        st.markdown("#### Do")
        area = stage_area(cycle, "do")
        show_text("What happened", cycle["do_notes"], "Not recorded yet.")
        if editing:
            stage_form(
                cycle,
                "do",
                "Change what happened",
                lambda: {
                    "do_notes": st.text_area(
                        "What happened? Was the test carried out as planned; what did you observe; what went wrong "
                        "or surprised you?",
                        key=field_key(cid, "do_notes"),
                    )
                },
                open_form=not cycle["do_notes"],
                area=area,
            )

    with st.container(border=True):
        st.markdown("#### Study")
        area = stage_area(cycle, "study")
        beside, study = st.columns(2)
        with beside:
            show_text("The prediction", cycle["prediction"], "No prediction was made.")
            show_text("What happened", cycle["do_notes"], "Not recorded yet.")
        with study:
            show_text("What was learned", cycle["study_notes"], "Not studied yet.")
            if editing and not cycle["do_notes"]:
                st.caption("Record what happened (Do) first: the Study compares it with the prediction.")
            elif editing:
                stage_form(
                    cycle,
                    "study",
                    "Change what was learned",
                    lambda: {
                        "study_notes": st.text_area(
                            "What did you learn? Did the results match the prediction; what surprised you?",
                            key=field_key(cid, "study_notes"),
                        )
                    },
                    open_form=not cycle["study_notes"],
                    area=area,
                )

    with st.container(border=True):
        st.markdown("#### Act")
        area = stage_area(cycle, "act")
        decision = cycle["act_decision"]
        st.markdown("**Decision**")
        if decision:
            st.markdown(DECISION_WORDS[decision])
        else:
            st.caption("Not decided yet.")
        show_text("What next", cycle["act_notes"], "Not written.")
        if editing and not cycle["study_notes"]:
            st.caption("Record what was learned (Study) first: the decision rests on it.")
        elif editing:
            stage_form(
                cycle,
                "act",
                "Change the decision",
                lambda: {
                    "act_decision": st.radio(
                        "Decision", ACT_DECISIONS, format_func=DECISION_WORDS.get, key=field_key(cid, "act_decision")
                    ),
                    "act_notes": st.text_area(
                        "What next: what will the next cycle test, or how will the change be implemented?",
                        key=field_key(cid, "act_notes"),
                    ),
                },
                open_form=not decision,
                area=area,
            )

    if editing:
        area = message_area(f"pdsa-next-{cid}")
        with st.expander(
            "Start the next cycle (builds on this one)",
            icon=":material/redo:",
            expanded=stage == "acted" and decision != "abandon" and not cycle["built_on_by"],
        ):
            st.caption("Prefilled from this cycle, as a ramp carries on; write the new cycle's own prediction.")
            new_cycle_form(project_id, cycles, next_cycle(cycle, today), key=f"pdsa-next-{cid}", area=area)


# -- a project's cycles --------------------------------------------------------------------------------------------


def project_page(project: dict) -> None:
    project_id = project["id"]
    cycles = db.pdsa_cycles(project_id)
    st.caption(
        f"{plain(project['team'])} · {project['status'].replace('_', ' ')} · "
        f"{project['cycles']} cycle{'s' if project['cycles'] != 1 else ''}, "
        f"{project['open_cycles']} not yet decided"
    )
    if cycles.height == 0:
        st.info("No PDSA cycle yet: plan the first test below.", icon=":material/science:")
    else:
        flags = (
            cycle_flags(cycles["id"].to_list())
            .group_by("entity_id")
            .agg(pl.col("rule").map_elements(rule_name, return_dtype=pl.Utf8).sort().str.join(", ").alias("flags"))
        )
        table = cycles.join(flags, left_on="id", right_on="entity_id", how="left").select(
            pl.col("cycle_number").alias("Cycle"),
            pl.col("stage").replace_strict(STAGE_NAMES).alias("Stage"),
            pl.col("start_date").alias("Starts"),
            pl.col("end_date").alias("Ends"),
            pl.col("act_decision").replace_strict(ACT_WORDS, default=None, return_dtype=pl.Utf8).alias("Decision"),
            pl.col("builds_on_number").alias("Builds on"),
            pl.col("flags").fill_null("").alias("Flags"),
            pl.col("title").alias("Title"),
        )
        chosen = show_table(
            table,
            counts=("Cycle", "Builds on"),  # a first test builds on nothing: a blank cell
            dates={"Starts": "day", "Ends": "day"},
            on_select="rerun",
            selection_mode="single-row",
            key=f"pdsa-table-{project_id}",
            column_config={
                "Builds on": st.column_config.NumberColumn(help="The cycle this one builds on: its ramp"),
                "Flags": st.column_config.TextColumn(width="medium"),
            },
        )
        st.caption("Select a row to open its cycle.")
        if chosen.selection.rows:
            go(cycle=cycles["id"][chosen.selection.rows[0]])
        undecided = cycles.filter(pl.col("stage") != "acted")
        for row in undecided.iter_rows(named=True):
            st.page_link(
                "screens/pdsa.py",
                label=f"Carry on cycle {row['cycle_number']}: {label_text(row['title'])} ({STAGE_NAMES[row['stage']]})",
                icon=":material/play_arrow:",
                query_params={"cycle": str(row["id"])},
            )
    refusal = may(db, "log_pdsa", project["team_id"])
    if refusal:
        st.info(f"You can read these cycles. {refusal}", icon=":material/lock:")
        return
    area = message_area(f"pdsa-new-{project_id}")
    with st.expander("Plan a new cycle for this project", icon=":material/add:", expanded=cycles.height == 0):
        new_cycle_form(project_id, cycles, ProposedCycle("", today), key=f"pdsa-new-{project_id}", area=area)


# -- which page --------------------------------------------------------------------------------------------------

cycle_id, typed = requested("cycle")
if cycle_id is not None:
    cycle = db.pdsa_cycle(cycle_id)
    if cycle is not None:
        st.query_params.from_dict({"cycle": str(cycle_id)})
        cycle_page(cycle)
        end_page()
    st.warning(
        f"There is no PDSA cycle {cycle_id} here: it may belong to another organisation. Choose a project to see "
        "its cycles.",
        icon=":material/search_off:",
    )
elif typed is not None:
    st.warning(f"“{plain(typed)}” is not a PDSA cycle number. Choose a project to see its cycles.")

projects = db.pdsa_projects()
if projects.height == 0:
    st.info("No improvement projects yet: a PDSA cycle tests a change within a project.")
    end_page()
labels = {
    row["id"]: f"{row['title']} · {row['team']} ({row['cycles']} cycle{'s' if row['cycles'] != 1 else ''})"
    for row in projects.iter_rows(named=True)
}
ids = list(labels)
project_id, typed = requested("project")
if project_id is not None and project_id not in labels:
    st.warning(f"There is no project {project_id} here; choose one below.", icon=":material/search_off:")
    project_id = None
elif typed is not None:
    st.warning(f"“{plain(typed)}” is not a project number; choose a project below.")
if project_id is None:
    own = db.user_teams(username()) if db.user(username())["role"] == "team_member" else set()
    project_id = next((i for i, team in zip(ids, projects["team_id"]) if team in own), ids[0])
project_id = st.selectbox("Project", ids, index=ids.index(project_id), format_func=labels.get)
st.query_params.from_dict({"project": str(project_id)})  # the address names what is shown, to share or reload
project_page(projects.filter(pl.col("id") == project_id).row(0, named=True))

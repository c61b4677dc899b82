"""Build the thread: create and keep the organisation's strategic objectives, system-level aims, improvement projects
(with their links into the thread) and measures. A new organisation starts here, step by step.

Shared links open an editor directly: ?record=aim&id=3, ?new=project&link=change_idea:12,
?new=measure&attach=aim_id:3&type=balancing, ?record=project&id=5&part=links, ?record=measure&id=9&part=retire.
"""

import datetime as dt

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
from golden_thread.app.ui import label_text, may, plain, show_table, store, username
from golden_thread.domain.records import RECORDS, words
from golden_thread.domain.vocabulary import words as vocabulary_words
from golden_thread.errors import Refused
from golden_thread.services.editing import (
    MEASURE_DEFAULTS,
    create_aim,
    getting_started,
    save_record,
)

db = store()
today = dt.date.today()
said = vocabulary_words(db.scope.vocabulary)  # the organisation's words: a school network's schools, not divisions
SECTIONS = {"aims": "Objectives and aims", "projects": "Projects", "measures": "Measures", "units": "Teams"}
SECTION_OF = {"strategic_objective": "aims", "objective": "aims", "aim": "aims", "project": "projects"}
SECTION_OF["measure"] = "measures"
SECTION_OF["organisation"] = "units"

st.title("Build the thread")
st.caption(
    "Create and keep the organisation's objectives, system-level aims, projects and measures. Every change is "
    "checked before it is saved and kept in the audit trail with who made it."
)

# -- what the link asks for ---------------------------------------------------------------------------------------
params = st.query_params
asked_record, asked_id, asked_new = params.get("record"), params.get("id"), params.get("new")
asked_part = params.get("part")
if asked_record == "objective":
    asked_record = "strategic_objective"
if asked_new == "objective":
    asked_new = "strategic_objective"
problem = None
if asked_record and (asked_record not in RECORDS or not (asked_id or "").isdigit()):
    problem = f"The link asks for “{plain(asked_record)} {plain(asked_id or '')}”, which is not a record here."
    asked_record = None
elif asked_record and db.record(asked_record, int(asked_id)) is None:
    problem = f"There is no {RECORDS[asked_record].noun} {plain(asked_id)} in {plain(db.scope.name)}."
    asked_record = None
if asked_new and asked_new not in RECORDS:
    problem = f"The link asks to create “{plain(asked_new)}”: choose an objective, aim, project or measure instead."
    asked_new = None
if problem:
    st.warning(problem + " Choose one below.", icon=":material/warning:")
link_key = f"{asked_record}:{asked_id}:{asked_new}:{params.get('link')}:{params.get('attach')}"
if (asked_record or asked_new) and st.session_state.get("build-link") != link_key:
    st.session_state["build-link"] = link_key  # a new link opens its editor once; then the person is free to move
    st.session_state["build-section"] = SECTION_OF[asked_record or asked_new]
    st.session_state["build-open"] = f"{asked_record}:{asked_id}" if asked_record else f"new:{asked_new}"

if "build-message" in st.session_state:
    st.success(st.session_state.pop("build-message"), icon=":material/check_circle:")

# -- the guided start ---------------------------------------------------------------------------------------------
steps = getting_started(db)
if not all(step.done for step in steps):
    with st.container(border=True):
        st.subheader("Getting started", anchor=False)
        st.caption(
            "Build the golden thread from the top: each step makes the next one possible. Done steps are ticked."
        )
        for step, column in zip(steps, st.columns(len(steps))):
            with column:
                mark = ":material/check_circle:" if step.done else ":material/radio_button_unchecked:"
                st.markdown(f"{mark} **{step.number}. {step.title}**")
                st.caption(step.why)
        next_step = next(step for step in steps if not step.done)
        if next_step.number == 3:
            aims = db.records("aim").filter(pl.col("status") == "active")
            st.page_link(
                "screens/diagram.py",
                label="Next: draw the aim's driver diagram",
                icon=":material/schema:",
                query_params={"aim": str(aims["id"][0])} if aims.height else {},
            )
        else:
            target = {1: ("aims", "new:strategic_objective"), 2: ("aims", "new:aim"), 4: ("projects", "new:project")}
            target[5] = ("measures", "new:measure")
            section_of_step, editor = target[next_step.number]
            if (st.session_state.get("build-section"), st.session_state.get("build-open")) == target[next_step.number]:
                st.caption(f"Next: {next_step.title.lower()}, below.")  # its form is open already
            else:
                st.caption(f"Next: {next_step.title.lower()}.")
                if st.button(f"Start step {next_step.number}", type="primary", key=f"step-{next_step.number}"):
                    st.session_state["build-section"], st.session_state["build-open"] = section_of_step, editor
                    if next_step.number == 5:  # the first project's measures: attached to it from the start
                        first = db.records("project")["id"].min()
                        st.session_state["attach-default"] = f"project_id:{first}"
                    st.rerun()

st.session_state.setdefault("build-section", "aims")  # its default lives here: links and buttons above set it too
section = st.segmented_control("What to build", list(SECTIONS), format_func=SECTIONS.get, key="build-section")
section = section or "aims"


def open_new_measure(attach: str, measure_type: str | None = None) -> None:
    """The "Add a measure" buttons' callback: the new-measure form, attached to ``attach`` ("aim_id:3"), of
    ``measure_type`` if given. A callback, because it moves the "What to build" box, which is drawn above them."""
    st.session_state["build-section"], st.session_state["build-open"] = "measures", "new:measure"
    st.session_state["attach-default"] = attach
    st.session_state["type-default"] = (attach, measure_type) if measure_type else None


def saved(table: str, record_id: int, message: str) -> None:
    forget_opened(table, record_id)
    st.session_state["build-message"] = message
    st.rerun()


def choose(label: str, tables: dict[str, str]) -> str:
    """The record to open ("table:id") or "new:table" among the kinds in ``tables`` (table -> "+ New …"), remembered
    across reruns and set by a shared link or a mend."""
    options: dict[str, str] = {f"new:{table}": new_label for table, new_label in tables.items()}
    for table in tables:
        prefix = f"{RECORDS[table].noun.capitalize()}: " if len(tables) > 1 else ""
        for row in db.records(table).iter_rows(named=True):
            state = "" if row["status"] in ("active", "planning") else f" ({words(row['status'])})"
            options[f"{table}:{row['id']}"] = prefix + row["label"] + state
    wanted = st.session_state.get("build-open")
    keys = list(options)
    if wanted not in keys:
        wanted = keys[len(tables)] if len(keys) > len(tables) else keys[0]
    widget = f"open-{'-'.join(tables)}"
    # "build-open" leads: a save, a step of the guided start or a mend sets it, and the box follows. A person's own
    # choice in the box reaches "build-open" first, through on_change, so it is not undone here.
    if st.session_state.get(widget) != wanted:
        st.session_state[widget] = wanted
    chosen = st.selectbox(
        label,
        keys,
        format_func=options.get,
        key=widget,
        on_change=lambda: st.session_state.update({"build-open": st.session_state[widget]}),
    )
    st.session_state["build-open"] = chosen
    return chosen


def save_changes_form(table: str, record_id: int, opened: dict, key: str, message: str) -> None:
    """An existing record's fields as it was opened, saved (checked, audited, refused if stale) on "Save changes"."""
    with st.form(f"{table}-{record_id}"):
        typed = record_fields(table, opened, key=key)
        if st.form_submit_button("Save changes", type="primary"):
            try:
                save_record(db, table, typed, username=username(), today=today, record_id=record_id, opened=opened)
            except Refused as refused:
                show_refusal(refused)
            else:
                saved(table, record_id, message)


def refusal_for(action: str, team_id: int | None = None) -> str | None:
    reason = may(db, action, team_id)
    if reason:
        st.info(f"You can read this record but not change it: {reason}", icon=":material/lock:")
    return reason


def retire_form(table: str, record_id: int, record: dict, opened: dict) -> None:
    noun = RECORDS[table].noun
    expanded = asked_part == "retire"
    if record["status"] == "active":
        with st.expander(f"Retire this {noun}", icon=":material/archive:", expanded=expanded):
            st.caption(
                {
                    "measure": "Its data is kept and stays on the charts; it is no longer expected to report.",
                    "aim": f"It leaves the {said.board} report and the checks; projects that served only this aim "
                    "are flagged.",
                    "strategic_objective": "Retire or move its active aims first.",
                }[table]
            )
            with st.form(f"retire-{table}-{record_id}"):
                reason = st.text_input("Why is it retired? *", key=f"retire-reason-{table}-{record_id}")
                if st.form_submit_button(f"Retire the {noun}", icon=":material/archive:"):
                    try:
                        db.set_status(table, record_id, "retired", username=username(), reason=reason, opened=opened)
                    except Refused as refused:
                        show_refusal(refused)
                    else:
                        saved(table, record_id, f"Retired “{record[RECORDS[table].title]}”. Its history is kept.")
    elif st.button(f"Bring this {noun} back", key=f"reinstate-{table}-{record_id}", icon=":material/unarchive:"):
        try:
            db.set_status(table, record_id, "active", username=username(), reason="", opened=opened)
        except Refused as refused:
            show_refusal(refused)
        else:
            saved(table, record_id, f"“{record[RECORDS[table].title]}” is active again.")


# -- objectives and aims ------------------------------------------------------------------------------------------
def objectives_and_aims() -> None:
    opened_key = choose(
        "Objective or aim",
        {"strategic_objective": "+ New strategic objective", "aim": "+ New system-level aim"},
    )
    if opened_key.split(":")[-1] == "strategic_objective" or opened_key.startswith("strategic_objective:"):
        objective_editor(opened_key)
    else:
        aim_editor(opened_key, db.records("strategic_objective"))


def objective_editor(opened_key: str) -> None:
    if refusal_for("edit_thread"):
        return
    if opened_key.startswith("new:"):
        st.subheader("New strategic objective", anchor=False)
        with st.form("new-objective"):
            typed = record_fields("strategic_objective", None, key="new-objective")
            if st.form_submit_button("Add the objective", type="primary"):
                try:
                    record_id = save_record(
                        db,
                        "strategic_objective",
                        typed,
                        username=username(),
                        today=today,
                        placed={"organisation_id": db.scope.organisation_id},
                    )
                except Refused as refused:
                    show_refusal(refused)
                else:
                    st.session_state["build-open"] = f"strategic_objective:{record_id}"
                    saved("strategic_objective", record_id, f"Added the objective “{typed['title'].strip()}”.")
        return
    record_id = int(opened_key.split(":")[1])
    record = db.record("strategic_objective", record_id)
    opened, key = remember_opened(db, "strategic_objective", record_id)
    st.subheader(plain(record["title"]), anchor=False)
    save_changes_form("strategic_objective", record_id, opened, key, "Saved the objective.")
    retire_form("strategic_objective", record_id, record, opened)


def aim_editor(opened_key: str, objectives: pl.DataFrame) -> None:
    active_objectives = objectives.filter(pl.col("status") == "active")
    objective_options = dict(zip(active_objectives["id"], active_objectives["title"]))
    if refusal_for("edit_thread"):
        return
    if opened_key.startswith("new:"):
        st.subheader("New system-level aim", anchor=False)
        if not objective_options:
            st.warning("Add a strategic objective first: every aim serves one.", icon=":material/flag:")
            return
        st.caption(
            "A SMART aim: what, how much (baseline and target), by when, for whom; and the outcome measure that will "
            "show it. Fields marked * are required."
        )
        asked_objective = st.query_params.get("objective")
        with st.form("new-aim"):
            chosen = st.selectbox(
                "Strategic objective *",
                list(objective_options),
                format_func=objective_options.get,
                index=list(objective_options).index(int(asked_objective))
                if (asked_objective or "").isdigit() and int(asked_objective) in objective_options
                else 0,
                key="new-aim-objective",
            )
            typed = record_fields("aim", None, key="new-aim")
            st.markdown("**Its outcome measure**")
            outcome = record_fields(
                "measure", MEASURE_DEFAULTS, key="new-aim-outcome", skip=("measure_type",), columns=3
            )
            if st.form_submit_button("Add the aim and its outcome measure", type="primary"):
                try:
                    aim_id, _ = create_aim(db, typed, outcome, objective_id=chosen, username=username(), today=today)
                except Refused as refused:
                    show_refusal(refused)
                else:
                    st.session_state["build-open"] = f"aim:{aim_id}"
                    saved("aim", aim_id, f"Added the aim “{typed['title'].strip()}” with its outcome measure.")
        return
    record_id = int(opened_key.split(":")[1])
    record = db.record("aim", record_id)
    opened, key = remember_opened(db, "aim", record_id)
    st.subheader(plain(record["title"]), anchor=False)
    # What keeps the aim from being SMART (the "aim not SMART" flag's mend opens here): the missing target is in the
    # form below; a missing outcome measure is added with the link under it.
    outcome = db.records("measure").filter((pl.col("aim_id") == record_id) & (pl.col("measure_type") == "outcome"))
    gaps = [w for column, w in (("target_value", "target"), ("target_date", "target date")) if record[column] is None]
    gaps += [] if outcome.height else ["outcome measure"]
    if gaps and record["status"] == "active":
        st.warning(
            f"This aim is not SMART yet: it has no {' and no '.join(gaps)}."
            + ("" if outcome.height else " Add the outcome measure that will show whether it is met (below)."),
            icon=":material/rule:",
        )
    save_changes_form("aim", record_id, opened, key, "Saved the aim.")
    links = st.columns(3)
    links[0].page_link(
        "screens/diagram.py", label="Its driver diagram", icon=":material/schema:", query_params={"aim": str(record_id)}
    )
    links[1].page_link(
        "screens/thread.py",
        label="Its golden thread",
        icon=":material/account_tree:",
        query_params={"aim": str(record_id)},
    )
    links[2].button(
        "Add a measure to this aim" if outcome.height else "Add its outcome measure",
        icon=":material/add_chart:",
        on_click=open_new_measure,
        args=(f"aim_id:{record_id}", None if outcome.height else "outcome"),
    )
    retire_form("aim", record_id, record, opened)


# -- projects -----------------------------------------------------------------------------------------------------
def team_options() -> dict[int, str]:
    teams = db.teams()
    return {
        row["id"]: row["name"] + (f" ({row['parent']})" if row["parent"] else "") for row in teams.iter_rows(named=True)
    }


def target_options() -> dict[str, str]:
    targets = db.link_targets()
    return {f"{k}:{i}": label for k, i, label in targets.select("kind", "target_id", "label").iter_rows()}


def projects() -> None:
    opened_key = choose("Project", {"project": "+ New improvement project"})
    if opened_key.startswith("new:"):
        new_project()
        return
    record_id = int(opened_key.split(":")[1])
    record = db.record("project", record_id)
    st.subheader(plain(record["title"]), anchor=False)
    reason = may(db, "edit_project", record["team_id"])
    tabs = ["Details", "Links into the thread", "Its measures and cycles"]
    links_asked = asked_part == "links" and opened_key == f"{asked_record}:{asked_id}"  # a mend that moves its links
    details, links, work = st.tabs(tabs, default=tabs[1] if links_asked else None)
    with details:
        if reason:
            st.info(f"You can read this project but not change it: {reason}", icon=":material/lock:")
        opened, key = remember_opened(db, "project", record_id)
        with st.form(f"project-{record_id}"):
            typed = record_fields("project", opened, key=key, options={"team_id": team_options()})
            if st.form_submit_button("Save changes", type="primary", disabled=bool(reason)):
                try:
                    save_record(
                        db,
                        "project",
                        typed,
                        username=username(),
                        today=today,
                        record_id=record_id,
                        opened=opened,
                        placed={"team_id": typed["team_id"]},
                    )
                except Refused as refused:
                    show_refusal(refused)
                else:
                    saved("project", record_id, "Saved the project.")
    with links:
        project_links(record_id, record, reason)
    with work:
        measures = db.records("measure").filter(pl.col("project_id") == record_id)
        if measures.height:
            for row in measures.iter_rows(named=True):
                st.page_link(
                    "screens/measures.py",
                    # a link's label is its accessible name too: the name as typed, with only markup escaped
                    label=f"{label_text(row['name'])} "
                    f"({row['measure_type']}{'' if row['status'] == 'active' else ', retired'})",
                    icon=":material/monitoring:",
                    query_params={"measure": str(row["id"])},
                )
        else:
            st.warning("This project has no measure yet: add one to show whether its changes work.")
        if not reason:
            st.button(
                "Add a measure to this project",
                icon=":material/add_chart:",
                on_click=open_new_measure,
                args=(f"project_id:{record_id}",),
            )
        st.page_link(
            "screens/pdsa.py",
            label="Its PDSA cycles",
            icon=":material/autorenew:",
            query_params={"project": str(record_id)},
        )


def project_links(record_id: int, record: dict, reason: str | None) -> None:
    current = db.project_links(record_id)
    if current.height == 0:
        st.error(
            "This project serves no aim: link it to the aim, driver or change idea it works on.",
            icon=":material/link_off:",
        )
    options = target_options()  # each worded with the aim it reaches: "aim › change idea: …"
    for row in current.iter_rows(named=True):
        line = st.columns([5, 1.3, 1])
        badge = "Primary link" if row["is_primary"] else "Also contributes to"
        warning = " · ⚠ in a retired diagram version or aim: move it" if row["retired"] else ""
        label = options.get(f"{row['kind']}:{row['target_id']}", row["label"])
        line[0].markdown(f"**{badge}:** {plain(label)}{warning}")
        if reason:
            continue
        if not row["is_primary"] and line[1].button("Make primary", key=f"primary-{row['kind']}-{row['target_id']}"):
            try:
                db.set_primary_link(record_id, row["kind"], row["target_id"], username=username())
            except Refused as refused:
                show_refusal(refused)
            else:
                saved("project", record_id, f"“{row['label']}” is now the primary link.")
        if line[2].button("Remove", key=f"unlink-{row['kind']}-{row['target_id']}"):
            st.session_state["unlink"] = (row["kind"], row["target_id"], row["label"])
    pending = st.session_state.get("unlink")
    if pending and not reason:
        kind, target_id, label = pending
        with st.form("unlink-form"):
            st.markdown(f"Remove the link to **{plain(label)}**?")
            why = st.text_input("Why (required when it is the project's last link)")
            confirm, cancel = st.columns(2)
            if confirm.form_submit_button("Remove the link", type="primary"):
                try:
                    db.unlink_project(record_id, kind, target_id, username=username(), reason=why)
                except Refused as refused:
                    show_refusal(refused)
                else:
                    st.session_state.pop("unlink", None)
                    saved("project", record_id, f"Removed the link to “{label}”.")
            if cancel.form_submit_button("Keep it"):
                st.session_state.pop("unlink", None)
                st.rerun()
    if reason:
        return
    form = new_record_form(f"link-{record_id}")  # blank once linked, never on a refusal
    with st.form(form):
        st.markdown("**Link it to the thread**")
        target = st.selectbox(
            "Serves",
            list(options),
            index=None,
            format_func=options.get,
            placeholder="Choose the aim, driver or change idea it works on",
            key=f"{form}-target",
        )
        retired_primary = current.filter(pl.col("is_primary") & pl.col("retired")).height > 0
        how = st.radio(
            "As",
            ["primary", "also", "move"],
            index=2 if retired_primary else 0,  # a link into something retired is moved, not kept
            horizontal=True,
            key=f"{form}-how",
            format_func={
                "primary": "Its primary link (the old one stays as “also”)",
                "also": "Also contributes to",
                "move": "Move its primary link here (the old one is removed)",
            }.get,
        )
        if st.form_submit_button("Link", type="primary"):
            if target is None:
                st.error("Choose what the project serves: an aim, a driver or a change idea.", icon=":material/error:")
                return
            kind, target_id = target.split(":")
            try:
                if how == "also" or current.height == 0:
                    db.link_project(record_id, kind, int(target_id), username=username())
                else:
                    db.set_primary_link(record_id, kind, int(target_id), username=username(), keep_old=how == "primary")
            except Refused as refused:
                show_refusal(refused)
            else:
                added(form)
                saved("project", record_id, f"“{record['title']}” now serves {options[target]}.")


def new_project() -> None:
    if refusal_for("edit_project", next(iter(db.user_teams(username())), None)):
        return
    st.subheader("New improvement project", anchor=False)
    options = target_options()
    asked_link = st.query_params.get("link")
    teams = team_options()
    mine = db.user_teams(username())
    user_role = (st.session_state.get("user") or {}).get("role")
    if user_role == "team_member":
        teams = {k: v for k, v in teams.items() if k in mine}
    with st.form("new-project"):
        serves = st.selectbox(
            "Serves *",
            list(options),
            index=list(options).index(asked_link) if asked_link in options else None,
            format_func=options.get,
            placeholder="The aim, driver or change idea the project works on",
            help="Its primary link into the thread: the project appears under it in the golden thread.",
        )
        typed = record_fields(
            "project", {"status": "active", "start_date": today}, key="new-project", options={"team_id": teams}
        )
        if st.form_submit_button("Add the project", type="primary"):
            try:
                if serves is None:
                    raise Refused(
                        "Choose what the project serves: work with no strategic link is what the committee flags first."
                    )
                kind, target_id = serves.split(":")
                record_id = save_record(
                    db,
                    "project",
                    typed,
                    username=username(),
                    today=today,
                    placed={"team_id": typed["team_id"]},
                    link=(kind, int(target_id)),
                )
            except Refused as refused:
                show_refusal(refused)
            else:
                st.session_state["build-open"] = f"project:{record_id}"
                saved("project", record_id, f"Added the project “{typed['title'].strip()}”. Add its measures next.")


# -- measures -----------------------------------------------------------------------------------------------------
def attach_options() -> dict[str, str]:
    points = db.attach_points()
    return {f"{c}:{i}": label for c, i, label in points.select("column", "target_id", "label").iter_rows()}


def measures() -> None:
    opened_key = choose("Measure", {"measure": "+ New measure"})
    options = attach_options()
    if opened_key.startswith("new:"):
        st.subheader("New measure", anchor=False)
        asked = st.query_params.get("attach") or st.session_state.get("attach-default")
        type_default = st.session_state.get("type-default")  # (attach point, type): "Add its outcome measure"
        asked_type = st.query_params.get("type") or (
            type_default[1] if type_default and type_default[0] == asked else None
        )
        team = (
            int(asked.split(":")[1])
            if asked and asked.startswith("project_id:") and asked.split(":")[1].isdigit()
            else None
        )
        if refusal_for("edit_project", db.project_team(team) if team else None):
            return
        st.caption("The operational definition makes two people count the same thing. Fields marked * are required.")
        with st.form("new-measure"):
            attach = st.selectbox(
                "Attached to *",
                list(options),
                index=list(options).index(asked) if asked in options else None,
                format_func=options.get,
                placeholder="An aim, a driver or a project",
            )
            defaults = dict(
                MEASURE_DEFAULTS,
                measure_type=asked_type if asked_type in ("outcome", "process", "balancing") else "process",
            )
            typed = record_fields("measure", defaults, key="new-measure", columns=3)
            if st.form_submit_button("Add the measure", type="primary"):
                try:
                    if attach is None:
                        raise Refused("Choose what the measure is attached to: an aim, a driver or a project.")
                    column, target = attach.split(":")
                    record_id = save_record(
                        db, "measure", typed, username=username(), today=today, placed={column: int(target)}
                    )
                except Refused as refused:
                    show_refusal(refused)
                else:
                    st.session_state.pop("attach-default", None)
                    st.session_state.pop("type-default", None)
                    st.session_state["build-open"] = f"measure:{record_id}"
                    saved(
                        "measure",
                        record_id,
                        f"Added the measure “{typed['name'].strip()}”. Enter its data on the Measures page.",
                    )
        return
    record_id = int(opened_key.split(":")[1])
    record = db.record("measure", record_id)
    st.subheader(plain(record["name"]), anchor=False)
    st.page_link(
        "screens/measures.py",
        label="Its chart and data",
        icon=":material/monitoring:",
        query_params={"measure": str(record_id)},
    )
    if refusal_for("edit_project", db.measure_team(record_id)):
        return
    opened, key = remember_opened(db, "measure", record_id)
    current = next(f"{c}:{record[c]}" for c in ("aim_id", "driver_id", "project_id") if record[c] is not None)
    with st.form(f"measure-{record_id}"):
        attach = st.selectbox(
            "Attached to *",
            list(options),
            index=list(options).index(current) if current in options else None,
            format_func=options.get,
            key=f"{key}-attach",
        )
        typed = record_fields("measure", opened, key=key, columns=3)
        if st.form_submit_button("Save changes", type="primary"):
            try:
                if attach is None:
                    raise Refused("Choose what the measure is attached to: an aim, a driver or a project.")
                column, target = attach.split(":")
                save_record(
                    db,
                    "measure",
                    typed,
                    username=username(),
                    today=today,
                    record_id=record_id,
                    opened=opened,
                    placed={column: int(target)},
                )
            except Refused as refused:
                show_refusal(refused)
            else:
                saved("measure", record_id, "Saved the measure.")
    retire_form("measure", record_id, record, opened)


# -- the organisation's divisions and teams ---------------------------------------------------------------------
def units() -> None:
    """The divisions and teams projects belong to and people work in (administrators set them up)."""
    teams = db.teams()
    show_table(
        teams.select(
            pl.col("name").alias("Unit"),
            pl.col("kind")
            .map_elements(lambda kind: said.for_kind(kind).singular.capitalize(), return_dtype=pl.Utf8)
            .alias("Kind"),
            pl.col("parent").alias("Part of"),
        ),
    )
    if refusal_for("manage_organisation"):
        return
    parents = {row["id"]: row["name"] for row in teams.iter_rows(named=True) if row["kind"] != "team"}
    form = new_record_form("new-unit")  # blank once added, never on a refusal
    with st.form(form):
        st.markdown(f"**Add a {said.division} or {said.team}**")
        typed = record_fields("organisation", {"kind": "team"}, key=form)
        parent = st.selectbox("Part of *", list(parents), format_func=parents.get, key=f"{form}-parent")
        if st.form_submit_button("Add the unit", type="primary"):
            try:
                save_record(db, "organisation", typed, username=username(), today=today, placed={"parent_id": parent})
            except Refused as refused:
                show_refusal(refused)
            else:
                added(form)
                st.session_state["build-message"] = f"Added {typed['kind']} “{(typed['name'] or '').strip()}”."
                st.rerun()


{"aims": objectives_and_aims, "projects": projects, "measures": measures, "units": units}[section]()

"""Driver diagrams: each aim's theory of change drawn as IHI draws it, edited as a draft (kept for the session, so a
rerun loses nothing), previewed as it will look, and published as a new version in which every node keeps its key,
so projects and PDSA cycles keep their place in the thread (DOMAIN §2, Decision 4).

Shared links: ``?diagram=ID`` opens a diagram, ``?aim=ID`` an aim's diagram (or a new one for an aim that has
none), ``?add_idea_to=NODE_KEY`` the form that adds a change idea under that driver: the mend for the thread's
"driver without change idea" flag."""

import datetime as dt

import polars as pl
import streamlit as st

from golden_thread.app.page_end import end_page
from golden_thread.app.ui import may, plain, show_table, store, username
from golden_thread.domain.diagram_draft import DiagramDraft, changes
from golden_thread.domain.formatting import format_day
from golden_thread.draw.driver_diagram import COLUMNS, LEGEND, diagram_dot
from golden_thread.errors import Refused, StaleEdit

db = store()
today = dt.date.today()
st.title("Driver diagrams")
st.caption(
    "Each aim's theory of change: the primary drivers that most directly move the aim, the secondary drivers "
    "beneath them and the change ideas to test. An edit stays a draft until you publish it as a new version; every "
    "node keeps its key, so projects and PDSA cycles keep their place in the thread."
)
if message := st.session_state.pop("diagram-message", None):
    st.success(plain(message), icon=":material/check_circle:")
    if db.thread_progress()["projects"] == 0 and may(db, "edit_project") is None:  # the guided start's next step
        st.page_link(
            "screens/build.py",
            label="Next: the first improvement project, to test one of these change ideas",
            icon=":material/construction:",
            query_params={"new": "project"},
        )

diagrams = db.driver_diagrams()
free_aims = db.aims_without_diagram()
labels: dict[str, str] = {}
for row in diagrams.unique("aim_id", keep="first", maintain_order=True).iter_rows(named=True):
    retired = "" if row["aim_status"] == "active" else " (retired aim)"
    version = f"version {row['version_number']}" if row["version_number"] else "no active version"
    labels[f"d:{row['id']}"] = f"{row['aim']}{retired} · {version}"
for aim_id, title in free_aims.iter_rows():
    labels[f"a:{aim_id}"] = f"{title} · no driver diagram yet"
if not labels:
    st.info(
        f"{plain(db.scope.name)} has no aims yet. Add an aim first; then draw its driver diagram here.",
        icon=":material/flag:",
    )
    end_page()


def _day(day: dt.date) -> str:
    return format_day(day)


# -- shared links: ?diagram=ID, ?aim=ID, ?add_idea_to=NODE_KEY (each applied once; a bad one is explained) ------------
asked = {name: st.query_params.get(name) for name in ("diagram", "aim", "add_idea_to")}
from_link = None
add_idea_to = None
where = plain(db.scope.name)
if asked["diagram"]:
    if asked["diagram"].isdigit() and f"d:{int(asked['diagram'])}" in labels:
        from_link = f"d:{int(asked['diagram'])}"
    else:
        st.warning(
            f"There is no driver diagram “{plain(asked['diagram'])}” in {where}; choose an aim below.",
            icon=":material/warning:",
        )
if asked["aim"]:
    aim_of = dict(zip(diagrams["aim_id"].to_list(), diagrams["id"].to_list()))
    wanted = int(asked["aim"]) if asked["aim"].isdigit() else None
    if wanted in aim_of:
        from_link = f"d:{aim_of[wanted]}"
    elif f"a:{wanted}" in labels:
        from_link = f"a:{wanted}"
    else:
        st.warning(
            f"There is no active aim “{plain(asked['aim'])}” in {where}; choose one below.", icon=":material/warning:"
        )
if asked["add_idea_to"]:
    found = db.diagram_of_node(asked["add_idea_to"])
    drivers_found = found.filter(pl.col("kind") == "driver")
    if from_link and from_link.startswith("d:"):  # ?diagram=ID&add_idea_to=KEY: the key within that diagram first
        drivers_found = drivers_found.sort(pl.col("diagram_id") != int(from_link[2:]))
    if drivers_found.height and f"d:{drivers_found['diagram_id'][0]}" in labels:
        from_link = f"d:{drivers_found['diagram_id'][0]}"
        add_idea_to = asked["add_idea_to"]
    elif found.height:
        st.warning(
            f"“{plain(asked['add_idea_to'])}” is a change idea, not a driver: a change idea hangs from a driver.",
            icon=":material/warning:",
        )
    else:
        st.warning(
            f"There is no driver “{plain(asked['add_idea_to'])}” in the current version of any driver diagram in "
            f"{where}; choose the driver in the form below.",
            icon=":material/warning:",
        )
link_signature = tuple(asked.values())
if st.session_state.get("diagram-link-applied") != link_signature:
    st.session_state["diagram-link-applied"] = link_signature
    if from_link:
        st.session_state["diagram-choice"] = from_link
    if add_idea_to:
        st.session_state["diagram-add-idea-to"] = add_idea_to
if next_choice := st.session_state.pop("diagram-choice-next", None):
    st.session_state["diagram-choice"] = next_choice
if st.session_state.get("diagram-choice") not in labels:
    st.session_state["diagram-choice"] = next(iter(labels))

choice = st.selectbox("Aim", list(labels), format_func=labels.get, key="diagram-choice")
kind, ident = choice.split(":")[0], int(choice.split(":")[1])

if kind == "d":
    row = diagrams.filter(pl.col("id") == ident).row(0, named=True)
    aim_title = row["aim"]
    reason = may(db, "edit_thread") or db.diagram_refusal(username(), diagram_id=ident)
    if row["version_number"] is None:
        st.info("This driver diagram has no active version to show.", icon=":material/schema:")
        end_page()
    st.markdown(
        f"**{plain(row['title'])}** · version {row['version_number']}, from {_day(row['effective_from'])} "
        f"({plain(row['author'] or 'author not recorded')})"
        + (f": {plain(row['change_note'])}" if row["change_note"] else "")
    )
else:
    aim_title = dict(free_aims.iter_rows())[ident]
    reason = may(db, "edit_thread") or db.diagram_refusal(username(), aim_id=ident)


def preview(draft: DiagramDraft, before: DiagramDraft | None = None) -> None:
    legend = " · ".join(f'<span style="color:{colour}">■</span> {word}' for word, colour in LEGEND)
    st.caption(
        " → ".join(COLUMNS)
        + " · a dashed line is a weaker link"
        + (" · " + legend if before is not None else "")
        + " · hover a box for its key and description",
        unsafe_allow_html=True,
    )
    st.graphviz_chart(diagram_dot(aim_title, draft, before=before), width="stretch")


def history(diagram_id: int) -> None:
    st.subheader("Versions", anchor=False)
    st.caption("Each version is kept as it was published. Node keys stay the same from version to version.")
    versions = db.diagram_versions(diagram_id)
    show_table(
        versions.select(
            pl.col("version_number").alias("Version"),
            pl.col("effective_from").alias("From"),
            pl.col("author").alias("By"),
            pl.col("change_note").alias("What changed, and why"),
            pl.col("status").alias("Status"),
        ),
        dates={"From": "day"},
        codes={"Status": "status"},
    )
    drafts = db.diagram_drafts(diagram_id)
    numbers = sorted(drafts)
    if len(numbers) > 1:
        with st.expander("What each version changed, node by node"):
            for previous, number in reversed(list(zip(numbers, numbers[1:]))):
                sentences = changes(drafts[previous], drafts[number]).sentences() or ["No change to the nodes."]
                st.markdown(f"**Version {number}**\n" + "\n".join(f"- {plain(s)}" for s in sentences))


# -- read only: a board viewer, a team member, someone outside the diagram's owners ----------------------------------
if reason:
    if kind == "a":
        st.info(
            f"“{plain(aim_title)}” has no driver diagram yet. {plain(reason)}",
            icon=":material/lock:",
        )
        end_page()
    st.info(f"You can read this diagram but not change it. {plain(reason)}", icon=":material/lock:")
    current, _ = db.diagram_draft(ident)
    preview(current)
    history(ident)
    end_page()

# -- the draft, kept for the session ----------------------------------------------------------------------------------
state = f"diagram-edit-{ident}" if kind == "d" else f"diagram-new-{ident}"
if state not in st.session_state:
    base, opened = db.diagram_draft(ident) if kind == "d" else (DiagramDraft.empty(ident), 0)
    st.session_state[state] = {"base": base, "draft": base, "opened": opened}
editing = st.session_state[state]
base, draft, opened = editing["base"], editing["draft"], editing["opened"]
edit = changes(base, draft)

if kind == "d" and row["version_number"] != opened:
    st.warning(
        f"{plain(row['author'] or 'Someone')} published version {row['version_number']} on "
        f"{_day(row['effective_from'])}, after you opened version {opened}: publishing this draft would be refused. "
        "Start again from their version; your changes are listed below so you can make them again.",
        icon=":material/sync_problem:",
    )
    if st.button(f"Start again from version {row['version_number']}", key=f"{state}-restart"):
        st.session_state.pop(state, None)
        st.rerun()


def apply(change, *clear: str) -> None:
    """Make one edit on the session's draft and draw it; a refusal is shown and the draft left as it was."""
    try:
        changed = change(st.session_state[state]["draft"])
    except Refused as refused:
        for problem in refused.problems:
            st.error(plain(problem), icon=":material/error:")
        return
    st.session_state[state]["draft"] = changed
    st.session_state["diagram-clear"] = clear  # emptied at the start of the next run, before the form is drawn
    st.rerun()


for key in st.session_state.pop("diagram-clear", ()):
    st.session_state[key] = [] if key.endswith(("-drivers", "-primaries")) else ""

st.subheader("Preview" if kind == "d" else f"A new driver diagram for “{aim_title}”", anchor=False)
preview(draft, base)

st.subheader("Edit the draft", anchor=False)
ACTIONS = ("Add a change idea", "Add a secondary driver", "Add a primary driver", "Reword", "Move", "Remove")
if (pending := st.session_state.pop("diagram-add-idea-to", None)) and pending in draft:
    st.session_state["diagram-action"] = ACTIONS[0]
    st.session_state[f"{state}-idea-drivers"] = [pending]
if st.session_state.get("diagram-action") not in ACTIONS:
    st.session_state["diagram-action"] = ACTIONS[0] if draft.drivers("primary") else ACTIONS[2]
action = st.radio("What would you like to do?", ACTIONS, horizontal=True, key="diagram-action")
drivers = [n.key for n in draft.ordered() if n.kind == "driver"]
primaries = [n.key for n in draft.ordered() if n.level == "primary"]

if action == "Add a change idea":
    if not drivers:
        st.info("Add a primary driver first: a change idea hangs from a driver.", icon=":material/info:")
    else:
        chosen = st.session_state.get(f"{state}-idea-drivers") or []
        st.session_state[f"{state}-idea-drivers"] = [k for k in chosen if k in drivers]
        with st.form(f"{state}-add-idea"):
            title = st.text_input("Change idea", key=f"{state}-idea-title", max_chars=200)
            serves = st.multiselect(
                "The drivers it serves (a change idea may serve several)",
                drivers,
                format_func=draft.label,
                key=f"{state}-idea-drivers",
            )
            description = st.text_area("Description (optional)", key=f"{state}-idea-description", max_chars=1000)
            added = st.form_submit_button("Add to the draft", icon=":material/add:")
        if added:
            apply(
                lambda d: d.add_change_idea(title, serves, description),
                f"{state}-idea-title",
                f"{state}-idea-drivers",
                f"{state}-idea-description",
            )
elif action == "Add a secondary driver":
    if not primaries:
        st.info("Add a primary driver first: a secondary driver serves a primary driver.", icon=":material/info:")
    else:
        with st.form(f"{state}-add-secondary"):
            title = st.text_input("Secondary driver", key=f"{state}-secondary-title", max_chars=200)
            serves = st.multiselect(
                "The primary drivers it serves (one or more)",
                primaries,
                format_func=draft.label,
                key=f"{state}-secondary-primaries",
            )
            description = st.text_area("Description (optional)", key=f"{state}-secondary-description", max_chars=1000)
            added = st.form_submit_button("Add to the draft", icon=":material/add:")
        if added:
            apply(
                lambda d: d.add_secondary(title, serves, description),
                f"{state}-secondary-title",
                f"{state}-secondary-primaries",
                f"{state}-secondary-description",
            )
elif action == "Add a primary driver":
    with st.form(f"{state}-add-primary"):
        title = st.text_input("Primary driver", key=f"{state}-primary-title", max_chars=200)
        description = st.text_area("Description (optional)", key=f"{state}-primary-description", max_chars=1000)
        added = st.form_submit_button("Add to the draft", icon=":material/add:")
    if added:
        apply(lambda d: d.add_primary(title, description), f"{state}-primary-title", f"{state}-primary-description")
elif not draft.nodes:
    st.info("The draft has nothing to change yet: add a primary driver first.", icon=":material/info:")
elif action == "Reword":
    key = st.selectbox(
        "Node",
        [n.key for n in draft.ordered()],
        index=None,
        placeholder="Choose the driver or change idea to reword",
        format_func=draft.label,
        key=f"{state}-reword-node",
    )
    if key in draft:
        node = draft.node(key)
        with st.form(f"{state}-reword"):
            title = st.text_input("Wording", value=node.title, key=f"{state}-reword-title-{key}", max_chars=200)
            description = st.text_area(
                "Description", value=node.description or "", key=f"{state}-reword-description-{key}", max_chars=1000
            )
            reworded = st.form_submit_button("Reword in the draft", icon=":material/edit:")
        if reworded:
            apply(lambda d: d.rename(key, title, description))
elif action == "Move":
    movable = [n.key for n in draft.ordered() if n.level != "primary"]
    key = st.selectbox(
        "Node",
        movable,
        index=None,
        placeholder="Choose the secondary driver or change idea to move (a primary driver serves the aim itself)",
        format_func=draft.label,
        key=f"{state}-move-node",
    )
    if key in draft:
        node = draft.node(key)
        levels = {"secondary": ("primary",), "tertiary": ("secondary",)}.get(node.level)
        options = [k for k in drivers if k != key and (levels is None or draft.node(k).level in levels)]
        with st.form(f"{state}-move"):
            parents = st.multiselect(
                f"The {'drivers' if levels is None else levels[0] + ' drivers'} it serves",
                options,
                default=[p for p in node.parents if p in options],
                format_func=draft.label,
                key=f"{state}-move-parents-{key}",
            )
            weak = st.multiselect(
                "Of these, the ones it serves weakly (drawn dashed)",
                options,
                default=[p for p in sorted(node.weak) if p in options],
                format_func=draft.label,
                key=f"{state}-move-weak-{key}",
            )
            moved = st.form_submit_button("Move in the draft", icon=":material/low_priority:")
        if moved:
            apply(lambda d: d.move(key, parents, weak))
elif action == "Remove":
    key = st.selectbox(
        "Node",
        [n.key for n in draft.ordered()],
        index=None,
        placeholder="Choose the driver or change idea to remove",
        format_func=draft.label,
        key=f"{state}-remove-node",
    )
    if key in draft:
        node = draft.node(key)
        hanging = draft.hanging_if_removed(key)
        with_it = False
        if hanging:
            st.warning(
                plain(
                    f"{len(hanging)} node{'s' if len(hanging) > 1 else ''} would hang from nothing without "
                    f"{node.named}: " + "; ".join(f"{n.what} “{n.title}” ({n.key})" for n in hanging)
                )
                + ". Move them under another driver first, or remove them with it.",
                icon=":material/warning:",
            )
            with_it = st.checkbox("Remove them too", key=f"{state}-remove-cascade-{key}")
        if kind == "d":
            linked = db.diagram_links(ident).filter(pl.col("node_key").is_in([key, *(n.key for n in hanging)]))
            projects = linked["project"].n_unique()
            if projects:
                st.caption(
                    f"{projects} project{'s link' if projects > 1 else ' links'} here; "
                    f"{'their links' if projects > 1 else 'its link'} will stay on the retired version and be "
                    f"flagged until someone links {'them' if projects > 1 else 'it'} to the new one."
                )
        if st.button("Remove from the draft", icon=":material/delete:", key=f"{state}-remove"):
            apply(lambda d: d.remove(key, cascade=with_it))

# -- what the edit does, and publishing it --------------------------------------------------------------------------------
st.subheader("Your changes", anchor=False)
if edit.empty:
    st.caption(
        f"No changes yet: the draft is version {opened} as published."
        if kind == "d"
        else "Nothing drawn yet: start with the primary drivers, what most directly drives the aim."
    )
else:
    st.markdown("\n".join(f"- {plain(sentence)}" for sentence in edit.sentences()))
    if kind == "d":
        links = db.diagram_links(ident).group_by("node_key", maintain_order=True).agg("project")
        for level, sentence in edit.consequences(dict(links.iter_rows())):
            (st.warning if level == "warning" else st.info)(
                plain(sentence), icon=":material/link_off:" if level == "warning" else ":material/link:"
            )
problems = draft.problems() if draft.nodes or not edit.empty else []
if problems:
    st.warning("Before you can publish:\n" + "\n".join(f"- {plain(p)}" for p in problems), icon=":material/rule:")

with st.form(f"{state}-publish"):
    title = (
        st.text_input("Title of the diagram", value=f"{aim_title}: driver diagram", key=f"{state}-title")
        if kind == "a"
        else None
    )
    note = st.text_area(
        "What changed, and why",
        key=f"{state}-note",
        max_chars=1000,
        placeholder=edit.summary() if not edit.empty else "Say what this version changes and why",
    )
    label = f"Publish version {opened + 1}" if kind == "d" else "Create the driver diagram"
    publish = st.form_submit_button(label, type="primary", icon=":material/publish:")
if not edit.empty and st.button("Discard my changes", key=f"{state}-discard", icon=":material/undo:"):
    st.session_state.pop(state, None)
    st.rerun()
if publish:
    try:
        if kind == "d":
            db.publish_diagram_version(ident, draft, note, username=username(), today=today, opened_version=opened)
        else:
            created = db.create_driver_diagram(ident, title, draft, note, username=username(), today=today)
    except StaleEdit as stale:
        st.error(plain(stale), icon=":material/sync_problem:")
    except Refused as refused:
        for problem in refused.problems:
            st.error(plain(problem), icon=":material/error:")
    else:
        st.session_state.pop(state, None)
        st.session_state["diagram-clear"] = (f"{state}-note",)  # the next version's note is its own
        if kind == "d":
            st.session_state["diagram-message"] = (
                f"Version {opened + 1} of “{row['title']}” is published; every project linked to a node it keeps "
                "moved onto it."
            )
        else:
            st.session_state["diagram-message"] = f"The driver diagram for “{aim_title}” is published as version 1."
            st.session_state["diagram-choice-next"] = f"d:{created}"
        st.rerun()

if kind == "d":
    history(ident)

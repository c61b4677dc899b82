"""Measures: find one by aim, driver, project, team or type; see its chart and data; enter, import and export data."""

import datetime as dt

import polars as pl
import streamlit as st

from golden_thread.app import measure_page as page
from golden_thread.app.forms import added, new_record_form
from golden_thread.app.page_end import end_page
from golden_thread.app.tables import dataframe
from golden_thread.app.ui import (
    ICON_TEXT,
    all_measures,
    label_text,
    may,
    message_area,
    plain,
    remember_message,
    role_may,
    show_table,
    store,
    username,
)
from golden_thread.domain.attribution import MONTHS_BEFORE_SIGNAL
from golden_thread.domain.formatting import format_day, format_number
from golden_thread.domain.observation_import import (
    ObservationFileError,
    plan_import,
    read_observation_file,
    template_csv,
)
from golden_thread.domain.observations import ProposedObservation, periods_open_for_entry, uses_denominator
from golden_thread.domain.palette import is_run_chart, variation_words
from golden_thread.domain.pdsa import DECISION_WORDS, ProposedCycle
from golden_thread.domain.records import choice_words
from golden_thread.draw.charts import chart_png, chart_svg
from golden_thread.draw.icons import as_img, assurance_icon_svg, variation_icon_svg
from golden_thread.errors import Refused, StaleEdit
from golden_thread.services.measure_series import SIGNAL_WORDS

ACT_WORDS = {code: words.split(":")[0] for code, words in DECISION_WORDS.items()}  # "Adopt", "Adapt", "Abandon"

db = store()
measures = all_measures(db)
today = dt.date.today()
account = db.user(username())

st.title("Measures")
if measures.height == 0:
    st.info("No measures yet.")
    end_page()


def period_words(start: dt.date, frequency: str) -> str:
    return f"the week of {start:%d %B %Y}" if frequency == "weekly" else f"{start:%B %Y}"


requested = st.query_params.get("measure")
# A team member lands on their own team's measures, those awaiting data first; a link to another measure opens it.
mine = page.own(db, username(), today) if account["role"] == "team_member" else None
awaiting = {
    row["measure_id"]: (row["due"], row["frequency"])
    for row in ([] if mine is None else mine.filter(pl.col("awaiting")).iter_rows(named=True))
}
base = measures
if mine is not None and mine.height:
    if requested and requested != st.session_state.get("measures-followed"):
        st.session_state["measures-followed"] = requested
        if not (requested.isdigit() and int(requested) in set(mine["measure_id"])):
            st.session_state["measures-whose"] = "every"
    own_unit = page.organisations(db).filter(pl.col("id") == account["organisation_id"])["name"]
    own_words = f"{own_unit[0]} measures" if own_unit.len() else "Your team's measures"
    whose = st.radio(
        "Show",
        ["own", "every"],
        format_func={"own": f"{own_words} ({mine.height})", "every": f"Every measure ({measures.height})"}.get,
        horizontal=True,
        key="measures-whose",
        label_visibility="collapsed",
    )
    if whose == "own":
        order = mine.select(pl.col("measure_id").alias("id"), pl.int_range(pl.len()).alias("_order"))
        base = measures.join(order, on="id").sort("_order").drop("_order")
    if whose == "own" and awaiting:
        dues = {period_words(due, frequency) for due, frequency in awaiting.values()}
        st.caption(
            f"{len(awaiting)} of your measures await data for "
            + (dues.pop() if len(dues) == 1 else "their latest complete period")
            + ": they come first."
        )

filters = st.columns(5)
choices = {}
for column, (label, field) in zip(
    filters, [("Aim", "aim"), ("Driver", "driver"), ("Project", "project"), ("Team", "team"), ("Type", "measure_type")]
):
    options = sorted(base[field].drop_nulls().unique().to_list())
    choices[field] = column.selectbox(label, ["All"] + options, key=f"filter-{field}")
shown = base
for field, choice in choices.items():
    if choice not in ("All", None):  # None: a remembered choice this organisation does not have
        shown = shown.filter(pl.col(field) == choice)
if shown.height == 0:
    st.warning("No measure matches these filters. Set one of them back to “All” to widen the search.")
    end_page()

labels = {
    id_: f"{name} ({measure_type})" + (f" · awaiting {period_words(*awaiting[id_])}" if id_ in awaiting else "")
    for id_, name, measure_type in shown.select("id", "name", "measure_type").iter_rows()
}
ids = list(labels)
start = ids.index(int(requested)) if requested and requested.isdigit() and int(requested) in labels else 0
if requested and start == 0 and requested != str(ids[0]):
    st.warning(f"Measure “{plain(requested)}” is not among these measures; showing the first one instead.")
measure_id = st.selectbox("Measure", ids, index=start, format_func=labels.get)
measure = shown.filter(pl.col("id") == measure_id).row(0, named=True)

view = page.measure_data(db, measure_id)
points, summaries = view.points, view.summaries
entry_refusal = may(db, "enter_data", view.team_id)

st.subheader(plain(measure["name"]), anchor=False)
unit = f" ({label_text(measure['unit'])})" if measure["unit"] else ""  # for labels: shown as typed, never markup
places = measure["decimal_places"]
period_style = "day" if measure["frequency"] == "weekly" else "month"  # a week by its first day, else its month

if points.height == 0:
    st.info("This measure has no data yet" + ("." if entry_refusal else ": add its first period below."))
else:
    summary = summaries.row(0, named=True)
    icons = st.columns([1, 1.4, 1.3, 1])
    icons[0].metric(
        f"Latest{unit}",
        format_number(summary["latest_value"], places),
        help=f"Period starting {format_day(summary['latest_x'])}",
    )
    # A run chart is read by its runs analysis (random or non-random variation), never as common or special cause.
    variation = variation_words(summary["variation_icon"], measure["chart_type"], summary["run_signal"])
    with icons[1]:
        st.metric("Variation", variation.short)
        if is_run_chart(measure["chart_type"]) and summary["variation_icon"] is not None:
            st.caption("A run chart: read by its runs analysis (shifts and crossings of the median), not by limits.")
        else:
            st.markdown(
                as_img(
                    variation_icon_svg(summary["variation_icon"], measure["improvement_direction"]),
                    variation.short,
                ),
                unsafe_allow_html=True,
            )
    with icons[2]:
        st.metric("Assurance", ICON_TEXT[summary["assurance_icon"]])
        st.markdown(
            as_img(assurance_icon_svg(summary["assurance_icon"]), ICON_TEXT[summary["assurance_icon"]]),
            unsafe_allow_html=True,
        )
    icons[3].metric(f"Target{unit}", format_number(measure["target_value"], places, missing="none set"))
    st.markdown(f"**{plain(summary['summary'])}**")
    charted_cycles, events, preceding = page.markers(db, measure_id)
    near = not is_run_chart(measure["chart_type"]) and st.toggle(  # a run chart has no limits to show
        "Show 2-sigma limits",
        key=f"near-{measure_id}",
        help="The inner band Making Data Count uses for its two-in-three rule.",
    )
    st.vega_lite_chart(page.chart_spec(db, measure_id, near), width="stretch")
    if charted_cycles.height:
        latest_cycle = charted_cycles.sort("start_date", "id").row(-1, named=True)
        st.caption(
            f"◆ marks the {charted_cycles.height} PDSA cycles of the work this measure watches; the latest is "
            f"“{plain(latest_cycle['title'])}”, started {format_day(latest_cycle['start_date'])}."
        )
    if preceding.height:
        with st.expander(
            f"PDSA cycles in the {MONTHS_BEFORE_SIGNAL} months before each signal ({preceding.height})",
            icon=":material/science:",
        ):
            st.caption(
                "What was being tested just before the measure moved: a place to start the conversation, "
                "not proof of cause."
            )
            show_table(
                preceding.with_columns(
                    pl.col("rule").replace_strict(SIGNAL_WORDS, default=pl.col("rule"), return_dtype=pl.Utf8),
                    pl.col("act_decision").replace_strict(ACT_WORDS, default=None, return_dtype=pl.Utf8),
                ).rename(
                    {
                        "signal_start": "Signal from",
                        "rule": "Signal",
                        "point_type": "Type",
                        "title": "PDSA cycle",
                        "change_idea": "Change idea",
                        "project": "Project",
                        "start_date": "Cycle started",
                        "act_decision": "Act",
                    }
                ),
                dates={"Signal from": period_style, "Cycle started": "day"},
                codes={"Type": "point_type"},
            )
    slug = "".join(c if c.isalnum() else "-" for c in measure["name"].lower()).strip("-")[:60]
    downloads = st.columns(3)
    downloads[0].download_button(
        "Data (CSV)",
        view.csv,
        file_name=f"{slug}.csv",
        mime="text/csv",
        icon=":material/download:",
    )
    shown_chart = (measure, points, events, near)  # the downloads draw the chart shown, only when asked for
    downloads[1].download_button(
        "Chart (PNG)",
        page.chart_file(chart_png, *shown_chart),
        file_name=f"{slug}.png",
        mime="image/png",
        icon=":material/image:",
    )
    downloads[2].download_button(
        "Chart (SVG)",
        page.chart_file(chart_svg, *shown_chart),
        file_name=f"{slug}.svg",
        mime="image/svg+xml",
        icon=":material/image:",
    )

ratio = uses_denominator(measure)
existing = view.observations
# What this person saw of each stored period, so a correction made against figures someone else has since
# changed is refused instead of silently overwriting theirs.
seen_key = f"seen-{measure_id}"
seen = st.session_state.get(seen_key, {})


def as_typed(number: float | None) -> str:
    """A stored figure as a person would type it (12, not 12.0), to start a correction from."""
    if number is None:
        return ""
    return str(int(number)) if float(number).is_integer() else repr(float(number))


def stored_words(row: dict) -> str:
    figures = (
        f"{as_typed(row['numerator'])} / {as_typed(row['denominator'])}"
        if row["numerator"] is not None
        else as_typed(row["value"])
    )
    who = f", entered by {plain(row['entered_by'])}" if row["entered_by"] else ""
    when = f" on {row['entered_at']:%d %B %Y}" if row["entered_at"] else ""
    return f"Stored: **{figures}** ({row['status']}{who}{when})."


entry_area = message_area("entry")  # saved, or what to fix: above the form, in sight after the page reruns
if entry_refusal:
    st.info(f"{entry_refusal}", icon=":material/lock:")
else:
    with st.expander(
        "Enter or correct data",
        expanded=points.height == 0,
        icon=":material/edit:",
        key=f"entry-panel-{measure_id}",
    ):
        mode = st.radio(
            "What do you want to do?",
            ["Add a new period", "Correct an existing period"],
            horizontal=True,
            key=f"mode-{measure_id}",
        )
        correcting = mode == "Correct an existing period"
        if correcting:
            periods = existing["period_start"].sort(descending=True).to_list()
        else:
            periods = periods_open_for_entry(measure["frequency"], existing["period_start"].to_list(), today)
            # A period someone else added while this person was typing stays chosen (never swapped for another
            # under their figures): their save is then refused in words, with the other figure, and the form keeps
            # what they typed. A period this person has just added is not offered again.
            typing = st.session_state.get(f"entry-period-{measure_id}")
            just_saved = st.session_state.get("_entry-saved") == f"{measure_id}"
            if typing in set(existing["period_start"]) and typing not in periods and not just_saved:
                periods = sorted([*periods, typing], reverse=True)
        if not periods:
            st.info("Every complete period already has data. Choose “Correct an existing period” to change one.")
        else:
            # Outside the form, so choosing a period to correct fills the form with its stored figures and note.
            period = st.selectbox(
                "Period starting",
                periods,
                format_func=lambda d: f"{d:%d %B %Y}",
                key=f"entry-period-{measure_id}" + ("-correct" if correcting else ""),
            )
            stored = existing.filter(pl.col("period_start") == period).row(0, named=True) if correcting else None
            fields = f"{measure_id}-{period}" if correcting else f"{measure_id}"
            if stored is not None:
                st.caption(
                    stored_words(stored)
                    + " Change what is wrong and save; a corrected figure is provisional until it is validated again."
                )
            if not correcting and st.session_state.pop("_entry-saved", None) == fields:
                for name in ("numerator", "denominator", "value", "note"):  # the next period starts blank
                    st.session_state[f"entry-{name}-{fields}"] = ""
            with st.form(f"entry-{measure_id}", clear_on_submit=False):
                if ratio:
                    numerator = st.text_input(
                        f"Numerator: {label_text(measure['numerator_definition'] or 'events')}",
                        value=as_typed(stored["numerator"]) if stored else "",
                        key=f"entry-numerator-{fields}",
                    )
                    denominator = st.text_input(
                        f"Denominator: {label_text(measure['denominator_definition'] or 'population')}",
                        value=as_typed(stored["denominator"]) if stored else "",
                        key=f"entry-denominator-{fields}",
                    )
                    value = None
                else:
                    value = st.text_input(
                        f"Value{unit}", value=as_typed(stored["value"]) if stored else "", key=f"entry-value-{fields}"
                    )
                    numerator = denominator = None
                note = st.text_area(
                    "Note (optional)",
                    value=(stored["note"] or "") if stored else "",
                    max_chars=2000,
                    key=f"entry-note-{fields}",
                )
                saved = st.form_submit_button("Save the correction" if correcting else "Save", type="primary")
            if saved:
                try:
                    outcome = db.save_observation(
                        measure_id,
                        ProposedObservation(
                            period, value=value, numerator=numerator, denominator=denominator, note=note
                        ),
                        username=username(),
                        today=today,
                        correcting=correcting,
                        expected=seen.get(period) if correcting else None,
                    )
                except Refused as refused:
                    for problem in refused.problems:
                        entry_area.error(plain(problem), icon=":material/error:")  # it may quote what was typed
                    if not isinstance(refused, StaleEdit):  # a colleague's save says what to do in its own words
                        entry_area.caption("Nothing was saved. Fix the entries below and save again.")
                else:
                    remember_message(
                        "entry",
                        {
                            "added": f"Saved: {period:%B %Y} added.",
                            "corrected": f"Saved: {period:%B %Y} corrected.",
                            "unchanged": "Nothing to save: those are the values already stored.",
                        }[outcome],
                        "info" if outcome == "unchanged" else "success",
                    )
                    if not correcting:  # the next period starts blank, not with the figures just saved
                        st.session_state["_entry-saved"] = fields
                    st.rerun()
    with st.expander("Import from a CSV or Excel file", icon=":material/upload_file:"):
        st.download_button(
            "Download the template for this measure",
            template_csv(measure),
            file_name=f"template-measure-{measure_id}.csv",
            mime="text/csv",
            icon=":material/download:",
        )
        upload = st.file_uploader("File (one row per period)", type=["csv", "xlsx"], key=f"upload-{measure_id}")
        if upload is not None:
            progress = st.progress(0.0, text="Checking every row…")
            try:
                rows = read_observation_file(upload.getvalue(), upload.name)
                plan = plan_import(
                    measure,
                    rows,
                    existing,
                    today,
                    progress=lambda share: progress.progress(share, text="Checking every row…"),
                )
            except ObservationFileError as refused:
                progress.empty()
                st.error(plain(refused), icon=":material/error:")
            else:
                progress.empty()
                if not plan.ok:
                    st.error(
                        f"{len(plan.problems)} problem(s) found; nothing will be imported until every row is "
                        "right. Fix these lines and upload the file again.",
                        icon=":material/error:",
                    )
                    dataframe(
                        pl.DataFrame(plan.problems, schema=["Line", "Problem"], orient="row"),
                        hide_index=True,
                        width="stretch",
                    )
                elif plan.nothing_to_do:
                    st.info(f"Nothing to import: all {plan.unchanged} rows match the data already stored.")
                else:
                    st.write(
                        f"**{plan.new.height}** new period(s), **{plan.changed.height}** correction(s), "
                        f"{plan.unchanged} row(s) already stored unchanged."
                    )
                    if plan.changed.height:
                        st.warning("These stored values will change:", icon=":material/warning:")
                        show_table(plan.changes_preview(measure))
                    if plan.new.height:
                        show_table(plan.new_preview(measure))
                    # The rows committed are the ones this person was shown (the page before the click), never a
                    # plan made afresh on the click: a colleague's change since then refuses the import instead.
                    previewed_key = f"import-previewed-{measure_id}"
                    previewed = st.session_state.get(previewed_key)
                    st.session_state[previewed_key] = (upload.file_id, plan)
                    if st.button("Import these rows", type="primary", key=f"commit-{measure_id}"):
                        try:
                            if previewed is None or previewed[0] != upload.file_id:
                                raise StaleEdit("Not imported: preview the file again, then import it.")
                            counts = db.commit_import(previewed[1], username=username(), filename=upload.name)
                        except Refused as refused:
                            for problem in refused.problems:
                                st.error(plain(problem), icon=":material/error:")  # it may quote the file name
                            st.button("Preview again", key=f"preview-again-{measure_id}", icon=":material/refresh:")
                        else:
                            remember_message(
                                "entry",
                                f"Imported {plain(upload.name)}: {counts['added']} added, "
                                f"{counts['corrected']} corrected.",
                            )
                            st.rerun()

st.session_state[seen_key] = {row["period_start"]: row for row in existing.iter_rows(named=True)}

history = page.history(db, measure_id)
if history.height:
    with st.expander(f"Value history ({history.height} changes)", icon=":material/history:"):
        show_table(
            history.rename({"period": "Period", "when": "When", "who": "By", "change": "Change"}),
            dates={"When": "moment"},
        )


def change_chart(action, period, reason: str, done: str, *, form: str | None = None) -> None:
    """``form``: the form that asked (``new_record_form``), drawn blank once the change is made (a reason typed is
    not the next one's)."""
    try:
        action(measure_id, period, reason, username=username())
    except Refused as refused:
        chart_area.error(plain(refused), icon=":material/error:")  # it may quote the reason typed
    else:
        if form is not None:
            added(form)
        remember_message("chart", done)
        st.rerun()


def log_cycle_form() -> None:
    """Log a PDSA cycle on one of the projects this measure watches; it appears on the chart at its start."""
    projects = page.cycle_projects(db, measure_id)
    if db.user(username())["role"] == "team_member":  # a team logs cycles on its own projects
        projects = projects.filter(pl.col("team_id").is_in(list(db.user_teams(username()))))
    if projects.height == 0:
        st.caption("No open project of yours is watched by this measure.")
        return
    titles = dict(zip(projects["id"], projects["title"]))
    project_id = st.selectbox("Project", list(titles), format_func=titles.get, key=f"cycle-project-{measure_id}")
    idea_titles, earlier = page.project_choices(db, project_id)
    st.page_link(
        "screens/pdsa.py",
        label="Open this project's PDSA cycles (record Do, Study and Act there)",
        icon=":material/autorenew:",
        query_params={"project": str(project_id)},
    )
    # The next cycle starts blank, building on the one just logged: never logged twice.
    form = new_record_form(f"cycle-{measure_id}")
    with st.form(form, clear_on_submit=False):
        title = st.text_input("What are you testing, where?", key=f"{form}-title", max_chars=200)
        idea = st.selectbox(
            "Change idea tested",
            list(idea_titles),
            format_func=idea_titles.get,
            index=None,
            placeholder="Choose the change idea",
            key=f"{form}-idea",
        )
        dates = st.columns(2)
        start = dates[0].date_input("Starts", value=today, key=f"{form}-start", format="DD/MM/YYYY")
        end = dates[1].date_input("Ends", value=None, key=f"{form}-end", format="DD/MM/YYYY")
        builds_on = st.selectbox(
            "Builds on (a ramp)",
            [None, *earlier][::-1],  # the latest cycle first
            format_func=lambda i: "No earlier cycle: a first test" if i is None else earlier[i],
            key=f"{form}-builds-on",
        )
        prediction = st.text_area(
            "Prediction: what do you expect to happen? And why? (needed)",
            key=f"{form}-prediction",
            help="A prediction is what the team learns against: the Study compares what happened with it.",
        )
        plan = st.text_area("Plan: who, what, when, where", key=f"{form}-plan")
        if st.form_submit_button("Log PDSA cycle", type="primary"):
            try:
                db.log_pdsa_cycle(
                    project_id,
                    ProposedCycle(
                        title=title,
                        start_date=start,
                        end_date=end,
                        change_idea_id=idea,
                        prediction=prediction,
                        plan=plan,
                        builds_on_id=builds_on,
                    ),
                    username=username(),
                    today=today,
                )
            except Refused as refused:
                for problem in getattr(refused, "problems", [str(refused)]):
                    cycle_area.error(plain(problem), icon=":material/error:")
                cycle_area.caption("Nothing was saved; your text is still in the form below.")
            else:
                remember_message(
                    "cycle", f"PDSA cycle logged: {plain(title.strip())}. It is on the chart from {start:%d %B %Y}."
                )
                added(form)
                st.rerun()


if role_may("log_pdsa"):
    cycle_area = message_area("cycle")
    with st.expander("Log a PDSA cycle", icon=":material/science:", key=f"cycle-panel-{measure_id}"):
        log_cycle_form()

if points.height:
    phases, exclusions = view.phases, view.exclusions
    suggestion = summary["suggested_phase_start"]
    chart_area = message_area("chart")
    if suggestion is not None and suggestion not in phases["starts_on"].to_list():
        st.info(
            f"A sustained shift starts in **{suggestion:%B %Y}**. If you know what changed then, start a new "
            "phase there so the centre line and limits describe the new process.",
            icon=":material/insights:",
        )
    with st.expander(
        "Phases and excluded points",
        icon=":material/timeline:",
        expanded=suggestion is not None,
        key=f"phases-panel-{measure_id}",
    ):
        chart_refusal = may(db, "change_chart")
        if chart_refusal:
            st.caption(chart_refusal)
            for row in phases.iter_rows(named=True):
                st.markdown(f"Phase from **{row['starts_on']:%B %Y}**: {plain(row['reason'])}")
        else:
            phase_form = new_record_form(f"phase-{measure_id}")
            exclusion_form = new_record_form(f"exclude-{measure_id}")
            with st.form(phase_form):
                periods = points["x"].to_list()
                default = periods.index(suggestion) if suggestion in periods else len(periods) - 1
                period = st.selectbox(
                    "Start a new phase at",
                    periods,
                    index=default,
                    format_func=lambda d: f"{d:%B %Y}",
                    key=f"{phase_form}-period",
                )
                reason = st.text_input("Reason (what changed in the process)", key=f"{phase_form}-reason")
                if st.form_submit_button("Start new phase"):
                    change_chart(db.add_phase, period, reason, f"New phase from {period:%B %Y}.", form=phase_form)
            for row in phases.iter_rows(named=True):
                cols = st.columns([3, 1])
                cols[0].markdown(
                    f"Phase from **{row['starts_on']:%B %Y}**: {plain(row['reason'])} "
                    f"({plain(row['created_by'] or 'unknown')})"
                )
                if cols[1].button("Remove", key=f"remove-phase-{row['starts_on']}"):
                    change_chart(
                        db.remove_phase,
                        row["starts_on"],
                        "Removed from the measure page",
                        f"Phase from {row['starts_on']:%B %Y} removed.",
                    )
            with st.form(exclusion_form):
                period = st.selectbox(
                    "Exclude a point from the centre line and limits",
                    periods,
                    format_func=lambda d: f"{d:%B %Y}",
                    key=f"{exclusion_form}-period",
                )
                reason = st.text_input("Reason (e.g. a known data error)", key=f"{exclusion_form}-reason")
                if st.form_submit_button("Exclude point"):
                    change_chart(
                        db.exclude_point,
                        period,
                        reason,
                        f"{period:%B %Y} excluded from the calculations.",
                        form=exclusion_form,
                    )
            for row in exclusions.iter_rows(named=True):
                cols = st.columns([3, 1])
                cols[0].markdown(f"Excluded **{row['period_start']:%B %Y}**: {plain(row['reason'])}")
                if cols[1].button("Include again", key=f"include-{row['period_start']}"):
                    change_chart(
                        db.include_point,
                        row["period_start"],
                        "Included again from the measure page",
                        f"{row['period_start']:%B %Y} included again.",
                    )

    left, right = st.columns(2)
    with left:
        st.markdown("##### Operational definition")
        definition = {
            "Definition": measure["definition"],
            "Numerator": measure["numerator_definition"],
            "Denominator": measure["denominator_definition"],
            "Inclusions": measure["inclusions"],
            "Exclusions": measure["exclusions"],
            "Data source": measure["data_source"],
            "Owner": measure["owner"],
            "Frequency": measure["frequency"],
            "Chart": f"{choice_words('chart_type', measure['chart_type'])} · {choice_words('rules', measure['rules'])}",
            "Better is": choice_words("improvement_direction", measure["improvement_direction"]),
        }
        dataframe(
            pl.DataFrame({"Field": list(definition), "Value": [str(v or "—") for v in definition.values()]}),
            hide_index=True,
            width="stretch",
        )
    with right:
        st.markdown("##### Data")
        table = points.select(
            pl.col("x").alias("Period"),
            pl.col("value").alias("Value"),
            pl.col("cl").alias("Centre"),
            pl.col("lcl").alias("Lower limit"),  # blank where a phase has too few points for limits
            pl.col("ucl").alias("Upper limit"),
            pl.col("special_cause_type")
            .replace_strict(SIGNAL_WORDS, default=pl.col("special_cause_type"), return_dtype=pl.Utf8)
            .alias("Signal"),
        ).reverse()
        if is_run_chart(measure["chart_type"]):  # a median and its runs: no limits, no special causes
            table = table.drop("Lower limit", "Upper limit", "Signal")
        show_table(
            table,
            numbers=dict.fromkeys(("Value", "Centre", "Lower limit", "Upper limit"), places),
            dates={"Period": period_style},
            height=360,
        )

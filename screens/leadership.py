"""Leadership practice beside the aims: the radar of the five behavioural actions (self vs team, now vs last
time), the hub rubric as a heat-map of where each member placed their initials, trends, the board's seven
leverage points beside what the data can evidence, recording an assessment, the strategies library, and the
frameworks themselves (versioned; an administrator edits them or adds a network's own)."""

import datetime as dt

import polars as pl
import streamlit as st

from golden_thread.app.forms import added, new_record_form
from golden_thread.app.kept import kept_spec
from golden_thread.app.page_end import end_page
from golden_thread.app.tables import data_editor
from golden_thread.app.ui import kept, label_text, may, plain, role_may, show_table, store, username
from golden_thread.domain import leadership as lp
from golden_thread.domain.csv_export import safe_csv
from golden_thread.domain.formatting import format_number
from golden_thread.domain.leadership_frameworks import FIVE_ACTIONS, HUB_RUBRIC, LEVERAGE_POINTS
from golden_thread.domain.vocabulary import words as words_of
from golden_thread.draw.leadership_charts import heatmap_chart, radar_chart, trend_chart
from golden_thread.errors import Refused

db = store()
today = dt.date.today()
words = words_of(db.scope.vocabulary)
board = words.board.singular


# What the page reads and draws is kept until a table it was read from changes (``kept``): a team entering its
# month's observations leaves the assessments, the frameworks and their charts as they were. A click on the page
# redraws it from what is kept; only the open tab's content runs at all.
def _read_assessed(db, organisation_id: int) -> tuple[pl.DataFrame, ...]:
    found = db.leadership_assessments(organisation_id)
    ids = found["id"].to_list()
    return found, db.assessment_ratings(ids), db.assessment_strategies(ids)


def assessed(organisation_id: int) -> tuple[pl.DataFrame, ...]:
    """An organisation's assessments, newest first, and every rating and strategy of them."""
    return kept(db, "leadership_assessed", _read_assessed, organisation_id)


def version(version_id: int) -> lp.FrameworkVersion | None:
    return kept(db, "framework_version", lambda db, version_id: db.framework_version(version_id), version_id)


def library() -> pl.DataFrame:
    """The strategies library: every strategy named in the organisation."""
    return kept(db, "leadership_strategies", lambda db: db.leadership_strategies())


def _read_checklist(db, board_org: int, on: dt.date, vocabulary: str):
    found = db.leadership_assessments(board_org, LEVERAGE_POINTS)
    version_id = found["version_id"][0] if found.height else db.active_version_id(LEVERAGE_POINTS)
    if version_id is None:
        return found, None, None
    fv = version(version_id)
    published = db.board_snapshots()["month"].to_list()
    evidence = lp.leverage_evidence(db.leadership_evidence_facts(on), published, on, words_of(vocabulary))
    return found, fv, lp.leverage_checklist(fv, db.assessment_ratings(found["id"][:1].to_list()), evidence)


def checklist_of(board_org: int, on: dt.date, vocabulary: str):
    """(``board_org``'s seven-leverage-points assessments, the framework version, its checklist in the words of
    ``vocabulary``); the version and checklist are None when the framework is not in the database."""
    return kept(db, "leverage_checklist", _read_checklist, board_org, on, vocabulary)


# Each chart is kept under the name of what it shows, in two steps: what it draws (its builder's arguments), kept
# until a table it was read from changes, and its Vega-Lite spec, kept by those arguments themselves. Another team's
# assessment changes the tables the radar is read from, not the radar: it is read again and not drawn again.
def _radar(db, organisation_id: int, framework_key: str):
    found, rated, _ = assessed(organisation_id)
    chosen = found.filter(pl.col("framework_key") == framework_key)
    series = lp.radar_series(chosen, rated.filter(pl.col("assessment_id").is_in(chosen["id"].implode())))
    return radar_chart, {"geometry": lp.radar_geometry(series, int(chosen["scale_max"].max()))}


def _heatmap(db, organisation_id: int, assessment_id: int):
    found, rated, _ = assessed(organisation_id)
    fv = version(found.filter(pl.col("id") == assessment_id)["version_id"][0])
    return heatmap_chart, {"cells": lp.heatmap_cells(fv, rated.filter(pl.col("assessment_id") == assessment_id))}


def _trend(db, organisation_id: int, framework_key: str, subject: str):
    found, rated, _ = assessed(organisation_id)
    over_time = found.filter((pl.col("framework_key") == framework_key) & (pl.col("subject") == subject))
    points = lp.trend(over_time, rated.filter(pl.col("assessment_id").is_in(over_time["id"].implode())))
    return trend_chart, {"trend": points, "max_level": int(over_time["scale_max"].max())}


organisations = kept(db, "organisations", lambda db: db.organisations())
names = dict(zip(organisations["id"].to_list(), organisations["name"].to_list()))
kinds = dict(zip(organisations["id"].to_list(), organisations["kind"].to_list()))

st.title("Leadership practice")
st.caption(
    "Is our leadership helping us reach our aims? Self-assessments against the frameworks on the last tab, "
    "the spread of a team's ratings, and the strategies colleagues use, with their evidence."
)
if "lead-message" in st.session_state:
    st.success(st.session_state.pop("lead-message"), icon=":material/check_circle:")

# ?organisation=5 makes a team's leadership a link someone can send (the board's aims link here).
account = db.user(username()) or {}
requested = st.query_params.get("organisation")
start = (
    int(requested)
    if requested and requested.isdigit() and int(requested) in names
    else (account.get("organisation_id") if account.get("organisation_id") in names else next(iter(names), None))
)
if requested and start != (int(requested) if requested.isdigit() else None):
    st.warning(
        f"There is no team or organisation “{plain(requested)}”; showing {plain(names.get(start, ''))}.",
        icon=":material/warning:",
    )
if start is None:
    st.info("There is no organisation yet.")
    end_page()
if "lead-org" not in st.session_state or requested:
    st.session_state["lead-org"] = start


def _changed_org() -> None:
    st.query_params["organisation"] = str(st.session_state["lead-org"])


org_id = st.selectbox(
    words.kinds(list(kinds.values())),
    list(names),
    key="lead-org",
    on_change=_changed_org,
    format_func=lambda i: words.named(names[i], kinds[i]),
)
org_name = names[org_id]
assessments, ratings, named_strategies = assessed(org_id)


def strategies_of(assessment_id: int) -> pl.DataFrame:
    return named_strategies.filter(pl.col("assessment_id") == assessment_id)


rows_by_id = {row["id"]: row for row in assessments.iter_rows(named=True)}


def _framework_choice(label: str, keys: list[str], preferred: str, key: str) -> str:
    titles = {r["framework_key"]: r["framework"] for r in reversed(list(rows_by_id.values()))}
    return st.selectbox(
        label,
        keys,
        index=keys.index(preferred) if preferred in keys else 0,
        format_func=lambda k: titles.get(k, k),
        key=key,
    )


def _mean_rating(row: dict) -> str | None:
    """'3.2 of 5', or nothing when no one rated."""
    mean = format_number(row["mean_rating"], 1, missing="")
    return f"{mean} of {row['scale_max']}" if mean else None


def strategy_cards(strategies: pl.DataFrame) -> None:
    """Each strategy as challenge → strategy → evidence, with the skill, who named it, when and how it was rated."""
    for row in strategies.iter_rows(named=True):
        with st.container(border=True):
            who = f"{row['person']}, {row['organisation']}" if row["subject"] == "self" else row["organisation"]
            st.markdown(
                f"**{plain(row['item'])}** · {plain(who)} · {row['assessed_on']:%b %Y} · rated "
                f"{row['highest_rating']} of {row['scale_max']} ({plain(row['framework'])})"
            )
            cols = st.columns(3)
            for col, label, field in zip(
                cols, ("Challenge", "Strategy", "Evidence"), ("challenge", "strategy", "evidence")
            ):
                col.caption(label)
                col.markdown(plain(row[field] or "—"))


# -- radar, heat-map, trends, assessments --------------------------------------------------------------------
def show_overview() -> None:
    """The radar, the heat-map, trends and the unit's assessments (with export)."""
    if assessments.height == 0:
        st.info(
            f"{plain(org_name)} has no leadership assessment yet. Record one on “Record an assessment”.",
            icon=":material/info:",
        )
    else:
        keys = list(dict.fromkeys(assessments["framework_key"].to_list()))
        st.subheader("Radar: self and team, now and last time", anchor=False)
        radar_key = _framework_choice("Framework for the radar", keys, FIVE_ACTIONS, "lead-radar-framework")
        chosen = assessments.filter(pl.col("framework_key") == radar_key)
        series = lp.radar_series(chosen, ratings.filter(pl.col("assessment_id").is_in(chosen["id"].implode())))
        left, right = st.columns([3, 2], gap="large")
        with left:
            st.vega_lite_chart(kept_spec(db, "leadership_radar", _radar, org_id, radar_key), width="content")
        with right:
            st.markdown("**What it shows**")
            for line in lp.radar_takeaways(series):
                st.markdown(f"- {plain(line)}")
            compared = series.select("series", "who", "when").unique(maintain_order=True)
            st.caption(
                "Compared: " + plain("; ".join(compared["series"].to_list())) + ". Each point is the mean "
                "of every rater's ratings of that action's practices; solid lines are the latest assessment, "
                "dashed lines the one before."
            )
            fv_radar = version(chosen["version_id"][0])
            st.caption("Scale: " + plain(fv_radar.scale_text()))

        st.subheader("Heat-map: where each member placed their initials", anchor=False)
        ids = assessments["id"].to_list()
        hub_team = assessments.filter((pl.col("framework_key") == HUB_RUBRIC) & (pl.col("subject") == "team"))
        teams = assessments.filter(pl.col("subject") == "team")
        first = (hub_team if hub_team.height else teams if teams.height else assessments)["id"][0]
        if st.session_state.get("lead-heat-show") in ids:  # an assessment just recorded
            st.session_state["lead-heat-assessment"] = st.session_state.pop("lead-heat-show")
        heat_id = st.selectbox(
            "Assessment",
            ids,
            index=ids.index(first),
            key="lead-heat-assessment",
            format_func=lambda i: lp.assessment_label(rows_by_id[i]),
        )
        heat = rows_by_id[heat_id]
        fv_heat = version(heat["version_id"])
        own = ratings.filter(pl.col("assessment_id") == heat_id)
        strategies = strategies_of(heat_id)
        spread = lp.spread_table(fv_heat, own, strategies)
        for line in lp.rubric_takeaways(spread, fv_heat.levels):
            st.markdown(f"- {plain(line)}")
        st.vega_lite_chart(kept_spec(db, "leadership_heatmap", _heatmap, org_id, heat_id), width="content")
        empty = fv_heat.sections.filter(~pl.col("id").is_in(fv_heat.items["section_id"].implode()))
        if empty.height:
            word = fv_heat.word("section", plural=True)
            st.caption(
                f"{plain(word.capitalize())} with no {plain(fv_heat.word('item', plural=True))} in this "
                "version yet "
                "(the published rubric covers the others so far): "
                + plain("; ".join(f"{r['position']} {r['title']}" for r in empty.iter_rows(named=True)))
                + ". An administrator can add them under Frameworks."
            )
        with st.expander("The spread and the strategies, item by item", icon=":material/table_rows:"):
            show_table(
                spread.select(
                    pl.col("subsection").fill_null(pl.col("section")).alias("Section"),
                    pl.col("title").alias(fv_heat.word("item").capitalize()),
                    pl.col("median").alias("Median"),
                    pl.format("{}–{}", "lowest", "highest").alias("Range"),
                    pl.col("spread").alias("Spread"),
                    pl.col("raters").alias("Rated by"),
                    pl.col("strategy").alias("Strategy"),
                ),
                numbers={"Median": None},  # a median of ratings is whole or a half: 3, 3.5
                counts=["Spread", "Rated by"],
            )
        if heat["growth_edge"]:
            st.markdown(
                f"**Growth edge:** {plain(heat['growth_edge'])}"
                + (f" — {plain(heat['growth_edge_note'])}" if heat["growth_edge_note"] else "")
            )
            shared = library()
            strong_from = fv_heat.version.get("strategy_from") or fv_heat.max_level
            colleagues = shared.filter(
                (pl.col("item_key") == heat["growth_edge_key"])
                & (pl.col("organisation_id") != org_id)
                & (pl.col("highest_rating") >= strong_from)
            )
            if colleagues.height:
                st.caption("What colleagues who rated it strong do:")
                strategy_cards(colleagues)
            else:
                st.caption(
                    "No colleague has yet rated it strong with a strategy: the Strategies library lists "
                    "everything shared so far."
                )

        st.subheader("Trends over repeated assessments", anchor=False)
        counts = assessments.group_by("framework_key", "subject").len().filter(pl.col("len") >= 2)
        repeated = [k for k in keys if k in set(counts["framework_key"].to_list())]
        if not repeated:
            st.caption("A trend appears once a framework has been assessed twice by the same team or person.")
        else:
            columns = st.columns([2, 1])
            with columns[0]:
                trend_key = _framework_choice("Framework for the trend", repeated, HUB_RUBRIC, "lead-trend-framework")
            subjects = counts.filter(pl.col("framework_key") == trend_key)["subject"].sort().to_list()[::-1]
            subject = columns[1].radio(
                "Whose ratings",
                subjects,
                horizontal=True,
                key=f"lead-trend-subject-{trend_key}",
                format_func=lambda s: "The team's" if s == "team" else "Self-assessments",
            )
            st.vega_lite_chart(kept_spec(db, "leadership_trend", _trend, org_id, trend_key, subject), width="stretch")

        st.subheader(f"Assessments of {plain(org_name)}", anchor=False)
        show_table(
            assessments.select(
                pl.col("framework").alias("Framework"),
                pl.col("version_number").alias("Version"),
                pl.col("assessed_on").alias("Assessed"),
                pl.when(pl.col("subject") == "self")
                .then(pl.format("Self: {}", "person"))
                .otherwise(pl.format("Team of {}", "raters"))
                .alias("Who rated"),
                pl.struct("mean_rating", "scale_max")
                .map_elements(_mean_rating, return_dtype=pl.Utf8)
                .alias("Mean rating"),
                pl.col("strategies").alias("Strategies"),
                pl.col("growth_edge").alias("Growth edge"),
            ),
            counts=["Strategies"],
            dates={"Assessed": "day"},
        )
        export = st.columns([3, 1], vertical_alignment="bottom")
        export_id = export[0].selectbox(
            "Export an assessment", ids, key="lead-export", format_func=lambda i: lp.assessment_label(rows_by_id[i])
        )
        chosen_row = rows_by_id[export_id]
        export[1].download_button(
            "Download (CSV)",
            lp.assessment_csv(
                chosen_row, ratings.filter(pl.col("assessment_id") == export_id), strategies_of(export_id)
            ),
            file_name=f"leadership-assessment-{export_id}-{chosen_row['assessed_on']}.csv",
            mime="text/csv",
            icon=":material/download:",
            key="lead-export-download",
        )


# -- the board's seven leverage points -----------------------------------------------------------------------
STATUS_BADGES = {
    "evidenced": ("green", ":material/check_circle:"),
    "partly": ("orange", ":material/timelapse:"),
    "missing": ("red", ":material/cancel:"),
    "not_visible": ("gray", ":material/visibility_off:"),
}


def show_checklist() -> None:
    """The board's (a school network's leadership team's) seven leverage points: its self-rating beside what the
    data can evidence."""
    top = organisations.filter(pl.col("parent_id").is_null())["id"].to_list()
    board_org = (
        org_id if assessments.filter(pl.col("framework_key") == LEVERAGE_POINTS).height else (top[0] if top else org_id)
    )
    board_assessments, fv_board, checklist = checklist_of(board_org, today, words.vocabulary)
    if fv_board is None:
        st.info("The seven leverage points framework is not in this database.")
    else:
        when = (
            (
                f"{names[board_org]}'s self-assessment of {board_assessments['assessed_on'][0]:%-d %B %Y} "
                f"({board_assessments['raters'][0]} raters)"
            )
            if board_assessments.height
            else "not yet self-assessed"
        )
        st.subheader(f"The {board}'s seven leadership leverage points", anchor=False)
        st.caption(
            f"Each criterion with the {board}'s self-rating ({plain(when)}: the median of its members') beside "
            "what Golden Thread can evidence from its own data. “Prune less vital work — if it is not "
            "strategically aligned, why are we working on it?”"
        )
        strong_from = fv_board.version.get("strategy_from") or fv_board.max_level
        metrics = st.columns(3)
        metrics[0].metric(
            f"Rated {strong_from} or better", f"{(checklist['median'] >= strong_from).sum()} of {checklist.height}"
        )
        metrics[1].metric(
            "Evidenced in Golden Thread",
            f"{(checklist['evidence_status'] == lp.EVIDENCE_WORDS['evidenced']).sum()} of {checklist.height}",
        )
        metrics[2].metric(
            "Not visible to Golden Thread",
            f"{(checklist['evidence_status'] == lp.EVIDENCE_WORDS['not_visible']).sum()} of {checklist.height}",
            help=f"Criteria the data cannot speak to: the {board}'s own knowledge is the evidence.",
        )
        status_of = {v: k for k, v in lp.EVIDENCE_WORDS.items()}
        for (position, point), group in checklist.group_by(["position", "leverage_point"], maintain_order=True):
            with st.container(border=True):
                st.markdown(f"**{position}. {plain(point)}**")
                for row in group.iter_rows(named=True):
                    cols = st.columns([2.2, 1.6, 3.4], vertical_alignment="top")
                    cols[0].markdown(plain(row["criterion"]))
                    cols[1].markdown(f"Self-rating: **{plain(row['self_rating'])}**")
                    colour, icon = STATUS_BADGES[status_of[row["evidence_status"]]]
                    with cols[2]:
                        st.badge(row["evidence_status"], icon=icon, color=colour)
                        st.caption(plain(row["evidence"]))


# -- record an assessment ------------------------------------------------------------------------------------
def show_record() -> None:
    """Record an assessment: every member's ratings, a strategy with evidence at the higher ratings, a growth edge."""
    refused = may(db, "assess_leadership", org_id)
    if refused:
        st.info(refused, icon=":material/lock:")
    else:
        active = db.frameworks()
        fw_ids = active["version_id"].to_list()
        titles = dict(zip(fw_ids, active["title"].to_list()))
        # The framework this unit used last; else the hub rubric for a hub (trust, division, network), the five
        # behavioural actions for a team.
        usual = (
            assessments["framework_key"][0]
            if assessments.height
            else (FIVE_ACTIONS if kinds[org_id] == "team" else HUB_RUBRIC)
        )
        preferred = active.filter(pl.col("framework_key") == usual)["version_id"].to_list()
        version_id = st.selectbox(
            "Framework",
            fw_ids,
            format_func=titles.get,
            key="rec-framework",
            index=fw_ids.index(preferred[0]) if preferred else 0,
        )
        fv = version(version_id)
        item_word = fv.word("item")
        st.caption(
            f"Recording for **{plain(org_name)}** (change it at the top of the page). "
            f"Scale: {plain(fv.scale_text())}."
            + (
                f" At {fv.version['strategy_from']} or above, name a strategy you use and its evidence."
                if fv.version.get("strategy_from")
                else ""
            )
        )
        who = st.columns([1.6, 2, 1])
        subject = who[0].radio("Who is rating", ["team", "self"], format_func=lp.SUBJECT_WORDS.get, key="rec-subject")
        if subject == "team":
            raters = lp.parse_raters(
                who[1].text_input(
                    "Team members' initials",
                    key="rec-raters",
                    placeholder="AB, CD, EF",
                    help="Each member rates every item; each member's rating is kept, because a team's spread matters.",
                )
            )
            person = ""
        else:
            person = who[1].text_input(
                "Whose practice", key="rec-person", value=account.get("display_name") or "", max_chars=lp.MAX_RATER
            )
            raters = ["Rating"]
        assessed_on = who[2].date_input("Date", value=today, max_value=today, key="rec-date", format="DD/MM/YYYY")
        fixed = {"Section", item_word.capitalize()}
        clashing = [r for r in raters if r in fixed]
        if subject == "team" and not raters:
            st.info("Type the team members' initials to get a column for each.", icon=":material/group:")
        elif clashing:
            st.error(f"“{plain(clashing[0])}” cannot be used as initials here; use the person's initials.")
        else:
            grid = fv.items.select(
                pl.col("subsection").fill_null(pl.col("section")).alias("Section"),
                pl.col("title").alias(item_word.capitalize()),
            ).with_columns(pl.lit(None, pl.Int64).alias(r) for r in raters)
            # What is rated and written starts blank after each save (forms.new_record_form); who and when stay.
            rec = new_record_form("rec")
            grid_key = f"{rec}-grid-{version_id}-{subject}-{'-'.join(raters)}"
            levels = list(fv.levels)
            edited = data_editor(
                grid,
                key=grid_key,
                hide_index=True,
                width="stretch",
                disabled=list(fixed),
                placeholder="–",
                column_config={r: st.column_config.SelectboxColumn(r, options=levels, width="small") for r in raters},
            )
            item_ids = fv.items["id"].to_list()
            entered = {
                (item_ids[i], r if subject == "team" else (person or r)): int(edited[r][i])
                for r in raters
                for i in range(len(item_ids))
                if edited[r][i] is not None
            }
            needed = lp.strategies_needed(fv, entered)
            strategies: dict[int, dict] = {}
            if needed:
                st.markdown(
                    f"**Strategies and evidence** — asked for each {plain(item_word)} rated "
                    f"{fv.version['strategy_from']} or above."
                )
            items_by_id = {r["id"]: r for r in fv.items.iter_rows(named=True)}
            challenges = {r["id"]: r["challenges"] for r in fv.subsections.iter_rows(named=True)}
            section_challenges = {r["id"]: r["challenges"] for r in fv.sections.iter_rows(named=True)}
            for item_id, who_rated in needed.items():
                item = items_by_id[item_id]
                with st.container(border=True):
                    by = ", ".join(f"{v} by {r}" for r, v in who_rated) if subject == "team" else str(who_rated[0][1])
                    st.markdown(
                        f"**{plain(item['title'])}** is rated {plain(by)}: name a strategy you use, and the "
                        "evidence it works."
                    )
                    typical = challenges.get(item["subsection_id"]) or section_challenges.get(item["section_id"])
                    if typical:
                        st.caption(f"Typical challenges here: {plain(typical)}.")
                    boxes = st.columns(3)
                    strategies[item_id] = {
                        "challenge": boxes[0].text_area(
                            "Challenge",
                            key=f"{rec}-challenge-{version_id}-{item_id}",
                            height=90,
                            max_chars=lp.MAX_TEXT,
                            placeholder="e.g. improvement team connections dropped (network health survey)",
                        ),
                        "strategy": boxes[1].text_area(
                            "Strategy",
                            key=f"{rec}-strategy-{version_id}-{item_id}",
                            height=90,
                            max_chars=lp.MAX_TEXT,
                            placeholder="e.g. weekly reports on improvement work",
                        ),
                        "evidence": boxes[2].text_area(
                            "Evidence",
                            key=f"{rec}-evidence-{version_id}-{item_id}",
                            height=90,
                            max_chars=lp.MAX_TEXT,
                            placeholder="e.g. process measure: 7 of 10 teams submitted every weekly report",
                        ),
                    }
            edge_cols = st.columns([2, 3])
            edge = edge_cols[0].selectbox(
                f"Growth edge (optional): the {label_text(item_word)} you want to grow",
                [None, *item_ids],
                key=f"{rec}-edge-{version_id}",
                format_func=lambda i: "None chosen" if i is None else items_by_id[i]["title"],
            )
            edge_note = edge_cols[1].text_input(
                "What you want to grow, in a sentence", key=f"{rec}-edge-note-{version_id}", max_chars=lp.MAX_TEXT
            )
            if st.button("Save assessment", type="primary", key="rec-save", icon=":material/save:"):
                proposed = lp.ProposedAssessment(
                    version_id=version_id,
                    organisation_id=org_id,
                    subject=subject,
                    assessed_on=assessed_on,
                    raters=tuple(raters) if subject == "team" else (person,),
                    ratings=entered,
                    person=person,
                    strategies=strategies,
                    growth_edge_item_id=edge,
                    growth_edge_note=edge_note,
                )
                try:
                    saved = db.save_assessment(proposed, username=username(), today=today)
                except Refused as refusal:
                    st.error(
                        "Not saved:\n\n" + "\n".join(f"- {plain(p)}" for p in refusal.problems), icon=":material/error:"
                    )
                else:
                    added(rec)
                    st.session_state["lead-heat-show"] = saved  # the heat-map shows it on the next run
                    st.session_state["lead-message"] = (
                        f"Saved: {titles[version_id]} for {org_name}, "
                        f"{assessed_on:%-d %B %Y} (assessment {saved}); it is on "
                        "the heat-map under “Radar and heat-map”."
                    )
                    st.rerun()


# -- the strategies library ------------------------------------------------------------------------------------
def show_library() -> None:
    """The strategies library: learning from each other."""
    everything = library()
    st.caption(
        "Learning from each other: every strategy named at a good rating, with the challenge it met and the "
        "evidence it worked. Pick a growth edge to read what colleagues who are strong there do."
    )
    if everything.height == 0:
        st.info("No strategy has been shared yet. They are asked for when an assessment rates an item well.")
    else:
        skills = everything.select("item_key", "item").unique("item_key", keep="first").sort("item")
        skill_names = dict(zip(skills["item_key"].to_list(), skills["item"].to_list()))
        filters = st.columns([2, 2])
        skill = filters[0].selectbox(
            "Skill, practice or criterion",
            [None, *skill_names],
            key="lib-skill",
            format_func=lambda k: "All" if k is None else skill_names[k],
        )
        search = filters[1].text_input(
            "Search the challenges, strategies and evidence", key="lib-search", placeholder="e.g. huddle, survey, coach"
        )
        shown = everything
        if skill:
            shown = shown.filter(pl.col("item_key") == skill)
        if search.strip():
            needle = search.strip().lower()
            shown = shown.filter(
                pl.concat_str(
                    [pl.col("challenge").fill_null(""), pl.col("strategy"), pl.col("evidence"), pl.col("item")],
                    separator=" ",
                )
                .str.to_lowercase()
                .str.contains(needle, literal=True)
            )
        st.caption(f"{shown.height} of {everything.height} strategies.")
        strategy_cards(shown)
        st.download_button(
            "Download the library (CSV)",
            shown.select(
                "item",
                "framework",
                "challenge",
                "strategy",
                "evidence",
                "organisation",
                "person",
                "assessed_on",
                "highest_rating",
                "scale_max",
            ).pipe(safe_csv),
            file_name="leadership-strategies.csv",
            mime="text/csv",
            icon=":material/download:",
            key="lib-download",
        )


# -- frameworks: read, edit (a new version), add ------------------------------------------------------------------
def framework_editor(prefix: str, spec: dict) -> tuple[dict, list[str], pl.DataFrame, pl.DataFrame]:
    """The editing form of a framework spec; returns (meta, scale labels, sections table, items table)."""
    top_row = st.columns(2)
    meta = {
        "key": spec.get("key"),
        "title": top_row[0].text_input("Title", value=spec.get("title") or "", key=f"{prefix}-title"),
        "source": top_row[1].text_input("Source", value=spec.get("source") or "", key=f"{prefix}-source"),
    }
    meta["description"] = st.text_area(
        "Description", value=spec.get("description") or "", key=f"{prefix}-description", height=80
    )
    words = st.columns(4)
    meta["section_word"] = words[0].text_input(
        "A section is called", value=spec.get("section_word") or "section", key=f"{prefix}-section-word"
    )
    meta["item_word"] = words[1].text_input(
        "An item is called", value=spec.get("item_word") or "item", key=f"{prefix}-item-word"
    )
    meta["guidance_word"] = words[2].text_input(
        "Its guidance is called", value=spec.get("guidance_word") or "guidance", key=f"{prefix}-guidance-word"
    )
    meta["strategy_from"] = (
        words[3].number_input(
            "Ask for a strategy from level",
            min_value=0,
            max_value=lp.MAX_LEVELS,
            key=f"{prefix}-strategy-from",
            value=int(spec.get("strategy_from") or 0),
            help="0: never ask.",
        )
        or None
    )
    st.markdown("**Rating scale** (level 1 at the top)")
    scale = data_editor(
        pl.DataFrame({"Words": [s["label"] for s in spec.get("scale") or []]}, schema={"Words": pl.Utf8}),
        num_rows="dynamic",
        key=f"{prefix}-scale",
        width="stretch",
        hide_index=True,
    )
    labels = [label for label in scale["Words"].to_list() if label is not None]
    sections, items = lp.spec_tables(spec)
    st.markdown(
        f"**{plain(meta['section_word'].capitalize())}s and sub-sections** (a sub-section names the section "
        "it is within)"
    )
    tops = [k for k, w in zip(sections["key"].to_list(), sections["within"].to_list()) if not w]
    section_titles = dict(zip(sections["key"].to_list(), sections["title"].to_list()))
    sections = data_editor(
        sections,
        num_rows="dynamic",
        key=f"{prefix}-sections",
        width="stretch",
        hide_index=True,
        column_order=("title", "within", "description", "challenges", "key"),
        column_config={
            "key": st.column_config.TextColumn(
                "Key", help="Leave blank for a new one; keeps trends joined up across versions"
            ),
            "within": st.column_config.SelectboxColumn(
                "Within", options=tops, format_func=lambda k: section_titles.get(k, k)
            ),
            "title": st.column_config.TextColumn("Title", required=True),
            "description": st.column_config.TextColumn("Description or goal", width="medium"),
            "challenges": st.column_config.TextColumn("Typical challenges", width="medium"),
        },
    )
    homes = {r["key"] or lp.slug(r["title"] or ""): r["title"] for r in sections.iter_rows(named=True) if r["title"]}
    st.markdown(
        f"**{plain(meta['item_word'].capitalize())}s** with their {plain(meta['guidance_word'])} (separate "
        "several with |)"
    )
    items = data_editor(
        items,
        num_rows="dynamic",
        key=f"{prefix}-items",
        width="stretch",
        hide_index=True,
        column_order=("title", "section", "guidance", "key"),
        column_config={
            "key": st.column_config.TextColumn("Key", help="Leave blank for a new one"),
            "section": st.column_config.SelectboxColumn(
                "Section", options=list(homes), required=True, format_func=lambda k: homes.get(k, k)
            ),
            "title": st.column_config.TextColumn("Title", required=True, width="medium"),
            "guidance": st.column_config.TextColumn(meta["guidance_word"].capitalize(), width="large"),
        },
    )
    return meta, labels, sections, items


def _show_problems(problems: list[str]) -> None:
    st.error("Not saved:\n\n" + "\n".join(f"- {plain(p)}" for p in problems), icon=":material/error:")


def show_frameworks() -> None:
    """The frameworks: read, download as an import file; an administrator edits (a new version) or adds one."""
    editor = role_may("edit_frameworks")
    listed = db.frameworks(include_retired=editor)
    fw_versions = listed["version_id"].to_list()
    labels = {
        r["version_id"]: r["title"]
        + (" (retired)" if r["status"] == "retired" else "")
        + (f" — added for {r['added_by_organisation']}" if r["added_by_organisation"] else "")
        for r in listed.iter_rows(named=True)
    }
    shown_version = st.selectbox("Framework", fw_versions, format_func=labels.get, key="fw-choice")
    fw_row = listed.filter(pl.col("version_id") == shown_version).row(0, named=True)
    fv_shown = version(shown_version)
    st.markdown(
        f"**{plain(fw_row['title'])}** · version {fw_row['version_number']} since "
        f"{fw_row['effective_from']:%-d %B %Y}" + (f" · {plain(fw_row['source'])}" if fw_row["source"] else "")
    )
    if fw_row["description"]:
        st.caption(plain(fw_row["description"]))
    st.caption(
        f"Scale: {plain(fv_shown.scale_text())}"
        + (
            f" · a strategy is asked for at {fv_shown.version['strategy_from']} or above"
            if fv_shown.version.get("strategy_from")
            else ""
        )
    )
    with st.container(height=520, border=True):
        guidance_word = plain(fv_shown.word("guidance"))
        lines = []
        for kind, text in lp.outline(fv_shown):  # one markdown block, so guidance nests under its item
            lines.append(
                {
                    "section": f"\n**{plain(text)}**\n",
                    "description": f"{plain(text)}\n",
                    "subsection": f"\n*{plain(text)}*\n",
                    "item": f"- {plain(text)}",
                    "guidance": f"    - {guidance_word}: {plain(text)}",
                    "empty": f"*{plain(text)}*\n",
                }[kind]
            )
        st.markdown("\n".join(lines))
    history = db.framework_versions(fw_row["framework_id"])
    if history.height > 1:
        st.caption("Versions: past assessments keep the wording of the version they were made against.")
        show_table(
            history.select(
                pl.col("version_number").alias("Version"),
                pl.col("effective_from").alias("From"),
                pl.col("author").alias("By"),
                pl.col("change_note").alias("What changed"),
                pl.col("assessments").alias("Assessments made against it"),
            ),
            dates={"From": "day"},
            counts=["Assessments made against it"],
        )
    spec_now = lp.version_spec(fv_shown)
    st.download_button(
        "Download as an import file (JSON)",
        lp.spec_json(spec_now),
        file_name=f"{fw_row['framework_key']}.json",
        mime="application/json",
        icon=":material/download:",
        key="fw-download",
    )
    if editor:
        with st.expander(f"Edit this framework (saves version {fw_row['version_number'] + 1})", icon=":material/edit:"):
            prefix = f"fw-edit-{shown_version}"
            meta, scale_labels, sections, items = framework_editor(prefix, spec_now)
            note = st.text_input("What changed, and why", key=f"{prefix}-note", max_chars=lp.MAX_TEXT)
            if st.button("Save as a new version", type="primary", key=f"{prefix}-save"):
                spec, problems = lp.spec_from_tables(meta, scale_labels, sections, items)
                if problems:
                    _show_problems(problems)
                else:
                    try:
                        db.save_framework_version(fw_row["framework_id"], spec, note, username=username(), today=today)
                    except Refused as refusal:
                        _show_problems(refusal.problems)
                    else:
                        st.session_state["lead-message"] = (
                            f"Saved version {fw_row['version_number'] + 1} of "
                            f"{meta['title']}. Past assessments keep their wording."
                        )
                        st.rerun()
            status = "retired" if fw_row["status"] == "active" else "active"
            with st.popover("Retire this framework" if status == "retired" else "Bring this framework back"):
                reason = st.text_input("Reason", key=f"{prefix}-status-reason")
                if st.button("Confirm", key=f"{prefix}-status"):
                    try:
                        db.set_framework_status(fw_row["framework_id"], status, reason, username=username())
                    except Refused as refusal:
                        st.error(plain(str(refusal)), icon=":material/error:")
                    else:
                        st.session_state["lead-message"] = f"{fw_row['title']} is {status}."
                        st.rerun()
        with st.expander("Add a framework (a network's own rubric)", icon=":material/add_circle:"):
            st.caption(
                "Start from an import file — JSON in the shape of “Download as an import file”, or a CSV with "
                "columns section, sub-section, item, guidance — or type it into the tables below."
            )
            upload = st.file_uploader("Import file", type=["json", "csv"], key="fw-upload")
            base: dict = {
                "scale": [
                    {"level": i, "label": s["label"]} for i, s in enumerate(lp.seed_frameworks()[0]["scale"], start=1)
                ],
                "strategy_from": 3,
            }
            if upload is not None:
                try:
                    base = {**base, **lp.read_framework_file(upload.getvalue(), upload.name)}
                except lp.FrameworkFileError as wrong:
                    _show_problems(wrong.problems)
            owners = [None, *names]
            owner = st.selectbox(
                "Added for",
                owners,
                key="fw-new-owner",
                format_func=lambda i: "Everyone in this Golden Thread" if i is None else names[i],
            )
            new_prefix = f"fw-new-{upload.file_id if upload is not None else 'blank'}"
            meta, scale_labels, sections, items = framework_editor(new_prefix, base)
            if st.button("Add framework", type="primary", key=f"{new_prefix}-save"):
                spec, problems = lp.spec_from_tables(meta, scale_labels, sections, items)
                if problems:
                    _show_problems(problems)
                else:
                    try:
                        db.add_framework(spec, username=username(), today=today, organisation_id=owner)
                    except Refused as refusal:
                        _show_problems(refusal.problems)
                    else:
                        st.session_state["lead-message"] = f"Added {meta['title']}."
                        st.rerun()


TABS = {
    "Radar and heat-map": show_overview,
    f"{board.capitalize()} checklist": show_checklist,
    "Record an assessment": show_record,
    "Strategies library": show_library,
    "Frameworks": show_frameworks,
}
# Only the open tab runs; the tab is in the URL (?leadership-tab=Board+checklist), so a tab is a link someone can send.
for tab, show in zip(st.tabs(list(TABS), key="leadership-tab", on_change="rerun", bind="query-params"), TABS.values()):
    with tab:
        if tab.open:
            show()

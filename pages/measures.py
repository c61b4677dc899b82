"""Measures: find a measure by aim, team or type; see its chart, icons, summary, definition and data."""

import polars as pl
import streamlit as st

from golden_thread.charts import spc_chart
from golden_thread.measure_series import measure_charts
from golden_thread.ui import ICON_TEXT, store

db = store()
measures = db.measures()

st.title("Measures")
if measures.height == 0:
    st.info("No measures yet.")
    st.stop()

filters = st.columns(3)
aim_choice = filters[0].selectbox("Aim", ["All aims"] + sorted(measures["aim"].drop_nulls().unique().to_list()))
team_choice = filters[1].selectbox("Team", ["All teams"] + sorted(measures["team"].drop_nulls().unique().to_list()))
type_choice = filters[2].selectbox("Type", ["All types", "outcome", "process", "balancing"])
shown = measures
if aim_choice != "All aims":
    shown = shown.filter(pl.col("aim") == aim_choice)
if team_choice != "All teams":
    shown = shown.filter(pl.col("team") == team_choice)
if type_choice != "All types":
    shown = shown.filter(pl.col("measure_type") == type_choice)
if shown.height == 0:
    st.warning("No measure matches these filters. Choose “All” in one of them to widen the search.")
    st.stop()

labels = {row["id"]: f"{row['name']} ({row['measure_type']})" for row in shown.iter_rows(named=True)}
requested = st.query_params.get("measure")
ids = list(labels)
start = ids.index(int(requested)) if requested and requested.isdigit() and int(requested) in labels else 0
if requested and start == 0 and requested != str(ids[0]):
    st.warning(f"Measure {requested!r} is not among these measures; showing the first one instead.")
measure_id = st.selectbox("Measure", ids, index=start, format_func=labels.get)
measure = shown.filter(pl.col("id") == measure_id).row(0, named=True)

points, summaries = measure_charts(db, [measure_id])
if points.height == 0:
    st.info("This measure has no data yet.")
    st.stop()
summary = summaries.row(0, named=True)

st.subheader(measure["name"])
unit = f" ({measure['unit']})" if measure["unit"] else ""
icons = st.columns(4)
icons[0].metric(f"Latest{unit}", f"{summary['latest_value']:,.{measure['decimal_places']}f}",
                help=f"Period starting {summary['latest_x']}")
icons[1].metric("Variation", ICON_TEXT[summary["variation_icon"]])
icons[2].metric("Assurance", ICON_TEXT[summary["assurance_icon"]])
icons[3].metric(f"Target{unit}", "none set" if measure["target_value"] is None else f"{measure['target_value']:,g}")
st.markdown(f"**{summary['summary']}**")

annotations = db.annotations([measure_id]).select("on_date", pl.col("text").alias("label"), pl.lit("").alias("detail"))
st.altair_chart(
    spc_chart(points, unit=measure["unit"] or "", target=measure["target_value"], annotations=annotations),
    width="stretch",
)

left, right = st.columns(2)
with left:
    st.markdown("##### Operational definition")
    definition = {
        "Definition": measure["definition"], "Numerator": measure["numerator_definition"],
        "Denominator": measure["denominator_definition"], "Inclusions": measure["inclusions"],
        "Exclusions": measure["exclusions"], "Data source": measure["data_source"], "Owner": measure["owner"],
        "Frequency": measure["frequency"], "Chart": f"{measure['chart_type']} ({measure['rules']} rules)",
        "Improvement": measure["improvement_direction"],
    }
    st.dataframe(pl.DataFrame({"Field": list(definition), "Value": [str(v or "—") for v in definition.values()]}),
                 hide_index=True, width="stretch")
with right:
    st.markdown("##### Data")
    table = points.select(
        pl.col("x").alias("Period"), pl.col("value").round(measure["decimal_places"] + 2).alias("Value"),
        pl.col("cl").round(4).alias("Centre"), pl.col("lcl").round(4).alias("Lower limit"),
        pl.col("ucl").round(4).alias("Upper limit"), pl.col("special_cause_type").alias("Signal"),
    ).reverse()
    st.dataframe(table, hide_index=True, width="stretch", height=360)

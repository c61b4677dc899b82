"""Home: the organisation's strategic objectives, their system-level aims and the work beneath each."""

import polars as pl
import streamlit as st

from golden_thread.app.ui import plain, show_table, store

db = store()
totals = db.totals()

st.title("Aims and objectives")
st.caption(
    "Every system-level aim the board has adopted, grouped by strategic objective, with the improvement work that serves it."
)

columns = st.columns(5)
for column, (label, key) in zip(
    columns,
    [
        ("System-level aims", "aims"),
        ("Active projects", "active_projects"),
        ("All projects", "projects"),
        ("PDSA cycles", "pdsa_cycles"),
        ("Measures", "measures"),
    ],
):
    column.metric(label, f"{totals[key]:,}")

overview = db.objectives_overview()
if overview.height == 0:
    st.info(
        "No strategic objectives yet. Load the demo trust with `golden-thread demo`, or import an organisation with `golden-thread import DIR`."
    )
for (_objective_id, objective, category), aims in overview.group_by(
    ["objective_id", "objective", "category"], maintain_order=True
):
    with st.container(border=True):
        st.subheader(plain(objective), anchor=False)
        st.caption(f"Strategic objective · {plain(category)}")
        aims = aims.filter(pl.col("aim_id").is_not_null())
        if aims.height == 0:
            st.warning("No system-level aim under this objective yet.")
            continue
        table = aims.select(
            pl.col("aim").alias("System-level aim"),
            pl.col("statement").alias("Aim statement"),
            pl.col("responsible_leader").alias("Responsible leader"),
            pl.col("target_date").alias("Target date"),
            pl.col("active_projects").alias("Active projects"),
            pl.col("pdsa_cycles").alias("PDSA cycles"),
            pl.col("aim_measures").alias("Aim measures"),
        )
        show_table(table, dates={"Target date": "day"}, counts=["Active projects", "PDSA cycles", "Aim measures"])
        for row in aims.filter(pl.col("active_projects") == 0).iter_rows(named=True):
            st.error(
                f"**{plain(row['aim'])}** has no active improvement project serving it.", icon=":material/link_off:"
            )

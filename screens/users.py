"""Users: local accounts and their roles (administrators only; the store refuses anyone else)."""

import polars as pl
import streamlit as st

from golden_thread.app.ui import may, store, username
from golden_thread.domain.access import ROLE_TITLES
from golden_thread.errors import Refused

db = store()
st.title("Users")
if refusal := may(db, "manage_users"):
    st.info(refusal, icon=":material/lock:")
    st.stop()

users = db.users()
st.dataframe(
    users.select(
        pl.col("username").alias("Username"),
        pl.col("display_name").alias("Name"),
        pl.col("role").replace_strict(ROLE_TITLES).alias("Role"),
        pl.col("organisation").alias("Works in"),
        pl.col("active").alias("Active"),
    ),
    hide_index=True,
    width="stretch",
)

organisations = db.organisations()
units = dict(zip(organisations["id"], organisations["name"]))
st.subheader("Add or change an account", anchor=False)
with st.form("user-form"):
    account = st.text_input("Username", key="user-account")
    name = st.text_input("Name", key="user-name")
    role = st.selectbox("Role", list(ROLE_TITLES), format_func=ROLE_TITLES.get, key="user-role")
    unit = st.selectbox(
        "Works in (a team member edits only this unit's work)", list(units), format_func=units.get, key="user-unit"
    )
    password = st.text_input(
        "New password (at least 12 characters; leave blank to keep the current one)",
        type="password",
        key="user-password",
    )
    active = st.checkbox("Active", value=True, key="user-active")
    if st.form_submit_button("Save account", type="primary"):
        try:
            outcome = db.save_user(account, name, role, unit, password or None, active=active, username=username())
        except Refused as refused:
            st.error(str(refused), icon=":material/error:")
        else:
            st.success(f"Account {account.strip()} {outcome}.", icon=":material/check_circle:")

"""Users: local accounts and their roles (administrators only; the store refuses anyone else)."""

import polars as pl
import streamlit as st

from golden_thread.app.page_end import end_page
from golden_thread.app.ui import may, message_area, plain, remember_message, show_table, store, username
from golden_thread.domain.access import ROLE_TITLES
from golden_thread.domain.formatting import format_moment
from golden_thread.errors import Refused
from golden_thread.services.backups import back_up_now, may_back_up, where_backups_go
from golden_thread.services.sign_ins import LOCK_LENGTH, locked_accounts, recent_failures, unlock_account

db = store()
st.title("Users")
if refusal := may(db, "manage_users"):
    st.info(refusal, icon=":material/lock:")
    end_page()

users = db.users()
show_table(
    users.select(
        pl.col("username").alias("Username"),
        pl.col("display_name").alias("Name"),
        pl.col("role").replace_strict(ROLE_TITLES).alias("Role"),
        pl.col("organisation").fill_null("Every organisation").alias("Works in"),
        pl.col("active").alias("Active"),
    )
)

organisations = db.organisations()
units = dict(zip(organisations["id"], organisations["name"]))
listed = users["username"].to_list()
NEW_ACCOUNT = ""


def load_account(db, units: dict) -> None:
    """Fill the form with the chosen account's current values (blank for a new account), so that saving changes
    only what the administrator changed: resetting a password leaves the role, unit and active box as they were."""
    chosen = st.session_state.get("user-choice") or NEW_ACCOUNT
    account = db.user(chosen) if chosen else None
    if account is None or account["organisation_id"] not in units:
        account = {"username": "", "display_name": "", "role": next(iter(ROLE_TITLES)), "active": True}
        account["organisation_id"] = next(iter(units), None)
    st.session_state["user-account"] = account["username"]
    st.session_state["user-name"] = account["display_name"]
    st.session_state["user-role"] = account["role"]
    st.session_state["user-unit"] = account["organisation_id"]
    st.session_state["user-active"] = bool(account["active"])
    st.session_state["user-password"] = ""
    # what the form loaded, so a colleague's change made meanwhile is not overwritten unseen
    st.session_state["user-opened"] = (
        {k: account[k] for k in ("display_name", "role", "organisation_id", "active")} if account["username"] else None
    )


st.subheader("Add or change an account", anchor=False)
message_area("account")  # the last save, said above the form it came from
if (saved := st.session_state.pop("_account-saved", None)) is not None:
    # The form shows the account as saved, chosen, its password box empty: nothing typed lingers in the page.
    st.session_state["user-choice"] = saved
    load_account(db, units)
if st.session_state.get("user-choice") not in (NEW_ACCOUNT, *listed):
    st.session_state["user-choice"] = NEW_ACCOUNT  # an account that has gone (or another organisation's)
st.selectbox(
    "Account (choose one to change it; its current values load into the form)",
    [NEW_ACCOUNT, *listed],
    format_func=lambda u: u or "A new account",
    key="user-choice",
    on_change=load_account,
    args=(db, units),
)
st.session_state.setdefault("user-active", True)
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
    active = st.checkbox("Active", key="user-active")
    if st.form_submit_button("Save account", type="primary"):
        typed = account.strip()
        if typed in listed and typed != st.session_state.get("user-choice"):
            # Its current values are not what the form holds: saving now could demote or deactivate it unseen.
            st.error(
                f"“{typed}” already has an account: choose it under Account first, so that its current role, "
                "unit and active box load into the form, then change what you need. Nothing was saved.",
                icon=":material/error:",
            )
        else:
            try:
                opened = st.session_state.get("user-opened") if typed == st.session_state.get("user-choice") else None
                outcome = db.save_user(
                    account, name, role, unit, password or None, active=active, username=username(), opened=opened
                )
            except Refused as refused:
                st.error(str(refused), icon=":material/error:")
            else:
                remember_message("account", f"Account {typed} {outcome}.")
                st.session_state["_account-saved"] = typed
                st.rerun()


# -- sign-in problems: locked accounts and failed sign-ins (issue 20) ------------------------------------------------
def sign_in_problems() -> None:
    """Locked accounts, each with an Unlock button, and the failed sign-ins of the last week, newest first."""
    st.subheader("Locked accounts and failed sign-ins", anchor=False)
    st.caption(
        f"Five failed sign-ins with one username lock it for {int(LOCK_LENGTH.total_seconds() // 60)} minutes, in "
        "every browser; unlock an account here once you know the person is who they say. Every failed sign-in is "
        "also in the audit trail."
    )
    area = message_area("unlock")
    locked = locked_accounts(db)
    if locked.height == 0:
        st.caption("No account is locked.")
    for row in locked.iter_rows(named=True):
        line = st.columns([4, 1], vertical_alignment="center")
        line[0].markdown(
            f"**{plain(row['display_name'])}** ({plain(row['username'])}): {row['failures']} failed sign-ins, "
            f"locked until {format_moment(row['locked_until'])}"
        )
        if line[1].button("Unlock", key=f"unlock-{row['username']}", icon=":material/lock_open:"):
            try:
                unlock_account(db, row["username"], username=username())
            except Refused as refused:
                area.error(plain(refused), icon=":material/error:")
            else:
                remember_message("unlock", f"{plain(row['display_name'])} can sign in again.")
                st.rerun()
    failures = recent_failures(db, username())
    if failures.height == 0:
        st.caption("No failed sign-in in the last 7 days.")
        return
    show_table(
        failures.select(
            pl.col("attempted_at").alias("When"),
            pl.col("username").alias("Username tried"),
            pl.col("account").fill_null("no such account").alias("Account"),
            pl.col("source").alias("From"),
        ),
        dates={"When": "moment"},
    )


sign_in_problems()


def backups() -> None:
    """Back up now: the whole database, while everyone carries on working (services/backups.py)."""
    st.subheader("Backups", anchor=False)
    if refusal := may_back_up(db, username()):
        st.caption(refusal)
        return
    st.caption(
        f"A backup is a copy of the whole database at one moment, with a signed manifest, made while everyone carries "
        f"on working. It goes into a new folder in {plain(where_backups_go(db))} (the server's "
        "GOLDEN_THREAD_BACKUPS chooses another). Restore one with golden-thread restore FOLDER; a scheduled "
        "golden-thread backup keeps them coming."
    )
    area = message_area("backup")
    if st.button("Back up now", key="backup-now", icon=":material/backup:"):
        try:
            with st.spinner("Backing up the database…"):
                made = back_up_now(db, username())
        except Refused as refused:
            area.error(plain(refused), icon=":material/error:")
        else:
            area.success(
                f"Backed up {made.rows:,} rows in {made.tables} tables to {plain(made.folder)}: every file matches "
                "its signed manifest, as a restore will check.",
                icon=":material/check_circle:",
            )


backups()

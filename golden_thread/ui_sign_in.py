"""The sign-in screen (part of the UI layer with ui.py): a local account, the embedded default, or the trust's
single sign-on when secrets.toml configures it. Shown by dashboard.py to anyone not signed in."""

import time

import polars as pl
import streamlit as st

from golden_thread.access import ROLE_TITLES
from golden_thread.config import default_db_path
from golden_thread.demo import DEMO_PASSWORD
from golden_thread.ui import open_store, sign_in, sso_configured

MAX_ATTEMPTS = 5
LOCKOUT_SECONDS = 30


def sign_in_screen() -> None:
    db = open_store(default_db_path())
    st.title("Golden Thread")
    st.caption("One true picture of whether our improvement work is moving the aims that matter.")

    if unknown := st.session_state.get("sso-unknown"):
        st.error(f"You signed in as {unknown}, but there is no Golden Thread account for that address. "
                 "Ask an administrator to add you.", icon=":material/person_off:")

    left, right = st.columns([1.2, 1])
    with left:
        if sso_configured():
            st.button("Sign in with your organisation account", icon=":material/key:", on_click=st.login, type="primary")
            st.divider()
        locked_until = st.session_state.get("locked-until", 0.0)
        with st.form("sign-in"):
            account = st.text_input("Username", key="sign-in-username", autocomplete="username")
            password = st.text_input("Password", type="password", key="sign-in-password", autocomplete="current-password")
            submitted = st.form_submit_button("Sign in", type="primary", icon=":material/login:")
        if submitted:
            if time.time() < locked_until:
                st.error(f"Too many attempts. Wait {int(locked_until - time.time()) + 1} seconds and try again.",
                         icon=":material/lock_clock:")
            elif not account.strip() or not password:
                st.error("Enter your username and your password.", icon=":material/error:")
            else:
                user = db.verify_password(account, password)
                if user is None:
                    attempts = st.session_state.get("failed-attempts", 0) + 1
                    st.session_state["failed-attempts"] = attempts
                    if attempts >= MAX_ATTEMPTS:
                        st.session_state["locked-until"] = time.time() + LOCKOUT_SECONDS
                        st.session_state["failed-attempts"] = 0
                    st.error("That username and password do not match an active account. Check both and try again.",
                             icon=":material/error:")
                else:
                    st.session_state.pop("failed-attempts", None)
                    sign_in(user)
                    st.rerun()

    if db.setting("demo_mode") == "true":
        with right:
            with st.container(border=True):
                st.markdown("**Demo organisation**")
                st.caption(f"This database holds the demo trust. Each account below has the password “{DEMO_PASSWORD}”. "
                           "A real organisation's database never shows this box.")
                users = db.users().filter(pl.col("active"))
                st.dataframe(users.select(pl.col("username").alias("Username"),
                                          pl.col("role").replace_strict(ROLE_TITLES).alias("Role"),
                                          pl.col("organisation").alias("Works in")),
                             hide_index=True, width="stretch")

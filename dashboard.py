"""Golden Thread: the entry. Page config, sign-in and navigation by role; each screen lives in pages/."""

from pathlib import Path

import streamlit as st

from golden_thread.access import ROLE_TITLES
from golden_thread.ui import plain, sign_in_screen, sign_out, signed_in_user

ROOT = Path(__file__).resolve().parent
st.set_page_config(page_title="Golden Thread", page_icon="🧵", layout="wide")


def pages_for(role: str) -> dict[str, list]:
    """The screens a role uses, its landing page first in mind: boards the board report, teams their measures."""
    pages = {"Golden Thread": [
        st.Page("pages/board.py", title="Board report", icon=":material/dashboard:", url_path="board",
                default=role in ("board_viewer", "administrator")),
        st.Page("pages/home.py", title="Aims and objectives", icon=":material/flag:"),
        st.Page("pages/measures.py", title="Measures", icon=":material/monitoring:", default=role == "team_member"),
        st.Page("pages/thread.py", title="Golden thread", icon=":material/account_tree:",
                default=role == "improvement_lead"),
        st.Page("pages/alignment.py", title="Alignment", icon=":material/rule:"),
    ]}
    # Leadership practice and networks, when this build has them.
    if (ROOT / "pages" / "leadership.py").exists():
        pages["Golden Thread"].append(st.Page("pages/leadership.py", title="Leadership", icon=":material/diversity_3:"))
    if (ROOT / "pages" / "network.py").exists():
        pages["Golden Thread"].append(st.Page("pages/network.py", title="Network", icon=":material/hub:"))
    if role in ("improvement_lead", "administrator", "signed_out"):
        pages["Governance"] = [st.Page("pages/audit.py", title="Audit trail", icon=":material/history:")]
    if role in ("administrator", "signed_out"):
        pages["Governance"].append(st.Page("pages/users.py", title="Users", icon=":material/group:"))
    return pages


user = signed_in_user()
if user is None:
    # Every screen stays addressable, so a shared link survives signing in; but only the sign-in form runs.
    everything = [page for section in pages_for("signed_out").values() for page in section]
    st.navigation([st.Page(sign_in_screen, title="Sign in", url_path="sign-in", default=True), *everything],
                  position="hidden")
    sign_in_screen()
    st.stop()

with st.sidebar:
    from golden_thread.config import default_db_path
    from golden_thread.ui import open_store, organisation

    db = open_store(default_db_path())
    tops = db.top_organisations()
    if tops.height > 1:  # a trust and a network, say: every screen shows the one chosen here
        names = dict(zip(tops["id"], tops["name"]))
        organisation(db)  # the person's own until they choose
        st.selectbox("Organisation", list(names), format_func=names.get, key="organisation")
    st.caption(f"Signed in as **{plain(user['display_name'])}** · {ROLE_TITLES[user['role']]}")
    if st.button("Sign out", icon=":material/logout:", key="sign-out"):
        sign_out()
        st.rerun()
st.navigation(pages_for(user["role"])).run()

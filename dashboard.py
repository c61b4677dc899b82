"""Golden Thread: the entry. Page config and navigation only; each screen lives in pages/."""

import streamlit as st

st.set_page_config(page_title="Golden Thread", page_icon="🧵", layout="wide")

navigation = st.navigation(
    {
        "Golden Thread": [
            st.Page("pages/board.py", title="Board report", icon=":material/dashboard:", default=True),
            st.Page("pages/home.py", title="Aims and objectives", icon=":material/flag:"),
            st.Page("pages/measures.py", title="Measures", icon=":material/monitoring:"),
            st.Page("pages/thread.py", title="Golden thread", icon=":material/account_tree:"),
            st.Page("pages/alignment.py", title="Alignment", icon=":material/rule:"),
        ],
    }
)
navigation.run()

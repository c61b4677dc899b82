"""Every screen of Golden Thread, once: where it lives, what it is called, who sees it and which section it sits in.

``dashboard.py`` builds the navigation from this list and the tests open every screen from it, so a new screen is
one entry here and one file beside this one. The folder is not called ``pages/``: Streamlit would then treat the
app as an old-style multipage app and run a shared link's page without the entry's navigation.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

from golden_thread.domain.vocabulary import words

HERE = Path(__file__).resolve().parent
EVERYONE = frozenset({"board_viewer", "team_member", "improvement_lead", "administrator"})
BUILDERS = EVERYONE - {"board_viewer"}  # a board reads the thread; it does not build it


@dataclass(frozen=True)
class Screen:
    file: str  # beside this registry
    title: str
    icon: str
    url: str
    section: str = "Golden Thread"
    roles: frozenset[str] = EVERYONE
    lands: frozenset[str] = frozenset()  # the roles that open on this screen (a team member: their own measures)
    networks_only: bool = False  # shown only when the organisation open is a network
    # The title in the organisation's own words, naming terms of its vocabulary ("{board} report"); ``title`` is
    # the same in a trust's words, for where no organisation is known.
    worded_title: str | None = None

    @property
    def path(self) -> Path:
        return HERE / self.file

    def title_in(self, vocabulary: str) -> str:
        """The title as the organisation's people say it: "Board report" in a trust, "Leadership team report" in a
        school network."""
        return self.title if self.worded_title is None else words(vocabulary).heading(self.worded_title)


SCREENS: tuple[Screen, ...] = (
    Screen(
        "board.py",
        "Board report",
        ":material/dashboard:",
        "board",
        lands=frozenset({"board_viewer", "administrator"}),
        worded_title="{board} report",
    ),
    Screen("home.py", "Aims and objectives", ":material/flag:", "home"),
    Screen("build.py", "Build the thread", ":material/construction:", "build", roles=BUILDERS),
    Screen("measures.py", "Measures", ":material/monitoring:", "measures", lands=frozenset({"team_member"})),
    Screen("thread.py", "Golden thread", ":material/account_tree:", "thread"),
    Screen("diagram.py", "Driver diagrams", ":material/schema:", "diagrams"),
    Screen("pdsa.py", "PDSA cycles", ":material/autorenew:", "pdsa"),
    # The thread at a ward's huddle: its focus board, its actions and its huddles; the roll-up for the rest.
    Screen("focus.py", "Focus boards", ":material/view_kanban:", "focus", worded_title="{focus_board}s"),
    # A quality committee's first question: which projects serve no aim, which aims have no project.
    Screen("alignment.py", "Alignment", ":material/rule:", "alignment", lands=frozenset({"improvement_lead"})),
    Screen("leadership.py", "Leadership", ":material/diversity_3:", "leadership"),
    Screen("network.py", "Network", ":material/hub:", "network", networks_only=True),
    Screen(
        "audit.py",
        "Audit trail",
        ":material/history:",
        "audit",
        "Governance",
        frozenset({"improvement_lead", "administrator"}),
    ),
    Screen("users.py", "Users", ":material/group:", "users", "Governance", frozenset({"administrator"})),
)


def screens_for(role: str, organisation_kind: str | None = None) -> list[Screen]:
    """The screens a role may open in an organisation of this kind (a trust, a network), in menu order."""
    return [
        screen
        for screen in SCREENS
        if role in screen.roles and (not screen.networks_only or organisation_kind == "network")
    ]


def screen(url: str) -> Screen:
    return next(s for s in SCREENS if s.url == url)

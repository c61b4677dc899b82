"""Who may change what (DOMAIN §7.4), enforced where data is written: the store asks before every write.

A refused write raises ``PermissionRefused`` with a sentence saying who may do it instead, so a person
is never left guessing. Reading is open to every signed-in role: a board sees everything.
"""

from __future__ import annotations

import functools
from collections.abc import Callable

ROLE_TITLES = {
    "board_viewer": "Board viewer",
    "team_member": "Improvement team member",
    "improvement_lead": "Improvement lead",
    "administrator": "Administrator",
}

# action -> (roles allowed, what it is in words, who to ask)
ACTIONS: dict[str, tuple[frozenset[str], str]] = {
    "enter_data": (frozenset({"team_member", "improvement_lead", "administrator"}), "enter or correct measure data"),
    "log_pdsa": (frozenset({"team_member", "improvement_lead", "administrator"}), "log or update PDSA cycles"),
    "change_chart": (frozenset({"improvement_lead", "administrator"}), "confirm chart phases or exclude points"),
    "edit_thread": (
        frozenset({"improvement_lead", "administrator"}),
        "change aims, driver diagrams or the links between projects and the thread",
    ),
    "edit_project": (
        frozenset({"team_member", "improvement_lead", "administrator"}),
        "create or change improvement projects, their links and their measures",
    ),
    "publish_board": (frozenset({"administrator"}), "publish the board"),
    "assess_leadership": (
        frozenset({"team_member", "improvement_lead", "administrator"}),
        "record leadership self-assessments",
    ),
    "edit_frameworks": (frozenset({"administrator"}), "edit leadership frameworks"),
    "edit_network": (
        frozenset({"improvement_lead", "administrator"}),
        "change a network's aim, shared driver diagram or uniform measures",
    ),
    "run_huddles": (
        frozenset({"team_member", "improvement_lead", "administrator"}),
        "keep a focus board, its actions and its huddles",
    ),
    "manage_users": (frozenset({"administrator"}), "manage users"),
    "manage_organisation": (frozenset({"administrator"}), "set up the organisation and its divisions and teams"),
}
# Team members may change only their own team's work; the others act across the organisation.
TEAM_SCOPED = frozenset({"team_member"})


def refusal(role: str | None, action: str) -> str | None:
    """None when ``role`` may do ``action``; otherwise the sentence that says why not and who may."""
    allowed, words = ACTIONS[action]
    if role in allowed:
        return None
    who = " or ".join(ROLE_TITLES[r].lower() + "s" for r in ROLE_TITLES if r in allowed)
    title = ROLE_TITLES.get(role, "This account")
    return f"{title}s cannot {words}: only {who} can. Nothing was changed."


def guarded(action: str | Callable, team_of: Callable | None = None, record: Callable | None = None):
    """Mark a Store method as a write of ``action``: the signed-in user (the ``username`` keyword) is checked
    against the role table, and, for team members, against the team that owns the record (``team_of``); the
    record the write changes (``record`` gives its table and id, or None when there is none yet) must be in the
    store's organisation. ``action`` may be worked out from the call (a write of several record kinds)."""

    def decorate(method):
        @functools.wraps(method)
        def checked(self, *args, username: str, **kwargs):
            team = team_of(self, *args, **kwargs) if team_of else None
            self.authorise(username, action(self, *args, **kwargs) if callable(action) else action, team)
            where = record(self, *args, **kwargs) if record is not None else None
            if where is not None:
                self.require_in_scope(*where)
            return method(self, *args, username=username, **kwargs)

        checked.action = action
        return checked

    return decorate

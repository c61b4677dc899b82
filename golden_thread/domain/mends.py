"""Every flag has its mend (issue 15): for each rule of ``checks.RULES``, the actions that clear it, where in the app
they are taken and who may take them. The flags' rows (alignment page, tree panel, board drill-through) offer these
as links to the screen that does the work, opened on the record concerned.

A mend's ``params`` are the query parameters of the screen it opens; ``{id}`` is the flagged record's id and the
other names (``{project_id}``, ``{diagram_id}``, ``{node_key}``, ``{network_id}``, ``{member_id}``) are filled from
the record's place in the thread (``services.mends``). A new rule needs its mend here: a test holds the registry
whole.
"""

from __future__ import annotations

import string
from dataclasses import dataclass


@dataclass(frozen=True)
class Mend:
    label: str  # what the button says: the action, in the committee's words
    screen: str  # the url of the screen that does it (screens/registry.py)
    action: str  # the access action it needs (access.ACTIONS)
    params: tuple[tuple[str, str], ...] = ()

    def query(self, place: dict) -> dict[str, str]:
        """The screen's query parameters for one flagged record (``place`` holds id and its place's ids)."""
        return {name: template.format(**place) for name, template in self.params}

    def needs(self) -> set[str]:
        """The names of the place a mend's parameters are filled from."""
        return {name for _, template in self.params for _, name, _, _ in string.Formatter().parse(template) if name}


# Opens the project on its links (the Build screen's "Links into the thread" tab), where it is linked to a live aim.
_PROJECT_LINKS = Mend(
    "Link it to the thread", "build", "edit_project", (("record", "project"), ("id", "{id}"), ("part", "links"))
)

MENDS: dict[str, tuple[Mend, ...]] = {
    "member_without_local_aim": (
        Mend("Agree the member's local aim", "network", "edit_network", (("network", "{network_id}"),)),
    ),
    "uniform_measure_not_reported": (
        Mend("Set up the member's report", "network", "edit_network", (("network", "{network_id}"),)),
    ),
    "orphan_project": (_PROJECT_LINKS,),
    "unlinked_focus_objective": (Mend("Link it to the strategy", "focus", "run_huddles", (("objective", "{id}"),)),),
    "aim_without_project": (
        Mend("Add a project to this aim", "build", "edit_project", (("new", "project"), ("link", "aim:{id}"))),
    ),
    "aim_not_smart": (Mend("Complete the aim", "build", "edit_thread", (("record", "aim"), ("id", "{id}"))),),
    "outcome_without_balancing": (
        Mend(
            "Add a balancing measure",
            "build",
            "edit_project",
            (("new", "measure"), ("attach", "aim_id:{id}"), ("type", "balancing")),
        ),
    ),
    "driver_without_change_idea": (
        Mend(
            "Add a change idea",
            "diagrams",
            "edit_thread",
            (("diagram", "{diagram_id}"), ("add_idea_to", "{node_key}")),
        ),
    ),
    "untested_change_idea": (
        Mend(
            "Start a project to test it",
            "build",
            "edit_project",
            (("new", "project"), ("link", "change_idea:{id}")),
        ),
    ),
    "project_without_measure": (
        Mend("Add a measure", "build", "edit_project", (("new", "measure"), ("attach", "project_id:{id}"))),
    ),
    "measure_gone_quiet": (
        Mend("Enter its data", "measures", "enter_data", (("measure", "{id}"),)),
        Mend("Retire it", "build", "edit_project", (("record", "measure"), ("id", "{id}"), ("part", "retire"))),
    ),
    "stale_project": (
        Mend("Log a PDSA cycle", "pdsa", "log_pdsa", (("project", "{id}"),)),
        Mend("Change its status", "build", "edit_project", (("record", "project"), ("id", "{id}"))),
    ),
    "pdsa_overdue": (Mend("Record its study and act", "pdsa", "log_pdsa", (("cycle", "{id}"),)),),
    "pdsa_without_prediction": (Mend("Add the prediction", "pdsa", "log_pdsa", (("cycle", "{id}"),)),),
    "project_serves_retired_aim": (_PROJECT_LINKS,),
    "link_to_retired_version": (
        Mend("Move the link", "build", "edit_project", (("record", "project"), ("id", "{id}"), ("part", "links"))),
    ),
}

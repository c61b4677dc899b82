"""The closed vocabularies of the golden thread: every word a record's kind, status or type may take.

The schema's CHECK constraints, the importers and the forms all read them from here, so the database and the
validation in Python can never disagree about which words are allowed.
"""

from __future__ import annotations

ORGANISATION_KINDS = ("trust", "division", "team", "network")
OBJECTIVE_CATEGORIES = ("Quality", "Efficiency", "Financial", "People")
RECORD_STATUSES = ("active", "retired")
DRIVER_LEVELS = ("primary", "secondary", "tertiary")
LINK_STRENGTHS = ("strong", "weak")
PROJECT_STATUSES = ("planning", "active", "on_hold", "completed", "closed")
ACT_DECISIONS = ("adopt", "adapt", "abandon")
PDSA_PURPOSES = ("collect_information", "develop_change", "test_change", "implement_change")
MEASURE_TYPES = ("outcome", "process", "balancing")
FREQUENCIES = ("weekly", "monthly")
CHART_TYPES = ("run", "xmr", "p", "p_prime", "u", "u_prime", "c")
RULE_SETS = ("anhoej", "mdc")
DIRECTIONS = ("increase", "decrease", "neutral")
OBSERVATION_STATUSES = ("provisional", "validated")
ROLES = ("board_viewer", "team_member", "improvement_lead", "administrator")
VOCABULARIES = ("health", "education")
ACTION_STATUSES = ("not_started", "on_track", "at_risk", "done")
RISK_LEVELS = ("low", "medium", "high")

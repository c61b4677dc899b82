"""The one refusal every layer raises: a change that was not made, with each problem in words a person can act on.

Nothing is ever half-written when one is raised: the write's transaction is rolled back. A screen shows
``problems`` one per line; a command prints them; a test matches them.
"""

from __future__ import annotations

from collections.abc import Iterable


class Refused(ValueError):
    """A change that was not made, with every problem found (``problems``)."""

    def __init__(self, problems: str | Iterable[str]):
        self.problems = [problems] if isinstance(problems, str) else list(problems)
        super().__init__(" ".join(self.problems))


class PermissionRefused(Refused):
    """A write the signed-in person may not make (their role, their team or their organisation); nothing was
    changed."""


class StaleEdit(Refused):
    """A save made against a record someone else has changed since it was opened; nothing was written."""


class StorageProblem(Refused):
    """The database or a file on disk could not be used: damaged, missing, not ours, too new, read-only, full or held
    by another program. One sentence says what is wrong and what to do; nothing was changed."""

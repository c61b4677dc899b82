"""The one place for the words a person reads about units, people and places (DOMAIN Decision 10).

Golden Thread serves hospital trusts and school networks alike. Every screen that names a unit of the
organisation ("ward", "school"), the people it serves ("patients", "students") or its year ("financial year",
"school year") takes the word from here, in the set its organisation chose (``organisation.vocabulary``):

    words = words_for(store.organisations(), organisation_id)
    f"{words.member.plural.capitalize()} testing this change idea"   # "Member schools testing ..."

Pure: no Streamlit, no SQL.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, fields
from typing import Literal, get_args

import polars as pl

Vocabulary = Literal["health", "education"]
VOCABULARIES: tuple[str, ...] = get_args(Vocabulary)


@dataclass(frozen=True)
class Term:
    """A word with its plural, because English plurals are not a rule a program can guess ("people")."""

    singular: str
    plural: str

    def __str__(self) -> str:
        return self.singular

    def count(self, n: int) -> str:
        """'1 school', '6 schools'."""
        return f"{n:,} {self.singular if n == 1 else self.plural}"


@dataclass(frozen=True)
class Words:
    """Every user-facing word for units, people and places in one vocabulary."""

    vocabulary: Vocabulary
    organisation: Term  # the whole organisation: a trust, a district
    division: Term  # the unit beneath it: a division, a school
    team: Term  # an improvement team
    place: Term  # where the work happens: a ward, a classroom
    person: Term  # the people the work is for: patients, students
    staff: Term  # the people doing the work: staff, teachers
    network: Term
    hub: Term
    member: Term  # a network's member: a member organisation, a member school
    member_short: Term  # the same, where space is short: a member, a school
    leader: Term  # who answers for an aim locally
    board: Term  # who oversees the organisation's aims: a trust's board, a school network's leadership team
    practitioner_leader: Term  # a leader from the front line of the work: a physician leader, a teacher leader
    focus_board: Term  # the board a team huddles at: a ward's focus board, a school team's data wall
    year: Term  # the year plans and data are counted in
    year_starts_month: int  # the month that year begins in
    break_months: tuple[int, ...] = ()  # months with no data to report (a school's summer break)

    def for_kind(self, kind: str) -> Term:
        """The word for an organisation of ``kind`` (organisation.kind): trust, division, team or network."""
        by_kind = {"trust": self.organisation, "division": self.division, "team": self.team, "network": self.network}
        if kind not in by_kind:
            raise ValueError(f"There is no organisation kind “{kind}”; the kinds are {', '.join(by_kind)}.")
        return by_kind[kind]

    def named(self, name: str, kind: str) -> str:
        """An organisation's name with what it is, for a list of several kinds ("Ward 7 (team)"), unless the name
        says so already ("Eastbrook High School", not "Eastbrook High School (school)")."""
        word = self.for_kind(kind).singular
        return name if word.lower() in name.lower() else f"{name} ({word})"

    def kinds(self, kinds: list[str]) -> str:
        """The words for the kinds of organisation in a list, largest first, for its label: "Trust, division or
        team", "Network, school or team"."""
        order = ("trust", "network", "division", "team")
        present = [self.for_kind(k).singular for k in order if k in set(kinds)]
        if not present:
            return "Organisation"
        text = present[0] if len(present) == 1 else f"{', '.join(present[:-1])} or {present[-1]}"
        return text[0].upper() + text[1:]

    def heading(self, template: str) -> str:
        """A title naming terms of this vocabulary by their field ("{board} report"), in these words and starting
        with a capital: "Board report" for a trust, "Leadership team report" for a school network."""
        terms = {f.name: value.singular for f in fields(self) if isinstance(value := getattr(self, f.name), Term)}
        text = template.format_map(terms)
        return text[:1].upper() + text[1:]

    def year_start(self, day: dt.date) -> dt.date:
        """The first day of the (school or financial) year ``day`` falls in."""
        year = day.year if day.month >= self.year_starts_month else day.year - 1
        return dt.date(year, self.year_starts_month, 1)

    def reporting_months(self, months: list[dt.date]) -> list[dt.date]:
        """``months`` without the break (no school data in July and August)."""
        return [m for m in months if m.month not in self.break_months]

    def year_label(self, day: dt.date) -> str:
        """'2025–26' for the year ``day`` falls in (a school year from August, a financial year from April)."""
        start = self.year_start(day).year
        return f"{start}–{(start + 1) % 100:02d}"


HEALTH = Words(
    vocabulary="health",
    organisation=Term("trust", "trusts"),
    division=Term("division", "divisions"),
    team=Term("team", "teams"),
    place=Term("ward", "wards"),
    person=Term("patient", "patients"),
    staff=Term("member of staff", "staff"),
    network=Term("network", "networks"),
    hub=Term("hub", "hubs"),
    member=Term("member organisation", "member organisations"),
    member_short=Term("member", "members"),
    leader=Term("responsible leader", "responsible leaders"),
    board=Term("board", "boards"),
    practitioner_leader=Term("physician leader", "physician leaders"),
    focus_board=Term("focus board", "focus boards"),
    year=Term("financial year", "financial years"),
    year_starts_month=4,  # the NHS financial year runs April to March
)

EDUCATION = Words(
    vocabulary="education",
    organisation=Term("district", "districts"),
    division=Term("school", "schools"),
    team=Term("team", "teams"),
    place=Term("classroom", "classrooms"),
    person=Term("student", "students"),
    staff=Term("teacher", "teachers"),
    network=Term("network", "networks"),
    hub=Term("hub", "hubs"),
    member=Term("member school", "member schools"),
    member_short=Term("school", "schools"),
    leader=Term("principal", "principals"),
    board=Term("leadership team", "leadership teams"),
    practitioner_leader=Term("teacher leader", "teacher leaders"),
    focus_board=Term("data wall", "data walls"),
    year=Term("school year", "school years"),
    year_starts_month=8,  # US school years start in August or September; August keeps September's data in it
    break_months=(7, 8),
)

WORDS: dict[str, Words] = {"health": HEALTH, "education": EDUCATION}


def words(vocabulary: str) -> Words:
    """The word set called ``vocabulary`` ('health' or 'education')."""
    if vocabulary not in WORDS:
        raise ValueError(f"There is no vocabulary “{vocabulary}”; choose {' or '.join(VOCABULARIES)}.")
    return WORDS[vocabulary]


def words_for(organisations: pl.DataFrame, organisation_id: int | None) -> Words:
    """The words an organisation chose (``store.organisations()`` in); health words when there is none."""
    if organisation_id is None:
        return HEALTH
    row = organisations.filter(pl.col("id") == organisation_id)
    if row.height == 0:
        raise ValueError(f"There is no organisation {organisation_id}.")
    return words(row["vocabulary"][0])

"""Leadership practice beside the aims: frameworks as data, assessments, and what the page and board pack draw.

Pure: nothing here touches the database or Streamlit. The store (``store_leadership``) reads and writes; this
module turns framework specs (the seed in ``leadership_seed`` and framework import files share one shape) into
rows, checks frameworks and assessments in the frameworks' own words, and computes the radar, the heat-map, the
trends, the seven-leverage-points checklist with what Golden Thread can evidence beside each criterion, and the
assessment export.

Vocabulary (LEADERSHIP.md): a framework has sections (domains, actions, leverage points…), optional
sub-sections, and items (skills, practices, criteria…) with guidance (methods, look-fors); a rating scale
("We really need to do this" … "We're great at this"); at the higher ratings a **strategy** is asked for, with
its **evidence** (and the **challenge** it met); each assessment may name a **growth edge**.
"""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
import re
from dataclasses import dataclass, field
from typing import Literal

import polars as pl

from golden_thread.domain.csv_export import safe_csv
from golden_thread.domain.leadership_frameworks import FIVE_ACTIONS, FRAMEWORKS, HUB_RUBRIC, LEVERAGE_POINTS
from golden_thread.domain.vocabulary import HEALTH, Words

Subject = Literal["self", "team"]
SUBJECT_WORDS = {"self": "Self-assessment (one person)", "team": "Team (each member rates)"}
MAX_TEXT = 2000  # characters in a strategy, evidence, challenge or note
MAX_TITLE = 300
MAX_RATER = 40  # initials or a name
MAX_LEVELS = 10
KEY_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]*$")
GUIDANCE_SPLIT = re.compile(r"\s*(?:\n|\s\|\s)\s*")  # one per line, or separated by " | " in a table cell

TABLE_ORDER = (
    "leadership_framework",
    "leadership_framework_version",
    "leadership_scale_level",
    "leadership_section",
    "leadership_subsection",
    "leadership_item",
)


class FrameworkFileError(ValueError):
    """A framework import file that cannot be read, with every problem found."""

    def __init__(self, problems: list[str]):
        self.problems = problems
        super().__init__(" ".join(problems))


# -- frameworks: specs, checks and rows -------------------------------------------------------------------


def seed_frameworks() -> list[dict]:
    """The frameworks Golden Thread ships with (LEADERSHIP.md), as specs."""
    return json.loads(json.dumps(FRAMEWORKS))  # a deep copy: callers may change theirs


def slug(text: str) -> str:
    """A key from a title: 'Build trust' -> 'build-trust'."""
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")[:60] or "item"


def _text(value) -> str:
    return "" if value is None else str(value).strip()


def _guidance(value) -> list[str]:
    if value is None:
        return []
    lines = value if isinstance(value, list) else GUIDANCE_SPLIT.split(str(value))
    return [str(line).strip() for line in lines if str(line).strip()]


def check_framework(spec: dict) -> tuple[dict, list[str]]:
    """A framework spec made tidy (keys filled from titles, guidance as lists), and every problem with it.

    The spec's shape is the seed's (``leadership_seed``) and the JSON import file's: title, source, description,
    section_word, item_word, guidance_word, scale [{level, label}], strategy_from, sections [{key, title,
    description, challenges, items [{key, title, guidance}], subsections [...]}].
    """
    problems: list[str] = []
    if not isinstance(spec, dict):
        return {}, ["A framework is a set of named fields (title, scale, sections); this is not."]
    title = _text(spec.get("title"))
    words = {
        w: _text(spec.get(f"{w}_word")) or default
        for w, default in (("section", "section"), ("item", "item"), ("guidance", "guidance"))
    }
    item_word = words["item"]
    if not title:
        problems.append("Give the framework a title.")
    elif len(title) > MAX_TITLE:
        problems.append(f"The title is longer than {MAX_TITLE} characters; shorten it.")
    key = _text(spec.get("key")) or slug(title)
    if not KEY_PATTERN.match(key):
        problems.append(f"The framework key “{key}” may use only lower-case letters, digits and hyphens.")

    labels = []
    for position, level in enumerate(spec.get("scale") or [], start=1):
        label = _text(level.get("label") if isinstance(level, dict) else level)
        given = level.get("level") if isinstance(level, dict) else position
        if str(given) != str(position):
            problems.append(f"Scale levels run 1, 2, 3… in order; level {position} is numbered {given}.")
        if not label:
            problems.append(f"Scale level {position} has no words: say what a {position} means.")
        labels.append(label)
    if len(labels) < 2 or len(labels) > MAX_LEVELS:
        problems.append(f"A rating scale has 2 to {MAX_LEVELS} levels; this one has {len(labels)}.")
    repeated = sorted({label for label in labels if label and labels.count(label) > 1})
    if repeated:
        problems.append(f"Each scale level needs its own words; “{repeated[0]}” is used twice.")
    strategy_from = spec.get("strategy_from")
    if strategy_from in ("", None):
        strategy_from = None
    else:
        try:
            strategy_from = int(strategy_from)
        except (TypeError, ValueError):
            problems.append(f"“Ask for a strategy from” must be a level of the scale, not “{strategy_from}”.")
            strategy_from = None
        else:
            if labels and not 1 <= strategy_from <= len(labels):
                problems.append(f"“Ask for a strategy from” must be a level of the scale (1 to {len(labels)}).")

    section_keys: set[str] = set()
    item_keys: set[str] = set()
    item_titles: dict[str, str] = {}
    sections = []
    items_seen = 0

    def tidy_items(raw_items, where: str) -> list[dict]:
        nonlocal items_seen
        tidy = []
        for raw in raw_items or []:
            item_title = _text(raw.get("title"))
            if not item_title:
                problems.append(f"A {item_word} in “{where}” has no title.")
                continue
            if len(item_title) > MAX_TITLE:
                problems.append(f"The {item_word} “{item_title[:40]}…” is longer than {MAX_TITLE} characters.")
            item_key = _text(raw.get("key")) or slug(item_title)
            if item_key in item_keys:
                if item_title.lower() in item_titles:
                    problems.append(f"Two {item_word}s are called “{item_title}”: give each its own title.")
                else:
                    problems.append(f"Two {item_word}s share the key “{item_key}”: give each its own key.")
            elif not KEY_PATTERN.match(item_key):
                problems.append(
                    f"The key “{item_key}” of “{item_title}” may use only lower-case letters, digits and hyphens."
                )
            item_keys.add(item_key)
            item_titles[item_title.lower()] = item_key
            tidy.append({"key": item_key, "title": item_title, "guidance": _guidance(raw.get("guidance"))})
            items_seen += 1
        return tidy

    def tidy_section(raw, parent: str | None) -> dict | None:
        section_title = _text(raw.get("title"))
        word = "sub-section" if parent else words["section"]
        if not section_title:
            problems.append(f"A {word}{f' of “{parent}”' if parent else ''} has no title.")
            return None
        section_key = _text(raw.get("key")) or slug(section_title)
        if section_key in section_keys:
            problems.append(
                f"Two {word}s share the key “{section_key}” (“{section_title}”): give each its own title or key."
            )
        elif not KEY_PATTERN.match(section_key):
            problems.append(
                f"The key “{section_key}” of “{section_title}” may use only lower-case letters, digits and hyphens."
            )
        section_keys.add(section_key)
        tidy = {
            "key": section_key,
            "title": section_title,
            "description": _text(raw.get("description")) or None,
            "challenges": _text(raw.get("challenges")) or None,
            "items": tidy_items(raw.get("items"), section_title),
            "subsections": [],
        }
        for sub in raw.get("subsections") or []:
            if parent is None:
                tidy_sub = tidy_section(sub, section_title)
                if tidy_sub is not None:
                    tidy["subsections"].append(tidy_sub)
            else:
                problems.append(f"“{section_title}” is a sub-section: sub-sections cannot hold sub-sections.")
        return tidy

    for raw in spec.get("sections") or []:
        if not isinstance(raw, dict):
            problems.append(f"Each {words['section']} is a set of named fields (title, items).")
            continue
        tidy = tidy_section(raw, None)
        if tidy is not None:
            sections.append(tidy)
    if not sections:
        problems.append(f"A framework needs at least one {words['section']}.")
    elif items_seen == 0:
        problems.append(f"A framework needs at least one {item_word} to rate.")
    tidy_spec = {
        "key": key,
        "title": title,
        "source": _text(spec.get("source")) or None,
        "description": _text(spec.get("description")) or None,
        "section_word": words["section"],
        "item_word": words["item"],
        "guidance_word": words["guidance"],
        "scale": [{"level": i, "label": label} for i, label in enumerate(labels, start=1)],
        "strategy_from": strategy_from,
        "sections": sections,
    }
    return tidy_spec, problems


def version_rows(
    spec: dict,
    *,
    framework_id: int,
    version_id: int,
    version_number: int,
    next_ids: dict[str, int],
    effective_from: dt.date,
    author: str | None,
    change_note: str | None,
) -> dict[str, list[dict]]:
    """Rows of one framework version from a checked spec; ``next_ids`` (table -> next free id) is advanced."""
    rows: dict[str, list[dict]] = {t: [] for t in TABLE_ORDER[1:]}
    rows["leadership_framework_version"].append(
        dict(
            id=version_id,
            framework_id=framework_id,
            version_number=version_number,
            title=spec["title"],
            source=spec.get("source"),
            description=spec.get("description"),
            section_word=spec["section_word"],
            item_word=spec["item_word"],
            guidance_word=spec["guidance_word"],
            strategy_from=spec.get("strategy_from"),
            effective_from=effective_from,
            author=author,
            change_note=change_note,
            status="active",
        )
    )
    for level in spec["scale"]:
        rows["leadership_scale_level"].append(dict(version_id=version_id, level=level["level"], label=level["label"]))

    def add_items(items, section_id, subsection_id):
        for position, item in enumerate(items, start=1):
            rows["leadership_item"].append(
                dict(
                    id=_take(next_ids, "leadership_item"),
                    version_id=version_id,
                    section_id=section_id,
                    subsection_id=subsection_id,
                    item_key=item["key"],
                    position=position,
                    title=item["title"],
                    guidance="\n".join(item.get("guidance") or []) or None,
                )
            )

    for position, section in enumerate(spec["sections"], start=1):
        section_id = _take(next_ids, "leadership_section")
        rows["leadership_section"].append(
            dict(
                id=section_id,
                version_id=version_id,
                section_key=section["key"],
                position=position,
                title=section["title"],
                description=section.get("description"),
                challenges=section.get("challenges"),
            )
        )
        add_items(section.get("items") or [], section_id, None)
        for sub_position, sub in enumerate(section.get("subsections") or [], start=1):
            subsection_id = _take(next_ids, "leadership_subsection")
            rows["leadership_subsection"].append(
                dict(
                    id=subsection_id,
                    section_id=section_id,
                    subsection_key=sub["key"],
                    position=sub_position,
                    title=sub["title"],
                    description=sub.get("description"),
                    challenges=sub.get("challenges"),
                )
            )
            add_items(sub.get("items") or [], section_id, subsection_id)
    return rows


def _take(next_ids: dict[str, int], table: str) -> int:
    value = next_ids.get(table, 1)
    next_ids[table] = value + 1
    return value


# Column types of the framework tables, so empty or all-null columns still insert as their schema says.
_SCHEMAS = {
    "leadership_framework": {"id": pl.Int64, "framework_key": pl.Utf8, "organisation_id": pl.Int64, "status": pl.Utf8},
    "leadership_framework_version": {
        "id": pl.Int64,
        "framework_id": pl.Int64,
        "version_number": pl.Int64,
        "title": pl.Utf8,
        "source": pl.Utf8,
        "description": pl.Utf8,
        "section_word": pl.Utf8,
        "item_word": pl.Utf8,
        "guidance_word": pl.Utf8,
        "strategy_from": pl.Int64,
        "effective_from": pl.Date,
        "author": pl.Utf8,
        "change_note": pl.Utf8,
        "status": pl.Utf8,
    },
    "leadership_scale_level": {"version_id": pl.Int64, "level": pl.Int64, "label": pl.Utf8},
    "leadership_section": {
        "id": pl.Int64,
        "version_id": pl.Int64,
        "section_key": pl.Utf8,
        "position": pl.Int64,
        "title": pl.Utf8,
        "description": pl.Utf8,
        "challenges": pl.Utf8,
    },
    "leadership_subsection": {
        "id": pl.Int64,
        "section_id": pl.Int64,
        "subsection_key": pl.Utf8,
        "position": pl.Int64,
        "title": pl.Utf8,
        "description": pl.Utf8,
        "challenges": pl.Utf8,
    },
    "leadership_item": {
        "id": pl.Int64,
        "version_id": pl.Int64,
        "section_id": pl.Int64,
        "subsection_id": pl.Int64,
        "item_key": pl.Utf8,
        "position": pl.Int64,
        "title": pl.Utf8,
        "guidance": pl.Utf8,
    },
    "leadership_assessment": {
        "id": pl.Int64,
        "version_id": pl.Int64,
        "organisation_id": pl.Int64,
        "subject": pl.Utf8,
        "person": pl.Utf8,
        "assessed_on": pl.Date,
        "growth_edge_item_id": pl.Int64,
        "growth_edge_note": pl.Utf8,
        "entered_by": pl.Utf8,
        "entered_at": pl.Datetime("us"),
    },
    "leadership_rating": {"assessment_id": pl.Int64, "item_id": pl.Int64, "rater": pl.Utf8, "rating": pl.Int64},
    "leadership_strategy": {
        "id": pl.Int64,
        "assessment_id": pl.Int64,
        "item_id": pl.Int64,
        "challenge": pl.Utf8,
        "strategy": pl.Utf8,
        "evidence": pl.Utf8,
    },
}


def frames(rows: dict[str, list[dict]]) -> dict[str, pl.DataFrame]:
    """Rows by table as typed polars frames (empty tables left out)."""
    return {table: pl.DataFrame(values, schema=_SCHEMAS[table]) for table, values in rows.items() if values}


def seed_frames(existing_keys: set[str], next_ids: dict[str, int], today: dt.date) -> dict[str, pl.DataFrame]:
    """Rows for every shipped framework whose key the database does not hold yet (so seeding is idempotent)."""
    rows: dict[str, list[dict]] = {t: [] for t in TABLE_ORDER}
    for spec in seed_frameworks():
        if spec["key"] in existing_keys:
            continue
        checked, problems = check_framework(spec)
        if problems:  # the seed is ours: a problem here is a bug, caught by the tests
            raise ValueError(f"Seed framework {spec['key']}: {' '.join(problems)}")
        framework_id = _take(next_ids, "leadership_framework")
        rows["leadership_framework"].append(
            dict(id=framework_id, framework_key=checked["key"], organisation_id=None, status="active")
        )
        version_id = _take(next_ids, "leadership_framework_version")
        version = version_rows(
            checked,
            framework_id=framework_id,
            version_id=version_id,
            version_number=1,
            next_ids=next_ids,
            effective_from=today,
            author="Golden Thread",
            change_note="As set out in LEADERSHIP.md",
        )
        for table, values in version.items():
            rows[table] += values
    return frames(rows)


@dataclass(frozen=True)
class FrameworkVersion:
    """One version of a framework as stored: its header row, scale, sections, sub-sections and items (in order).

    ``items`` carries section_key, section, section_position, subsection_key, subsection, subsection_position
    and ``order`` (the reading order); wording is this version's, so an old assessment reads as it was made."""

    version: dict
    scale: pl.DataFrame
    sections: pl.DataFrame
    subsections: pl.DataFrame
    items: pl.DataFrame

    @property
    def id(self) -> int:
        return self.version["id"]

    @property
    def levels(self) -> dict[int, str]:
        return dict(zip(self.scale["level"].to_list(), self.scale["label"].to_list()))

    @property
    def max_level(self) -> int:
        return int(self.scale["level"].max()) if self.scale.height else 0

    def word(self, kind: str, plural: bool = False) -> str:
        text = self.version.get(f"{kind}_word") or kind
        return text + ("s" if plural and not text.endswith("s") else "")

    def scale_text(self) -> str:
        return " · ".join(f"{level} {label}" for level, label in self.levels.items())


OutlineKind = Literal["section", "description", "subsection", "item", "guidance", "empty"]


def outline(fv: FrameworkVersion) -> list[tuple[OutlineKind, str]]:
    """The framework in reading order as (kind, text): each section (numbered) and its description, sub-sections
    (with their typical challenges), items and each line of their guidance; "empty" marks a section with no items
    yet. The page escapes and lays them out."""
    lines: list[tuple[OutlineKind, str]] = []

    def items_of(frame: pl.DataFrame) -> None:
        for item in frame.sort("position").iter_rows(named=True):
            lines.append(("item", item["title"]))
            lines.extend(("guidance", guide) for guide in _guidance(item["guidance"]))

    for s in fv.sections.sort("position").iter_rows(named=True):
        lines.append(("section", f"{s['position']}. {s['title']}"))
        if s["description"]:
            lines.append(("description", s["description"]))
        own = fv.items.filter((pl.col("section_id") == s["id"]) & pl.col("subsection_id").is_null())
        subs = fv.subsections.filter(pl.col("section_id") == s["id"]).sort("position")
        if own.height == 0 and subs.height == 0:
            lines.append(("empty", f"No {fv.word('item', plural=True)} in this version yet."))
        items_of(own)
        for sub in subs.iter_rows(named=True):
            lines.append(
                (
                    "subsection",
                    sub["title"] + (f" — typical challenges: {sub['challenges']}" if sub["challenges"] else ""),
                )
            )
            items_of(fv.items.filter(pl.col("subsection_id") == sub["id"]))
    return lines


def version_spec(fv: FrameworkVersion) -> dict:
    """A stored version as a spec: the start of an edit, and the framework's import file (JSON)."""
    v = fv.version
    sections = []
    for s in fv.sections.sort("position").iter_rows(named=True):
        own = fv.items.filter((pl.col("section_id") == s["id"]) & pl.col("subsection_id").is_null())
        subsections = []
        for sub in fv.subsections.filter(pl.col("section_id") == s["id"]).sort("position").iter_rows(named=True):
            sub_items = fv.items.filter(pl.col("subsection_id") == sub["id"])
            subsections.append(
                {
                    "key": sub["subsection_key"],
                    "title": sub["title"],
                    "description": sub["description"],
                    "challenges": sub["challenges"],
                    "items": _item_specs(sub_items),
                    "subsections": [],
                }
            )
        sections.append(
            {
                "key": s["section_key"],
                "title": s["title"],
                "description": s["description"],
                "challenges": s["challenges"],
                "items": _item_specs(own),
                "subsections": subsections,
            }
        )
    return {
        "key": v.get("framework_key"),
        "title": v["title"],
        "source": v.get("source"),
        "description": v.get("description"),
        "section_word": v["section_word"],
        "item_word": v["item_word"],
        "guidance_word": v["guidance_word"],
        "scale": [{"level": level, "label": label} for level, label in fv.levels.items()],
        "strategy_from": v.get("strategy_from"),
        "sections": sections,
    }


def _item_specs(items: pl.DataFrame) -> list[dict]:
    return [
        {"key": i["item_key"], "title": i["title"], "guidance": _guidance(i["guidance"])}
        for i in items.sort("position").iter_rows(named=True)
    ]


def spec_json(spec: dict) -> str:
    return json.dumps(spec, indent=2, ensure_ascii=False)


# The editing tables: sections (with sub-sections) and items, each a row; keys keep items' identity across versions.
SECTION_COLUMNS = ("key", "within", "title", "description", "challenges")
ITEM_COLUMNS = ("key", "section", "title", "guidance")


def spec_tables(spec: dict) -> tuple[pl.DataFrame, pl.DataFrame]:
    """(sections, items) tables of a spec for editing: a section row has no ``within`` (a sub-section names its
    section's key); an item names the key of its section or sub-section; guidance lines are joined by ' | '."""
    section_rows, item_rows = [], []
    for section in spec.get("sections") or []:
        section_rows.append(
            {
                "key": section["key"],
                "within": None,
                "title": section["title"],
                "description": section.get("description") or "",
                "challenges": section.get("challenges") or "",
            }
        )
        for item in section.get("items") or []:
            item_rows.append(
                {
                    "key": item["key"],
                    "section": section["key"],
                    "title": item["title"],
                    "guidance": " | ".join(item.get("guidance") or []),
                }
            )
        for sub in section.get("subsections") or []:
            section_rows.append(
                {
                    "key": sub["key"],
                    "within": section["key"],
                    "title": sub["title"],
                    "description": sub.get("description") or "",
                    "challenges": sub.get("challenges") or "",
                }
            )
            for item in sub.get("items") or []:
                item_rows.append(
                    {
                        "key": item["key"],
                        "section": sub["key"],
                        "title": item["title"],
                        "guidance": " | ".join(item.get("guidance") or []),
                    }
                )
    return (
        pl.DataFrame(section_rows, schema={c: pl.Utf8 for c in SECTION_COLUMNS}),
        pl.DataFrame(item_rows, schema={c: pl.Utf8 for c in ITEM_COLUMNS}),
    )


def spec_from_tables(
    meta: dict, scale_labels: list[str], sections: pl.DataFrame, items: pl.DataFrame
) -> tuple[dict, list[str]]:
    """A spec from the editing tables (rows in the order shown; blank rows ignored) and every problem found in
    the tables themselves; ``check_framework`` then checks the spec."""
    problems: list[str] = []
    item_word = _text(meta.get("item_word")) or "item"
    rows = [{k: _text(v) for k, v in r.items()} for r in sections.iter_rows(named=True)]
    rows = [r for r in rows if any(r.values())]
    for r in rows:
        if not r["key"] and r["title"]:
            r["key"] = slug(r["title"])
    top = {
        r["key"]: {
            "key": r["key"],
            "title": r["title"],
            "description": r["description"] or None,
            "challenges": r["challenges"] or None,
            "items": [],
            "subsections": [],
        }
        for r in rows
        if not r["within"]
    }
    subs: dict[str, dict] = {}
    for r in rows:
        if not r["within"]:
            continue
        parent = top.get(r["within"])
        if parent is None:
            problems.append(
                f"The sub-section “{r['title'] or r['key']}” is within “{r['within']}”, which is not a "
                "top-level section."
            )
            continue
        sub = {
            "key": r["key"],
            "title": r["title"],
            "description": r["description"] or None,
            "challenges": r["challenges"] or None,
            "items": [],
            "subsections": [],
        }
        parent["subsections"].append(sub)
        subs[r["key"]] = sub
    for r in items.iter_rows(named=True):
        r = {k: _text(v) for k, v in r.items()}
        if not any(r.values()):
            continue
        home = top.get(r["section"]) or subs.get(r["section"])
        if home is None:
            problems.append(f"Choose the section of the {item_word} “{r['title'] or r['key']}”.")
            continue
        home["items"].append(
            {
                "key": r["key"] or slug(r["title"]) if r["title"] else r["key"],
                "title": r["title"],
                "guidance": _guidance(r["guidance"]),
            }
        )
    spec = {
        **meta,
        "scale": [{"level": i, "label": _text(label)} for i, label in enumerate(scale_labels, start=1)],
        "sections": list(top.values()),
    }
    return spec, problems


# A framework's JSON is about eight levels deep (the framework, its sections, a sub-section, an item, its guidance).
# Python's JSON reader and everything that walks what it read recurse once per level, so a file nested thousands
# deep would end in a RecursionError instead of a sentence: its depth is measured first, without recursing.
JSON_NESTING_LIMIT = 32


_JSON_STRING = re.compile(r'"(?:[^"\\]|\\.)*"', re.DOTALL)


def _json_depth(text: str) -> int:
    """The deepest nesting of [ and { in a JSON text, brackets inside strings not counted."""
    depth = deepest = 0
    for bracket in re.findall(r"[\[\]{}]", _JSON_STRING.sub("", text)):
        depth += 1 if bracket in "[{" else -1
        deepest = max(deepest, depth)
    return deepest


def read_framework_file(data: bytes, filename: str) -> dict:
    """A framework import file as a spec (not yet checked): JSON in the seed's shape, or a CSV of items with
    columns section, sub-section (optional), item, guidance (optional; several separated by ' | ' or new lines).
    A CSV carries no title or scale: those come from the form. Raises FrameworkFileError saying what is wrong."""
    name = filename.lower()
    try:
        text = data.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise FrameworkFileError([f"{filename} is not UTF-8 text; save it as UTF-8 (CSV UTF-8 or JSON)."]) from None
    if name.endswith(".json"):
        if (depth := _json_depth(text)) > JSON_NESTING_LIMIT:
            raise FrameworkFileError(
                [
                    f"{filename} nests lists and sets of fields {depth:,} deep; a framework needs at most "
                    f"{JSON_NESTING_LIMIT} (sections, sub-sections, items, guidance). Export a framework from this "
                    "page to see the shape."
                ]
            )
        try:
            spec = json.loads(text)
        except json.JSONDecodeError as error:
            raise FrameworkFileError([f"{filename} is not valid JSON (line {error.lineno}: {error.msg})."]) from None
        if not isinstance(spec, dict):
            raise FrameworkFileError(
                [f"{filename} holds a list, not one framework; export a framework from this page to see the shape."]
            )
        return spec
    if not name.endswith(".csv"):
        raise FrameworkFileError([f"{filename}: a framework file is .json (a whole framework) or .csv (its items)."])
    reader = csv.DictReader(io.StringIO(text))
    columns = {(c or "").strip().lower().replace("_", "-"): c for c in (reader.fieldnames or [])}
    aliases = {"subsection": "sub-section", "skill": "item", "methods": "guidance", "look-fors": "guidance"}
    columns = {aliases.get(k, k): v for k, v in columns.items()}
    missing = [c for c in ("section", "item") if c not in columns]
    if missing:
        raise FrameworkFileError(
            [
                f"{filename} needs the column(s) {', '.join(missing)}; it has "
                f"{', '.join(reader.fieldnames or []) or 'none'}. Columns: section, sub-section "
                "(optional), item, guidance (optional)."
            ]
        )
    sections: dict[str, dict] = {}
    problems = []
    for line, row in enumerate(reader, start=2):
        section = _text(row.get(columns["section"]))
        sub = _text(row.get(columns["sub-section"])) if "sub-section" in columns else ""
        item = _text(row.get(columns["item"]))
        if not (section or sub or item):
            continue
        if not section:
            problems.append(f"{filename} line {line}: give the section of “{item or sub}”.")
            continue
        home = sections.setdefault(section, {"title": section, "items": [], "subsections": []})
        if sub:
            found = next((s for s in home["subsections"] if s["title"] == sub), None)
            if found is None:
                found = {"title": sub, "items": [], "subsections": []}
                home["subsections"].append(found)
            home = found
        if item:
            guidance = _guidance(row.get(columns["guidance"])) if "guidance" in columns else []
            home["items"].append({"title": item, "guidance": guidance})
    if problems:
        raise FrameworkFileError(problems)
    if not sections:
        raise FrameworkFileError([f"{filename} has no rows under its header."])
    return {"sections": list(sections.values())}


# -- assessments --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class ProposedAssessment:
    """An assessment as entered on the page, before it is checked: ratings by (item id, rater)."""

    version_id: int
    organisation_id: int | None
    subject: str
    assessed_on: dt.date | None
    raters: tuple[str, ...]
    ratings: dict[tuple[int, str], int | None] = field(default_factory=dict)
    person: str = ""
    strategies: dict[int, dict] = field(default_factory=dict)  # item id -> {challenge, strategy, evidence}
    growth_edge_item_id: int | None = None
    growth_edge_note: str = ""


def parse_raters(text: str) -> list[str]:
    """Team members' initials as typed: 'AB, CD; EF' -> ['AB', 'CD', 'EF']."""
    return [part.strip() for part in re.split(r"[,;\n]", text or "") if part.strip()]


def strategies_needed(
    fv: FrameworkVersion, ratings: dict[tuple[int, str], int | None]
) -> dict[int, list[tuple[str, int]]]:
    """Items rated at or above the framework's strategy level, with who rated them so: {item id: [(rater, rating)]}."""
    threshold = fv.version.get("strategy_from")
    if threshold is None:
        return {}
    needed: dict[int, list[tuple[str, int]]] = {}
    for (item_id, rater), rating in ratings.items():
        if rating is not None and rating >= threshold:
            needed.setdefault(item_id, []).append((rater, rating))
    order = {i: n for n, i in enumerate(fv.items["id"].to_list())}
    return {k: sorted(v) for k, v in sorted(needed.items(), key=lambda kv: order.get(kv[0], 0))}


def check_assessment(proposed: ProposedAssessment, fv: FrameworkVersion, today: dt.date) -> tuple[dict, list[str]]:
    """The assessment's rows (assessment, ratings, strategies) and every problem, in the framework's words."""
    problems: list[str] = []
    item_word, items_word = fv.word("item"), fv.word("item", plural=True)
    titles = dict(zip(fv.items["id"].to_list(), fv.items["title"].to_list()))
    levels = fv.levels
    low, high = (min(levels), max(levels)) if levels else (1, 1)
    if fv.version.get("status") != "active":
        problems.append(f"“{fv.version['title']}” has a newer version; rate against the current one.")
    if proposed.organisation_id is None:
        problems.append("Choose the team, organisation or network this assessment is for.")
    if proposed.subject not in SUBJECT_WORDS:
        problems.append("Say whether this is one person's self-assessment or a team's.")
    if proposed.assessed_on is None:
        problems.append("Give the date of the assessment.")
    elif proposed.assessed_on > today:
        problems.append(
            f"The assessment date, {proposed.assessed_on:%d %B %Y}, is in the future: give the date the "
            "ratings were made."
        )
    elif proposed.assessed_on < dt.date(2000, 1, 1):
        problems.append(f"The assessment date, {proposed.assessed_on:%d %B %Y}, is before 2000: check the year.")
    person = _text(proposed.person)
    raters = [_text(r) for r in proposed.raters]
    if proposed.subject == "self":
        if not person:
            problems.append("Give the name of the person whose practice this is.")
        elif len(person) > MAX_RATER:
            problems.append(f"The name is longer than {MAX_RATER} characters; shorten it.")
        raters = [person]
    elif proposed.subject == "team":
        if not raters:
            problems.append("Give each team member's initials, separated by commas (as on the paper rubric).")
        for rater in raters:
            if len(rater) > MAX_RATER:
                problems.append(f"“{rater[:20]}…” is longer than {MAX_RATER} characters: use initials.")
        seen: set[str] = set()
        for rater in raters:
            if rater.lower() in seen:
                problems.append(f"“{rater}” appears twice among the raters: give each member different initials.")
            seen.add(rater.lower())
    ratings = []
    rated_by: dict[str, int] = {r: 0 for r in raters}
    for (item_id, rater), rating in proposed.ratings.items():
        if rating is None:
            continue
        rater = _text(rater) if proposed.subject == "team" else person
        if proposed.subject == "self" and any(r["item_id"] == item_id for r in ratings):
            problems.append(
                f"A self-assessment has one rating for each {item_word}; “{titles.get(item_id, item_id)}” has more."
            )
            continue
        if rater in rated_by:
            rated_by[rater] += 1  # an attempt counts: a rating off the scale has its own message
        if item_id not in titles:
            problems.append(
                f"{item_word.capitalize()} {item_id} is not part of “{fv.version['title']}” "
                f"(version {fv.version['version_number']})."
            )
            continue
        if rater not in rated_by:
            problems.append(f"“{rater}” rated “{titles[item_id]}” but is not among the raters.")
            continue
        if rating not in levels:
            problems.append(
                f"“{titles[item_id]}”: {rating} is not on this scale; rate from {low} ({levels.get(low)}) "
                f"to {high} ({levels.get(high)})."
            )
            continue
        ratings.append({"item_id": item_id, "rater": rater, "rating": int(rating)})
    if not ratings and not any("not on this scale" in p for p in problems):
        problems.append(f"Rate at least one {item_word} before saving.")
    elif proposed.subject == "team":
        for rater, count in rated_by.items():
            if count == 0:
                problems.append(f"{rater} has not rated any {item_word}: rate at least one or remove their initials.")
    needed = strategies_needed(fv, {(r["item_id"], r["rater"]): r["rating"] for r in ratings})
    strategies = []
    for item_id in proposed.strategies:
        if item_id not in titles:
            problems.append(f"A strategy names {item_word} {item_id}, which is not part of this framework version.")
    for item_id in titles:
        given = {k: _text(v) for k, v in (proposed.strategies.get(item_id) or {}).items()}
        strategy, evidence, challenge = given.get("strategy", ""), given.get("evidence", ""), given.get("challenge", "")
        for label, text in (("challenge", challenge), ("strategy", strategy), ("evidence", evidence)):
            if len(text) > MAX_TEXT:
                problems.append(
                    f"The {label} for “{titles[item_id]}” is longer than {MAX_TEXT:,} characters; shorten it."
                )
        if item_id in needed and not (strategy and evidence):
            who = needed[item_id]
            top = max(rating for _, rating in who)
            by = "" if proposed.subject == "self" else f" by {', '.join(rater for rater, _ in who)}"
            missing = (
                "name a strategy you use and the evidence it works"
                if not strategy and not evidence
                else "name the strategy you use"
                if not strategy
                else "give the evidence that the strategy works"
            )
            problems.append(f"“{titles[item_id]}” is rated {top} ({levels.get(top)}){by}: {missing}.")
        elif evidence and not strategy:
            problems.append(f"“{titles[item_id]}” has evidence but no strategy: name the strategy it is evidence for.")
        elif strategy and not evidence:
            problems.append(
                f"“{titles[item_id]}”: give the evidence that the strategy works (what you measured or saw)."
            )
        if strategy and evidence:
            strategies.append(
                {"item_id": item_id, "challenge": challenge or None, "strategy": strategy, "evidence": evidence}
            )
    note = _text(proposed.growth_edge_note)
    if proposed.growth_edge_item_id is not None and proposed.growth_edge_item_id not in titles:
        problems.append(f"The growth edge must be one of this framework's {items_word}.")
    if note and proposed.growth_edge_item_id is None:
        problems.append(f"Choose the {item_word} your growth edge note is about.")
    if len(note) > MAX_TEXT:
        problems.append(f"The growth edge note is longer than {MAX_TEXT:,} characters; shorten it.")
    assessment = {
        "version_id": fv.id,
        "organisation_id": proposed.organisation_id,
        "subject": proposed.subject,
        "person": person or None,
        "assessed_on": proposed.assessed_on,
        "growth_edge_item_id": proposed.growth_edge_item_id,
        "growth_edge_note": note or None,
    }
    return {"assessment": assessment, "ratings": ratings, "strategies": strategies}, problems


# -- what the page draws --------------------------------------------------------------------------------------


def item_summary(ratings: pl.DataFrame) -> pl.DataFrame:
    """Per assessment and item: the median, lowest, highest and spread of the raters' ratings, and who rated."""
    if ratings.height == 0:
        return pl.DataFrame(
            schema={
                "assessment_id": pl.Int64,
                "item_id": pl.Int64,
                "median": pl.Float64,
                "lowest": pl.Int64,
                "highest": pl.Int64,
                "spread": pl.Int64,
                "raters": pl.UInt32,
            }
        )
    return ratings.group_by("assessment_id", "item_id", maintain_order=True).agg(
        pl.col("rating").median().alias("median"),
        pl.col("rating").min().alias("lowest"),
        pl.col("rating").max().alias("highest"),
        (pl.col("rating").max() - pl.col("rating").min()).alias("spread"),
        pl.col("rater").n_unique().alias("raters"),
    )


MIN_SPOKES = 3  # a radar needs three spokes; a framework with fewer sections is drawn by sub-section or item


def by_item_when_few_sections(ratings: pl.DataFrame) -> pl.DataFrame:
    """Ratings regrouped for radars and trends when the framework has fewer than three sections: by sub-section
    where every rated item has one (the hub rubric's domain 2), else by item (the six lessons, the qualities)."""
    if ratings.height == 0 or ratings["section_key"].n_unique() >= MIN_SPOKES:
        return ratings
    if ratings["subsection_key"].null_count() == 0 and ratings["subsection_key"].n_unique() >= MIN_SPOKES:
        return ratings.with_columns(
            pl.col("subsection_key").alias("section_key"),
            pl.col("subsection").alias("section"),
            (pl.col("section_position") * 100 + pl.col("subsection_position")).alias("section_position"),
        )
    return ratings.with_columns(
        pl.col("item_key").alias("section_key"),
        pl.col("item").alias("section"),
        pl.col("order").alias("section_position"),
    )


def section_scores(ratings: pl.DataFrame) -> pl.DataFrame:
    """Per assessment and section (by key): the mean of every rating in it (each rater's, each item's)."""
    ratings = by_item_when_few_sections(ratings)
    return ratings.group_by("assessment_id", "section_key", maintain_order=True).agg(
        pl.col("section").first(),
        pl.col("section_position").first(),
        pl.col("rating").mean().alias("score"),
        pl.len().alias("ratings"),
    )


def comparison(assessments: pl.DataFrame) -> list[tuple[str, str, dict]]:
    """The assessments a radar compares, latest first: self now and last time (the same person), team now and
    last time. Returns (who, when, assessment row); ``assessments`` are one framework's for one organisation."""
    chosen: list[tuple[str, str, dict]] = []
    ordered = assessments.sort(["assessed_on", "id"], descending=True)
    for subject, who in (("self", "Self"), ("team", "Team")):
        rows = ordered.filter(pl.col("subject") == subject)
        if rows.height == 0:
            continue
        latest = rows.row(0, named=True)
        chosen.append((who, "Now", latest))
        earlier = rows.slice(1)
        if subject == "self":
            earlier = earlier.filter(pl.col("person") == latest["person"])
        if earlier.height:
            chosen.append((who, "Last time", earlier.row(0, named=True)))
    return chosen


def radar_series(assessments: pl.DataFrame, ratings: pl.DataFrame) -> pl.DataFrame:
    """One row per (series, spoke): who (Self/Team), when (Now/Last time), series label, spoke (section title of
    the newest assessment's version), spoke position and the mean rating. Spokes are matched by section key, so a
    reworded action still lines up with last time."""
    picked = comparison(assessments)
    columns = {
        "series": pl.Utf8,
        "who": pl.Utf8,
        "when": pl.Utf8,
        "assessment_id": pl.Int64,
        "section_key": pl.Utf8,
        "spoke": pl.Utf8,
        "position": pl.Int64,
        "score": pl.Float64,
    }
    if not picked:
        return pl.DataFrame(schema=columns)
    scores = section_scores(ratings)
    newest = max(picked, key=lambda p: (p[2]["assessed_on"], p[2]["id"]))[2]
    spokes = scores.filter(pl.col("assessment_id") == newest["id"]).select(
        "section_key", pl.col("section").alias("spoke"), pl.col("section_position").alias("position")
    )
    rows = []
    for who, when, row in picked:
        label = row["person"] if who == "Self" else "Team"
        series = f"{label} · {row['assessed_on']:%b %Y}" + (" (last time)" if when == "Last time" else "")
        own = scores.filter(pl.col("assessment_id") == row["id"]).select("section_key", "score")
        for spoke in spokes.join(own, on="section_key", how="left").iter_rows(named=True):
            rows.append({"series": series, "who": who, "when": when, "assessment_id": row["id"], **spoke})
    return pl.DataFrame(rows, schema=columns).sort("who", "when", "position", descending=[True, False, False])


def radar_takeaways(series: pl.DataFrame) -> list[str]:
    """What a busy reader should take from the radar, in sentences: where self and team differ most, and what
    moved most since last time."""
    lines: list[str] = []
    if series.height == 0:
        return lines

    def scores(who: str, when: str) -> dict[str, float]:
        part = series.filter((pl.col("who") == who) & (pl.col("when") == when) & pl.col("score").is_not_null())
        return dict(zip(part["spoke"].to_list(), part["score"].to_list()))

    self_now, team_now = scores("Self", "Now"), scores("Team", "Now")
    shared = [s for s in self_now if s in team_now]
    if shared:
        gap = max(shared, key=lambda s: abs(self_now[s] - team_now[s]))
        if abs(self_now[gap] - team_now[gap]) >= 0.5:
            higher = "higher" if self_now[gap] > team_now[gap] else "lower"
            lines.append(
                f"Biggest gap between self and team: {gap}, rated {higher} by self "
                f"({self_now[gap]:.1f} against the team's {team_now[gap]:.1f})."
            )
        else:
            lines.append("Self and team see the practice much the same way (no gap of half a level or more).")
    for who, whose in (("Team", "the team's"), ("Self", "self-rated")):
        now, before = scores(who, "Now"), scores(who, "Last time")
        common = [s for s in now if s in before]
        if not common:
            continue
        moved = max(common, key=lambda s: abs(now[s] - before[s]))
        change = now[moved] - before[moved]
        if abs(change) < 0.25:
            lines.append(f"Since last time, {whose} ratings have hardly moved.")
        else:
            lines.append(
                f"Since last time, {whose} {moved} {'rose' if change > 0 else 'fell'} from "
                f"{before[moved]:.1f} to {now[moved]:.1f}."
            )
    return lines


def assessment_label(row: dict) -> str:
    """'Hub leadership practice · team of 5 · 9 Oct 2026' (or the person's name for a self-assessment)."""
    who = row["person"] if row["subject"] == "self" else f"team of {row['raters']}"
    return f"{row['framework']} · {who} · {row['assessed_on']:%-d %b %Y}"


def radar_geometry(series: pl.DataFrame, max_level: int) -> dict[str, pl.DataFrame]:
    """Coordinates for drawing a radar with ordinary marks: each series' closed polygon (x, y, order), the grid
    rings (one per scale level), the spokes and their labels. The first spoke points straight up."""
    import math

    spokes = series.select("spoke", "position").unique().sort("position")
    count = max(spokes.height, 1)
    angle = {p: 2 * math.pi * i / count for i, p in enumerate(spokes["position"].to_list())}

    def xy(position: int, radius: float) -> tuple[float, float]:
        a = angle[position]
        return radius * math.sin(a), radius * math.cos(a)

    polygons = []
    for name, group in series.group_by("series", maintain_order=True):
        group = group.sort("position")
        points = [r for r in group.iter_rows(named=True) if r["score"] is not None]
        for order, r in enumerate(points + points[:1]):
            x, y = xy(r["position"], r["score"] / max_level)
            polygons.append(
                {
                    "series": name[0],
                    "who": r["who"],
                    "when": r["when"],
                    "spoke": r["spoke"],
                    "score": round(r["score"], 2),
                    "x": x,
                    "y": y,
                    "order": order,
                }
            )
    rings, axes, labels = [], [], []
    for level in range(1, max_level + 1):
        for order, position in enumerate(list(angle) + list(angle)[:1]):
            x, y = xy(position, level / max_level)
            rings.append({"level": level, "x": x, "y": y, "order": order})
    for r in spokes.iter_rows(named=True):
        x, y = xy(r["position"], 1)
        axes += [
            {"spoke": r["spoke"], "x": 0.0, "y": 0.0, "order": 0},
            {"spoke": r["spoke"], "x": x, "y": y, "order": 1},
        ]
        lx, ly = xy(r["position"], 1.16)
        align = "center" if abs(lx) < 0.05 else ("left" if lx > 0 else "right")
        labels.append({"spoke": r["spoke"], "x": lx, "y": ly, "align": align})
    ticks = [{"label": str(level), "x": 0.03, "y": level / max_level} for level in range(1, max_level + 1)]
    return {
        "polygons": pl.DataFrame(polygons),
        "rings": pl.DataFrame(rings),
        "axes": pl.DataFrame(axes),
        "labels": pl.DataFrame(labels),
        "ticks": pl.DataFrame(ticks),
    }


def heatmap_cells(fv: FrameworkVersion, ratings: pl.DataFrame) -> pl.DataFrame:
    """The paper rubric as a grid: one row per (item, scale level) for every item of the version, with how many
    raters placed their initials there and whose. ``group`` is the item's section (and sub-section)."""
    levels = fv.levels
    word = fv.word("section").capitalize()
    items = fv.items.with_columns(
        pl.when(pl.col("subsection").is_not_null())
        .then(pl.format("{} {} · {}", pl.lit(word), pl.col("section_position"), pl.col("subsection")))
        .otherwise(pl.format("{} {} · {}", pl.lit(word), pl.col("section_position"), pl.col("section")))
        .alias("group")
    )
    grid = items.select("id", "order", "group", pl.col("title").alias("item")).join(
        pl.DataFrame(
            {"level": list(levels), "label": list(levels.values())}, schema={"level": pl.Int64, "label": pl.Utf8}
        ),
        how="cross",
    )
    placed = (
        ratings.group_by("item_id", "rating").agg(
            pl.len().alias("count"), pl.col("rater").sort().str.join(" ").alias("initials")
        )
        if ratings.height
        else pl.DataFrame(schema={"item_id": pl.Int64, "rating": pl.Int64, "count": pl.UInt32, "initials": pl.Utf8})
    )
    cells = grid.join(placed, left_on=["id", "level"], right_on=["item_id", "rating"], how="left").with_columns(
        pl.col("count").fill_null(0).cast(pl.Int64),
        pl.col("initials").fill_null(""),
        pl.format("{} {}", pl.col("level"), pl.col("label")).alias("column"),
    )
    return cells.rename({"id": "item_id"}).sort("order", "level")


def spread_table(fv: FrameworkVersion, ratings: pl.DataFrame, strategies: pl.DataFrame) -> pl.DataFrame:
    """Per item of one assessment: section, sub-section, median, range, how many rated, and its strategy."""
    summary = item_summary(ratings)
    table = fv.items.select("id", "order", "section", "subsection", "title").join(
        summary.drop("assessment_id"), left_on="id", right_on="item_id", how="left"
    )
    if strategies.height:
        table = table.join(strategies.select("item_id", "strategy"), left_on="id", right_on="item_id", how="left")
    else:
        table = table.with_columns(pl.lit(None, pl.Utf8).alias("strategy"))
    return table.sort("order")


def rubric_takeaways(spread: pl.DataFrame, levels: dict[int, str]) -> list[str]:
    """What a busy reader should take from one assessment's heat-map: where the team is strongest and weakest
    (by median) and where its members disagree most. ``spread``: ``spread_table`` output."""
    rated = spread.filter(pl.col("median").is_not_null())
    if rated.height == 0:
        return []

    def names(frame: pl.DataFrame) -> str:
        titles = frame["title"].to_list()
        return "; ".join(titles[:3]) + (f" and {len(titles) - 3} more" if len(titles) > 3 else "")

    top, bottom = rated["median"].max(), rated["median"].min()
    lines = [f"Strongest ({_level_words(top, levels)}): {names(rated.filter(pl.col('median') == top))}."]
    if bottom < top:
        lines.append(
            f"Most room to grow ({_level_words(bottom, levels)}): {names(rated.filter(pl.col('median') == bottom))}."
        )
    widest = rated["spread"].max()
    if widest and widest >= 2:
        apart = rated.filter(pl.col("spread") == widest)
        lines.append(f"Most disagreement (ratings {widest} levels apart): {names(apart)} — worth a conversation.")
    elif rated["raters"].max() > 1:
        lines.append("The team broadly agrees: no item's ratings are more than one level apart.")
    return lines


def _level_words(median: float, levels: dict[int, str]) -> str:
    return (
        f"median {median:g}, “{levels[int(median)]}”"
        if float(median).is_integer() and int(median) in levels
        else f"median {median:g}"
    )


def trend(assessments: pl.DataFrame, ratings: pl.DataFrame) -> pl.DataFrame:
    """Per assessment date and section: the mean rating, for one organisation's repeated assessments of one
    framework (sections matched by key; titled as in the newest version)."""
    if assessments.height == 0 or ratings.height == 0:
        return pl.DataFrame(
            schema={
                "assessed_on": pl.Date,
                "section": pl.Utf8,
                "position": pl.Int64,
                "score": pl.Float64,
                "subject": pl.Utf8,
            }
        )
    scores = section_scores(ratings).join(
        assessments.select(pl.col("id").alias("assessment_id"), "assessed_on", "subject"), on="assessment_id"
    )
    newest = (
        scores.sort("assessed_on")
        .group_by("section_key")
        .agg(pl.col("section").last().alias("title"), pl.col("section_position").last().alias("position"))
    )
    return (
        scores.join(newest, on="section_key")
        .select("assessed_on", pl.col("title").alias("section"), "position", "score", "subject")
        .sort("assessed_on", "position")
    )


# -- the board's seven leverage points: what Golden Thread can evidence -------------------------------------

EvidenceStatus = Literal["evidenced", "partly", "missing", "not_visible"]
EVIDENCE_WORDS: dict[str, str] = {
    "evidenced": "Evidenced",
    "partly": "Partly evidenced",
    "missing": "Not evidenced",
    "not_visible": "Not visible to Golden Thread",
}
RECENT_DAYS = 90  # "recent" PDSA activity: the last quarter
FRESH_MONTHS = 3  # an outcome measure's data count as current when their latest period is this recent


@dataclass(frozen=True)
class Evidence:
    status: EvidenceStatus
    text: str


def _of(part: int, whole: int, noun: str) -> str:
    return f"{part} of {whole} {noun}"


def _share(part: int, whole: int) -> EvidenceStatus:
    if whole == 0 or part == 0:
        return "missing"
    return "evidenced" if part >= whole else "partly"


def leverage_evidence(
    facts: dict, published_months: list[dt.date], today: dt.date, words: Words = HEALTH
) -> dict[str, Evidence]:
    """What the data can show beside each criterion of the seven leverage points, by item key, in the
    organisation's words (``words``: a trust's board, a school network's leadership team).

    ``facts``: counts from ``Store.leadership_evidence_facts``; ``published_months``: the months whose board
    pack was published (``Store.board_snapshots``). Criteria the data cannot speak to say so plainly."""
    f = facts
    aims = f["aims"]
    board = words.board.singular
    last_year = {m for m in published_months if (today.year - m.year) * 12 + today.month - m.month <= 12}
    latest = max(published_months) if published_months else None
    packs = (
        f"{board} report published for {len(last_year)} of the last 12 months (latest {latest:%B %Y})"
        if latest
        else f"no {board} report has been published in Golden Thread yet"
    )
    unseen = f"Golden Thread does not record this; rate it from what the {board} knows."
    evidence = {
        "lp1-specific-aims": Evidence(
            _share(f["aims_with_target"], aims),
            f"{aims} active system-level aims; {f['aims_with_target']} with a target and a date."
            if aims
            else "No active system-level aim.",
        ),
        "lp1-monthly-feedback": Evidence(
            _share(f["aims_with_current_data"], aims),
            f"{_of(f['aims_with_current_data'], aims, 'aims')} have an outcome measure with "
            f"monthly or weekly data in the last {FRESH_MONTHS} months.",
        ),
        "lp1-board-oversight": Evidence(
            "evidenced"
            if last_year and f["aims_adopted"] >= aims > 0
            else ("partly" if latest or f["aims_adopted"] else "missing"),
            f"{packs[0].upper()}{packs[1:]}; {_of(f['aims_adopted'], aims, 'aims')} have a date the {board} "
            "adopted them.",
        ),
        "lp1-executive-accountability": Evidence(
            "partly" if f["aims_with_leader"] else "missing",
            f"{_of(f['aims_with_leader'], aims, 'aims')} name a responsible leader; whether their progress is in "
            "executive performance review is not recorded here.",
        ),
        "lp2-scale-and-pace": Evidence(
            _share(f["aims_with_diagram_and_work"], aims),
            f"{_of(f['aims_with_diagram_and_work'], aims, 'aims')} have a driver diagram "
            "and active projects serving them.",
        ),
        "lp2-strategy-measures": Evidence(
            _share(f["drivers_with_current_measure"], f["drivers"]),
            f"{_of(f['drivers_with_measure'], f['drivers'], 'drivers')} have a process measure; "
            f"{f['drivers_with_current_measure']} with data in the last two months ({f['weekly_driver_measures']} "
            "weekly).",
        ),
        "lp2-committee-review": Evidence("not_visible", f"{unseen} {board.capitalize()} reports: {packs}."),
        "lp2-steered-by-measures": Evidence(
            "evidenced" if f["cycles_recent_decided"] else ("partly" if f["cycles_recent"] else "missing"),
            f"{f['cycles_recent']} PDSA cycles started in the last {RECENT_DAYS} days; {f['cycles_recent_decided']} "
            "of them already have an adopt, adapt or abandon decision.",
        ),
        "lp3-board-agendas": Evidence(
            "evidenced" if len(last_year) >= 10 else ("partly" if last_year else "missing"),
            f"{packs[0].upper()}{packs[1:]}.",
        ),
        "lp3-calendars": Evidence("not_visible", unseen),
        "lp3-great-performers": Evidence("not_visible", unseen),
        "lp3-transparency": Evidence(
            "evidenced" if f["measures"] and f["users"] else "missing",
            f"All {f['measures']} active measures, their charts and the {board} report are open to every "
            f"signed-in account ({f['users']} accounts, {f['board_viewers']} of them read-only).",
        ),
        "lp4-patients-families-community": Evidence("not_visible", unseen),
        "lp4-executive-team": Evidence(
            "partly" if f["leaders"] else "missing",
            f"{f['leaders']} named leaders are responsible for the {aims} aims; commitment itself is not recorded.",
        ),
        "lp4-skills": Evidence("not_visible", unseen),
        "lp5-finance-in-projects": Evidence(
            "partly" if f["financial_aims"] else "missing",
            (f"{f['financial_aims']} aim sits" if f["financial_aims"] == 1 else f"{f['financial_aims']} aims sit")
            + " under a Financial strategic objective."
            if f["financial_aims"]
            else "No aim sits under a Financial strategic objective.",
        ),
        "lp5-financial-planning": Evidence("not_visible", unseen),
        "lp6-shared-motivation": Evidence("not_visible", unseen),
        "lp6-medical-executive": Evidence("not_visible", unseen),
        "lp6-physician-leaders": Evidence(
            "partly" if f["projects_with_lead"] else "missing",
            f"{_of(f['projects_with_lead'], f['projects'], 'active projects')} name a lead; Golden Thread cannot tell "
            f"which leads are {words.practitioner_leader.plural}.",
        ),
        "lp7-improvement-methods": Evidence(
            "partly" if f["cycles_recent"] else "missing",
            f"{f['cycles_recent']} PDSA cycles by {f['teams_testing']} teams in the last {RECENT_DAYS} days; "
            f"{f['cycles_scaled']} tests scaled up or implemented in the last year. Whether the leadership team "
            "teaches the methods is not recorded.",
        ),
    }
    return evidence


def leverage_checklist(fv: FrameworkVersion, ratings: pl.DataFrame, evidence: dict[str, Evidence]) -> pl.DataFrame:
    """Each leverage point's criteria with the board's self-rating (median of its members') beside what Golden
    Thread can evidence. ``ratings`` are one assessment's (may be empty: no self-rating yet)."""
    levels = fv.levels
    medians = (
        item_summary(ratings).select("item_id", "median", "lowest", "highest")
        if ratings.height
        else pl.DataFrame(schema={"item_id": pl.Int64, "median": pl.Float64, "lowest": pl.Int64, "highest": pl.Int64})
    )
    rows = []
    for item in (
        fv.items.join(medians, left_on="id", right_on="item_id", how="left").sort("order").iter_rows(named=True)
    ):
        found = evidence.get(
            item["item_key"], Evidence("not_visible", "Golden Thread has no evidence for this criterion.")
        )
        median = item["median"]
        rating = (
            "not rated"
            if median is None
            else (f"{median:g} {levels.get(int(median), '')}".strip() if float(median).is_integer() else f"{median:g}")
        )
        if median is not None and item["lowest"] != item["highest"]:
            rating += f" (range {item['lowest']}–{item['highest']})"
        rows.append(
            {
                "position": item["section_position"],
                "leverage_point": item["section"],
                "criterion": item["title"],
                "self_rating": rating,
                "median": median,
                "evidence_status": EVIDENCE_WORDS[found.status],
                "evidence": found.text,
            }
        )
    return pl.DataFrame(
        rows,
        schema={
            "position": pl.Int64,
            "leverage_point": pl.Utf8,
            "criterion": pl.Utf8,
            "self_rating": pl.Utf8,
            "median": pl.Float64,
            "evidence_status": pl.Utf8,
            "evidence": pl.Utf8,
        },
    )


# -- beside the aims ------------------------------------------------------------------------------------------


def aim_leadership_line(rows: pl.DataFrame) -> str:
    """One line for an aim's row on the board: how many of the teams and the hub working on it have a leadership
    self-assessment, and the latest date. ``rows``: ``Store.aims_leadership()`` filtered to the aim."""
    units = rows.select("organisation_id", "role").unique()
    assessed = rows.filter(pl.col("assessment_id").is_not_null())
    done = assessed.select("organisation_id", "role").unique()
    teams, teams_done = (units.filter(pl.col("role") == "team").height, done.filter(pl.col("role") == "team").height)
    has_hub, hub_done = (
        units.filter(pl.col("role") == "hub").height > 0,
        done.filter(pl.col("role") == "hub").height > 0,
    )
    if teams:
        text = f"{teams_done} of {teams} team{'s' if teams != 1 else ''}"
        text += (" and the hub" if hub_done else " (none from the hub)") if has_hub else ""
    else:
        text = ("the hub" if hub_done else "none") + "; no team works on this aim yet"
    latest = f" · latest {assessed['assessed_on'].max():%-d %b %Y}" if assessed.height else ""
    return f"Leadership assessed: {text}{latest}."


# -- export ---------------------------------------------------------------------------------------------------


def assessment_csv(assessment: dict, ratings: pl.DataFrame, strategies: pl.DataFrame) -> str:
    """One assessment as CSV: a row per rater per item, in the wording it was made against, with the item's
    strategy, evidence and challenge and whether it is the growth edge."""
    rows = ratings.sort("order", "rater").join(
        strategies.select("item_id", "challenge", "strategy", "evidence")
        if strategies.height
        else pl.DataFrame(schema={"item_id": pl.Int64, "challenge": pl.Utf8, "strategy": pl.Utf8, "evidence": pl.Utf8}),
        on="item_id",
        how="left",
    )
    table = rows.select(
        pl.lit(assessment["framework"]).alias("framework"),
        pl.lit(assessment["version_number"]).alias("framework_version"),
        pl.lit(assessment["organisation"]).alias("organisation"),
        pl.lit(assessment["assessed_on"]).alias("assessed_on"),
        pl.lit(assessment["subject"]).alias("subject"),
        pl.lit(assessment["person"]).cast(pl.Utf8).alias("person"),
        pl.col("section"),
        pl.col("subsection").alias("sub_section"),
        pl.col("item"),
        pl.col("rater"),
        pl.col("rating"),
        pl.col("rating_label"),
        (pl.col("item_id") == (assessment["growth_edge_item_id"] or -1)).alias("growth_edge"),
        "challenge",
        "strategy",
        "evidence",
    )
    return safe_csv(table)


__all__ = [
    "EVIDENCE_WORDS",
    "Evidence",
    "FIVE_ACTIONS",
    "FrameworkFileError",
    "FrameworkVersion",
    "HUB_RUBRIC",
    "LEVERAGE_POINTS",
    "ProposedAssessment",
    "SUBJECT_WORDS",
    "aim_leadership_line",
    "assessment_csv",
    "assessment_label",
    "by_item_when_few_sections",
    "check_assessment",
    "check_framework",
    "comparison",
    "frames",
    "heatmap_cells",
    "item_summary",
    "leverage_checklist",
    "outline",
    "slug",
    "leverage_evidence",
    "parse_raters",
    "radar_geometry",
    "radar_series",
    "radar_takeaways",
    "read_framework_file",
    "rubric_takeaways",
    "section_scores",
    "seed_frames",
    "seed_frameworks",
    "spec_from_tables",
    "spec_json",
    "spec_tables",
    "spread_table",
    "strategies_needed",
    "trend",
    "version_rows",
    "version_spec",
]

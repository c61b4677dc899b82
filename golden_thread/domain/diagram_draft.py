"""A driver diagram being edited (DOMAIN §2.1, §2.4 and Decision 4): pure, immutable, every refusal in words.

A ``DiagramDraft`` holds the nodes of one version as someone edits it: primary drivers (which serve the aim),
secondary drivers (each serving one or more primary drivers), perhaps tertiary drivers carried over from an
older diagram (each serving secondary drivers), and change ideas (each serving one or more drivers of any
level). Every operation returns a new draft and leaves the old one as it was, so a screen can keep the draft
the person opened beside the one they are making, and ``changes(before, after)`` says what the edit does.

**Node keys.** A node keeps its key for life (Decision 4): rewording or moving a node never changes it, so the
projects and PDSA cycles linked to it follow it into the next version. A new node gets a key in the diagram's
own style (``A1-P3`` for a primary driver, ``A1-P3-S2`` for a secondary driver under it, ``A1-P3-S2-C1`` for a
change idea; a diagram whose ideas are numbered flat, like the demo network's ``N-C9``, numbers new ones the
same way) and never a key any earlier version used, so a link left on a retired node can never be mistaken
for a new one. A key names where a node was *born*; after a move it no longer spells out its parents.

**Strength.** Each link from a node to a driver it serves is strong (a solid line) or weak (dotted): ``weak``
holds the parents a node serves weakly (DOMAIN §2.1).
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from typing import Literal

from golden_thread.errors import Refused

TITLE_LIMIT = 200  # as the network's writes and every other title of the thread
DESCRIPTION_LIMIT = 1000
NOTE_LIMIT = 1000

Kind = Literal["driver", "change_idea"]
Level = Literal["primary", "secondary", "tertiary"]
LEVELS: tuple[str, ...] = ("primary", "secondary", "tertiary")
# What a node of each level (or a change idea) may serve. A primary driver serves the aim itself.
SERVES: dict[str | None, tuple[str, ...]] = {
    "primary": (),
    "secondary": ("primary",),
    "tertiary": ("secondary",),
    None: LEVELS,  # a change idea serves drivers of any level
}
ChangeKind = Literal["added", "reworded", "described", "moved", "removed"]
CHANGE_KINDS: tuple[str, ...] = ("added", "reworded", "described", "moved", "removed")


class _Keep:
    """Leave a field as it is (``rename(key, title)`` keeps the description)."""

    def __repr__(self) -> str:
        return "KEEP"


KEEP = _Keep()


@dataclass(frozen=True)
class DraftNode:
    """One driver or change idea: its stable key, what it is, its words and the keys of the drivers it serves
    (the first is the one a tree draws it under)."""

    key: str
    kind: Kind
    title: str
    level: Level | None = None  # drivers only
    description: str | None = None
    parents: tuple[str, ...] = ()
    weak: frozenset[str] = frozenset()  # the parents it serves weakly (drawn dotted)

    @property
    def what(self) -> str:
        """'primary driver', 'secondary driver' or 'change idea'."""
        return "change idea" if self.kind == "change_idea" else f"{self.level} driver"

    @property
    def named(self) -> str:
        """The node in a sentence: 'the secondary driver “Safer footwear”'."""
        return f"the {self.what} “{self.title}”"

    def strength(self, parent: str) -> str:
        return "weak" if parent in self.weak else "strong"


def key_prefix(keys: Iterable[str]) -> str:
    """What a diagram's node keys begin with ('A1-' for 'A1-P1', 'N-' for 'N-P1-S2'), for naming a new node alike."""
    ordered = sorted(keys)
    if not ordered:
        return ""
    first = ordered[0]
    return first.split("-")[0] + "-" if "-" in first else ""


@dataclass(frozen=True)
class DiagramDraft:
    """The nodes of a driver diagram as someone edits it. ``prefix`` and ``used_keys`` (every key any version of
    the diagram has held) decide new nodes' keys; ``flat_ideas`` numbers change ideas across the diagram
    (``N-C10``) rather than under their driver (``A1-P1-S1-C3``)."""

    nodes: tuple[DraftNode, ...] = ()
    prefix: str = ""
    used_keys: frozenset[str] = frozenset()
    flat_ideas: bool = False

    # -- making one ---------------------------------------------------------------------------------------------

    @classmethod
    def empty(cls, aim_id: int) -> DiagramDraft:
        """A new diagram for an aim: no nodes yet; keys will read A{aim}-P1, A{aim}-P1-S1, A{aim}-P1-S1-C1."""
        return cls(prefix=f"A{aim_id}-")

    @classmethod
    def of(cls, nodes: Iterable[DraftNode], used_keys: Iterable[str] = (), prefix: str | None = None) -> DiagramDraft:
        """A draft of these nodes (a stored version), remembering every key the diagram has ever used."""
        nodes = tuple(nodes)
        used = frozenset(used_keys) | {n.key for n in nodes}
        prefix = key_prefix(used) if prefix is None else prefix
        flat = any(re.fullmatch(re.escape(prefix) + r"C\d+", key) for key in used)
        return cls(nodes=nodes, prefix=prefix, used_keys=used, flat_ideas=flat)

    # -- reading ------------------------------------------------------------------------------------------------

    @property
    def keys(self) -> tuple[str, ...]:
        return tuple(n.key for n in self.nodes)

    def __contains__(self, key: object) -> bool:
        return any(n.key == key for n in self.nodes)

    def get(self, key: str) -> DraftNode | None:
        return next((n for n in self.nodes if n.key == key), None)

    def node(self, key: str) -> DraftNode:
        found = self.get(key)
        if found is None:
            raise Refused(f"There is no node “{key}” in this driver diagram.")
        return found

    def drivers(self, *levels: str) -> tuple[DraftNode, ...]:
        """The drivers of the given levels (all drivers when none is given), in the draft's order."""
        return tuple(n for n in self.nodes if n.kind == "driver" and (not levels or n.level in levels))

    @property
    def change_ideas(self) -> tuple[DraftNode, ...]:
        return tuple(n for n in self.nodes if n.kind == "change_idea")

    def children(self, key: str) -> tuple[DraftNode, ...]:
        """The nodes that serve ``key`` directly."""
        return tuple(n for n in self.nodes if key in n.parents)

    def hanging_if_removed(self, key: str) -> tuple[DraftNode, ...]:
        """The nodes that would hang from nothing if ``key`` went: those serving only it, and in turn those
        serving only what goes with it."""
        going = {key}
        changed = True
        while changed:
            changed = False
            for n in self.nodes:
                if n.key not in going and n.parents and set(n.parents) <= going:
                    going.add(n.key)
                    changed = True
        return tuple(n for n in self.nodes if n.key in going and n.key != key)

    def ordered(self) -> tuple[DraftNode, ...]:
        """Every node in reading order: each primary driver, then what serves it, depth first (a node serving
        several drivers comes under its first), then anything that hangs from nothing at the end."""
        placed: list[DraftNode] = []
        seen: set[str] = set()

        def visit(node: DraftNode) -> None:
            if node.key in seen:
                return
            seen.add(node.key)
            placed.append(node)
            for child in self.children(node.key):
                if child.parents and child.parents[0] == node.key:
                    visit(child)

        for primary in self.drivers("primary"):
            visit(primary)
        placed += [n for n in self.nodes if n.key not in seen]
        return tuple(placed)

    def label(self, key: str) -> str:
        """A node as a person picks it from a list: 'Secondary driver: Safer footwear (A1-P1-S2)'."""
        node = self.node(key)
        return f"{node.what.capitalize()}: {node.title} ({node.key})"

    # -- editing: each returns a new draft ----------------------------------------------------------------------

    def add_primary(self, title: str, description: str | None = None) -> DiagramDraft:
        """A new primary driver serving the aim; it is the new draft's last node."""
        title = _title(title, "primary driver")
        self._refuse_sibling_clash(title, "driver", "primary", ())
        node = DraftNode(self._fresh(f"{self.prefix}P"), "driver", title, "primary", _description(description))
        return replace(self, nodes=(*self.nodes, node))

    def add_secondary(self, title: str, primaries: Sequence[str], description: str | None = None) -> DiagramDraft:
        """A new secondary driver serving one or more primary drivers; it is the new draft's last node."""
        title = _title(title, "secondary driver")
        parents = self._checked_parents("secondary driver", "secondary", primaries)
        self._refuse_sibling_clash(title, "driver", "secondary", parents)
        node = DraftNode(
            self._fresh(f"{parents[0]}-S"), "driver", title, "secondary", _description(description), parents
        )
        return replace(self, nodes=(*self.nodes, node))

    def add_change_idea(self, title: str, drivers: Sequence[str], description: str | None = None) -> DiagramDraft:
        """A new change idea serving one or more drivers; it is the new draft's last node."""
        title = _title(title, "change idea")
        parents = self._checked_parents("change idea", None, drivers)
        self._refuse_sibling_clash(title, "change_idea", None, parents)
        stem = f"{self.prefix}C" if self.flat_ideas else f"{parents[0]}-C"
        node = DraftNode(self._fresh(stem), "change_idea", title, None, _description(description), parents)
        return replace(self, nodes=(*self.nodes, node))

    def rename(self, key: str, title: str, description: str | None | _Keep = KEEP) -> DiagramDraft:
        """Reword a node (and, if given, rewrite its description); its key stays."""
        node = self.node(key)
        title = _title(title, node.what)
        self._refuse_sibling_clash(title, node.kind, node.level, node.parents, except_key=key)
        described = node.description if isinstance(description, _Keep) else _description(description)
        return self._replaced(replace(node, title=title, description=described))

    def move(self, key: str, parents: Sequence[str], weak: Iterable[str] | None = None) -> DiagramDraft:
        """Hang a secondary driver or change idea from other drivers (``weak``: those it serves weakly; None keeps
        the strength of each link it already had, and makes a new one strong)."""
        node = self.node(key)
        if node.level == "primary":
            raise Refused(
                f"{_cap(node.named)} serves the aim itself and cannot hang from another driver; "
                "add a secondary driver instead and move what serves this one under it."
            )
        chosen = self._checked_parents(node.what, node.level, parents, moving=key)
        self._refuse_sibling_clash(node.title, node.kind, node.level, chosen, except_key=key)
        if weak is None:
            weaker = node.weak & set(chosen)
        else:
            weaker = frozenset(weak)
            stray = [k for k in weaker if k not in chosen]
            if stray:
                raise Refused(
                    f"{_cap(node.named)} can serve weakly only a driver it serves; "
                    f"“{', '.join(sorted(stray))}” is not one of them."
                )
        return self._replaced(replace(node, parents=chosen, weak=frozenset(weaker)))

    def remove(self, key: str, cascade: bool = False) -> DiagramDraft:
        """Take a node out. Anything serving only it would hang from nothing: that is refused, naming each such
        node, unless ``cascade`` takes them out too. A node that also serves other drivers just loses this link."""
        node = self.node(key)
        hanging = self.hanging_if_removed(key)
        if hanging and not cascade:
            names = _and([n.named for n in hanging])
            raise Refused(
                f"{_cap(names)} would hang from nothing if you removed {node.named}: "
                "move them under another driver first, or remove them with it."
            )
        going = {key, *(n.key for n in hanging)}
        kept = []
        for n in self.nodes:
            if n.key in going:
                continue
            if going & set(n.parents):
                n = replace(n, parents=tuple(p for p in n.parents if p not in going), weak=n.weak - going)
            kept.append(n)
        return replace(self, nodes=tuple(kept))

    # -- checking the whole draft -------------------------------------------------------------------------------

    def problems(self) -> list[str]:
        """Every reason this draft cannot be published, in words (empty when it can)."""
        problems: list[str] = []
        by_key: dict[str, DraftNode] = {}
        for n in self.nodes:
            if n.key in by_key:
                problems.append(f"Two nodes share the key “{n.key}”; each node needs its own.")
            by_key[n.key] = n
        for n in self.nodes:
            if n.kind not in ("driver", "change_idea") or (n.kind == "driver" and n.level not in LEVELS):
                problems.append(
                    f"“{n.title}” ({n.key}) is neither a primary, secondary or tertiary driver nor a change idea."
                )
                continue
            words = (n.title or "").strip()
            if not words or len(words) > TITLE_LIMIT:
                problems.append(f"Give the {n.what} {n.key} a title of 1 to {TITLE_LIMIT} characters.")
            if n.description is not None and len(n.description) > DESCRIPTION_LIMIT:
                problems.append(f"Keep the description of {n.named} under {DESCRIPTION_LIMIT:,} characters.")
            problems += _parent_problems(n, by_key)
        if not self.drivers("primary"):
            problems.append("A driver diagram needs at least one primary driver: what most directly drives the aim?")
        problems += _sibling_problems(self.nodes, by_key)
        problems += _cycle_problems(self.nodes, by_key)
        return problems

    def check(self) -> None:
        """Refuse (``Refused``, every problem) unless the draft can be published."""
        problems = self.problems()
        if problems:
            raise Refused(problems)

    # -- helpers ------------------------------------------------------------------------------------------------

    def _fresh(self, stem: str) -> str:
        """The first key ``stem``1, ``stem``2, … that no node of any version has held."""
        taken = self.used_keys | set(self.keys)
        number = 1
        while f"{stem}{number}" in taken:
            number += 1
        return f"{stem}{number}"

    def _replaced(self, node: DraftNode) -> DiagramDraft:
        return replace(self, nodes=tuple(node if n.key == node.key else n for n in self.nodes))

    def _checked_parents(
        self, what: str, level: str | None, parents: Sequence[str], moving: str | None = None
    ) -> tuple[str, ...]:
        chosen = tuple(dict.fromkeys(p for p in parents if p))  # in order, once each
        allowed = SERVES[level]
        serves = _served(level)
        if not chosen:
            raise Refused(f"Choose the {serves}s this {what} serves (one or more): it cannot hang from nothing.")
        for parent in chosen:
            found = self.get(parent)
            if found is None:
                raise Refused(f"There is no driver “{parent}” in this diagram for the {what} to serve.")
            if found.kind != "driver" or found.level not in allowed:
                raise Refused(f"A {what} serves a {serves}; {found.named} is not one.")
            if moving is not None and (parent == moving or moving in self._ancestors(parent)):
                raise Refused(
                    f"{_cap(found.named)} serves the node you are moving (directly or through others): "
                    "hanging it from there would make a circle."
                )
        return chosen

    def _ancestors(self, key: str) -> set[str]:
        found: set[str] = set()
        stack = list(self.node(key).parents) if key in self else []
        while stack:
            parent = stack.pop()
            if parent not in found:
                found.add(parent)
                node = self.get(parent)
                stack.extend(node.parents if node else ())
        return found

    def _refuse_sibling_clash(
        self, title: str, kind: str, level: str | None, parents: tuple[str, ...], except_key: str | None = None
    ) -> None:
        """Refuse a title a sibling already has (the same kind serving a same driver; primary drivers: the aim)."""
        wanted = _folded(title)
        for n in self.nodes:
            if n.key == except_key or n.kind != kind or _folded(n.title) != wanted:
                continue
            if kind == "driver" and level == "primary" and n.level == "primary":
                raise Refused(f"The aim already has a primary driver called “{n.title}”.")
            shared = [p for p in parents if p in n.parents]
            if shared and (kind == "change_idea" or n.level == level):
                raise Refused(f"{_cap(self.node(shared[0]).named)} already has a {n.what} called “{n.title}”.")


# -- what an edit changes --------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Change:
    """One change between two drafts, with the sentence a person reads."""

    change: ChangeKind
    key: str
    what: str  # 'secondary driver', 'change idea'
    title: str  # as it is now (as it was, for a removed node)
    sentence: str
    before: str | tuple[str, ...] | None = None  # reworded: the old title; moved: the parents it served
    after: str | tuple[str, ...] | None = None  # reworded: the new title; moved: the parents it serves now


@dataclass(frozen=True)
class DraftChanges:
    """Everything an edit changes, node by node, in the order added, reworded, described, moved, removed."""

    changes: tuple[Change, ...] = ()

    def of(self, change: ChangeKind) -> tuple[Change, ...]:
        return tuple(c for c in self.changes if c.change == change)

    @property
    def empty(self) -> bool:
        return not self.changes

    @property
    def removed_keys(self) -> frozenset[str]:
        return frozenset(c.key for c in self.of("removed"))

    def sentences(self) -> list[str]:
        return [c.sentence for c in self.changes]

    def summary(self) -> str:
        """One line for a change note: 'Added 2 change ideas; reworded 1 node; removed 1 secondary driver.'"""
        if self.empty:
            return "No changes."
        parts = []
        for change in CHANGE_KINDS:
            found = self.of(change)
            if not found:
                continue
            whats = {c.what for c in found}
            noun = found[0].what if len(whats) == 1 else "node"
            verb = {"described": "rewrote the description of"}.get(change, change)
            parts.append(f"{verb} {len(found)} {noun}{'' if len(found) == 1 else 's'}")
        text = "; ".join(parts)
        return text[0].upper() + text[1:] + "."

    def record(self) -> dict[str, list[dict]]:
        """The changes as plain data, for the audit trail's 'after'."""
        return {
            change: [
                {
                    k: v
                    for k, v in (
                        ("key", c.key),
                        ("what", c.what),
                        ("title", c.title),
                        ("before", c.before),
                        ("after", c.after),
                    )
                    if v is not None
                }
                for c in self.of(change)
            ]
            for change in CHANGE_KINDS
            if self.of(change)
        }

    def stranded(self, links: Mapping[str, Sequence[str]]) -> list[str]:
        """The projects (``links``: node key -> titles of the projects linked there) whose links go into a node
        this edit removes: their links stay on the retired version."""
        removed = self.removed_keys
        return sorted({title for key, titles in links.items() if key in removed for title in titles})

    def consequences(self, links: Mapping[str, Sequence[str]]) -> list[tuple[str, str]]:
        """What publishing does to the projects linked into the diagram (``links``: node key -> the titles of the
        projects linked to that node in the version being replaced): (``warning`` or ``info``, sentence) pairs for
        the preview."""
        stranded = self.stranded(links)
        moving = sum(len(titles) for key, titles in links.items() if key not in self.removed_keys)
        said = []
        if stranded:
            one = len(stranded) == 1
            names = _and([f"“{t}”" for t in stranded[:5]]) + (
                f" and {len(stranded) - 5} more" if len(stranded) > 5 else ""
            )
            said.append(
                (
                    "warning",
                    f"{_count(len(stranded), 'project')} link{'s' if one else ''} to nodes you remove ({names}); "
                    f"{'its link' if one else 'their links'} will stay on the retired version and be flagged "
                    f"“link to retired version” until someone links {'it' if one else 'them'} to the new one.",
                )
            )
        if moving:
            said.append(
                (
                    "info",
                    f"{_count(moving, 'project link')} will move to the new version by node key, so each project "
                    "keeps its place in the thread.",
                )
            )
        return said


def changes(before: DiagramDraft, after: DiagramDraft) -> DraftChanges:
    """What turning ``before`` into ``after`` changes, node by node, by key."""
    old = {n.key: n for n in before.nodes}
    new = {n.key: n for n in after.nodes}

    def title_of(key: str) -> str:
        node = new.get(key) or old.get(key)
        return f"“{node.title}”" if node else f"“{key}”"

    def serving(node: DraftNode) -> str:
        return _and([title_of(p) + (" (weakly)" if p in node.weak else "") for p in node.parents])

    found: list[Change] = []
    for n in after.nodes:
        if n.key not in old:
            under = f" under {serving(n)}" if n.parents else ""
            found.append(Change("added", n.key, n.what, n.title, f"Added the {n.what} “{n.title}” ({n.key}){under}."))
    for n in after.nodes:
        was = old.get(n.key)
        if was is None:
            continue
        if was.title != n.title:
            found.append(
                Change(
                    "reworded",
                    n.key,
                    n.what,
                    n.title,
                    f"Reworded the {n.what} “{was.title}” as “{n.title}” ({n.key}).",
                    was.title,
                    n.title,
                )
            )
        if (was.description or "") != (n.description or ""):
            found.append(
                Change(
                    "described",
                    n.key,
                    n.what,
                    n.title,
                    f"Rewrote the description of the {n.what} “{n.title}” ({n.key}).",
                )
            )
        if was.parents != n.parents or was.weak != n.weak:
            found.append(
                Change(
                    "moved",
                    n.key,
                    n.what,
                    n.title,
                    f"Moved the {n.what} “{n.title}” ({n.key}): it now serves {serving(n)}; it served {serving(was)}.",
                    was.parents,
                    n.parents,
                )
            )
    for n in before.nodes:
        if n.key not in new:
            found.append(Change("removed", n.key, n.what, n.title, f"Removed the {n.what} “{n.title}” ({n.key})."))
    order = {c: i for i, c in enumerate(CHANGE_KINDS)}
    return DraftChanges(tuple(sorted(found, key=lambda c: order[c.change])))


# -- the rules, one small function each ------------------------------------------------------------------------------


def _parent_problems(node: DraftNode, by_key: Mapping[str, DraftNode]) -> list[str]:
    """A node serves what its level may serve, and something unless it is a primary driver."""
    if node.level == "primary":
        return [f"{_cap(node.named)} serves the aim itself, not another driver."] if node.parents else []
    allowed = SERVES[node.level]
    serves = _served(node.level)
    if not node.parents:
        return [f"{_cap(node.named)} hangs from nothing: choose the {serves} it serves."]
    problems = []
    for parent in node.parents:
        found = by_key.get(parent)
        if found is None:
            problems.append(f"{_cap(node.named)} serves “{parent}”, which is not in this diagram.")
        elif found.kind != "driver" or found.level not in allowed:
            problems.append(f"{_cap(node.named)} can serve only a {serves}; {found.named} is not one.")
    stray = sorted(node.weak - set(node.parents))
    if stray:
        problems.append(f"{_cap(node.named)} is marked as serving {', '.join(stray)} weakly without serving it.")
    return problems


def _sibling_problems(nodes: Sequence[DraftNode], by_key: Mapping[str, DraftNode]) -> list[str]:
    """No two nodes of one kind (and level) serving the same driver, or two primary drivers, share a title."""
    groups: dict[tuple[str, str, str | None, str], list[DraftNode]] = {}
    for n in nodes:
        for parent in n.parents or ("the aim",):
            groups.setdefault((parent, n.kind, n.level, _folded(n.title)), []).append(n)
    problems = []
    for (parent, _, _, _), same in groups.items():
        if len(same) < 2:
            continue
        owner = "The aim" if parent == "the aim" else (_cap(by_key[parent].named) if parent in by_key else parent)
        problems.append(f"{owner} has {len(same)} {same[0].what}s called “{same[0].title}”: give each its own words.")
    return problems


def _cycle_problems(nodes: Sequence[DraftNode], by_key: Mapping[str, DraftNode]) -> list[str]:
    """No node serves itself through others."""
    state: dict[str, int] = {}  # 1 visiting, 2 done
    circles: list[list[str]] = []

    def visit(key: str, path: list[str]) -> None:
        state[key] = 1
        for parent in by_key[key].parents:
            if parent not in by_key:
                continue
            if state.get(parent) == 1:
                circles.append(path[path.index(parent) :] if parent in path else [parent, key])
            elif parent not in state:
                visit(parent, [*path, parent])
        state[key] = 2

    for n in nodes:
        if n.key in by_key and n.key not in state:
            visit(n.key, [n.key])
    return [f"{_and([f'“{by_key[k].title}”' for k in circle])} serve each other in a circle." for circle in circles]


# -- words ------------------------------------------------------------------------------------------------------------


def _title(text: str | None, what: str) -> str:
    words = (text or "").strip()
    if not words or len(words) > TITLE_LIMIT:
        raise Refused(f"Give the {what} a title of 1 to {TITLE_LIMIT} characters.")
    return words


def _description(text: str | None) -> str | None:
    words = (text or "").strip()
    if len(words) > DESCRIPTION_LIMIT:
        raise Refused(f"Keep the description under {DESCRIPTION_LIMIT:,} characters.")
    return words or None


def _cap(text: str) -> str:
    """A sentence's first letter up, the rest as typed (``str.capitalize`` would lower a title's own capitals)."""
    return text[:1].upper() + text[1:]


def _served(level: str | None) -> str:
    """What a node of this level serves, in words: 'primary driver', or 'driver' for a change idea."""
    allowed = SERVES[level]
    return "driver" if len(allowed) > 1 else f"{allowed[0]} driver"


def _folded(title: str) -> str:
    return " ".join((title or "").split()).casefold()


def _and(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " and " + items[-1]


def _or(items: Sequence[str]) -> str:
    items = list(items)
    if len(items) <= 1:
        return "".join(items)
    return ", ".join(items[:-1]) + " or " + items[-1]


def _count(number: int, noun: str) -> str:
    return f"{number} {noun}{'' if number == 1 else 's'}"

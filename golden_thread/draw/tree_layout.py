"""Where each box of a drawn tree goes: columns left to right, words wrapped to fit, nothing on top of anything.

A pure layout so that "no label overlaps another" is a fact this module computes (and a test checks), not a
hope about how a charting library spaces a tree: every box gets its column's width and its wrapped lines, and
a band of rows of its own that holds it and its whole branch. Two boxes in one column are never one inside the
other's branch, so their bands (and so the boxes) never meet; columns are separated by a gap that only the
connectors use, and each connector runs inside its parent's band, so none crosses a box or another connector.

Text is measured with Source Sans (the app's font, which the chart's labels use) from its advance widths, so
the wrapped lines are the lines the browser draws.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from functools import lru_cache

FONT_FAMILY = '"Source Sans", "Source Sans Pro", sans-serif'
FONT_SIZE = 12
NOTE_SIZE = 11
LINE_HEIGHT = 16
PAD_X = 8
PAD_Y = 6
COLUMN_GAP = 28
SIBLING_GAP = 8
NOTE_GAP = 8
ROOT_GAP = 18
MARGIN = 4
HEADER_HEIGHT = 26
MIN_COLUMN = 128
MAX_COLUMN = 300
BOLD = 1.1  # bold Source Sans runs about 7% wider; the rest is room to spare

# Advance widths of Source Sans (regular), in thousandths of the font size, as its font file gives them.
_WIDTHS = dict(
    zip(
        "abcdefghijklmnopqrstuvwxyz",
        (504, 553, 456, 555, 496, 292, 504, 544, 246, 247, 495, 255, 829, 547, 542, 555, 555, 347, 419, 338, 544, 467)
        + (719, 446, 467, 425),
        strict=True,
    )
)
_WIDTHS |= dict(
    zip(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZ",
        (543, 588, 571, 615, 527, 494, 617, 652, 263, 479, 579, 486, 727, 647, 664, 566, 664, 569, 534, 536, 645, 515)
        + (786, 513, 476, 539),
        strict=True,
    )
)
_WIDTHS |= dict.fromkeys("0123456789+<=>^~#$", 497)
_WIDTHS |= {
    " ": 200,
    "\u00a0": 200,
    "!": 289,
    '"': 426,
    "%": 824,
    "&": 609,
    "'": 249,
    "(": 303,
    ")": 303,
    "*": 418,
    ",": 249,
}
_WIDTHS |= {"-": 311, ".": 249, "/": 350, ":": 249, ";": 249, "?": 425, "@": 847, "[": 303, "\\": 350, "]": 303}
_WIDTHS |= {"_": 500, "`": 542, "{": 303, "|": 241, "}": 303, "–": 480, "—": 800, "·": 249, "…": 948, "’": 249}
_WIDTHS |= {"‘": 249, "“": 426, "”": 426, "é": 496, "è": 496, "à": 504, "ö": 542, "ü": 544, "£": 497, "×": 497}
_UNKNOWN = (
    1000  # a character the table lacks (a symbol, a script) is given a whole em: a box too wide, never too narrow
)


@lru_cache(maxsize=1 << 16)  # a tree's words repeat, and its labels are measured again at each redraw
def _units(text: str) -> int:
    """The text's width in thousandths of an em: whole numbers, so a line's width is its words' added exactly."""
    return sum(_WIDTHS.get(character, _UNKNOWN) for character in text)


def _pixels(units: int, size: float, bold: bool) -> float:
    width = units * size / 1000
    return width * BOLD if bold else width


def text_width(text: str, size: float = FONT_SIZE, *, bold: bool = False) -> float:
    """Pixels the text takes in Source Sans at this size."""
    return _pixels(_units(text), size, bold)


def _words(text: str) -> list[str]:
    # Only a plain space breaks a line: a no-break space holds "Cycle 3" or "Mar 2026" together.
    return [word for word in text.split(" ") if word]


def wrap(text: str, width: float, *, size: float = FONT_SIZE, bold: bool = False, indent: float = 0) -> list[str]:
    """The text in lines no wider than ``width``, broken only between words (a word wider than the line keeps
    a line of its own); the first line starts ``indent`` pixels in, after the node's icons."""
    lines: list[str] = []
    current, used = "", 0  # the line so far and its width in units (``_units``), added word by word
    room = width - indent
    space = _units(" ")
    for word in _words(text):
        needed = _units(word)
        if current and _pixels(used + space + needed, size, bold) <= room:
            current, used = f"{current} {word}", used + space + needed
        elif not current and _pixels(needed, size, bold) <= room:
            current, used = word, needed
        elif current:
            lines.append(current)
            current, used, room = word, needed, width
        elif not lines and indent:
            lines.append("")  # the icons alone on the first line; the words start below them
            current, used, room = word, needed, width
        else:
            current, used = word, needed  # a word wider than a line keeps a line of its own, whole
    if current or not lines:
        lines.append(current)
    return lines


@dataclass
class Block:
    """One box to place: its text, the width its icons take before the text, a grey note under the text, and the
    boxes it opens onto (only those drawn). ``column`` is where the box would like to be; it always lands right
    of its parent."""

    key: str
    text: str
    column: int
    prefix: float = 0
    note: str = ""
    bold: bool = False
    children: list[Block] = field(default_factory=list)


@dataclass(frozen=True)
class Box:
    """A placed box: top-left corner, size, and its text as drawn, line by line."""

    key: str
    column: int
    x: float
    y: float
    width: float
    height: float
    lines: tuple[str, ...]
    note_lines: tuple[str, ...]
    note_inline: bool  # the note follows the last line of text, when there is room for it there
    prefix: float

    @property
    def centre(self) -> tuple[float, float]:
        return self.x + self.width / 2, self.y + self.height / 2


@dataclass(frozen=True)
class Connector:
    parent: str
    child: str
    points: tuple[tuple[float, float], ...]


@dataclass
class Layout:
    boxes: dict[str, Box]
    connectors: list[Connector]
    columns: list[tuple[float, float]]  # left and width of each column
    width: float
    height: float


def _walk(blocks: list[Block]):
    for block in blocks:
        yield block
        yield from _walk(block.children)


def _settle_columns(roots: list[Block]) -> dict[str, int]:
    """Each box's wished-for column, pushed right of its parent where needed."""
    column: dict[str, int] = {}

    def settle(block: Block, least: int) -> None:
        column[block.key] = max(block.column, least)
        for child in block.children:
            settle(child, column[block.key] + 1)

    for root in roots:
        settle(root, 0)
    return column


def _column_widths(wanted: list[float], least: list[float], demand: list[float], room: float) -> list[float]:
    """Each column as wide as its longest line wants when the room allows; otherwise each gets what its longest
    word needs and the rest of the room is shared by the square root of how much text the column's leaves hold
    (which keeps the lines of the leaves, stacked one under another, and so the height of the tree, fewest)."""
    if sum(wanted) <= room:
        return wanted
    widths = list(least)
    growing = [i for i, want in enumerate(wanted) if want > least[i]]
    spare = room - sum(least)
    while spare > 0.5 and growing:
        weights = {i: max(demand[i], 1.0) ** 0.5 for i in growing}
        total = sum(weights.values())
        capped = [i for i in growing if widths[i] + spare * weights[i] / total >= wanted[i]]
        if not capped:
            for i in growing:
                widths[i] += spare * weights[i] / total
            break
        for i in capped:
            spare -= wanted[i] - widths[i]
            widths[i] = wanted[i]
            growing.remove(i)
    return widths


def lay_out(roots: list[Block], *, width: float = 960, headers: bool = True) -> Layout:
    """The boxes of the tree placed within ``width`` pixels where the words allow (wider only when even the
    narrowest columns their longest words allow do not fit), the height whatever the rows need."""
    wished = _settle_columns(roots)
    used = sorted(set(wished.values()))
    index = {column: i for i, column in enumerate(used)}
    blocks = list(_walk(roots))
    count = len(used)
    inner = 2 * PAD_X
    wanted = [float(MIN_COLUMN)] * count
    least = [float(MIN_COLUMN)] * count
    demand = [0.0] * count
    for block in blocks:
        i = index[wished[block.key]]
        one_line = block.prefix + text_width(block.text, bold=block.bold)
        note = text_width(block.note, NOTE_SIZE, bold=block.bold)
        wanted[i] = max(wanted[i], min(MAX_COLUMN, max(one_line, note) + inner))
        longest_word = max((text_width(w, bold=block.bold) for w in _words(block.text)), default=0)
        least[i] = max(least[i], longest_word + inner, block.prefix + inner)
        if not block.children:  # the leaves stack up the tree's height; a parent sits beside its branch
            demand[i] += one_line + note
    room = width - 2 * MARGIN - COLUMN_GAP * max(0, count - 1)
    widths = _column_widths([max(w, low) for w, low in zip(wanted, least, strict=True)], least, demand, room)
    lefts, left = [], float(MARGIN)
    for column_width in widths:
        lefts.append(left)
        left += column_width + COLUMN_GAP

    shaped: dict[str, tuple[list[str], list[str], bool, float]] = {}
    for block in blocks:
        text_room = widths[index[wished[block.key]]] - inner
        lines = wrap(block.text, text_room, bold=block.bold, indent=block.prefix)
        last = text_width(lines[-1], bold=block.bold) + (block.prefix if len(lines) == 1 else 0)
        note_width = text_width(block.note, NOTE_SIZE, bold=block.bold)
        inline = bool(block.note) and last + NOTE_GAP + note_width <= text_room
        note = wrap(block.note, text_room, size=NOTE_SIZE, bold=block.bold) if block.note and not inline else []
        note = [block.note] if inline else note
        rows = len(lines) + (0 if inline else len(note))
        shaped[block.key] = (lines, note, inline, PAD_Y * 2 + LINE_HEIGHT * rows)

    boxes: dict[str, Box] = {}
    connectors: list[Connector] = []

    def place(block: Block, top: float) -> float:
        """Places the block's branch from ``top``; returns the height of the band it takes."""
        lines, note, inline, height = shaped[block.key]
        i = index[wished[block.key]]
        drawn = block.children
        band = _band(block)
        span = sum(_band(child) for child in drawn) + SIBLING_GAP * max(0, len(drawn) - 1)
        centres = []
        child_top = top + (band - span) / 2
        for child in drawn:
            child_band = place(child, child_top)
            centres.append(boxes[child.key].centre[1])
            child_top += child_band + SIBLING_GAP
        # Level with its first child, where a reader scrolling down meets the branch, and never outside its own
        # band: that is what keeps every column clear.
        centre = centres[0] if centres else top + band / 2
        centre = min(max(centre, top + height / 2), top + band - height / 2)
        boxes[block.key] = Box(
            block.key,
            i,
            lefts[i],
            centre - height / 2,
            widths[i],
            height,
            tuple(lines),
            tuple(note),
            inline,
            block.prefix,
        )
        right = lefts[i] + widths[i]
        turn = right + COLUMN_GAP / 2
        for child in drawn:
            child_box = boxes[child.key]
            y = child_box.centre[1]
            connectors.append(
                Connector(block.key, child.key, ((right, centre), (turn, centre), (turn, y), (child_box.x, y)))
            )
        return band

    band_of: dict[str, float] = {}

    def _band(block: Block) -> float:
        if block.key not in band_of:
            children = sum(_band(child) for child in block.children) + SIBLING_GAP * max(0, len(block.children) - 1)
            band_of[block.key] = max(shaped[block.key][3], children)
        return band_of[block.key]

    top = MARGIN + (HEADER_HEIGHT if headers else 0)
    for n, root in enumerate(roots):
        top += place(root, top) + (ROOT_GAP if n < len(roots) - 1 else 0)
    total_width = (lefts[-1] + widths[-1] + MARGIN) if widths else 2 * MARGIN
    return Layout(boxes, connectors, list(zip(lefts, widths, strict=True)), total_width, top + MARGIN)


def overlapping(layout: Layout) -> list[tuple[str, str]]:
    """Pairs of boxes that share any pixel (none, when the layout is right)."""
    boxes = sorted(layout.boxes.values(), key=lambda b: b.y)
    pairs = []
    for n, first in enumerate(boxes):
        for second in boxes[n + 1 :]:
            if second.y >= first.y + first.height:
                break
            if first.x < second.x + second.width and second.x < first.x + first.width:
                pairs.append((first.key, second.key))
    return pairs

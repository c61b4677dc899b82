"""A team's focus board as one A3 landscape page, for the wall of a ward without a screen (issue 17).

Laid out as the focus-board template a ward keeps on its wall (DOMAIN §4.5): the board's name, team and purpose
across the top; the four columns of the strategy (Quality, Efficiency, Financial, People), each objective with its
problem, focus, measure (current against target, the Making Data Count icons and a small chart of its points) and
what it serves; the plan (the actions); and along the foot what the last huddle said.

Always one page, whatever the board holds: a wall has no page 2. Every region is drawn into its own frame on a
single canvas; long text is cut with an ellipsis to the lines its box allows, and rows or objectives that still do
not fit are counted in an "and N more" line. The type stays at 9 pt or more, to be read standing at the board.

Pure over a ``FocusBoardView``: no database, no statistics. Icons, fonts and the cutting of text are the board
pack's; the charts are the board screen's compact chart (``charts.compact_spec``); numbers and days are written by
``domain.formatting``. User text is escaped before it reaches reportlab's paragraph markup.
"""

from __future__ import annotations

import datetime as dt
import io
import math
from collections.abc import Callable
from xml.sax.saxutils import escape

import polars as pl
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A3, landscape
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase.pdfmetrics import stringWidth
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import Flowable, Frame, Paragraph, Spacer, Table, TableStyle

from golden_thread.domain.enumerations import OBJECTIVE_CATEGORIES
from golden_thread.domain.focus_boards import ACTION_STATUS_WORDS, REFLECTION_QUESTIONS, RISK_WORDS, category_meaning
from golden_thread.domain.formatting import DASH, format_day, format_month, format_value
from golden_thread.draw.charts import compact_spec
from golden_thread.report.board_pack import (
    FLUSH_CELLS,
    NHS_BLUE,
    NHS_DARK_BLUE,
    NHS_DARK_GREY,
    NHS_PALE_GREY,
    NHS_RED,
    RULE_LINE,
    TEXT,
    _assurance_image,
    _assurance_words,
    _cut,
    _register_fonts,
    _variation_image,
    _variation_words,
)
from golden_thread.services.focus_boards import FocusBoardView

GREEN, AMBER, RED = "#007F3B", "#B25600", "#D5281B"  # words' colours (amber: NHS warm yellow darkened to read)
OVERDUE_FILL = colors.HexColor("#FBE3E1")
DONE_FILL = colors.HexColor("#E6F2EA")
COLUMN_FILL = colors.HexColor("#F0F4F5")

PAGE_WIDTH, PAGE_HEIGHT = landscape(A3)
MARGIN = 10 * mm
GAP = 3 * mm
WIDTH = PAGE_WIDTH - 2 * MARGIN
TOP_BAND = 28 * mm
FOOT_LEAST, FOOT_MOST = 32 * mm, 48 * mm  # the foot band's height, as its words need
FOOTER = 5 * mm  # the printed-from line under the foot band
PLAN_SHARE = 0.4  # the plan keeps this share of the middle (when it has that much to show) however full the columns
CARD_PADDING = 2 * mm
ICON = 9 * mm
SPARK_HEIGHT = 48  # the chart, axes and all, in points (and Vega-Lite pixels: drawn a pixel a point)
SPARK_SCALE = 3  # rendered at three times: sharp on an A3 print

# The lines each piece of user text may take, so one wordy objective or action cannot push the rest off the wall: a
# card's title, problem and focus take two lines each, or one on a dense card (when a column's cards will not all
# fit otherwise); an action's title and notes two, or one when that shows more actions.
FULL_LINES, DENSE_LINES = 2, 1
FIELD_LIMIT = 120  # a unit's or division's name is cut to this many characters
REVIEWED_LIMIT = 60  # and an action's title where the feedback names it


def focus_board_pdf(view: FocusBoardView, *, vocabulary: str = "health", generated_on: dt.date) -> bytes:
    """The focus board of ``view`` (``services.focus_boards.focus_board_view``) as one A3 landscape PDF page.

    ``vocabulary``: the organisation's words for the columns' meanings ("health" or "education").
    ``generated_on``: the date printed on the page; the same inputs give the same bytes."""
    fonts = _register_fonts()
    styles = _styles(fonts)
    board = view.board
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=(PAGE_WIDTH, PAGE_HEIGHT), invariant=True)
    canvas.setTitle(f"{board['name']}: focus board")
    canvas.setAuthor(board["unit"] or "")
    canvas.setSubject("Focus board")
    canvas.setCreator("Golden Thread")

    top = PAGE_HEIGHT - MARGIN
    _top_band(canvas, styles, view, generated_on, top)
    middle_top = top - TOP_BAND - GAP
    foot = _Foot(styles, view)
    foot_top = MARGIN + FOOTER + foot.height
    middle = middle_top - foot_top - 2 * GAP  # the columns, a gap, then the plan

    column_width = (WIDTH - 3 * GAP) / 4
    charts = _Sparklines(view.points)
    columns = [_Column(styles, view, charts, category, vocabulary, column_width) for category in OBJECTIVE_CATEGORIES]
    plan = _Plan(styles, view)
    plan_height = min(plan.natural(PLAN_SHARE * middle), PLAN_SHARE * middle)
    columns_height = min(max(column.natural(middle - plan_height) for column in columns), middle - plan_height)
    for number, column in enumerate(columns):
        column.draw(canvas, MARGIN + number * (column_width + GAP), middle_top, columns_height)
    plan.draw(canvas, middle_top - columns_height - GAP, middle - columns_height)

    foot.draw(canvas, foot_top)
    canvas.setFont(fonts["regular"], 9)
    canvas.setFillColor(NHS_DARK_GREY)
    canvas.drawString(
        MARGIN,
        MARGIN,
        f"Printed from Golden Thread on {format_day(generated_on)}. Current values and icons come from each "
        "measure's chart (Making Data Count); the plan and the huddle are as last recorded.",
    )
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()


# -- type ---------------------------------------------------------------------------------------------------------


def _styles(fonts: dict[str, str]) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("fb_body", fontName=fonts["regular"], fontSize=10, leading=12.5, textColor=TEXT)
    bold = fonts["bold"]
    return {
        "body": body,
        "part": ParagraphStyle("fb_part", parent=body, spaceAfter=2),
        "muted": ParagraphStyle("fb_muted", parent=body, fontSize=9.5, leading=12, textColor=NHS_DARK_GREY),
        "alert": ParagraphStyle("fb_alert", parent=body, fontName=bold, textColor=NHS_RED),
        "name": ParagraphStyle("fb_name", parent=body, fontName=bold, fontSize=24, leading=28, textColor=NHS_DARK_BLUE),
        "unit": ParagraphStyle("fb_unit", parent=body, fontSize=13, leading=16, textColor=NHS_DARK_GREY),
        "purpose": ParagraphStyle("fb_purpose", parent=body, fontName=fonts["italic"], fontSize=11.5, leading=14),
        "huddle": ParagraphStyle("fb_huddle", parent=body, fontName=bold, fontSize=13, leading=16, alignment=TA_RIGHT),
        "dated": ParagraphStyle("fb_dated", parent=body, fontSize=10.5, leading=14, alignment=TA_RIGHT),
        "category": ParagraphStyle(
            "fb_category", parent=body, fontName=bold, fontSize=16, leading=19, textColor=colors.white
        ),
        "meaning": ParagraphStyle("fb_meaning", parent=body, fontSize=10.5, leading=13, textColor=colors.white),
        "objective": ParagraphStyle(
            "fb_objective", parent=body, fontName=bold, fontSize=12, leading=14.5, textColor=NHS_DARK_BLUE
        ),
        "section": ParagraphStyle(
            "fb_section", parent=body, fontName=bold, fontSize=14, leading=17, textColor=NHS_BLUE
        ),
        "cell": ParagraphStyle("fb_cell", parent=body, fontSize=10, leading=12),
        "cell_head": ParagraphStyle("fb_cell_head", parent=body, fontName=bold, fontSize=10, textColor=NHS_DARK_BLUE),
        "measure": ParagraphStyle("fb_measure", parent=body, fontName=bold),
    }


def _height(flowable, width: float) -> float:
    return flowable.wrap(width, 10**6)[1]


def _fitted(label: str, text: str | None, style: ParagraphStyle, width: float, lines: int) -> Paragraph:
    """``label`` (our own markup) then the user's ``text``, escaped and cut with an ellipsis to at most ``lines``
    lines of ``width``."""
    text = " ".join(str(text or "").split())

    def build(limit: int | None) -> Paragraph:
        return Paragraph(label + escape(_cut(text, limit)), style)

    def fits(paragraph: Paragraph) -> bool:
        return _height(paragraph, width) <= lines * style.leading + 0.5

    most = _most_characters(lines, width, style)
    if len(text) <= most:
        whole = build(None)
        if fits(whole):
            return whole
    # The text's own average letter says about how much fits; a line's ragged end costs less than a third of it.
    guess = int(len(text) * lines * width / max(stringWidth(text, style.fontName, style.fontSize), 1.0))
    low, high = 1, min(len(text), most, guess + 2) - 1
    safe = max(guess * 2 // 3, 1)
    if safe < high and fits(build(safe)):
        low = safe
    while low < high:  # the longest cut that fits
        middle = (low + high + 1) // 2
        if fits(build(middle)):
            low = middle
        else:
            high = middle - 1
    return build(low)


def _most_characters(lines: float, width: float, style: ParagraphStyle) -> int:
    """More characters than ``lines`` lines of ``width`` can hold: a fifth of the type size is narrower than any
    letter, so text longer than this needs more lines (and need not be measured to know it)."""
    return int(lines * width / (0.2 * style.fontSize)) + 1


def _lines_of(label: str, text: str | None, style: ParagraphStyle, width: float, most: int) -> int:
    """The lines ``label`` and ``text`` take at ``width``, counting no further than ``most``."""
    text = " ".join(str(text or "").split())
    if len(text) > _most_characters(most, width, style):
        return most
    lines = math.ceil(_height(Paragraph(label + escape(text), style), width) / style.leading - 0.01)
    return min(max(1, lines), most)


def _fitted_parts(
    parts: list[tuple[str, str | None]],
    style: ParagraphStyle,
    width: float,
    height: float,
    more: Callable[[int], str],
    least_lines: int = 2,
) -> list[Paragraph]:
    """(label, text) paragraphs that together fit ``height``: the longest is cut a line at a time, down to
    ``least_lines`` each; then the last are left off and counted in ``more(n)``."""
    per_line, per_part = style.leading, style.spaceAfter + style.spaceBefore
    room_lines = max(1, int(height // per_line))
    considered = parts[: int(height // (per_line + per_part)) + 1]  # no more than this many could fit
    lines = [_lines_of(label, text, style, width, room_lines) for label, text in considered]
    kept = len(considered)

    def needed() -> float:
        extra = per_line + per_part if kept < len(parts) else 0
        return sum(lines[:kept]) * per_line + kept * per_part + extra

    while kept and needed() > height:
        longest = max(range(kept), key=lines.__getitem__)
        if lines[longest] > least_lines:
            lines[longest] -= 1
        else:
            kept -= 1
    paragraphs = [_fitted(label, text, style, width, lines[n]) for n, (label, text) in enumerate(parts[:kept])]
    if kept < len(parts):
        paragraphs.append(Paragraph(escape(more(len(parts) - kept)), style))
    return paragraphs


def _place(canvas: Canvas, flowables: list, x: float, top: float, width: float, height: float) -> None:
    """Draw ``flowables`` top down in the box; whatever still does not fit is left off, never put on a page 2."""
    frame = Frame(x, top - height, width, height, leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
    frame.addFromList(list(flowables), canvas)


def _plural(count: int, word: str) -> str:
    return f"{count} {word}{'' if count == 1 else 's'}"


# -- the top band -------------------------------------------------------------------------------------------------


def _top_band(canvas: Canvas, styles, view: FocusBoardView, generated_on: dt.date, top: float) -> None:
    board = view.board
    left_width, right_width = WIDTH * 0.66, WIDTH * 0.32
    unit = " · ".join(escape(_cut(part, FIELD_LIMIT)) for part in (board["unit"], board["parent"]) if part)
    left = [
        _fitted("", board["name"], styles["name"], left_width, 1),
        Paragraph(unit, styles["unit"]),
    ]
    if board["purpose"]:
        left.append(_fitted("", board["purpose"], styles["purpose"], left_width, 2))
    rhythm = ", ".join(
        part
        for part in (board["huddle_rhythm"], f"{board['huddle_minutes']} minutes" if board["huddle_minutes"] else "")
        if part
    )
    last = view.last_huddle
    right = [
        _fitted("Huddle: ", rhythm or "not yet set", styles["huddle"], right_width, 2),
        Paragraph(f"Last huddle: {format_day(last['held_on'])}" if last else "No huddle recorded yet", styles["dated"]),
        Paragraph(f"Printed {format_day(generated_on)}", styles["dated"]),
    ]
    _place(canvas, left, MARGIN, top, left_width, TOP_BAND - 2 * mm)
    _place(canvas, right, PAGE_WIDTH - MARGIN - right_width, top, right_width, TOP_BAND - 2 * mm)
    canvas.setStrokeColor(NHS_BLUE)
    canvas.setLineWidth(2.5)
    rule = top - TOP_BAND + 0.5 * mm
    canvas.line(MARGIN, rule, PAGE_WIDTH - MARGIN, rule)


# -- the four columns ---------------------------------------------------------------------------------------------


class _Column:
    """One category's column: its heading and as many of its objectives' cards as the height given to it allows,
    full cards if they all fit, else dense ones when that shows more of them. Cards are written out only as far as
    they could fit."""

    def __init__(self, styles, view: FocusBoardView, charts: _Sparklines, category: str, vocabulary: str, width: float):
        self.styles, self.charts, self.category, self.width = styles, charts, category, width
        self.heading = _column_heading(styles, category, vocabulary, width)
        self.heading_height = _height(self.heading, width) + GAP
        objectives = view.objectives.filter(pl.col("category") == category).sort("id")
        self.objectives = list(objectives.iter_rows(named=True))
        self.total = max(len(self.objectives), 1)  # an empty column shows a card saying so
        self.made: dict[tuple[int, int], tuple[Table, float]] = {}

    def _card(self, number: int, lines: int) -> tuple[Table, float]:
        """The card of the ``number``-th objective, and its height with the gap under it."""
        if (number, lines) not in self.made:
            if self.objectives:
                card = _card(self.styles, self.charts, self.objectives[number], self.width, lines)
            else:
                words = f"No {escape(self.category)} objective on this board yet."
                card = _card_table([[Paragraph(words, self.styles["muted"])]], self.width)
            self.made[number, lines] = card, _height(card, self.width) + GAP
        return self.made[number, lines]

    def _more(self, hidden: int) -> Paragraph:
        words = f"and {_plural(hidden, f'more {self.category} objective')}: see the board in Golden Thread"
        return Paragraph(escape(words), self.styles["muted"])

    def natural(self, most: float) -> float:
        """The height the column's full cards take (counted no further than ``most``)."""
        used = self.heading_height
        for number in range(self.total):
            if used > most:
                break
            used += self._card(number, FULL_LINES)[1]
        return used

    def _fitting(self, lines: int, room: float) -> int:
        shown, used = 0, 0.0
        more_height = _height(self._more(self.total), self.width)
        for number in range(self.total):
            used += self._card(number, lines)[1]
            if used + (more_height if number + 1 < self.total else 0) > room:
                break
            shown += 1
        return shown

    def draw(self, canvas: Canvas, x: float, top: float, height: float) -> None:
        canvas.setFillColor(COLUMN_FILL)
        canvas.rect(x, top - height, self.width, height, stroke=0, fill=1)
        room = height - self.heading_height
        lines, shown = FULL_LINES, self._fitting(FULL_LINES, room)
        if shown < self.total and self._fitting(DENSE_LINES, room) > shown:
            lines, shown = DENSE_LINES, self._fitting(DENSE_LINES, room)
        flowables = [self.heading, Spacer(1, GAP)]
        for number in range(shown):
            flowables += [self._card(number, lines)[0], Spacer(1, GAP)]
        if shown < self.total:
            flowables.append(self._more(self.total - shown))
        _place(canvas, flowables, x, top, self.width, height)


def _column_heading(styles, category: str, vocabulary: str, width: float) -> Table:
    heading = Table(
        [
            [Paragraph(escape(category), styles["category"])],
            [Paragraph(escape(category_meaning(category, vocabulary)), styles["meaning"])],
        ],
        colWidths=[width],
    )
    heading.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), NHS_BLUE),
                ("LEFTPADDING", (0, 0), (-1, -1), CARD_PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), CARD_PADDING),
                ("TOPPADDING", (0, 0), (-1, 0), 1.2 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 0),
                ("TOPPADDING", (0, 1), (-1, 1), 0.3 * mm),
                ("BOTTOMPADDING", (0, 1), (-1, 1), 1.3 * mm),
            ]
        )
    )
    return heading


def _card_table(rows: list[list], width: float) -> Table:
    table = Table(rows, colWidths=[width])
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.white),
                ("BOX", (0, 0), (-1, -1), 0.6, RULE_LINE),
                ("LINEABOVE", (0, 0), (-1, 0), 2, NHS_DARK_BLUE),
                ("LEFTPADDING", (0, 0), (-1, -1), CARD_PADDING),
                ("RIGHTPADDING", (0, 0), (-1, -1), CARD_PADDING),
                ("TOPPADDING", (0, 0), (-1, -1), 0.35 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 0.35 * mm),
                ("TOPPADDING", (0, 0), (-1, 0), 1.2 * mm),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 1.2 * mm),
            ]
        )
    )
    return table


def _card(styles, charts: _Sparklines, objective: dict, width: float, lines: int) -> Table:
    """One objective: its title, problem and focus (each cut to ``lines``), its measure and chart, and what it
    serves, or a warning that it serves nothing."""
    inner = width - 2 * CARD_PADDING
    rows: list[list] = [[_fitted("", objective["title"], styles["objective"], inner, lines)]]
    if objective["problem"]:
        rows.append([_fitted("<b>Problem:</b> ", objective["problem"], styles["body"], inner, lines)])
    if objective["focus"]:
        rows.append([_fitted("<b>Focus:</b> ", objective["focus"], styles["body"], inner, lines)])
    if objective["measure_id"] is None:
        rows.append([Paragraph("No measure chosen: choose the measure that shows progress.", styles["alert"])])
    else:
        rows.append([_measure_row(styles, objective, inner, words=lines > 1)])
        chart = charts.chart(objective, inner)
        rows.append([chart if chart is not None else Paragraph("No data yet for this measure.", styles["muted"])])
    serves = objective["strategic_objective"] or objective["aim"]
    if objective["linked"] and serves:
        rows.append([_fitted("<b>Serves:</b> ", serves, styles["body"], inner, lines)])
    else:
        rows.append([Paragraph("No strategic link: serves no active strategic objective or aim.", styles["alert"])])
    return _card_table(rows, width)


def _measure_row(styles, objective: dict, width: float, *, words: bool) -> Table:
    """The measure's name, now against target, and the two icons (with their words when ``words``)."""
    decimals, unit, target = objective["decimal_places"], objective["unit"], objective["target_value"]
    has_data = objective["latest_value"] is not None
    value = f"<b>{escape(format_value(objective['latest_value'], decimals, unit))}</b>"
    colour = {True: GREEN, False: RED}.get(objective["on_target"])  # meets the target, or not; none without one
    if colour:
        value = f"<font color='{colour}'>{value}</font>"
    now = f"Now {value} ({format_month(objective['latest_x'])})" if has_data else "No data yet"
    against = f"target {escape(format_value(target, decimals, unit))}" if target is not None else "no target"
    text_width = width - 2 * (ICON + 1 * mm)
    text = [
        _fitted("", objective["measure"], styles["measure"], text_width, 1),
        Paragraph(f"{now} · {against}", styles["body"]),
    ]
    if words:
        variation = _variation_words(objective["variation_icon"], has_data, short=True)
        assurance = _assurance_words(objective["assurance_icon"], target, short=True)
        text.append(Paragraph(escape(f"{variation} · {assurance}"), styles["muted"]))
    table = Table(
        [
            [
                _variation_image(objective["variation_icon"], objective["improvement_direction"], ICON),
                _assurance_image(objective["assurance_icon"], ICON),
                text,
            ]
        ],
        colWidths=[ICON + 1 * mm, ICON + 1 * mm, text_width],
    )
    table.setStyle(FLUSH_CELLS)
    return table


class _Sparklines:
    """Each measure's points as the board screen's compact chart: measured without drawing, rendered only for the
    cards the page shows, and once however many cards show it."""

    def __init__(self, points: pl.DataFrame):
        self.points, self.rendered = points, {}

    def chart(self, objective: dict, width: float) -> _Sparkline | None:
        series = self.points.filter(pl.col("series") == objective["measure_id"]) if self.points.height else self.points
        return _Sparkline(self, series, objective, width) if series.height else None

    def png(self, series: pl.DataFrame, objective: dict, width: float) -> bytes:
        key = (objective["measure_id"], objective["target_value"], round(width))
        if key not in self.rendered:
            import vl_convert

            spec = compact_spec(
                series.sort("x"), unit=objective["unit"] or "", target=objective["target_value"], height=SPARK_HEIGHT
            )
            # Drawn a pixel a point, axes inside the size given, so its month labels print as large as the text.
            sized = {
                **spec,
                "width": round(width),
                "height": SPARK_HEIGHT,
                "autosize": {"type": "fit", "contains": "padding"},
                "padding": 2,
                "background": "white",
                # On a card this narrow month labels can touch: drop every other one rather than run them together.
                "config": {**spec.get("config", {}), "axisX": {"labelOverlap": "parity", "labelSeparation": 6}},
            }
            self.rendered[key] = vl_convert.vegalite_to_png(sized, scale=SPARK_SCALE)
        return self.rendered[key]


class _Sparkline(Flowable):
    def __init__(self, charts: _Sparklines, series: pl.DataFrame, objective: dict, width: float):
        super().__init__()
        self.charts, self.series, self.objective = charts, series, objective
        self.width, self.height = width, SPARK_HEIGHT

    def wrap(self, available_width, available_height):
        return self.width, self.height

    def draw(self):
        png = self.charts.png(self.series, self.objective, self.width)
        self.canv.drawImage(
            ImageReader(io.BytesIO(png)), 0, 0, self.width, self.height, preserveAspectRatio=True, anchor="c"
        )


# -- the plan -----------------------------------------------------------------------------------------------------

PLAN_HEADINGS = ("Action", "Owner", "Due", "Status", "Risk", "Notes")
PLAN_WIDTHS = (0.25, 0.11, 0.15, 0.075, 0.06)  # of the page's width; the notes take the rest
PLAN_PADDING = 1.5 * mm


class _Plan:
    """The actions table: open actions first (the earliest due first), then those done since the last huddle with
    what was learned; as many rows as the height allows, two lines of title and notes each, or one line each when
    that shows more of them."""

    def __init__(self, styles, view: FocusBoardView):
        self.styles = styles
        last = view.last_huddle
        since = f"; then those done since the last huddle ({format_day(last['held_on'])})" if last else ""
        self.heading = Paragraph(
            f"Our plan <font size='10' color='{NHS_DARK_GREY.hexval().replace('0x', '#')}'>Open actions, the earliest due first{since}</font>",
            styles["section"],
        )
        self.heading_height = _height(self.heading, WIDTH) + 1.5 * mm
        actions = view.opening
        actions = actions.sort(pl.col("status") == "done", "due_date", "id") if actions.height else actions
        self.actions = list(actions.iter_rows(named=True))
        self.done = [action["status"] == "done" for action in self.actions]
        self.made: dict[tuple[int, int], dict] = {}

    def _most_rows(self, room: float) -> int:
        """No more rows than this could fit ``room``: a row is at least a line and its padding."""
        return min(len(self.actions), int(room // (self.styles["cell"].leading + 2 * mm)) + 1)

    def natural(self, most: float) -> float:
        """The height the plan takes with its full rows (counted no further than about ``most``)."""
        rows = self._rows(FULL_LINES, self._most_rows(most))
        return self.heading_height + _height(self._table(rows, len(rows)), WIDTH)

    def draw(self, canvas: Canvas, top: float, height: float) -> None:
        room = height - self.heading_height
        most = self._most_rows(room)
        rows = self._rows(FULL_LINES, most)
        shown = self._fitting(rows, room)
        if shown < len(self.actions):
            dense = self._rows(DENSE_LINES, most)
            if self._fitting(dense, room) > shown:
                rows = dense
                shown = self._fitting(rows, room)
        _place(canvas, [self.heading, self._table(rows, shown)], MARGIN, top, WIDTH, height)

    def _fitting(self, rows: list[dict], room: float) -> int:
        """The most rows whose table (with its "and N more" line) fits ``room``."""
        if _height(self._table(rows, len(rows)), WIDTH) <= room:
            return len(rows)
        low, high = 0, len(rows) - 1
        while low < high:
            middle = (low + high + 1) // 2
            if _height(self._table(rows, middle), WIDTH) <= room:
                low = middle
            else:
                high = middle - 1
        return low

    def _rows(self, lines: int, count: int) -> list[dict]:
        for number in range(count):
            if (number, lines) not in self.made:
                self.made[number, lines] = self._row(self.actions[number], lines)
        return [self.made[number, lines] for number in range(count)]

    def _row(self, action: dict, lines: int) -> dict:
        """An action's cells, its title, owner and notes cut to ``lines``; an overdue one says by how long."""
        widths = [WIDTH * share - 2 * PLAN_PADDING for share in PLAN_WIDTHS]
        notes_width = WIDTH * (1 - sum(PLAN_WIDTHS)) - 2 * PLAN_PADDING
        cell = self.styles["cell"]
        done = action["status"] == "done"
        due = escape(format_day(action["due_date"]))
        if action["overdue"]:
            due += f", <font color='{RED}'><b>overdue {_plural(int(action['days_overdue']), 'day')}</b></font>"
        status = escape(action["status_words"] or ACTION_STATUS_WORDS.get(action["status"], action["status"]))
        status_colour = {"on_track": GREEN, "at_risk": AMBER, "done": GREEN}.get(action["status"])
        if status_colour:
            status = f"<font color='{status_colour}'><b>{status}</b></font>"
        risk = escape(RISK_WORDS.get(action["risk_level"], action["risk_level"] or DASH))
        risk = {
            "high": f"<font color='{RED}'><b>{risk}</b></font>",
            "medium": f"<font color='{AMBER}'>{risk}</font>",
        }.get(action["risk_level"], risk)
        notes = (
            _fitted("<b>Learned:</b> ", action["learning"], cell, notes_width, lines)
            if done
            else _fitted("", action["notes"], cell, notes_width, lines)
        )
        cells = [
            _fitted("", action["title"], cell, widths[0], lines),
            _fitted("", action["owner"], cell, widths[1], lines),
            Paragraph(due, cell),
            Paragraph(status, cell),
            Paragraph(risk, cell),
            notes,
        ]
        return {"cells": cells, "done": done, "overdue": bool(action["overdue"])}

    def _table(self, rows: list[dict], shown: int) -> Table:
        """The first ``shown`` rows, and a last line counting the rest."""
        styles = self.styles
        data = [[Paragraph(h, styles["cell_head"]) for h in PLAN_HEADINGS]] + [row["cells"] for row in rows[:shown]]
        commands = [
            ("BACKGROUND", (0, 0), (-1, 0), NHS_PALE_GREY),
            ("LINEBELOW", (0, 0), (-1, 0), 1, NHS_DARK_BLUE),
            ("LINEBELOW", (0, 1), (-1, -1), 0.5, RULE_LINE),
            ("VALIGN", (0, 0), (-1, -1), "TOP"),
            ("TOPPADDING", (0, 0), (-1, -1), 1 * mm),
            ("BOTTOMPADDING", (0, 0), (-1, -1), 1 * mm),
            ("LEFTPADDING", (0, 0), (-1, -1), PLAN_PADDING),
            ("RIGHTPADDING", (0, 0), (-1, -1), PLAN_PADDING),
        ]
        for number, row in enumerate(rows[:shown], start=1):
            if row["overdue"]:
                commands += [
                    ("BACKGROUND", (0, number), (-1, number), OVERDUE_FILL),
                    ("LINEBEFORE", (0, number), (0, number), 3, NHS_RED),
                ]
            elif row["done"]:
                commands.append(("BACKGROUND", (0, number), (-1, number), DONE_FILL))
        last = None
        if not self.done:
            last = "No open actions."
        elif shown < len(self.done):
            hidden = self.done[shown:]
            done = sum(hidden)
            open_ = len(hidden) - done
            counted = ([f"{open_} more open action{'s' if open_ != 1 else ''}"] if open_ else []) + (
                [f"{done} more done since the last huddle"] if done else []
            )
            last = "and " + " and ".join(counted) + ": see the board in Golden Thread"
        if last:
            data.append([Paragraph(escape(last), styles["muted"])] + [""] * (len(PLAN_HEADINGS) - 1))
            commands.append(("SPAN", (0, len(data) - 1), (-1, len(data) - 1)))
        widths = [WIDTH * share for share in PLAN_WIDTHS]
        widths.append(WIDTH - sum(widths))
        table = Table(data, colWidths=widths)
        table.setStyle(TableStyle(commands))
        return table


# -- the foot: what the last huddle said --------------------------------------------------------------------------


class _Foot:
    """The three boxes along the foot, as tall as their words need (between ``FOOT_LEAST`` and ``FOOT_MOST``)."""

    def __init__(self, styles, view: FocusBoardView):
        self.styles, self.last = styles, view.last_huddle
        self.width = (WIDTH - 2 * GAP) / 3
        self.inner = self.width - 2 * CARD_PADDING
        # (title, parts, the lines each part keeps before the last are left off): every action the last huddle went
        # through is worth its line, where a reflection cut to one line says too little.
        self.boxes = [
            ("Feedback from last meeting's actions", _feedback_parts(view), 1),
            ("What went well and what did we learn", _learning_parts(self.last), 2),
            ("How did the last huddle go?", _reflection_parts(self.last), 2),
        ]
        part = styles["part"]
        most = int(FOOT_MOST // part.leading)
        words = max(
            sum(_lines_of(label, text, part, self.inner, most) for label, text in parts[:most]) * part.leading
            + len(parts[:most]) * part.spaceAfter
            for _, parts, _ in self.boxes
        )
        natural = 2 * CARD_PADDING + self._heading_height() + max(words, styles["muted"].leading)
        self.height = min(max(natural, FOOT_LEAST), FOOT_MOST)

    def _headings(self, title: str) -> list:
        styles, last = self.styles, self.last
        dated = f"At the huddle of {format_day(last['held_on'])}" if last else "No huddle recorded yet"
        return [Paragraph(escape(title), styles["section"]), Paragraph(dated, styles["muted"]), Spacer(1, 1 * mm)]

    def _heading_height(self) -> float:
        return sum(_height(flowable, self.inner) for flowable in self._headings(self.boxes[0][0]))

    def draw(self, canvas: Canvas, top: float) -> None:
        room = self.height - 2 * CARD_PADDING - self._heading_height()
        for number, (title, parts, least_lines) in enumerate(self.boxes):
            x = MARGIN + number * (self.width + GAP)
            canvas.setFillColor(COLUMN_FILL)
            canvas.rect(x, top - self.height, self.width, self.height, stroke=0, fill=1)
            canvas.setStrokeColor(NHS_BLUE)
            canvas.setLineWidth(2)
            canvas.line(x, top, x + self.width, top)
            if parts:
                body = _fitted_parts(
                    parts,
                    self.styles["part"],
                    self.inner,
                    room,
                    lambda n: f"and {n} more: see the board in Golden Thread",
                    least_lines,
                )
            else:
                body = [Paragraph(_nothing_yet(number, self.last), self.styles["muted"])]
            _place(
                canvas,
                [*self._headings(title), *body],
                x + CARD_PADDING,
                top - CARD_PADDING,
                self.inner,
                self.height - 2 * CARD_PADDING,
            )


def _nothing_yet(box: int, last: dict | None) -> str:
    if last is None:
        return "The first huddle's record will show here."
    return ("The last huddle went through no actions.", "Nothing recorded.", "Nothing recorded.")[box]


def _feedback_parts(view: FocusBoardView) -> list[tuple[str, str | None]]:
    """Each action the last huddle went through: where it stands, the feedback given and, when the huddle closed
    it, what was learned."""
    reviews = view.last_reviews
    if reviews.height == 0:
        return []
    learning = (
        dict(zip(view.actions["id"].to_list(), view.actions["learning"].to_list())) if view.actions.height else {}
    )
    parts = []
    for review in reviews.iter_rows(named=True):
        status = ACTION_STATUS_WORDS.get(review["status"], review["status"])
        label = f"<b>{escape(_cut(review['action'], REVIEWED_LIMIT))}</b> ({escape(status)}): "
        said = review["feedback"] or "no feedback recorded"
        learned = learning.get(review["action_id"]) if review["status"] == "done" else None
        if learned:
            said = f"{said.rstrip('.')}. Learned: {learned}"
        parts.append((label, said))
    return parts


def _learning_parts(last: dict | None) -> list[tuple[str, str | None]]:
    if last is None:
        return []
    return [(f"<b>{escape(REFLECTION_QUESTIONS[name])}</b> ", last[name] or DASH) for name in ("went_well", "learned")]


def _reflection_parts(last: dict | None) -> list[tuple[str, str | None]]:
    if last is None:
        return []
    if last["ran_to_time"]:
        timing = "Yes."
    else:
        timing = f"No: {last['why_not_to_time']}" if last["why_not_to_time"] else "No."
    return [
        (f"<b>{escape(REFLECTION_QUESTIONS['ran_to_time'])}</b> ", timing),
        *(
            (f"<b>{escape(REFLECTION_QUESTIONS[name])}</b> ", last[name] or DASH)
            for name in ("not_working", "changes_to_make")
        ),
    ]

"""The board pack: one month's board as a PDF for the board papers.

Cover, contents, how to read the icons, the summary icon table, a page per system-level aim (its outcome
measure's chart, icons, projects and thread flags), a leadership practice summary and the alignment summary, with
the organisation, month and "Page N of M" on every page and a draft note in the footer until the month is published.

Pure over its inputs: the figures come from a ``BoardView`` (computed or a published snapshot); the organisation,
projects, leadership and alignment from a ``PackData`` (``services.board_pack.pack_data``), gathered as the data
stood on the day the pack is made. Nothing here reads the database or computes statistics; charts come from
``charts.spc_chart`` and icons from ``icons``, so the paper shows what the screen shows. Every piece of user text is escaped before it
reaches reportlab's paragraph markup.
"""

from __future__ import annotations

import datetime as dt
import functools
import io
from pathlib import Path
from xml.sax.saxutils import escape

import polars as pl
from reportlab.lib import colors
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.lib.utils import ImageReader
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont
from reportlab.pdfgen.canvas import Canvas
from reportlab.platypus import (
    BaseDocTemplate,
    Frame,
    Image,
    KeepTogether,
    NextPageTemplate,
    PageBreak,
    PageTemplate,
    Paragraph,
    Spacer,
    Table,
    TableStyle,
)
from reportlab.platypus.tableofcontents import TableOfContents

from golden_thread.domain.alignment import aligned_share_by_division, flags_by_rule
from golden_thread.domain.checks import rule_title
from golden_thread.domain.formatting import format_day, format_number
from golden_thread.domain.palette import format_value, icon_words
from golden_thread.domain.vocabulary import HEALTH, Words
from golden_thread.draw.charts import chart_events, chart_png, spc_chart
from golden_thread.draw.icons import assurance_icon_svg, variation_icon_svg
from golden_thread.services.board import BoardView, next_month
from golden_thread.services.board_pack import ChartNotes, LeadershipInputs, PackData

# -- visual constants (NHS identity colours: https://www.england.nhs.uk/nhsidentity/identity-guidelines/colours/) --
NHS_BLUE = colors.HexColor("#005EB8")
NHS_DARK_BLUE = colors.HexColor("#003087")
NHS_DARK_GREY = colors.HexColor("#425563")
NHS_MID_GREY = colors.HexColor("#768692")
NHS_PALE_GREY = colors.HexColor("#E8EDEE")
NHS_RED = colors.HexColor("#D5281B")
TEXT = colors.HexColor("#231F20")
RULE_LINE = colors.HexColor("#AEB7BD")

PAGE_WIDTH, PAGE_HEIGHT = A4
MARGIN = 15 * mm
HEADER_GAP = 9 * mm  # room above the frame for the running header, below it for the footer
CONTENT_WIDTH = PAGE_WIDTH - 2 * MARGIN
BODY_HEIGHT = PAGE_HEIGHT - 2 * (MARGIN + HEADER_GAP)  # the body frame's height
ICON_SIZE = 8 * mm
TABLE_ICON_SIZE = 7 * mm
ICON_PNG_SCALE = 3  # the 40px SVG icons rasterised at 120px: sharp in print at 8 mm
CHART_PIXEL_WIDTH = 640  # the chart is drawn this wide (Vega-Lite px) and scaled to the page width
CHART_PIXEL_HEIGHT = 170
CHART_SCALE = 1.6  # render scale: sharp enough on paper, quick enough (one chart per aim)

ROLE_ORDER = {"outcome": 0, "key process": 1, "balancing": 2}
STATUS_WORDS = {
    "active": "Active",
    "planning": "Planning",
    "on_hold": "On hold",
    "completed": "Completed",
    "closed": "Closed",
}
ERRORS_NAMED = 8  # error-severity breaks name their items in the alignment table, up to this many
CHANGES_NAMED = 4  # an aim chart's caption names its recorded changes, up to this many
SEVERITY_WORDS = {"error": "Error", "warning": "Warning", "info": "For information"}

# The legend: every icon the board can show, with its meaning in words (DOMAIN §4.1, Making Data Count).
VARIATION_LEGEND = [  # (point type, improvement direction for drawing H/L, label, meaning)
    (
        "common_cause",
        "increase",
        "Common cause variation",
        "No significant change: the latest point is within the variation the process always shows.",
    ),
    (
        "special_cause_improvement",
        "increase",
        "Special cause: improvement (higher)",
        "A significant change in the better direction, where higher is better.",
    ),
    (
        "special_cause_improvement",
        "decrease",
        "Special cause: improvement (lower)",
        "A significant change in the better direction, where lower is better.",
    ),
    (
        "special_cause_concern",
        "decrease",
        "Special cause: concern (higher)",
        "A significant change in the worse direction, where lower is better. Ask what has changed.",
    ),
    (
        "special_cause_concern",
        "increase",
        "Special cause: concern (lower)",
        "A significant change in the worse direction, where higher is better. Ask what has changed.",
    ),
    (
        "special_cause_neutral_high",
        "neutral",
        "Special cause: higher (neutral)",
        "A significant rise in a measure where neither direction is better.",
    ),
    (
        "special_cause_neutral_low",
        "neutral",
        "Special cause: lower (neutral)",
        "A significant fall in a measure where neither direction is better.",
    ),
    (None, "increase", "Too few points to judge", "Not enough data yet to tell signal from noise."),
]
ASSURANCE_LEGEND = [  # (assurance, label, meaning)
    (
        "consistent_pass",
        "Consistently passing the target",
        "The target is outside the process limits on the good side: the process will meet it every period "
        "unless something changes.",
    ),
    (
        "consistent_fail",
        "Consistently failing the target",
        "The target is outside the process limits on the wrong side: it will not be met without a change to "
        "the process.",
    ),
    (
        "inconsistent",
        "Hit and miss against the target",
        "The target is inside the process limits: it will be met in some periods and missed in others by chance alone.",
    ),
    (
        None,
        "No target",
        "The measure has no target, so there is nothing to give assurance against (balancing "
        "measures usually have none).",
    ),
]


# -- public entry points ----------------------------------------------------------------------------------


# An icon beside its words: cells centred on each other, with no padding of their own.
FLUSH_CELLS = TableStyle(
    [
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("LEFTPADDING", (0, 0), (-1, -1), 0),
        ("RIGHTPADDING", (0, 0), (-1, -1), 0),
        ("TOPPADDING", (0, 0), (-1, -1), 0),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 0),
    ]
)


def board_pack_pdf(view: BoardView, data: PackData, *, generated_on: dt.date) -> bytes:
    """The board pack for ``view`` as PDF bytes, drawn from ``view`` and ``data`` alone.

    ``view``: ``board_view(...)`` for a draft or ``published_view(...)`` for the frozen month (``view.published``
    decides which the pack says it is). ``data``: ``services.board_pack.pack_data(...)`` for this view: the
    organisation, each aim's contributing projects and the leadership and alignment summaries' inputs.
    ``generated_on``: the date printed on the pack (the date ``data`` was gathered on).
    """
    missing = [a for a in view.aims["aim_id"].to_list() if a not in data.aim_projects]
    if missing:
        raise ValueError(f"The pack data has no projects for aims {missing}: gather it for this board's view.")
    organisation = data.organisation
    fonts = _register_fonts()
    styles = _styles(fonts)
    month_text = f"{view.month:%B %Y}"
    status = _status(view, generated_on, data.words)
    report = _report_title(data.words)
    story: list = []
    story += _cover(styles, organisation, month_text, status, generated_on, report)
    story += _contents(styles)
    story += _how_to_read(styles)
    story += _summary_table(styles, view, data.words)
    story += _aim_pages(styles, data, view, generated_on)
    story += _leadership(styles, data.leadership, generated_on)
    story += _alignment(styles, data.thread_flags, data.project_alignment, generated_on, data.words)

    buffer = io.BytesIO()
    # invariant: the same inputs give the same bytes (no clock in the file; its date is ``generated_on``).
    doc = _PackDocument(
        buffer,
        title=f"{organisation}: {report[:1].lower()}{report[1:]}, {month_text}",
        author=organisation,
        subject=report,
        creator="Golden Thread",
        invariant=True,
    )
    decorate = functools.partial(
        _decorate_page,
        fonts=fonts,
        organisation=organisation,
        report=report,
        month_text=month_text,
        footer_note=status["footer"],
        draft=view.published is None,
    )
    doc.multiBuild(story, canvasmaker=_numbered_canvas(decorate, generated_on))
    return buffer.getvalue()


# -- words and numbers ------------------------------------------------------------------------------------


def _date(day: dt.date) -> str:
    """'5 November 2026', kept on one line."""
    return f"{day.day}\u00a0{day:%B}\u00a0{day.year}"


def _period(day: dt.date | None, frequency: str | None = "monthly") -> str:
    if day is None:
        return "no data"
    return f"w/c {day.day} {day:%b %Y}" if frequency == "weekly" else f"{day:%b %Y}"


def _variation_words(icon: str | None, has_data: bool, *, short: bool = False) -> str:
    if icon is None:
        return ("Too few points" if short else "Too few points to judge") if has_data else "No data"
    return icon_words(icon).label if short else icon_words(icon).sentence.capitalize()


def _assurance_words(icon: str | None, target: float | None, *, short: bool = False) -> str:
    if icon is None:
        return "No target" if target is None else "Not assessed"
    return icon_words(icon).label if short else icon_words(icon).sentence.capitalize()


def _report_title(words: Words) -> str:
    """What the pack is called in the organisation's words: "Quality improvement board report" for a trust,
    "Quality improvement leadership team report" for a school network."""
    return words.heading("quality improvement {board} report")


def _status(view: BoardView, generated_on: dt.date, words: Words = HEALTH) -> dict[str, str]:
    """What the cover and footer say about where the figures come from."""
    board = words.board.singular
    if view.published:
        at, by = view.published.get("published_at"), view.published.get("published_by") or "unknown"
        when = _date(at) if isinstance(at, (dt.date, dt.datetime)) else "an unrecorded date"
        return {
            "title": words.heading("published {board} report"),
            "detail": f"Published on {when} by {by}. These are the figures the {board} saw, frozen at publication; "
            "later corrections to the data do not change them.",
            "footer": f"Published {when} by {by}",
        }
    return {
        "title": "Draft — not yet published",
        "detail": f"Computed from the data as it stood on {_date(generated_on)}. Figures may change as data "
        "are added or validated until the month is published.",
        "footer": "Draft — not yet published",
    }


# -- fonts and styles -------------------------------------------------------------------------------------

_FONT_CANDIDATES = [  # (regular, bold, italic, bold italic): Arial-metric first, then wide-coverage fallbacks
    (
        "/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Bold.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-Italic.ttf",
        "/usr/share/fonts/truetype/liberation/LiberationSans-BoldItalic.ttf",
    ),
    (
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Bold.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-Oblique.ttf",
        "/usr/share/fonts/truetype/dejavu/DejaVuSans-BoldOblique.ttf",
    ),
]


@functools.cache
def _register_fonts() -> dict[str, str]:
    """A Unicode TrueType family (so '£', '—' and any user text print), embedded in the PDF.

    Liberation Sans (Arial's metrics, the NHS fallback typeface) where installed, else DejaVu Sans, else the
    Vera family that ships with reportlab, so the pack builds on any machine."""
    import reportlab

    vera = Path(reportlab.__file__).parent / "fonts"
    bundled = tuple(str(vera / name) for name in ("Vera.ttf", "VeraBd.ttf", "VeraIt.ttf", "VeraBI.ttf"))
    candidates = [*_FONT_CANDIDATES, bundled]
    files = next(c for c in candidates if all(Path(f).is_file() for f in c))
    names = {"regular": "GTSans", "bold": "GTSans-Bold", "italic": "GTSans-Italic", "bold_italic": "GTSans-BoldItalic"}
    for name, file in zip(names.values(), files):
        pdfmetrics.registerFont(TTFont(name, file))
    pdfmetrics.registerFontFamily(
        names["regular"],
        normal=names["regular"],
        bold=names["bold"],
        italic=names["italic"],
        boldItalic=names["bold_italic"],
    )
    return names


def _styles(fonts: dict[str, str]) -> dict[str, ParagraphStyle]:
    body = ParagraphStyle("body", fontName=fonts["regular"], fontSize=9.5, leading=13, textColor=TEXT)
    return {
        "body": body,
        "small": ParagraphStyle("small", parent=body, fontSize=8, leading=10.5, textColor=NHS_DARK_GREY),
        "cell": ParagraphStyle("cell", parent=body, fontSize=8.5, leading=10.5),
        "cell_small": ParagraphStyle("cell_small", parent=body, fontSize=7.5, leading=9, textColor=NHS_DARK_GREY),
        "cell_right": ParagraphStyle("cell_right", parent=body, fontSize=8.5, leading=10.5, alignment=TA_RIGHT),
        "cell_head_right": ParagraphStyle(
            "cell_head_right",
            parent=body,
            fontName=fonts["bold"],
            fontSize=8,
            leading=10,
            textColor=NHS_DARK_BLUE,
            alignment=TA_RIGHT,
        ),
        "cell_head": ParagraphStyle(
            "cell_head", parent=body, fontName=fonts["bold"], fontSize=8, leading=10, textColor=NHS_DARK_BLUE
        ),
        "group": ParagraphStyle(
            "group", parent=body, fontName=fonts["bold"], fontSize=9, leading=11, textColor=colors.white
        ),
        "h1": ParagraphStyle(
            "h1",
            parent=body,
            fontName=fonts["bold"],
            fontSize=18,
            leading=22,
            textColor=NHS_DARK_BLUE,
            spaceAfter=4 * mm,
        ),
        "h2": ParagraphStyle(
            "h2",
            parent=body,
            fontName=fonts["bold"],
            fontSize=11.5,
            leading=14,
            textColor=NHS_BLUE,
            spaceBefore=4 * mm,
            spaceAfter=2 * mm,
        ),
        "kicker": ParagraphStyle(
            "kicker",
            parent=body,
            fontName=fonts["bold"],
            fontSize=8.5,
            leading=11,
            textColor=NHS_BLUE,
            spaceAfter=1 * mm,
        ),
        "statement": ParagraphStyle(
            "statement",
            parent=body,
            fontName=fonts["italic"],
            fontSize=10,
            leading=13.5,
            textColor=NHS_DARK_GREY,
            spaceAfter=3 * mm,
        ),
        "alert": ParagraphStyle("alert", parent=body, fontName=fonts["bold"], textColor=NHS_RED),
        "bullet": ParagraphStyle("bullet", parent=body, leftIndent=4 * mm, bulletIndent=0, spaceAfter=1 * mm),
        "summary": ParagraphStyle("summary", parent=body, fontSize=9.5, leading=13, spaceBefore=1 * mm),
        "cover_org": ParagraphStyle(
            "cover_org", parent=body, fontName=fonts["bold"], fontSize=22, leading=27, textColor=NHS_DARK_BLUE
        ),
        "cover_title": ParagraphStyle("cover_title", parent=body, fontSize=17, leading=22, textColor=NHS_DARK_GREY),
        "cover_month": ParagraphStyle(
            "cover_month", parent=body, fontName=fonts["bold"], fontSize=30, leading=36, textColor=NHS_BLUE
        ),
        "cover_status": ParagraphStyle("cover_status", parent=body, fontName=fonts["bold"], fontSize=12, leading=15),
        "toc0": ParagraphStyle(
            "toc0",
            parent=body,
            fontName=fonts["bold"],
            fontSize=10.5,
            leading=14,
            spaceBefore=3 * mm,
            textColor=NHS_DARK_BLUE,
        ),
        "toc1": ParagraphStyle("toc1", parent=body, fontSize=9.5, leading=13, leftIndent=6 * mm),
    }


# Long text is cut with an ellipsis, so that no table row, heading or chart grows taller than a page (reportlab
# cannot split one: the whole pack would be lost). Text in a table cell or a heading keeps this many characters;
# a unit keeps the measure form's limit, and a chart is never taller than this share of the page's frame.
CELL_TEXT_LIMIT = 300
HEADING_LIMIT = 200
UNIT_LIMIT = 40
NAMED_ITEM_LIMIT = 80  # each break the alignment table names
CHART_HEIGHT_SHARE = 0.6


def _cut(text: str | None, limit: int | None) -> str:
    """``text`` with an ellipsis after at most ``limit`` characters (at a word's end when one is near)."""
    text = text or ""
    if limit is None or len(text) <= limit:
        return text
    kept = text[: limit - 1]
    space = kept.rfind(" ")
    if space > limit * 0.8:
        kept = kept[:space]
    return kept.rstrip() + "…"


def _unit(unit: str | None) -> str:
    return _cut(unit, UNIT_LIMIT)


def _p(text: str, style: ParagraphStyle, limit: int | None = CELL_TEXT_LIMIT) -> Paragraph:
    """A paragraph of user text: escaped, so '<b>' or '&' in a title prints as typed; cut at ``limit`` characters
    (None: a paragraph of its own, which may run over pages)."""
    return Paragraph(escape(_cut(text, limit)), style)


# -- images -----------------------------------------------------------------------------------------------


@functools.cache
def _svg_png(svg: str) -> bytes:
    import vl_convert

    return vl_convert.svg_to_png(svg, scale=ICON_PNG_SCALE)


def _image(png: bytes, width: float, height: float) -> Image:
    return Image(io.BytesIO(png), width=width, height=height)


def _variation_image(icon: str | None, direction: str | None, size: float = ICON_SIZE) -> Image:
    return _image(_svg_png(variation_icon_svg(icon, direction or "increase")), size, size)


def _assurance_image(icon: str | None, size: float = ICON_SIZE) -> Image:
    return _image(_svg_png(assurance_icon_svg(icon)), size, size)


def aim_chart(points: pl.DataFrame, unit: str | None, target: float | None, notes: ChartNotes | None, month: dt.date):
    """An aim page's chart: the app's aim chart (``spc_chart`` with the markers of ``chart_events``, the same
    function the screens call), its markers cut at the end of the board's month like its points.
    Returns (chart, events)."""
    points = points.sort("x")
    events = (
        chart_events(notes.annotations, notes.cycles, first=points["x"].min(), before=next_month(month))
        if notes is not None and points.height
        else None
    )
    chart = spc_chart(points, unit=_unit(unit), target=target, height=CHART_PIXEL_HEIGHT, annotations=events)
    return chart.properties(width=CHART_PIXEL_WIDTH), events


def _markers_caption(events: pl.DataFrame | None, style: ParagraphStyle) -> Paragraph | None:
    """The chart's markers in words, so the paper says what the triangles and diamonds along its top are."""
    if events is None or events.height == 0:
        return None
    parts = []
    changes = events.filter(pl.col("kind") == "Change").sort("on_date")
    if changes.height:
        named = "; ".join(
            f"{row['on_date']:%b %Y}: \u201c{escape(row['label'] or '')}\u201d"
            for row in changes.head(CHANGES_NAMED).iter_rows(named=True)
        )
        more = f"; and {changes.height - CHANGES_NAMED} more" if changes.height > CHANGES_NAMED else ""
        parts.append(
            f"triangles mark {changes.height} recorded change{'s' if changes.height != 1 else ''} ({named}{more})"
        )
    cycles = events.filter(pl.col("kind") == "PDSA cycle")
    if cycles.height:
        count = int(cycles["count"].sum())
        first, last = cycles["on_date"].min(), cycles["on_date"].max()
        span = (
            f"in {first:%b %Y}"
            if (first.year, first.month) == (last.year, last.month)
            else (f"between {first:%b %Y} and {last:%b %Y}")
        )
        parts.append(
            f"diamonds mark the {count} PDSA cycle{'s' if count != 1 else ''} of the work this measure watches, "
            f"started {span}"
        )
    return Paragraph("Along the top of the chart, " + "; ".join(parts) + ".", style)


def _chart_image(chart) -> Image:
    png = chart_png(chart, scale=CHART_SCALE)
    pixel_width, pixel_height = ImageReader(io.BytesIO(png)).getSize()
    width = min(CONTENT_WIDTH, CHART_HEIGHT_SHARE * BODY_HEIGHT * pixel_width / pixel_height)
    return Image(io.BytesIO(png), width=width, height=width * pixel_height / pixel_width)


def _icon_with_words(image: Image, words: str, style: ParagraphStyle, width: float) -> Table:
    gap = image.drawWidth + 1.8 * mm
    table = Table([[image, _p(words, style)]], colWidths=[gap, width - gap])
    table.setStyle(FLUSH_CELLS)
    return table


# -- the document: contents entries, outline, running header and footer ---------------------------------


class _Heading(Paragraph):
    """A paragraph that puts itself in the contents and the PDF outline (``plain`` is the unescaped text)."""

    def __init__(self, plain: str, style: ParagraphStyle, *, level: int, key: str, markup: str | None = None):
        plain = _cut(plain, HEADING_LIMIT)
        super().__init__(markup if markup is not None else escape(plain), style)
        self.toc = (level, plain, key)


class _PackDocument(BaseDocTemplate):
    def __init__(self, buffer, **kwargs):
        super().__init__(
            buffer,
            pagesize=A4,
            leftMargin=MARGIN,
            rightMargin=MARGIN,
            topMargin=MARGIN + HEADER_GAP,
            bottomMargin=MARGIN + HEADER_GAP,
            **kwargs,
        )
        no_padding = dict(leftPadding=0, rightPadding=0, topPadding=0, bottomPadding=0)
        cover = Frame(MARGIN, MARGIN, CONTENT_WIDTH, PAGE_HEIGHT - 2 * MARGIN, id="cover", **no_padding)
        body = Frame(self.leftMargin, self.bottomMargin, self.width, self.height, id="body", **no_padding)
        self.addPageTemplates([PageTemplate("cover", [cover]), PageTemplate("body", [body])])

    def afterFlowable(self, flowable) -> None:
        if isinstance(flowable, _Heading):
            level, plain, key = flowable.toc
            self.canv.bookmarkPage(key)
            self.canv.addOutlineEntry(plain, key, level=level, closed=level > 0)
            self.notify("TOCEntry", (level, escape(plain), self.page, key))


def _numbered_canvas(decorate, generated_on: dt.date):
    """A canvas that holds its pages until the end, so each can say 'Page N of M'; dated ``generated_on``."""

    class NumberedCanvas(Canvas):
        def __init__(self, *args, **kwargs):
            super().__init__(*args, **kwargs)
            self._pages: list[dict] = []
            self.setDateFormatter(lambda *_: f"D:{generated_on:%Y%m%d}000000+00'00'")

        def showPage(self):
            self._pages.append(dict(self.__dict__))
            self._startPage()

        def save(self):
            total = len(self._pages)
            for state in self._pages:
                self.__dict__.update(state)
                decorate(self, total)
                super().showPage()
            super().save()

    return NumberedCanvas


def _decorate_page(
    canvas: Canvas,
    total: int,
    *,
    fonts,
    organisation: str,
    month_text: str,
    footer_note: str,
    draft: bool,
    report: str = "Quality improvement board report",
) -> None:
    page = canvas.getPageNumber()
    canvas.saveState()
    if page > 1:  # the cover carries its own title block
        top = PAGE_HEIGHT - MARGIN
        canvas.setFont(fonts["bold"], 8)
        canvas.setFillColor(NHS_DARK_BLUE)
        canvas.drawString(MARGIN, top - 3 * mm, _clip(organisation, fonts["bold"], 8, CONTENT_WIDTH * 0.6))
        canvas.setFont(fonts["regular"], 8)
        canvas.setFillColor(NHS_DARK_GREY)
        canvas.drawRightString(PAGE_WIDTH - MARGIN, top - 3 * mm, f"{report} · {month_text}")
        canvas.setStrokeColor(NHS_BLUE)
        canvas.setLineWidth(0.8)
        canvas.line(MARGIN, top - 5 * mm, PAGE_WIDTH - MARGIN, top - 5 * mm)
    bottom = MARGIN
    canvas.setStrokeColor(RULE_LINE)
    canvas.setLineWidth(0.5)
    canvas.line(MARGIN, bottom + 5 * mm, PAGE_WIDTH - MARGIN, bottom + 5 * mm)
    canvas.setFont(fonts["bold"] if draft else fonts["regular"], 8.5 if draft else 8)
    canvas.setFillColor(NHS_RED if draft else NHS_DARK_GREY)
    canvas.drawString(MARGIN, bottom + 1 * mm, _clip(footer_note, fonts["regular"], 8.5, CONTENT_WIDTH * 0.7))
    canvas.setFont(fonts["regular"], 8)
    canvas.setFillColor(NHS_DARK_GREY)
    canvas.drawRightString(PAGE_WIDTH - MARGIN, bottom + 1 * mm, f"Page {page} of {total}")
    canvas.restoreState()


def _clip(text: str, font: str, size: float, width: float) -> str:
    """Text cut with an ellipsis to fit ``width`` (running headers are one line)."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text.rstrip() + "…"


# -- sections ---------------------------------------------------------------------------------------------


def _cover(
    styles,
    organisation: str,
    month_text: str,
    status: dict,
    generated_on: dt.date,
    report: str = "Quality improvement board report",
) -> list:
    band = Table(
        [[""]], colWidths=[CONTENT_WIDTH], rowHeights=[3 * mm], style=[("BACKGROUND", (0, 0), (-1, -1), NHS_BLUE)]
    )
    colour = NHS_DARK_GREY if status["footer"].startswith("Published") else NHS_RED
    status_style = ParagraphStyle("status", parent=styles["cover_status"], textColor=colour)
    box = Table(
        [[_p(status["title"], status_style, None)], [_p(status["detail"], styles["body"], None)]],
        colWidths=[CONTENT_WIDTH],
    )
    box.setStyle(
        TableStyle(
            [
                ("BOX", (0, 0), (-1, -1), 1, colour),
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#F7F9FA")),
                ("LEFTPADDING", (0, 0), (-1, -1), 5 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 5 * mm),
                ("TOPPADDING", (0, 0), (-1, 0), 4 * mm),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 4 * mm),
            ]
        )
    )
    return [
        band,
        Spacer(1, 45 * mm),
        _p(organisation, styles["cover_org"]),
        Spacer(1, 6 * mm),
        _p(report, styles["cover_title"], None),
        Spacer(1, 4 * mm),
        Paragraph(escape(month_text), styles["cover_month"]),
        Spacer(1, 14 * mm),
        box,
        Spacer(1, 8 * mm),
        Paragraph(f"Generated on {_date(generated_on)}.", styles["body"]),
        Spacer(1, 3 * mm),
        Paragraph(
            "Charts follow NHS England's Making Data Count: statistical process control charts with "
            "variation and assurance icons, in place of red-amber-green ratings.",
            styles["small"],
        ),
        NextPageTemplate("body"),
        PageBreak(),
    ]


def _contents(styles) -> list:
    toc = TableOfContents(levelStyles=[styles["toc0"], styles["toc1"]], dotsMinLevel=0)
    return [Paragraph("Contents", styles["h1"]), toc, PageBreak()]


def _how_to_read(styles) -> list:
    story: list = [
        _Heading("How to read this report", styles["h1"], level=0, key="how-to-read"),
        Paragraph(
            "Each measure is shown as a statistical process control (SPC) chart, following NHS England's "
            "<i>Making Data Count</i>. Two icons summarise every chart: the <b>variation</b> icon describes the "
            "latest point, and the <b>assurance</b> icon says whether the process can be relied on to meet "
            "its target.",
            styles["body"],
        ),
        Paragraph("Variation icons", styles["h2"]),
        _legend_table(
            styles,
            [
                (_variation_image(icon, direction), label, meaning)
                for icon, direction, label, meaning in VARIATION_LEGEND
            ],
        ),
        Paragraph("Assurance icons", styles["h2"]),
        _legend_table(styles, [(_assurance_image(icon), label, meaning) for icon, label, meaning in ASSURANCE_LEGEND]),
        Paragraph("Reading the charts", styles["h2"]),
    ]
    for text in (
        "<b>Dots</b> are each period's value: grey for common cause, blue for improvement, orange for concern, "
        "purple for a neutral change.",
        "<b>The solid black line</b> is the mean; <b>the dashed black lines</b> are the process limits, the range "
        "the process is expected to vary within. A step in the lines marks a new phase after a recorded change.",
        "<b>The red dashed line</b> is the target.",
        "<b>Blue markers along the top</b>: a triangle marks a recorded change to the process (a dotted line runs "
        "down from it), a diamond a PDSA cycle started by the work the measure watches, as on the screen.",
        "<b>Measure roles:</b> the <i>outcome</i> measure shows whether the aim is being achieved; <i>key process</i> "
        "measures show whether the changes are happening; <i>balancing</i> measures watch for harm elsewhere.",
    ):
        story.append(Paragraph(text, styles["bullet"], bulletText="•"))
    story.append(PageBreak())
    return story


def _legend_table(styles, rows: list[tuple[Image, str, str]]) -> Table:
    data = [
        [image, Paragraph(f"<b>{escape(label)}</b>", styles["cell"]), Paragraph(escape(meaning), styles["cell"])]
        for image, label, meaning in rows
    ]
    table = Table(data, colWidths=[12 * mm, 55 * mm, CONTENT_WIDTH - 67 * mm])
    table.setStyle(
        TableStyle(
            [
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, -2), 0.4, NHS_PALE_GREY),
                ("TOPPADDING", (0, 0), (-1, -1), 1.5 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1.5 * mm),
                ("LEFTPADDING", (0, 0), (0, -1), 0),
            ]
        )
    )
    return table


def _ordered_measures(view: BoardView) -> pl.DataFrame:
    """Board measures in the order of the aims on the board, outcome first, then key process, then balancing."""
    aim_order = {aim_id: i for i, aim_id in enumerate(view.aims["aim_id"].to_list())}
    return (
        view.measures.with_row_index("_row")
        .with_columns(
            pl.col("aim_id").replace_strict(aim_order, default=len(aim_order), return_dtype=pl.Int64).alias("_aim"),
            pl.col("board_role")
            .replace_strict(ROLE_ORDER, default=len(ROLE_ORDER), return_dtype=pl.Int64)
            .alias("_role"),
        )
        .sort("_aim", "_role", "_row")
        .drop("_row", "_aim", "_role")
    )


def _summary_table(styles, view: BoardView, words: Words = HEALTH) -> list:
    board = words.board.singular
    story: list = [
        _Heading(f"Summary of {board} measures", styles["h1"], level=0, key="summary"),
        Paragraph(
            f"Every {board} measure at the end of {view.month:%B %Y}, grouped by aim. Values are for "
            f"{view.month:%B %Y} unless another period is shown. The icons are explained under "
            "<i>How to read this report</i>.",
            styles["body"],
        ),
        Spacer(1, 3 * mm),
    ]
    measures = _ordered_measures(view)
    if measures.height == 0:
        story += [
            Paragraph(f"No aim has a {board} measure yet: there is nothing to summarise.", styles["body"]),
            PageBreak(),
        ]
        return story
    widths = [51 * mm, 19 * mm, 22 * mm, 20 * mm, 32 * mm]
    widths.append(CONTENT_WIDTH - sum(widths))
    cell = ParagraphStyle("summary_cell", parent=styles["cell"], fontSize=8, leading=9.5)
    role = ParagraphStyle("summary_role", parent=styles["cell_small"], fontSize=7.5, leading=9)
    head = [
        Paragraph(h, styles["cell_head"]) for h in ("Measure", "Role", "Latest", "Target", "Variation", "Assurance")
    ]
    data, commands = [head], []
    month_end = next_month(view.month)
    current_aim = object()
    for m in measures.iter_rows(named=True):
        if m["aim_id"] != current_aim:
            current_aim = m["aim_id"]
            row = len(data)
            data.append([_p(m["aim"] or "Aim not named", styles["group"]), "", "", "", "", ""])
            # An aim's band never ends a page: it stays with its first measure.
            commands += [
                ("SPAN", (0, row), (-1, row)),
                ("BACKGROUND", (0, row), (-1, row), NHS_BLUE),
                ("NOSPLIT", (0, row), (-1, row + 1)),
            ]
        has_data = m["latest_value"] is not None
        latest = (
            escape(format_value(m["latest_value"], m["decimal_places"], _unit(m["unit"]))) if has_data else "No data"
        )
        if has_data and not (view.month <= m["latest_x"] < month_end):  # a measure behind with its data says so
            latest += f"<br/><font color='#D5281B' size='7'>{escape(_period(m['latest_x'], m['frequency']))}</font>"
        data.append(
            [
                _p(m["measure"], cell),
                _p((m["board_role"] or "").capitalize(), role),
                Paragraph(latest, cell),
                _p(format_value(m["target"], m["decimal_places"], _unit(m["unit"])), cell),
                _icon_with_words(
                    _variation_image(m["variation_icon"], m["direction"], TABLE_ICON_SIZE),
                    _variation_words(m["variation_icon"], has_data, short=True),
                    cell,
                    widths[4] - 3 * mm,
                ),
                _icon_with_words(
                    _assurance_image(m["assurance_icon"], TABLE_ICON_SIZE),
                    _assurance_words(m["assurance_icon"], m["target"], short=True),
                    cell,
                    widths[5] - 3 * mm,
                ),
            ]
        )
        commands.append(("LINEBELOW", (0, len(data) - 1), (-1, len(data) - 1), 0.4, NHS_PALE_GREY))
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), NHS_PALE_GREY),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, NHS_DARK_BLUE),
                ("LEFTPADDING", (0, 0), (-1, -1), 1.5 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 1.5 * mm),
                ("TOPPADDING", (0, 0), (-1, -1), 1 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1 * mm),
                *commands,
            ]
        )
    )
    return story + [table, PageBreak()]


def _aim_pages(styles, data: PackData, view: BoardView, generated_on: dt.date) -> list:
    story: list = []
    if view.aims.height == 0:
        return [
            _Heading("Aims", styles["h1"], level=0, key="aims"),
            Paragraph("There is no active system-level aim, so there are no aim pages.", styles["body"]),
            PageBreak(),
        ]
    seen_objectives: set = set()
    for aim in view.aims.iter_rows(named=True):
        kicker = " · ".join(t for t in (aim["objective"], aim["category"]) if t) or "Strategic objective"
        if aim["objective_id"] not in seen_objectives:  # the objective's contents entry points at its first aim
            seen_objectives.add(aim["objective_id"])
            story.append(
                _Heading(
                    aim["objective"] or "Strategic objective not named",
                    styles["kicker"],
                    level=0,
                    key=f"objective-{aim['objective_id']}",
                    markup=escape(_cut(kicker, HEADING_LIMIT)),
                )
            )
        else:
            story.append(_p(kicker, styles["kicker"]))
        story += _aim_page(styles, data, view, aim, generated_on)
        story.append(PageBreak())
    return story


def _aim_page(styles, data: PackData, view: BoardView, aim: dict, generated_on: dt.date) -> list:
    story: list = [_Heading(aim["aim"] or "Aim not named", styles["h1"], level=1, key=f"aim-{aim['aim_id']}")]
    if aim["statement"]:
        story.append(_p(aim["statement"], styles["statement"], None))  # a paragraph of its own: it may run on
    unit, decimals = _unit(aim["unit"]), aim["decimal_places"]
    # The outcome measure's target is the one its chart and assurance icon use; the aim's own is the fallback.
    target = aim["measure_target"] if aim["measure_target"] is not None else aim["aim_target"]
    target_text = format_value(target, decimals, unit) if target is not None else "No target set"
    if aim["target_date"]:
        target_text += f" by {_date(aim['target_date'])}"
    has_measure = aim["measure_id"] is not None
    points = view.points.filter(pl.col("series") == aim["measure_id"]) if has_measure else view.points.clear()
    has_data = points.height > 0 and aim["latest_value"] is not None
    latest_label = f"Latest ({_period(aim['latest_x'])})" if has_data else "Latest"
    latest_text = format_value(aim["latest_value"], decimals, unit) if has_data else "No data"
    story.append(
        _key_figures(
            styles,
            [
                ("Target", target_text),
                (latest_label, latest_text),
                ("Responsible leader", aim["responsible_leader"] or "Not named"),
            ],
        )
    )

    if not has_measure:
        story += [
            Paragraph("Outcome measure", styles["h2"]),
            Paragraph(
                f"This aim has no outcome measure, so the {data.words.board} cannot see whether it is being achieved. "
                "Agree an outcome measure with the responsible leader.",
                styles["body"],
            ),
        ]
    elif not has_data:
        story += [
            Paragraph(f"Outcome measure: {escape(_cut(aim['measure'], HEADING_LIMIT) or 'not named')}", styles["h2"]),
            Paragraph(
                f"There is no data for this measure up to the end of {view.month:%B %Y}, so there is no chart yet.",
                styles["body"],
            ),
        ]
    else:
        half = CONTENT_WIDTH / 2
        words = ParagraphStyle("aim_icon_words", parent=styles["body"], fontName=styles["h2"].fontName)
        icons = Table(
            [
                [
                    _icon_with_words(
                        _variation_image(aim["variation_icon"], aim["direction"]),
                        _variation_words(aim["variation_icon"], True),
                        words,
                        half - 2 * mm,
                    ),
                    _icon_with_words(
                        _assurance_image(aim["assurance_icon"]),
                        _assurance_words(aim["assurance_icon"], aim["measure_target"]),
                        words,
                        half - 2 * mm,
                    ),
                ]
            ],
            colWidths=[half, half],
        )
        icons.setStyle(
            TableStyle(
                [
                    ("LEFTPADDING", (0, 0), (-1, -1), 0),
                    ("RIGHTPADDING", (0, 0), (-1, -1), 0),
                    ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ]
            )
        )
        chart, events = aim_chart(
            points, unit, aim["measure_target"], data.chart_notes.get(aim["measure_id"]), view.month
        )
        markers = _markers_caption(events, styles["small"])
        story += [
            Paragraph(f"Outcome measure: {escape(_cut(aim['measure'], HEADING_LIMIT) or 'not named')}", styles["h2"]),
            _chart_image(chart),
            *([markers] if markers is not None else []),
            Spacer(1, 1.5 * mm),
            icons,
        ]
        if aim["summary"]:
            story.append(_p(aim["summary"], styles["summary"], None))

    story += _projects(styles, data.aim_projects[aim["aim_id"]], view, aim, generated_on)
    flags = aim["flags"] or []
    story.append(
        KeepTogether(
            [
                Paragraph("Breaks in the golden thread", styles["h2"]),
                Paragraph(" · ".join(escape(f).replace(" ", "\u00a0") for f in flags), styles["body"])
                if flags
                else Paragraph("No breaks found in this aim's thread.", styles["body"]),
                *(
                    [
                        Paragraph(
                            "Counts include the drivers, change ideas, projects and PDSA cycles beneath this aim; the "
                            "alignment section explains each check.",
                            styles["small"],
                        )
                    ]
                    if flags
                    else []
                ),
            ]
        )
    )
    return story


def _key_figures(styles, figures: list[tuple[str, str]]) -> Table:
    """Labelled figures side by side in a pale band: the aim's target, its latest value, who is responsible."""
    label = ParagraphStyle("figure_label", parent=styles["cell_head"], fontSize=7.5, textColor=NHS_DARK_GREY)
    value = ParagraphStyle(
        "figure_value",
        parent=styles["body"],
        fontName=styles["h2"].fontName,
        fontSize=10.5,
        leading=13,
        textColor=NHS_DARK_BLUE,
    )
    width = CONTENT_WIDTH / len(figures)
    table = Table(
        [[Paragraph(escape(k), label) for k, _ in figures], [_p(v, value) for _, v in figures]],
        colWidths=[width] * len(figures),
    )
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), colors.HexColor("#F0F4F5")),
                ("LINEABOVE", (0, 0), (-1, 0), 2, NHS_BLUE),
                ("LINEAFTER", (0, 0), (-2, -1), 0.5, colors.white),
                ("VALIGN", (0, 0), (-1, -1), "TOP"),
                ("LEFTPADDING", (0, 0), (-1, -1), 3 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 3 * mm),
                ("TOPPADDING", (0, 0), (-1, 0), 2 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, 0), 0.5 * mm),
                ("BOTTOMPADDING", (0, -1), (-1, -1), 2.5 * mm),
            ]
        )
    )
    return table


def _projects(styles, projects: pl.DataFrame, view: BoardView, aim: dict, generated_on: dt.date) -> list:
    heading = Paragraph("Contributing projects", styles["h2"])
    active, cycles = aim["active_projects"] or 0, aim["cycles_in_month"] or 0
    # A published board froze its counts; the list of projects is read now, and says so.
    as_of = f" The list below is as it stands on {_date(generated_on)}." if view.published else ""
    activity = Paragraph(
        f"{active} active project{'s' if active != 1 else ''}; {cycles} PDSA cycle{'s' if cycles != 1 else ''} "
        f"started in {view.month:%B %Y}.{as_of}",
        styles["small"],
    )
    if projects.height == 0:
        return [heading, Paragraph("No improvement project serves this aim.", styles["alert"])]
    widths = [68 * mm, 44 * mm, 20 * mm, 22 * mm]
    widths.append(CONTENT_WIDTH - sum(widths))
    data = [
        [Paragraph(h, styles["cell_head"]) for h in ("Project", "Team", "Status", "Link")]
        + [Paragraph("PDSA cycles", styles["cell_head_right"])]
    ]
    for p in projects.iter_rows(named=True):
        data.append(
            [
                _p(p["project"], styles["cell"]),
                _p(p["team"] or "", styles["cell"]),
                _p(STATUS_WORDS.get(p["status"], (p["status"] or "").replace("_", " ").capitalize()), styles["cell"]),
                Paragraph("Primary" if p["is_primary"] else "Also contributes", styles["cell_small"]),
                Paragraph(str(p["pdsa_cycles"] or 0), styles["cell_right"]),
            ]
        )
    table = Table(data, colWidths=widths, repeatRows=1)
    table.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, 0), NHS_PALE_GREY),
                ("LINEBELOW", (0, 0), (-1, 0), 0.8, NHS_DARK_BLUE),
                ("LINEBELOW", (0, 1), (-1, -1), 0.4, NHS_PALE_GREY),
                ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
                ("TOPPADDING", (0, 0), (-1, -1), 1 * mm),
                ("BOTTOMPADDING", (0, 0), (-1, -1), 1 * mm),
                ("LEFTPADDING", (0, 0), (-1, -1), 1.5 * mm),
                ("RIGHTPADDING", (0, 0), (-1, -1), 1.5 * mm),
            ]
        )
    )
    return [KeepTogether([heading, activity, Spacer(1, 1.5 * mm)]), table]


def _leadership(styles, leadership: LeadershipInputs, generated_on: dt.date) -> list:
    """Leadership practice beside the aims: the latest self-assessments of the teams and the hub working on the
    aims, and the board's seven leverage points (its self-rating beside what the data can evidence), in the
    organisation's words (``leadership.words``: a school network's leadership team)."""
    from golden_thread.domain.leadership import EVIDENCE_WORDS, leverage_checklist, leverage_evidence

    board_word = leadership.words.board.singular
    story: list = [
        _Heading("Leadership practice", styles["h1"], level=0, key="leadership"),
        Paragraph(
            f"Is our leadership helping us reach the aims? The latest leadership self-assessments of the teams "
            f"and the hub working on the {board_word}'s aims, and the {board_word}'s own self-assessment against "
            f"the seven leadership leverage points, as recorded on {_date(generated_on)}.",
            styles["body"],
        ),
        Paragraph("Latest self-assessments of the teams and hub working on the aims", styles["h2"]),
    ]
    working = leadership.working
    latest = (
        working.filter(pl.col("assessment_id").is_not_null())
        .group_by("assessment_id", maintain_order=True)
        .agg(
            pl.all().exclude("aim_id", "role").first(),
            pl.col("aim_id").n_unique().alias("aims"),
            pl.col("role").first(),
        )
        .sort(
            "role",
            "organisation",
            "framework",
            "subject",
            "assessment_id",
            descending=[True, False, False, False, False],
            maintain_order=True,
        )
    )
    if latest.height == 0:
        story.append(
            Paragraph("No team or hub working on an aim has a leadership self-assessment yet.", styles["body"])
        )
    else:
        widths = [44 * mm, 50 * mm, 21 * mm, 22 * mm, 14 * mm]
        widths.append(CONTENT_WIDTH - sum(widths))
        data = [
            [Paragraph(h, styles["cell_head"]) for h in ("Team or hub", "Framework", "Assessed", "Rated by")]
            + [Paragraph("Mean", styles["cell_head_right"]), Paragraph("Growth edge", styles["cell_head"])]
        ]
        for row in latest.iter_rows(named=True):
            who = f"Self: {row['person']}" if row["subject"] == "self" else f"Team of {row['raters']}"
            unit = row["organisation"] + (" (hub)" if row["role"] == "hub" else "")
            data.append(
                [
                    _p(unit, styles["cell"]),
                    _p(row["framework"], styles["cell"]),
                    _p(format_day(row["assessed_on"]), styles["cell"]),
                    _p(who, styles["cell_small"]),
                    Paragraph(f"{format_number(row['mean_rating'], 1)} of {row['scale_max']}", styles["cell_right"]),
                    _p(row["growth_edge"] or "—", styles["cell_small"]),
                ]
            )
        story.append(_grid(data, widths))
    missing = (
        working.filter(pl.col("role") == "team")
        .group_by("organisation")
        .agg(pl.col("assessment_id").is_not_null().any().alias("assessed"))
        .filter(~pl.col("assessed"))
    )
    if missing.height:
        story.append(
            Paragraph(
                "Teams working on an aim with no self-assessment yet: "
                + escape(", ".join(sorted(missing["organisation"].to_list())))
                + ".",
                styles["small"],
            )
        )
    story.append(Paragraph(leadership.words.heading("the {board}'s seven leadership leverage points"), styles["h2"]))
    fv, board = leadership.framework, leadership.board_assessment
    if fv is None:
        return story + [
            Paragraph("The seven leverage points framework is not in this database.", styles["body"]),
            PageBreak(),
        ]
    evidence = leverage_evidence(
        leadership.evidence_facts, list(leadership.published_months), generated_on, leadership.words
    )
    checklist = leverage_checklist(fv, leadership.ratings, evidence)
    story.append(
        Paragraph(
            (
                f"The {board_word}'s self-assessment of {_date(board['assessed_on'])} ({board['raters']} members; the "
                f"median of their ratings on a scale of 1 to {fv.max_level}) "
                if board is not None
                else f"The {board_word} has not yet rated itself; "
            )
            + "beside what Golden Thread can evidence from its own data, criterion "
            "by criterion. The leadership page shows each criterion.",
            styles["small"],
        )
    )
    order = [EVIDENCE_WORDS[k] for k in ("evidenced", "partly", "missing", "not_visible")]
    widths = [70 * mm, 26 * mm]
    widths.append(CONTENT_WIDTH - sum(widths))
    data = [
        [
            Paragraph("Leverage point", styles["cell_head"]),
            Paragraph(leadership.words.heading("{board}'s rating"), styles["cell_head_right"]),
            Paragraph("What Golden Thread can evidence (criteria)", styles["cell_head"]),
        ]
    ]
    for (position, point), group in checklist.group_by(["position", "leverage_point"], maintain_order=True):
        rated = group["median"].drop_nulls()
        rating = f"{format_number(rated.median(), 1)} of {fv.max_level}" if rated.len() else "Not rated"
        counts = group["evidence_status"].value_counts()
        found = dict(zip(counts["evidence_status"].to_list(), counts["count"].to_list()))
        data.append(
            [
                _p(f"{position}. {point}", styles["cell"]),
                Paragraph(rating, styles["cell_right"]),
                _p(" · ".join(f"{found[w]} {w[0].lower()}{w[1:]}" for w in order if w in found), styles["cell_small"]),
            ]
        )
    story += [_grid(data, widths), PageBreak()]
    return story


def _alignment(
    styles,
    thread_flags: pl.DataFrame,
    project_alignment: pl.DataFrame,
    generated_on: dt.date,
    words: Words = HEALTH,
) -> list:
    division = words.division
    story: list = [
        _Heading("Alignment of improvement work", styles["h1"], level=0, key="alignment"),
        Paragraph(
            f"Whether the organisation's improvement work is connected to its system-level aims, from the data "
            f"as it stood on {_date(generated_on)}.",
            styles["body"],
        ),
        Paragraph("Breaks in the golden thread", styles["h2"]),
    ]
    by_rule = flags_by_rule(thread_flags) if thread_flags.height else pl.DataFrame()
    if by_rule.height == 0:
        story.append(
            Paragraph("No breaks found: every project serves an aim and every aim has work serving it.", styles["body"])
        )
    else:
        widths = [46 * mm, 24 * mm, 14 * mm]
        widths.append(CONTENT_WIDTH - sum(widths))
        data = [
            [
                Paragraph("Check", styles["cell_head"]),
                Paragraph("Severity", styles["cell_head"]),
                Paragraph("Count", styles["cell_head_right"]),
                Paragraph("What it means", styles["cell_head"]),
            ]
        ]
        for row in by_rule.iter_rows(named=True):
            meaning = escape(row["explanation"])
            if row["severity"] == "error":  # the breaks the board should see by name
                items = [escape(_cut(str(i), NAMED_ITEM_LIMIT)) for i in row["items"] if i is not None]
                shown = "; ".join(items[:ERRORS_NAMED]) + (
                    f"; and {len(items) - ERRORS_NAMED} more" if len(items) > ERRORS_NAMED else ""
                )
                meaning += f"<br/><font color='#231F20'>{shown}</font>" if shown else ""
            data.append(
                [
                    Paragraph(f"<b>{escape(rule_title(row['rule']))}</b>", styles["cell"]),
                    _p(SEVERITY_WORDS.get(row["severity"], row["severity"]), styles["cell"]),
                    Paragraph(str(row["count"]), styles["cell_right"]),
                    Paragraph(meaning, styles["cell_small"]),
                ]
            )
        story.append(_grid(data, widths))
    story.append(Paragraph(f"Active projects serving a system-level aim, by {division}", styles["h2"]))
    share = aligned_share_by_division(project_alignment)
    if share.height == 0:
        story.append(Paragraph("There are no active projects.", styles["body"]))
    else:
        widths = [CONTENT_WIDTH - 3 * 30 * mm, 30 * mm, 30 * mm, 30 * mm]
        data = [
            [Paragraph(division.singular.capitalize(), styles["cell_head"])]
            + [Paragraph(h, styles["cell_head_right"]) for h in ("Active projects", "Serving an aim", "Share")]
        ]
        for row in share.iter_rows(named=True):
            data.append(
                [
                    _p(row["division"] or f"No {division}", styles["cell"]),
                    Paragraph(str(row["active_projects"]), styles["cell_right"]),
                    Paragraph(str(row["aligned"]), styles["cell_right"]),
                    Paragraph(f"{row['share_aligned']:.0%}", styles["cell_right"]),
                ]
            )
        total, aligned = int(share["active_projects"].sum()), int(share["aligned"].sum())
        data.append(
            [
                Paragraph(f"<b>All {division.plural}</b>", styles["cell"]),
                Paragraph(f"<b>{total}</b>", styles["cell_right"]),
                Paragraph(f"<b>{aligned}</b>", styles["cell_right"]),
                Paragraph(f"<b>{aligned / total:.0%}</b>", styles["cell_right"]),
            ]
        )
        story.append(_grid(data, widths, total_row=True))
    return story


def _grid(data: list, widths: list[float], *, total_row: bool = False) -> Table:
    table = Table(data, colWidths=widths, repeatRows=1)
    commands = [
        ("BACKGROUND", (0, 0), (-1, 0), NHS_PALE_GREY),
        ("LINEBELOW", (0, 0), (-1, 0), 0.8, NHS_DARK_BLUE),
        ("LINEBELOW", (0, 1), (-1, -1), 0.4, NHS_PALE_GREY),
        ("VALIGN", (0, 0), (-1, -1), "MIDDLE"),
        ("TOPPADDING", (0, 0), (-1, -1), 1.2 * mm),
        ("BOTTOMPADDING", (0, 0), (-1, -1), 1.2 * mm),
        ("LEFTPADDING", (0, 0), (-1, -1), 1.5 * mm),
        ("RIGHTPADDING", (0, 0), (-1, -1), 1.5 * mm),
    ]
    if total_row:
        commands.append(("LINEABOVE", (0, -1), (-1, -1), 0.8, NHS_DARK_BLUE))
    table.setStyle(TableStyle(commands))
    return table

"""The Making Data Count summary matrix and the attention list as HTML: one drawing for the board page and the
published board page, so both show each aim in the same cell with the same icons.

The markup is ours alone: every name in it is escaped, and links are built by the caller, so the screen can
point at ``?aim=3`` and the self-contained page at ``#aim-3``.
"""

from __future__ import annotations

from collections.abc import Callable
from html import escape

import polars as pl

from golden_thread.domain.board_attention import MATRIX_COLUMNS, MATRIX_ROWS
from golden_thread.draw.icons import as_img, assurance_icon_svg, variation_icon_svg

# A representative icon for each column and row heading.
_COLUMN_ICON = {
    "improvement": ("special_cause_improvement", "Improvement"),
    "common": ("common_cause", "Common cause"),
    "concern": ("special_cause_concern", "Concern"),
    "neutral": ("special_cause_neutral_high", "Neither"),
    "none": (None, "Too few points"),
}
_ROW_ICON = {
    "pass": ("consistent_pass", "Passing"),
    "hit_and_miss": ("inconsistent", "Hit and miss"),
    "fail": ("consistent_fail", "Failing"),
    "no_target": (None, "No target"),
}
_TONE = {"good": "#E8F4FC", "bad": "#FDEEE3", "plain": "#F6F6F6"}

STYLE = """
<style>
.gt-matrix{width:100%;border-collapse:separate;border-spacing:3px;table-layout:fixed;font-size:0.88rem;
  line-height:1.25}
.gt-matrix th{font-weight:600;font-size:0.78rem;text-align:center;vertical-align:bottom;padding:2px;
  overflow-wrap:anywhere}
.gt-matrix th.gt-row{text-align:left;vertical-align:middle;width:17%}
.gt-matrix th img{display:block;margin:0 auto 2px auto;width:30px;height:30px}
.gt-matrix th.gt-row img{display:inline-block;margin:0 4px 0 0;vertical-align:middle}
.gt-matrix td{vertical-align:top;padding:6px;border-radius:6px;overflow-wrap:anywhere}
.gt-matrix td a{color:inherit;text-decoration:none;display:block;margin-bottom:4px}
.gt-matrix td a:hover{text-decoration:underline}
.gt-matrix .gt-measure{font-size:0.78rem;color:#555}
.gt-matrix .gt-aim-name{font-weight:600}
@media (max-width:640px){
  .gt-matrix{font-size:0.72rem;border-spacing:2px}
  .gt-matrix th{font-size:0.66rem}
  .gt-matrix th img{width:22px;height:22px}
  .gt-matrix th.gt-row span{display:block}
  .gt-matrix td{padding:3px}
}
.gt-visually-hidden{position:absolute;width:1px;height:1px;overflow:hidden;clip-path:inset(50%)}
.gt-attention{margin:0;padding-left:1.1rem}
.gt-attention li{margin-bottom:4px}
.gt-attention a{font-weight:600}
</style>
"""


def _tone(column: str, row: str) -> str:
    if column == "concern" or row == "fail":
        return _TONE["bad"]
    if column == "improvement" or row == "pass":
        return _TONE["good"]
    return _TONE["plain"]


def summary_matrix_html(placements: pl.DataFrame, link: Callable[[int], str]) -> str:
    """The matrix as a table: variation across, assurance down, each placement a link to its aim. Columns and
    rows no aim needs ('too few points', 'no target') appear only when something sits in them."""
    used_columns = set(placements["column"])
    used_rows = set(placements["row"])
    columns = [(key, words) for key, words in MATRIX_COLUMNS if key != "none" or key in used_columns]
    rows = [(key, words) for key, words in MATRIX_ROWS if key != "no_target" or key in used_rows]
    head = ['<th scope="col"><span class="gt-visually-hidden">Assurance ↓ / variation →</span></th>']
    for key, words in columns:
        icon, short = _COLUMN_ICON[key]
        head.append(f'<th scope="col" title="{escape(words)}">{as_img(variation_icon_svg(icon), words)}{short}</th>')
    body = []
    for row_key, row_words in rows:
        icon, short = _ROW_ICON[row_key]
        cells = [
            f'<th scope="row" class="gt-row" title="{escape(row_words)}">'
            f"{as_img(assurance_icon_svg(icon), row_words)}<span>{short}</span></th>"
        ]
        for column_key, _ in columns:
            here = placements.filter((pl.col("column") == column_key) & (pl.col("row") == row_key))
            entries = [
                f'<a href="{escape(link(item["aim_id"]))}" target="_self" title="{escape(item["measure"] or "")}">'
                + (
                    f'<span class="gt-aim-name">{escape(item["aim"])}</span>'
                    if item["board_role"] == "outcome"
                    else f'<span class="gt-measure">{escape(item["measure"])} ({escape(item["board_role"])})</span>'
                )
                + "</a>"
                for item in here.sort(pl.col("board_role") != "outcome", "aim").iter_rows(named=True)
            ]
            cells.append(f'<td style="background:{_tone(column_key, row_key)}">{"".join(entries)}</td>')
        body.append(f"<tr>{''.join(cells)}</tr>")
    return (
        '<table class="gt-matrix" aria-label="Making Data Count summary: variation across, assurance down">'
        f"<thead><tr>{''.join(head)}</tr></thead><tbody>{''.join(body)}</tbody></table>"
    )


def attention_html(needing: pl.DataFrame, link: Callable[[int], str]) -> str:
    """Each aim needing attention, a link, with its reasons in words, most pressing first."""
    items = [
        f'<li><a href="{escape(link(row["aim_id"]))}" target="_self">{escape(row["aim"])}</a>: '
        + escape("; ".join(row["reasons"]))
        + ".</li>"
        for row in needing.iter_rows(named=True)
    ]
    return f'<ul class="gt-attention">{"".join(items)}</ul>' if items else ""


def icons_with_words_html(variation: str | None, assurance: str | None, direction: str | None, size: int = 40) -> str:
    """A measure's two icons, each with its full words beside it (never cut short), for an aim's card and page."""
    from golden_thread.domain.board_attention import icon_label

    pairs = (
        (variation_icon_svg(variation, direction or "increase", size=size), icon_label(variation)),
        (assurance_icon_svg(assurance, size=size), icon_label(assurance, assurance=True)),
    )
    return (
        '<div class="gt-icons">'
        + "".join(
            f'<div style="display:flex;align-items:center;gap:8px;margin-bottom:4px">{as_img(svg, words)}'
            f"<span>{escape(words)}</span></div>"
            for svg, words in pairs
        )
        + "</div>"
    )

"""A published board as one self-contained HTML page: the front page (watch, attention, summary matrix), the icon
table and every aim with its chart, icons and words, for an intranet or a partner without an account.

Nothing in the page is fetched: charts are inline SVG, icons are data URIs, the style is in the page. Links point
at the aims further down the same page. Every name is escaped; no script is written.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from html import escape

import polars as pl

from golden_thread.domain.board_attention import icon_label
from golden_thread.domain.palette import format_value
from golden_thread.domain.vocabulary import words
from golden_thread.draw.board_matrix import STYLE, attention_html, icons_with_words_html, summary_matrix_html
from golden_thread.draw.charts import chart_events, chart_svg, spc_chart
from golden_thread.draw.icons import as_img, assurance_icon_svg, variation_icon_svg
from golden_thread.services.board import front_page, next_month
from golden_thread.services.board_pack import chart_notes, trust_name

PAGE_STYLE = """
<style>
body{font-family:"Source Sans Pro","Segoe UI",Arial,sans-serif;color:#1f2328;margin:0 auto;max-width:1100px;
  padding:16px;line-height:1.45}
h1{font-size:2rem;margin:0 0 4px 0} h2{margin-top:2rem;border-bottom:1px solid #ddd;padding-bottom:4px}
h3{margin-bottom:4px}
.gt-status{color:#555;margin:0 0 12px 0}
.gt-watch{background:#FFF6DA;border-radius:8px;padding:10px 14px;margin:10px 0;color:#5c4400}
.gt-aim{border:1px solid #ddd;border-radius:8px;padding:12px 16px;margin:14px 0}
.gt-aim svg{max-width:100%;height:auto}
.gt-figures{display:flex;flex-wrap:wrap;gap:24px;align-items:center;margin:8px 0}
.gt-figure b{display:block;font-size:1.6rem}
.gt-table{border-collapse:collapse;width:100%;font-size:0.9rem}
.gt-table th,.gt-table td{border-bottom:1px solid #e5e5e5;padding:4px 6px;text-align:left;vertical-align:middle}
.gt-table img{width:26px;height:26px;vertical-align:middle}
.gt-caption{color:#555;font-size:0.9rem}
footer{margin-top:2rem;color:#666;font-size:0.85rem}
@media (max-width:640px){.gt-table .gt-extra{display:none}}
</style>
"""


@dataclass(frozen=True)
class PageInputs:
    """What the page says beyond the board view: whose board it is and each aim chart's markers."""

    organisation: str
    events: dict[int, pl.DataFrame]  # measure_id -> chart_events(...) for that measure
    generated_on: dt.date
    report: str = "Board report"  # in the organisation's words: a school network's "Leadership team report"


def page_inputs(store, view, *, generated_on: dt.date) -> PageInputs:
    """Whose board it is and each outcome chart's markers, cut at the board month's end as the chart is."""
    events = {}
    for measure_id in view.aims["measure_id"].drop_nulls().to_list():
        points = view.points.filter(pl.col("series") == measure_id)
        if points.height:
            notes = chart_notes(store, measure_id)
            events[measure_id] = chart_events(
                notes.annotations, notes.cycles, first=points["x"].min(), before=next_month(view.month)
            )
    report = words(store.scope.vocabulary).heading("{board} report")
    return PageInputs(organisation=trust_name(store), events=events, generated_on=generated_on, report=report)


def published_board_html(store, view, *, generated_on: dt.date) -> bytes:
    """The board ``view`` as one self-contained page, encoded for a download."""
    board = words(store.scope.vocabulary).board.singular.lower()
    page = board_page_html(view, front_page(view, board=board), page_inputs(store, view, generated_on=generated_on))
    return page.encode("utf-8")


def _anchor(aim_id: int) -> str:
    return f"#aim-{aim_id}"


def _value(value: float | None, decimals: int | None, unit: str | None) -> str:
    return "" if value is None else format_value(value, decimals, unit)


def _icon_table(measures: pl.DataFrame) -> str:
    rows = []
    for m in measures.iter_rows(named=True):
        variation, assurance = icon_label(m["variation_icon"]), icon_label(m["assurance_icon"], assurance=True)
        rows.append(
            "<tr>"
            f'<td><a href="{_anchor(m["aim_id"])}">{escape(m["aim"] or "")}</a></td>'
            f"<td>{escape(m['measure'])}</td>"
            f'<td class="gt-extra">{escape(m["board_role"])}</td>'
            f"<td>{as_img(variation_icon_svg(m['variation_icon'], m['direction'] or 'increase'), variation)}"
            f'<span class="gt-extra"> {escape(variation)}</span></td>'
            f"<td>{as_img(assurance_icon_svg(m['assurance_icon']), assurance)}"
            f'<span class="gt-extra"> {escape(assurance)}</span></td>'
            f"<td>{escape(_value(m['latest_value'], m['decimal_places'], m['unit']))}</td>"
            f"<td>{escape(_value(m['target'], m['decimal_places'], m['unit']))}</td>"
            "</tr>"
        )
    return (
        '<table class="gt-table"><thead><tr><th>Aim</th><th>Measure</th><th class="gt-extra">Role</th>'
        "<th>Variation</th><th>Assurance</th><th>Latest</th><th>Target</th></tr></thead>"
        f"<tbody>{''.join(rows)}</tbody></table>"
    )


def _aim_section(aim: dict, view, front, inputs: PageInputs) -> str:
    parts = [f'<section class="gt-aim" id="aim-{aim["aim_id"]}"><h3>{escape(aim["aim"])}</h3>']
    leader = aim["responsible_leader"] or "not named"
    parts.append(f'<p class="gt-caption">{escape(aim["objective"])} · responsible leader: {escape(leader)}</p>')
    if aim["statement"]:
        parts.append(f"<p>{escape(aim['statement'])}</p>")
    for sentence in front.watch.filter(pl.col("aim_id") == aim["aim_id"])["sentence"]:
        parts.append(f'<div class="gt-watch">{escape(sentence)}</div>')
    points = view.points.filter(pl.col("series") == aim["measure_id"]) if aim["measure_id"] is not None else None
    if points is None or points.height == 0:
        parts.append("<p><b>This aim has no outcome measure with data.</b></p>")
    else:
        latest = _value(aim["latest_value"], aim["decimal_places"], aim["unit"])
        target = _value(aim["measure_target"], aim["decimal_places"], aim["unit"]) or "no target"
        parts.append(
            '<div class="gt-figures">'
            + icons_with_words_html(aim["variation_icon"], aim["assurance_icon"], aim["direction"])
            + f'<div class="gt-figure">Latest ({aim["latest_x"]:%B %Y})<b>{escape(latest)}</b></div>'
            + f'<div class="gt-figure">Target<b>{escape(target)}</b></div></div>'
        )
        parts.append(f"<p><b>{escape(aim['summary'] or '')}</b></p>")
        chart = spc_chart(
            points.sort("x"),
            title=aim["measure"] or "",
            unit=aim["unit"] or "",
            target=aim["measure_target"],
            annotations=inputs.events.get(aim["measure_id"]),
            decimals=aim["decimal_places"],
        ).properties(width=900)
        parts.append(f'<figure aria-label="{escape(aim["measure"] or "")}">{chart_svg(chart)}</figure>')
    others = view.measures.filter((pl.col("aim_id") == aim["aim_id"]) & (pl.col("board_role") != "outcome"))
    if others.height:
        parts.append("<h4>Key process and balancing measures</h4>" + _icon_table(others))
    parts.append('<p><a href="#top">Back to the summary</a></p></section>')
    return "".join(parts)


def board_page_html(view, front, inputs: PageInputs) -> str:
    """The whole page as one string (UTF-8); ``view`` a BoardView, ``front`` its FrontPage."""
    month = f"{view.month:%B %Y}"
    if view.published:
        status = (
            f"Published {view.published['published_at']:%d %B %Y} by {view.published['published_by']}: what the "
            "board saw."
        )
    else:
        status = "Draft: not yet published; figures may still change."
    body = [
        f'<header id="top"><h1>{escape(inputs.organisation)}</h1>',
        f'<p class="gt-status"><b>{escape(inputs.report)}, {escape(month)}.</b> {escape(status)}</p></header>',
    ]
    body += [f'<div class="gt-watch">{escape(sentence)}</div>' for sentence in front.watch["sentence"]]
    body.append(f"<h2>{escape(front.headline)}</h2>")
    body.append(attention_html(front.needing, _anchor))
    body.append("<h2>Where each aim stands</h2>")
    body.append(
        '<p class="gt-caption">Each aim\'s outcome measure: what its chart is doing (across) and whether it will '
        "meet its target (down), by NHS England's Making Data Count rules.</p>"
    )
    body.append(summary_matrix_html(front.placements, _anchor))
    body.append("<h2>Summary icon table</h2>" + _icon_table(view.measures))
    for (objective, _category), aims in view.aims.group_by(["objective", "category"], maintain_order=True):
        body.append(f"<h2>{escape(objective)}</h2>")
        body += [_aim_section(aim, view, front, inputs) for aim in aims.iter_rows(named=True)]
    body.append(
        f"<footer>Made by Golden Thread on {inputs.generated_on:%d %B %Y}. Charts and icons follow NHS England's "
        "Making Data Count rules; a special cause is a signal worth a conversation, not proof of its cause.</footer>"
    )
    title = escape(f"{inputs.organisation}: {inputs.report.lower()}, {month}")
    return (
        '<!DOCTYPE html><html lang="en"><head><meta charset="utf-8">'
        '<meta name="viewport" content="width=device-width, initial-scale=1">'
        f"<title>{title}</title>{STYLE}{PAGE_STYLE}</head><body>{''.join(body)}</body></html>"
    )

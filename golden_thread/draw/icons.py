"""Making Data Count's variation and assurance icons, drawn as SVG (no emoji, no image files).

Shapes follow the MDC convention: a circle in the signal's colour, with H or L for special cause
higher or lower, a flat line for common cause, and P, F or a wave for assurance. Colours come from
``charts.POINT_COLOURS`` so icon and chart always agree.
"""

from __future__ import annotations

import base64
from html import escape

from golden_thread.domain.palette import ASSURANCE_ICONS, ICONS
from golden_thread.draw.charts import POINT_COLOURS

ASSURANCE_COLOURS = {icon: ICONS[icon].colour for icon in ASSURANCE_ICONS}
TITLES = {icon: words.title for icon, words in ICONS.items()}


def _circle(colour: str, inner: str, title: str, size: int) -> str:
    return (
        f'<svg xmlns="http://www.w3.org/2000/svg" width="{size}" height="{size}" viewBox="0 0 40 40" role="img">'
        f"<title>{escape(title)}</title>"
        f'<circle cx="20" cy="20" r="18" fill="white" stroke="{colour}" stroke-width="3"/>{inner}</svg>'
    )


def _letter(text: str, colour: str) -> str:
    return (
        f'<text x="20" y="27" text-anchor="middle" font-family="Arial, sans-serif" font-size="20" '
        f'font-weight="bold" fill="{colour}">{text}</text>'
    )


def variation_icon_svg(point_type: str | None, direction: str = "increase", size: int = 40) -> str:
    if point_type is None:
        return _circle("#D9D9D9", _letter("?", "#A6A6A6"), "Too few points to judge", size)
    colour = POINT_COLOURS[point_type]
    if point_type == "common_cause":
        inner = f'<path d="M8 22 L14 18 L20 23 L26 17 L32 21" fill="none" stroke="{colour}" stroke-width="3"/>'
    else:
        high = (
            point_type.endswith(("_high",))
            or (point_type == "special_cause_improvement" and direction == "increase")
            or (point_type == "special_cause_concern" and direction == "decrease")
        )
        inner = _letter("H" if high else "L", colour)
    return _circle(colour, inner, TITLES[point_type], size)


def assurance_icon_svg(assurance: str | None, size: int = 40) -> str:
    if assurance is None:
        return _circle("#D9D9D9", _letter("–", "#A6A6A6"), TITLES[None], size)
    colour = ASSURANCE_COLOURS[assurance]
    inner = {
        "consistent_pass": _letter("P", colour),
        "consistent_fail": _letter("F", colour),
        "inconsistent": f'<path d="M8 20 Q14 10 20 20 T32 20" fill="none" stroke="{colour}" stroke-width="3"/>',
    }
    return _circle(colour, inner[assurance], TITLES[assurance], size)


def icon_uri(svg: str) -> str:
    """The SVG as a data URI, for image columns in tables and images inside charts."""
    return "data:image/svg+xml;base64," + base64.b64encode(svg.encode()).decode()


def as_img(svg: str, label: str) -> str:
    """An <img> tag carrying the SVG, for st.markdown(unsafe_allow_html=True) with our own markup only."""
    data = base64.b64encode(svg.encode()).decode()
    return f'<img src="data:image/svg+xml;base64,{data}" alt="{escape(label)}" title="{escape(label)}"/>'

"""An altair chart as the Vega-Lite spec a screen hands to Streamlit, so a screen can keep the spec (cached by the
data version) instead of converting the chart again on every run.

Converting is most of the cost of a page's charts: altair checks the whole spec against the Vega-Lite schema
each time (a few hundred milliseconds for a faceted chart). The builders in this package are checked once by
the tests (which convert with the check on), so the spec here is made without it.
"""

from __future__ import annotations

import threading

import altair as alt

# altair's theme is one setting for the whole process; charts converted at the same time must not see each
# other's. Streamlit converts charts with the empty theme ("none") too, so the spec is the one it would draw.
_THEME = threading.Lock()


def vega_spec(chart: alt.TopLevelMixin) -> dict:
    """``chart`` as a Vega-Lite spec (a dict, its data inline) for ``st.vega_lite_chart``."""
    with _THEME, alt.theme.enable("none"):
        return chart.to_dict(validate=False)

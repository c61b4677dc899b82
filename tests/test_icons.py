"""The drawn icons say the same as the statistics: colour and letter per Making Data Count."""

from __future__ import annotations

from golden_thread.draw.charts import POINT_COLOURS
from golden_thread.draw.icons import assurance_icon_svg, variation_icon_svg


def test_improvement_on_a_decrease_measure_is_a_blue_low():
    svg = variation_icon_svg("special_cause_improvement", "decrease")
    assert POINT_COLOURS["special_cause_improvement"] in svg and ">L</text>" in svg
    assert "<title>Special cause: improvement</title>" in svg


def test_concern_on_an_increase_measure_is_an_orange_low_and_common_cause_has_no_letter():
    assert ">L</text>" in variation_icon_svg("special_cause_concern", "increase")
    assert POINT_COLOURS["special_cause_concern"] in variation_icon_svg("special_cause_concern", "increase")
    assert "<text" not in variation_icon_svg("common_cause")


def test_assurance_icons_carry_pass_fail_and_hit_and_miss():
    assert ">P</text>" in assurance_icon_svg("consistent_pass")
    assert ">F</text>" in assurance_icon_svg("consistent_fail")
    assert "hit and miss" in assurance_icon_svg("inconsistent")
    assert "No assurance" in assurance_icon_svg(None)

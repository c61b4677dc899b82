"""The focus board printed for a ward's wall: one A3 landscape page, read back with pypdf.

A board is built in a copy of the demo trust (on a team that has no board yet) with an objective in each column, a
plan with an overdue action and one closed at the last huddle, and that huddle's reflection; another board is filled
past what a page can hold; a third is new and empty. The demo's own boards are printed too.
"""

from __future__ import annotations

import datetime as dt
import io
import re
import shutil
from pathlib import Path

import polars as pl
import pytest
from pypdf import PdfReader

from golden_thread.domain.enumerations import OBJECTIVE_CATEGORIES
from golden_thread.domain.focus_boards import CATEGORY_MEANINGS
from golden_thread.domain.formatting import format_day, format_value
from golden_thread.report.focus_board_pdf import focus_board_pdf
from golden_thread.services import focus_boards
from golden_thread.services.editing import save_record
from golden_thread.storage.store import Store
from tests.conftest import DEMO_TODAY

pytestmark = pytest.mark.slow
A3_LANDSCAPE = (1190.55, 841.89)
STARTED = DEMO_TODAY - dt.timedelta(days=40)  # the board and its plan were set up then
HUDDLE_DAY = DEMO_TODAY - dt.timedelta(days=7)
WHY_LATE = "We argued about the rota & the <b>bank</b> list"
NOT_WORKING = "The rota column is never updated"
CHANGES = "Start on time; name the rota owner"


def _pages(pdf: bytes) -> list[str]:
    """Each page's text with runs of whitespace as one space (wrapped lines read as one line)."""
    return [" ".join((page.extract_text() or "").split()) for page in PdfReader(io.BytesIO(pdf)).pages]


def _smallest_type(pdf: bytes) -> float:
    """The smallest type size any text on the first page is set in, in points."""
    sizes = []

    def visit(text, cm, tm, font, size):
        if text.strip():
            sizes.append(size * abs(tm[3]) * abs(cm[3]))

    PdfReader(io.BytesIO(pdf)).pages[0].extract_text(visitor_text=visit)
    return min(sizes)


def _new_board(db: Store, name: str, purpose: str | None = None) -> int:
    """A focus board on a team that has none yet (the demo may already give some teams theirs)."""
    taken = set(db.focus_boards()["unit_id"].to_list())
    teams = db.organisations().filter((pl.col("kind") == "team") & ~pl.col("id").is_in(list(taken)))
    board = {"name": name, "purpose": purpose, "huddle_rhythm": "Tuesdays 10:30 at the board", "huddle_minutes": 15}
    return save_record(
        db, "focus_board", board, username="lead", today=STARTED, placed={"unit_id": teams["id"].sort()[0]}
    )


def _objective(db: Store, board_id: int, category: str, title: str, measure_id: int | None, **link) -> None:
    objective = {
        "category": category,
        "title": title,
        "problem": "Too many falls at night when patients get up alone.",
        "focus": "Night-time rounding on bays 1 and 3.",
        "measure_id": measure_id,
        **link,
    }
    save_record(db, "focus_objective", objective, username="lead", today=STARTED, placed={"board_id": board_id})


def _action(db: Store, board_id: int, title: str, due_in: int, notes: str = "Ask at handover.") -> None:
    action = {
        "title": title,
        "owner": "Sister Jones",
        "due_date": STARTED + dt.timedelta(days=due_in),
        "status": "on_track",
        "risk_level": "high",
        "notes": notes,
    }
    focus_boards.save_action(db, action, username="lead", today=STARTED, board_id=board_id)


def _huddle(db: Store, board_id: int, closing: str) -> None:
    """Last week's huddle: it overran, and closed the action titled ``closing`` with what was learned."""
    action = db.focus_actions([board_id]).filter(pl.col("title") == closing).row(0, named=True)
    review = {
        "action_id": action["id"],
        "status": "done",
        "feedback": "Sensors are fitted",
        "learning": "Sensors cut night falls",
        "opened": focus_boards.action_opened(action),
    }
    huddle = {
        "held_on": HUDDLE_DAY,
        "attendees": "Sister Jones, Dr Patel",
        "ran_to_time": False,
        "why_not_to_time": WHY_LATE,
        "went_well": "Everyone came",
        "learned": "Sensors work at night",
        "not_working": NOT_WORKING,
        "changes_to_make": CHANGES,
    }
    focus_boards.record_huddle(db, board_id, huddle, [review], [], username="lead", today=HUDDLE_DAY)


@pytest.fixture(scope="module")
def trust(demo_db: Path, tmp_path_factory: pytest.TempPathFactory):
    """A private copy of the demo trust, seen as its people see it, for this module's boards."""
    path = tmp_path_factory.mktemp("focus_pdf") / "demo.duckdb"
    shutil.copy(demo_db, path)
    store = Store(path)
    yield store.within(store.choose_scope(None))
    store.close()


@pytest.fixture(scope="module")
def ward(trust: Store):
    """(view, pdf, page texts) of a board with an objective in each column, an overdue plan and a huddle."""
    measures = trust.measures()["id"].sort().to_list()
    board_id = _new_board(trust, "Ward focus board", purpose="Home sooner & safer <always>")
    _objective(trust, board_id, "Quality", "Fewer falls with harm on the ward", measures[0], aim_id=1)
    _objective(trust, board_id, "Efficiency", "Home before midday", measures[5], aim_id=3)
    _objective(trust, board_id, "Financial", "Less agency spend", measures[7], aim_id=4)
    _objective(trust, board_id, "People", "Team wellbeing check-ins", measures[9])  # serves no strategy
    _action(trust, board_id, "Order the new bed sensors", due_in=2)
    _action(trust, board_id, "Audit ten handovers", due_in=3)
    _action(trust, board_id, "Tally sheet in the handover folder", due_in=60)
    _huddle(trust, board_id, closing="Order the new bed sensors")
    view = focus_boards.focus_board_view(trust, board_id, DEMO_TODAY)
    pdf = focus_board_pdf(view, generated_on=DEMO_TODAY)
    return view, pdf, _pages(pdf)


def test_the_board_prints_as_one_a3_landscape_page(ward):
    _, pdf, pages = ward
    reader = PdfReader(io.BytesIO(pdf))
    assert len(pages) == 1
    box = reader.pages[0].mediabox
    assert (float(box.width), float(box.height)) == pytest.approx(A3_LANDSCAPE, abs=0.1)
    assert reader.metadata.title == "Ward focus board: focus board"


def test_the_top_band_names_the_board_its_team_purpose_huddle_and_date(ward):
    view, _, (text,) = ward
    board = view.board
    assert text.startswith("Ward focus board")
    assert f"{board['unit']} · {board['parent']}" in text
    assert "Home sooner & safer <always>" in text  # typed markup prints as typed
    assert "Huddle: Tuesdays 10:30 at the board, 15 minutes" in text
    assert f"Printed {format_day(DEMO_TODAY)}" in text and f"Last huddle: {format_day(HUDDLE_DAY)}" in text


def test_four_columns_each_with_its_meaning_and_objective(ward):
    view, _, (text,) = ward
    for category in OBJECTIVE_CATEGORIES:
        assert f"{category} {CATEGORY_MEANINGS['health'][category]}" in text
    assert "Fewer falls with harm on the ward" in text and "Team wellbeing check-ins" in text
    assert "Problem: Too many falls at night when patients get up alone." in text
    assert "Focus: Night-time rounding on bays 1 and 3." in text
    # the columns run left to right in the strategy's order
    assert [text.index(c) for c in OBJECTIVE_CATEGORIES] == sorted(text.index(c) for c in OBJECTIVE_CATEGORIES)


def test_each_objective_shows_now_against_target_to_the_measures_precision_and_what_it_serves(ward):
    view, _, (text,) = ward
    for objective in view.objectives.iter_rows(named=True):
        now = format_value(objective["latest_value"], objective["decimal_places"], objective["unit"])
        assert f"Now {now}" in text, objective["title"]
        if objective["target_value"] is not None:
            target = format_value(objective["target_value"], objective["decimal_places"], objective["unit"])
            assert f"target {target}" in text, objective["title"]
    agency = view.objectives.filter(pl.col("title") == "Less agency spend").row(0, named=True)
    assert f"Serves: {agency['aim']}" in text
    assert text.count("No strategic link") == 1  # the wellbeing check-ins serve nothing


def test_the_plan_marks_overdue_actions_and_lists_the_one_closed_since_the_huddle_with_its_learning(ward):
    _, _, (text,) = ward
    due = STARTED + dt.timedelta(days=3)
    days = (DEMO_TODAY - due).days
    assert f"Audit ten handovers Sister Jones {format_day(due)}, overdue {days} days On track High" in text
    later = STARTED + dt.timedelta(days=60)
    assert f"Tally sheet in the handover folder Sister Jones {format_day(later)} On track High" in text
    # open actions first; the closed one last, with what was learned
    assert text.index("Audit ten handovers Sister") < text.index("Tally sheet in the handover folder Sister")
    assert text.index("Tally sheet in the handover folder Sister") < text.index("Order the new bed sensors Sister")
    assert "Done High Learned: Sensors cut night falls" in text


def test_the_foot_reads_back_the_last_huddle(ward):
    _, _, (text,) = ward
    assert "Feedback from last meeting's actions" in text
    assert "Order the new bed sensors (Done): Sensors are fitted. Learned: Sensors cut night falls" in text
    assert "What went well? Everyone came" in text and "What did we learn? Sensors work at night" in text
    assert f"Did the huddle run to time? No: {WHY_LATE}" in text
    assert f"What on the board is not working? {NOT_WORKING}" in text
    assert f"What changes do we need to make? {CHANGES}" in text


def test_no_text_is_smaller_than_nine_points(ward):
    _, pdf, _ = ward
    assert _smallest_type(pdf) >= 9


def test_a_board_with_forty_actions_and_long_notes_still_fits_one_page(trust: Store):
    board_id = _new_board(trust, "Busy ward focus board")
    measures = trust.measures()["id"].sort().to_list()
    for number in range(9):
        _objective(trust, board_id, "Quality", f"Quality objective {number}", measures[number % 4], aim_id=1)
    long_notes = "The notes go on and on about the rota, the bank list and the night shift. " * 26
    for number in range(40):
        _action(trust, board_id, f"Action number {number}", due_in=1 + number, notes=long_notes)
    _huddle(trust, board_id, closing="Action number 0")
    view = focus_boards.focus_board_view(trust, board_id, DEMO_TODAY)
    pdf = focus_board_pdf(view, generated_on=DEMO_TODAY)
    (text,) = _pages(pdf)
    assert "Busy ward focus board" in text and "Action number 1 " in text
    assert "…" in text and long_notes.strip() not in text
    shown = len(set(re.findall(r"Action number (\d+) Sister Jones", text)))
    hidden = int(re.search(r"and (\d+) more open actions", text).group(1))
    assert shown + hidden == 39  # the fortieth is done, named in the feedback
    assert re.search(r"and \d+ more Quality objectives", text)
    assert f"What changes do we need to make? {CHANGES}" in text
    assert _smallest_type(pdf) >= 9


def test_a_new_board_says_what_it_is_still_missing_in_the_schools_words(trust: Store):
    board_id = _new_board(trust, "Empty focus board")
    view = focus_boards.focus_board_view(trust, board_id, DEMO_TODAY)
    (text,) = _pages(focus_board_pdf(view, vocabulary="education", generated_on=DEMO_TODAY))
    for category in OBJECTIVE_CATEGORIES:
        assert f"{category} {CATEGORY_MEANINGS['education'][category]}" in text
        assert f"No {category} objective on this board yet." in text
    assert "No open actions." in text
    assert "No huddle recorded yet" in text and "The first huddle's record will show here." in text


def test_every_board_of_the_demo_prints_on_one_page(demo: Store):
    boards = demo.focus_boards()
    if boards.height == 0:
        pytest.skip("the demo carries no focus boards of its own")
    for board in boards.iter_rows(named=True):
        view = focus_boards.focus_board_view(demo, board["id"], DEMO_TODAY)
        (text,) = _pages(focus_board_pdf(view, generated_on=DEMO_TODAY))
        assert text.startswith(board["name"]), board["name"]
        overdue = view.opening.filter(pl.col("overdue")).sort("due_date", "id")
        if overdue.height:  # the earliest due is the first row of the plan
            assert f"overdue {overdue['days_overdue'][0]} days" in text, board["name"]

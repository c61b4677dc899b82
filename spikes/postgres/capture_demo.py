"""Load the demo into a fresh DuckDB store and run the checks, the live board and every measure's chart, as a whole
trust and as one organisation (scoped reads), logging every statement (``sqllog``) to /tmp/pgspike/logs/demo.pkl."""

import datetime as dt
import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).parent))
import sqllog  # noqa: E402

sqllog.install()

from golden_thread.seed.loading import load_demo  # noqa: E402
from golden_thread.services import board, checks, measure_series  # noqa: E402
from golden_thread.storage.store import Store  # noqa: E402

TODAY = dt.date(2026, 5, 20)
path = Path("/tmp/pgspike/demo.duckdb")
path.unlink(missing_ok=True)
store = Store(path)
load_demo(store, today=TODAY)
month = board.last_complete_month(TODAY)
for seen in (store, store.within(store.choose_scope(1)), store.within(store.choose_scope(10001))):
    checks.check_thread(seen, TODAY)
    board.live_board(seen, month, TODAY)
    measure_series.measure_charts(seen)
store.close()
Path("/tmp/pgspike/logs").mkdir(parents=True, exist_ok=True)
sqllog.dump("/tmp/pgspike/logs/demo.pkl", {"capture_demo": sqllog.EVENTS})
print(len(sqllog.EVENTS), "events,", len({e[3] for e in sqllog.EVENTS if e[0] == "sql"}), "distinct statements")

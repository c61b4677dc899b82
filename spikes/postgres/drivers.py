"""psycopg 3 (rows -> polars) against ADBC (Arrow -> polars) on the replayed demo (``gt_demo_template``): the same
query, the frame each gives, its column types, and the time of 20 reads of the largest table."""

import time

import adbc_driver_postgresql.dbapi as adbc
import polars as pl
import psycopg

URI = "postgresql://postgres@/gt_demo_template?host=/tmp/pgspike&port=55432&options=-csearch_path%3Dmain"
SQL = "SELECT * FROM observation WHERE measure_id = ANY($1) ORDER BY measure_id, period_start"
IDS = list(range(1, 400))


def with_psycopg(conn) -> pl.DataFrame:
    cur = psycopg.RawCursor(conn)
    cur.execute(SQL, [IDS])
    names = [d.name for d in cur.description]
    return pl.DataFrame(cur.fetchall(), schema=names, orient="row", infer_schema_length=None)


def with_adbc(conn) -> pl.DataFrame:
    with conn.cursor() as cur:
        cur.execute(SQL, [IDS])
        return pl.from_arrow(cur.fetch_arrow_table())


pg = psycopg.connect(
    "host=/tmp/pgspike port=55432 user=postgres dbname=gt_demo_template", options="-c search_path=main"
)
ad = adbc.connect(URI)
for name, conn, read in (("psycopg", pg, with_psycopg), ("adbc", ad, with_adbc)):
    try:
        frame = read(conn)
        start = time.perf_counter()
        for _ in range(20):
            read(conn)
        print(f"{name}: {frame.shape} {dict(frame.schema)}  {(time.perf_counter() - start) / 20 * 1000:.1f} ms/read")
    except Exception as error:  # noqa: BLE001
        print(name, "FAILED", type(error).__name__, str(error)[:300])
        conn.rollback()
# Empty result: does each keep the column types?
SAVED = IDS
for name, conn, read in (("psycopg", pg, with_psycopg), ("adbc", ad, with_adbc)):
    IDS = [-1]
    try:
        print(name, "empty:", dict(read(conn).schema))
    except Exception as error:  # noqa: BLE001
        print(name, "empty FAILED", str(error)[:200])
IDS = SAVED
# Bulk write: ADBC ingest of an Arrow table into a temporary table, and psycopg COPY.
frame = with_psycopg(pg)
with ad.cursor() as cur:
    start = time.perf_counter()
    cur.adbc_ingest("obs_copy_adbc", frame.to_arrow(), mode="create", temporary=True)
    print(f"adbc_ingest {frame.height} rows: {(time.perf_counter() - start) * 1000:.1f} ms")
with pg.cursor() as cur:
    cur.execute("CREATE TEMP TABLE obs_copy_pg (LIKE observation)")
    start = time.perf_counter()
    with cur.copy(f"COPY obs_copy_pg ({', '.join(frame.columns)}) FROM STDIN") as copy:
        for row in frame.iter_rows():
            copy.write_row(row)
    print(f"psycopg COPY {frame.height} rows: {(time.perf_counter() - start) * 1000:.1f} ms")

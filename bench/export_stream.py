"""Measure the streamed exports: does memory stay flat as the rows grow?

Builds the demo council (`careaudit demo`'s year of audits) in a temporary SQLite database,
then a throwaway copy of it in which the year's audits are copied again and again (each
copy with its request, answers and moderation, under new ids) until the answers export of
the year holds about --rows rows. Each export runs in a fresh process of its own, writing
to /dev/null, and reports:

- rows, seconds, rows/s;
- the process's peak memory (VmHWM) before the export (Django loaded, the database open:
  the floor, since the export cannot use less than the process it runs in) and after it;
- the lower bound on time: Python's csv module writing the same number of rows, of the
  same width (the export's own first rows, over and over), from memory to /dev/null.

With --in-memory the one-month and the year's exports also run the way `write_export`
worked before it streamed (every row in a list, then the file in one piece), for contrast.

    uv run python bench/export_stream.py                 # about a million answers
    uv run python bench/export_stream.py --rows 200000   # quicker
    uv run python bench/export_stream.py --big-formats csv,json,xlsx-formatted

The figure to read: "peak - floor" stays within a few MB from one month to a million rows.
"""

import argparse
import csv
import dataclasses
import io
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from itertools import cycle, islice
from pathlib import Path

HERE = Path(__file__).resolve().parent
CHILD_TIMEOUT = 1200  # seconds an export may take before the run gives up on it


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--rows", type=int, default=1_000_000, help="answers in the big set")
    parser.add_argument(
        "--formats",
        default="csv,json,xlsx,xlsx-formatted",
        help="formats of the year's export (default: all four)",
    )
    parser.add_argument(
        "--big-formats", default="csv,json", help="formats of the big export (default csv,json)"
    )
    parser.add_argument("--in-memory", action="store_true", help="also the old, unstreamed way")
    parser.add_argument("--child", help=argparse.SUPPRESS)  # JSON: one export to measure
    args = parser.parse_args()
    if args.child:
        return child(json.loads(args.child))

    work = Path(tempfile.mkdtemp(prefix="careaudit-bench-export-"))
    try:
        run(args, work)
    finally:
        shutil.rmtree(work, ignore_errors=True)


def run(args, work: Path) -> None:
    demo = work / "demo.sqlite3"
    started = time.perf_counter()
    months = measure(dict(step="demo", db=str(demo)))
    print(f"demo council built in {time.perf_counter() - started:.0f} s")
    print("months with requests: " + ", ".join(months["months"]))
    year = months["months"][-12:]
    one = year[-1]
    big = work / "big.sqlite3"
    started = time.perf_counter()
    copies = multiply(demo, big, since=year[0], until=year[-1], rows=args.rows)
    print(f"month: {one}; year: {year[0]} to {year[-1]} ({len(year)} months with requests)")
    print(
        f"big: the year with its audits copied {copies} times over, under new ids, in a "
        f"throwaway copy of the database ({time.perf_counter() - started:.0f} s)\n"
    )

    runs = [("month", demo, one, one, "answers", "csv")]
    runs += [("year", demo, year[0], year[-1], "answers", f) for f in split(args.formats)]
    runs += [("year", demo, year[0], year[-1], kind, "csv") for kind in ("requests", "audits")]
    runs += [("big", big, year[0], year[-1], "answers", f) for f in split(args.big_formats)]
    header = (
        f"{'export':<30}{'rows':>10}{'seconds':>9}{'rows/s':>9}"
        f"{'floor s':>9}{'× floor':>8}{'MB':>8}{'floor MB':>9}{'peak-floor':>11}"
    )
    print(header)
    print("-" * len(header))
    results = []
    for label, db, since, until, kind, fmt in runs:
        unstreamable = label == "big" or fmt not in ("csv", "json")
        modes = ["stream"] + (["in memory"] if args.in_memory and not unstreamable else [])
        for mode in modes:
            result = measure(
                dict(
                    step="export",
                    db=str(db),
                    kind=kind,
                    since=since,
                    until=until,
                    format=fmt,
                    in_memory=mode == "in memory",
                )
            )
            name = f"{kind} {fmt}, {label}"
            if mode == "in memory":
                name = "  …in memory, as before"
            results.append(result | {"name": name})
            print(
                f"{name:<30}{result['rows']:>10,}{result['seconds']:>9.2f}"
                f"{result['rows'] / max(result['seconds'], 1e-9):>9,.0f}"
                f"{result['floor_seconds']:>9.2f}"
                f"{result['seconds'] / max(result['floor_seconds'], 1e-9):>8.0f}"
                f"{result['peak_mb']:>8.1f}{result['before_mb']:>9.1f}"
                f"{result['peak_mb'] - result['before_mb']:>11.1f}"
            )
    streamed = [r for r in results if not r["in_memory"] and r["format"] == "csv"]
    streamed = [r for r in streamed if r["kind"] == "answers"]
    smallest, largest = (
        min(streamed, key=lambda r: r["rows"]),
        max(streamed, key=lambda r: r["rows"]),
    )
    print(
        f"\nanswers csv: {smallest['rows']:,} → {largest['rows']:,} rows "
        f"(×{largest['rows'] / max(smallest['rows'], 1):,.0f}); memory above the floor "
        f"{smallest['peak_mb'] - smallest['before_mb']:.1f} MB → "
        f"{largest['peak_mb'] - largest['before_mb']:.1f} MB"
    )


def split(text: str) -> list[str]:
    return [part for part in text.split(",") if part]


def measure(job: dict) -> dict:
    """Run one step in a fresh process and return what it printed (JSON, on its last line)."""
    done = subprocess.run(  # noqa: S603 (this script, with its own arguments)
        [sys.executable, str(Path(__file__).resolve()), "--child", json.dumps(job)],
        capture_output=True,
        text=True,
        timeout=CHILD_TIMEOUT,
        check=False,
    )
    if done.returncode:
        sys.exit(f"{job['step']} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def multiply(demo: Path, big: Path, *, since: str, until: str, rows: int) -> int:
    """Copy the demo database to `big`, then copy the year's audits (with their requests,
    answers and moderations, under new ids) until the year's answers number about `rows`.
    Returns the number of copies made."""
    shutil.copyfile(demo, big)
    db = sqlite3.connect(big)
    db.execute("PRAGMA foreign_keys=OFF")
    first, last = f"{since}-01", f"{until}-01"
    year = (
        "SELECT a.id FROM audits_audit a JOIN programme_auditrequest r ON r.id = a.request_id "
        "WHERE r.month BETWEEN ? AND ?"
    )
    answers = db.execute(
        f"SELECT count(*) FROM audits_answer WHERE audit_id IN ({year})",  # noqa: S608
        (first, last),
    ).fetchone()[0]
    copies = max(0, round(rows / max(answers, 1)) - 1)
    offset = 1 + max(
        db.execute(f"SELECT coalesce(max(id), 0) FROM {table}").fetchone()[0]  # noqa: S608
        for table in TABLES
    )
    db.execute("CREATE TEMP TABLE year_audit (id INTEGER PRIMARY KEY)")
    db.execute(f"INSERT INTO year_audit {year}", (first, last))
    for copy in range(1, copies + 1):
        shift = copy * offset
        for table, where in TABLES.items():
            columns = [row[1] for row in db.execute(f"PRAGMA table_info({table})")]
            shifted = {row[3] for row in db.execute(f"PRAGMA foreign_key_list({table})")}
            shifted = {c for c in shifted if references(db, table, c) in TABLES} | {"id"}
            values = [
                f"{c} + {shift}" if c in shifted else ("NULL" if c == "draw_id" else c)
                for c in columns
            ]
            db.execute(
                f"INSERT INTO {table} ({', '.join(columns)}) "  # noqa: S608 (names from the schema)
                f"SELECT {', '.join(values)} FROM {table} WHERE {where}"
            )
    db.commit()
    db.execute("ANALYZE")
    db.close()
    return copies


# The tables a copy of an audit takes with it, and which of their rows are the year's.
TABLES = {
    "programme_auditrequest": "id IN (SELECT request_id FROM audits_audit "
    "WHERE id IN (SELECT id FROM year_audit))",
    "audits_audit": "id IN (SELECT id FROM year_audit)",
    "audits_answer": "audit_id IN (SELECT id FROM year_audit)",
    "audits_moderation": "audit_id IN (SELECT id FROM year_audit)",
    "audits_moderationanswer": "moderation_id IN (SELECT id FROM audits_moderation "
    "WHERE audit_id IN (SELECT id FROM year_audit))",
}


def references(db, table: str, column: str) -> str:
    for row in db.execute(f"PRAGMA foreign_key_list({table})"):
        if row[3] == column:
            return row[2]
    return ""


def peak_mb() -> float:
    """The process's peak resident memory so far (VmHWM), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    raise RuntimeError("no VmHWM in /proc/self/status")


def child(job: dict) -> None:
    sys.path.insert(0, str(HERE))
    from _django import start_django

    start_django(LOG_LEVEL="ERROR", BENCH_DATABASE_URL=f"sqlite:///{job['db']}")
    if job["step"] == "demo":
        return build(job)
    return export(job)


def build(job: dict) -> None:
    from django.core.management import call_command
    from django.utils import timezone

    from careaudit.portal.demo import build_demo
    from careaudit.programme.models import AuditRequest

    call_command("migrate", verbosity=0)
    build_demo(timezone.localdate())
    months = AuditRequest.objects.order_by("month").values_list("month", flat=True).distinct()
    print(json.dumps({"months": [f"{m:%Y-%m}" for m in months]}))


def export(job: dict) -> None:
    import openpyxl  # noqa: F401  (loaded before the floor: it is code, not rows)
    from django.db import connection

    from careaudit.core.exports import EXPORTS, ExportQuery, cell, write_export
    from careaudit.lib.dates import parse_month

    kind = EXPORTS[job["kind"]]
    query = ExportQuery(since=parse_month(job["since"]), until=parse_month(job["until"]))
    connection.ensure_connection()
    counted = Counted(kind.rows)
    kind = dataclasses.replace(kind, rows=counted)
    before = peak_mb()

    started = time.perf_counter()
    with open(os.devnull, "wb") as out:
        if job["in_memory"]:
            out.write(unstreamed(kind, query, job["format"]))
        else:
            for piece in write_export(kind, query, job["format"]):
                out.write(piece)
    seconds = time.perf_counter() - started
    peak = peak_mb()

    # The lower bound on time: the csv module writing as many rows of the same width.
    sample = [[cell(row[c]) for c in kind.columns] for row in islice(kind.rows(query), 1000)]
    started = time.perf_counter()
    with open(os.devnull, "w", newline="") as out:
        writer = csv.writer(out, lineterminator="\n")
        writer.writerow(kind.columns)
        writer.writerows(islice(cycle(sample or [[""] * len(kind.columns)]), counted.rows))
    floor_seconds = time.perf_counter() - started
    print(
        json.dumps(
            {
                "kind": job["kind"],
                "format": job["format"],
                "in_memory": job["in_memory"],
                "rows": counted.rows,
                "seconds": seconds,
                "floor_seconds": floor_seconds,
                "before_mb": before,
                "peak_mb": peak,
            }
        )
    )


class Counted:
    """A kind's rows function that counts the rows it yields (the first call only)."""

    def __init__(self, rows):
        self.inner, self.rows, self.calls = rows, 0, 0

    def __call__(self, query):
        self.calls += 1
        for row in self.inner(query):
            if self.calls == 1:
                self.rows += 1
            yield row


def unstreamed(kind, query, fmt: str) -> bytes:
    """The export as `write_export` made it before it streamed: every row in a list first."""
    from careaudit.core.exports import cell

    rows = [{c: cell(row[c]) for c in kind.columns} for row in kind.rows(query)]
    if fmt == "json":
        return (json.dumps(rows, indent=2, ensure_ascii=False) + "\n").encode()
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(kind.columns)
    writer.writerows([row[c] for c in kind.columns] for row in rows)
    return out.getvalue().encode()


if __name__ == "__main__":
    main()

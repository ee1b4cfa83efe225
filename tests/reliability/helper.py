"""Run by the reliability tests as a separate process, with its own Django set-up.

The database is whatever the environment names (DATABASE_URL, or the SQLite file in
CAREAUDIT_DATA_DIR), never the test suite's. Subcommands:

    prepare [--start-audit]   `careaudit migrate`, build the test council (and draw
                              October and start an audit; prints its id and version)
    pause-run-cycle POINT DATE MARKER
                              `careaudit run_cycle --date DATE`, which stops at POINT,
                              touches MARKER and waits there to be killed
    check-cycle DATE          the month's draws and requests, the plan the committed seed
                              gives, and what a further `run_cycle` creates (JSON)
    client AUDIT ACKS STOP    save answers in a loop until STOP exists; append each
                              acknowledged save to ACKS as "criterion_id,value,lock_version"
    verify AUDIT              the audit's stored answers and version (JSON)
"""

import io
import json
import os
import sys
import time
from datetime import date
from pathlib import Path

REPO_ROOT = Path(__file__).resolve().parents[2]


def setup_django() -> None:
    sys.path.insert(0, str(REPO_ROOT))
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careaudit.settings")
    import django

    django.setup()


def prepare(start_audit: bool) -> dict:
    from careaudit import cli
    from tests.programme.conftest import build_council

    cli.main(["careaudit", "migrate", "--verbosity", "0"])  # `careaudit migrate`
    build_council(cases_per_worker=2)
    if not start_audit:
        return {}
    from careaudit.audits import services
    from careaudit.programme.cycle import run_cycle
    from careaudit.programme.models import AuditRequest, RequestMode

    run_cycle(date(2023, 10, 2))
    request = (
        AuditRequest.objects.filter(mode=RequestMode.PEER, case__isnull=False)
        .order_by("pk")
        .first()
    )
    audit = services.audit_start(audit_request=request, by=request.auditor)
    return {"audit": audit.pk, "lock_version": audit.lock_version}


# --- run_cycle, stopped at a chosen point ----------------------------------------------

PAUSE_POINTS = ("draw-uncommitted", "draw-committed", "requests-uncommitted", "requests-committed")


def pause_run_cycle(point: str, on: str, marker: Path) -> None:
    """Run the real command, stopping for good at `point` (the test then kills us).

    draw-uncommitted      the month's draw (its seed) inserted, its transaction still open
    draw-committed        the draw committed, no request created yet
    requests-uncommitted  every request and event inserted and the draw marked complete,
                          in the one transaction that is not yet committed
    requests-committed    that transaction committed, with the month's "audits to do"
                          emails in the outbox, and not one of them sent yet: the first
                          send after the commit stops before it claims anything
    """
    from careaudit import cli
    from careaudit.core import notify
    from careaudit.programme import cycle
    from careaudit.programme.models import MonthlyDraw

    def wait_here() -> None:
        marker.write_text(point)
        time.sleep(600)  # killed long before

    if point == "requests-committed":
        # `send_email` sends each row with `transaction.on_commit(lambda: deliver(...))`,
        # which looks `deliver` up when the commit runs it.
        deliver = notify.deliver

        def paused_deliver(*args, **kwargs):
            if MonthlyDraw.objects.filter(completed_at__isnull=False).exists():
                wait_here()
            return deliver(*args, **kwargs)

        notify.deliver = paused_deliver
    elif point == "draw-committed":
        create_requests = cycle._create_requests

        def paused_create_requests(*args, **kwargs):
            wait_here()
            return create_requests(*args, **kwargs)

        cycle._create_requests = paused_create_requests
    else:
        save = MonthlyDraw.save

        def paused_save(self, *args, **kwargs):
            save(self, *args, **kwargs)
            if point == "draw-uncommitted" and kwargs.get("force_insert"):
                wait_here()
            if point == "requests-uncommitted" and "completed_at" in (
                kwargs.get("update_fields") or ()
            ):
                wait_here()

        MonthlyDraw.save = paused_save
    cli.main(["careaudit", "run_cycle", "--date", on])
    raise SystemExit(f"run_cycle finished without reaching {point}")


def check_cycle(on: str) -> dict:
    from django.core.management import call_command

    from careaudit.lib.dates import month_start
    from careaudit.programme.cycle import plan_for_draw
    from careaudit.programme.models import AuditRequest, MonthlyDraw

    month = month_start(date.fromisoformat(on))
    draws = list(MonthlyDraw.objects.filter(month=month))
    requests = list(
        AuditRequest.objects.filter(month=month).values_list(
            "draw_id", "auditor_id", "mode", "slot", "case_id", "seed"
        )
    )
    result = {
        "draws": [
            {"id": d.pk, "seed": d.seed, "completed": d.completed_at is not None} for d in draws
        ],
        "requests": [list(row) for row in requests],
        "plan": [],
    }
    if len(draws) == 1:
        plan, _staff = plan_for_draw(draws[0])
        result["plan"] = [[p.auditor_id, p.mode, p.slot, p.case_id] for p in plan]
    total = AuditRequest.objects.count()
    call_command("run_cycle", date=on, stdout=io.StringIO())
    result["created_by_a_further_run"] = AuditRequest.objects.count() - total
    result["draws_after_a_further_run"] = MonthlyDraw.objects.filter(month=month).count()
    return result


# --- The scripted client of the fault test ---------------------------------------------


def client(audit_pk: int, acks: Path, stop: Path) -> None:
    """Save answers one after another, as an auditor filling in the form would.

    A save is acknowledged when `answer_save` returns. A database error means it was not:
    the client reconnects, reads the audit's current version and tries the same answer
    again, until it is acknowledged. It stops only after an acknowledged save, so the
    last thing it did is known to have been stored.
    """
    from django.db.utils import InterfaceError, OperationalError

    from careaudit.audits import services
    from careaudit.audits.models import Audit
    from careaudit.lib import scoring

    audit = Audit.objects.select_related("auditor").get(pk=audit_pk)
    criteria = [c for c in services.criteria_of(audit) if scoring.is_scored(c.scale)][:8]
    by = audit.auditor
    saves = failures = conflicts = 0
    with acks.open("a") as log:
        while not stop.exists():
            criterion = criteria[saves % len(criteria)]
            choices = [v for v, _label in scoring.scale_choices(criterion.scale)]
            value = choices[(saves // len(criteria)) % len(choices)]
            while True:
                try:
                    services.answer_save(
                        audit=audit,
                        criterion=criterion,
                        by=by,
                        lock_version=audit.lock_version,
                        value=value,
                    )
                    break
                except (OperationalError, InterfaceError, services.EditConflict) as error:
                    failures += 1
                    conflicts += isinstance(error, services.EditConflict)
                    print(f"not acknowledged: {type(error).__name__}: {error}", file=sys.stderr)
                    audit = _reload(audit_pk)
            log.write(f"{criterion.pk},{value},{audit.lock_version}\n")
            log.flush()
            saves += 1
    print(json.dumps({"saves": saves, "failures": failures, "conflicts": conflicts}))


def _reload(audit_pk: int):
    """The audit as stored, once the database answers again."""
    from django.db import close_old_connections
    from django.db.utils import InterfaceError, OperationalError

    from careaudit.audits.models import Audit

    while True:
        # What Django does at the start of every request: drop a connection that failed.
        close_old_connections()
        time.sleep(0.05)
        try:
            return Audit.objects.select_related("auditor").get(pk=audit_pk)
        except (OperationalError, InterfaceError) as error:
            print(f"waiting for the database: {type(error).__name__}: {error}", file=sys.stderr)


def verify(audit_pk: int) -> dict:
    from careaudit.audits import services
    from careaudit.audits.models import Audit
    from careaudit.lib import scoring

    audit = Audit.objects.get(pk=audit_pk)
    criteria = {c.pk: c for c in services.criteria_of(audit)}
    answers = []
    for answer in audit.answers.order_by("updated_at", "pk"):
        criterion = criteria.get(answer.criterion_id)
        valid = criterion is not None
        if valid:
            try:
                scoring.check_answer(criterion.scale, answer.value)
            except ValueError:
                valid = False
        answers.append(
            {
                "criterion": answer.criterion_id,
                "value": answer.value,
                "valid": valid and answer.value != "",
                "updated_at": answer.updated_at.isoformat(),
            }
        )
    result, rating = services.compute_result(audit)
    return {
        "lock_version": audit.lock_version,
        "updated_at": audit.updated_at.isoformat(),
        "answers": answers,
        "stored_result": [
            None if audit.score_percent is None else float(audit.score_percent),
            audit.rating_code,
        ],
        "recomputed_result": [
            None if result.score is None else round(result.score, 1),
            rating.code if rating else "",
        ],
    }


def main(argv: list[str]) -> None:
    command, args = argv[0], argv[1:]
    setup_django()
    if command == "prepare":
        print(json.dumps(prepare(start_audit="--start-audit" in args)))
    elif command == "pause-run-cycle" and args[0] in PAUSE_POINTS:
        pause_run_cycle(args[0], args[1], Path(args[2]))
    elif command == "check-cycle":
        print(json.dumps(check_cycle(args[0])))
    elif command == "client":
        client(int(args[0]), Path(args[1]), Path(args[2]))
    elif command == "verify":
        print(json.dumps(verify(int(args[0]))))
    else:
        raise SystemExit(f"unknown command: {' '.join(argv)}")


if __name__ == "__main__":
    main(sys.argv[1:])

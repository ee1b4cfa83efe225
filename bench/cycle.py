"""Time the monthly draw (`plan_month`) and a full `run_cycle` for a large council.

Builds a synthetic council in a temporary SQLite database (or the PostgreSQL database
named by BENCH_DATABASE_URL), then prints timings and query counts.
"""

import argparse
import random
import time
from datetime import date

from _django import start_django


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--staff", type=int, default=1500, help="practitioners (default 1500)")
    parser.add_argument("--cases", type=int, default=20000, help="cases (default 20000)")
    parser.add_argument("--teams", type=int, default=60)
    args = parser.parse_args()

    start_django()
    from django.core.management import call_command
    from django.db import connection
    from django.test.utils import CaptureQueriesContext, override_settings

    call_command("migrate", verbosity=0)
    started = time.perf_counter()
    build(args.staff, args.cases, args.teams)
    print(f"built {args.staff} practitioners, {args.cases} cases in {args.teams} teams: "
          f"{time.perf_counter() - started:.1f} s")  # fmt: skip

    from careaudit.programme.cycle import plan_for_draw, run_cycle
    from careaudit.programme.models import AuditRequest, MonthlyDraw

    with override_settings(EMAIL_BACKEND="django.core.mail.backends.locmem.EmailBackend"):
        with CaptureQueriesContext(connection) as queries:
            started = time.perf_counter()
            report = run_cycle(date(2023, 10, 2))
            elapsed = time.perf_counter() - started
        print(f"run_cycle, first working day: {elapsed:.2f} s, {len(queries)} queries, "
              f"{report.created} requests")  # fmt: skip
        draw = MonthlyDraw.objects.get()
        started = time.perf_counter()
        plan, _ = plan_for_draw(draw)
        print(f"re-draw with the seed (plan only): {time.perf_counter() - started:.2f} s, "
              f"{len(plan)} planned")  # fmt: skip
        started = time.perf_counter()
        run_cycle(date(2023, 10, 2))
        print(f"run_cycle again (nothing to do): {time.perf_counter() - started:.2f} s")
        print(f"requests stored: {AuditRequest.objects.count()}")


def build(practitioners: int, cases: int, teams: int) -> None:
    from careaudit.accounts.models import User
    from careaudit.cases.models import Case
    from careaudit.organisation.models import Organisation, Role, Service, StaffMember, Team
    from careaudit.programme.services import find_template, programme_create_from_template
    from careaudit.standards.pack_io import pack_load
    from careaudit.standards.packfile import load_builtin

    rng = random.Random(1)
    org = Organisation.objects.create(code="bench", name="Bench Council")
    framework = pack_load(load_builtin("practice-quality")).framework
    programme_create_from_template(
        organisation=org, template=find_template(framework), start=date(2023, 9, 1)
    )
    roles = {r.name: r for r in Role.objects.filter(organisation=None)}
    services = [Service.objects.create(organisation=org, name=f"Service {i}") for i in range(6)]
    team_rows = [
        Team.objects.create(service=services[i % 6], name=f"Team {i}") for i in range(teams)
    ]
    users = User.objects.bulk_create(
        User(email=f"p{i}@bench.example", full_name=f"Person {i}", password="!")
        for i in range(practitioners + teams + 6)
    )
    staff = []
    for i, team in enumerate(team_rows):
        staff.append(
            StaffMember(
                organisation=org,
                user=users[i],
                role=roles["Advanced Practitioner"],
                team=team,
                service=team.service,
                start_date=date(2020, 1, 1),
            )
        )
    for i, service in enumerate(services):
        staff.append(
            StaffMember(
                organisation=org,
                user=users[teams + i],
                role=roles["Service Manager"],
                service=service,
                start_date=date(2020, 1, 1),
            )
        )
    practitioner_roles = [
        "Social Worker",
        "Social Worker",
        "Occupational Therapist",
        "Adult Social Care Practitioner",
    ]
    for i in range(practitioners):
        team = team_rows[i % teams]
        staff.append(
            StaffMember(
                organisation=org,
                user=users[teams + 6 + i],
                role=roles[rng.choice(practitioner_roles)],
                team=team,
                service=team.service,
                start_date=date(2020, 1, 1),
            )
        )
    staff = StaffMember.objects.bulk_create(staff)
    workers = staff[teams + 6 :]
    Case.objects.bulk_create(
        Case(
            organisation=org, case_ref=f"C{i:06d}", team_id=(w := rng.choice(workers)).team_id,
            worker=w, status="open", opened_on=date(2022, 1, 1),
        )
        for i in range(cases)
    )  # fmt: skip


if __name__ == "__main__":
    main()

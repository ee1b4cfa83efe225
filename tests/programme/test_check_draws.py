"""`careaudit check_draws`: every month re-drawn from its seed and compared with what is stored.

The council is run the way production runs it: September drawn by the daily tick, its
sampled audits submitted, then October's tick, which draws October and samples September
for moderation.
"""

from datetime import date
from io import StringIO

import pytest
from django.core.management import CommandError, call_command

from careaudit.audits.models import Moderation
from careaudit.cases.models import Case
from careaudit.programme.cycle import run_cycle
from careaudit.programme.fairness import redraw_check
from careaudit.programme.management.commands.check_draws import reproduced_line
from careaudit.programme.models import AuditRequest, MonthlyDraw, RequestMode
from careaudit.programme.services import request_pick_case
from tests.audits.conftest import submitted_audit
from tests.conftest import built_once
from tests.programme.conftest import SEPTEMBER, Council, an_administrator, build_council

pytestmark = pytest.mark.django_db

OCTOBER = date(2023, 10, 1)


def run_two_months() -> Council:
    council = build_council()
    run_cycle(SEPTEMBER)
    for request in AuditRequest.objects.filter(
        month=SEPTEMBER, mode=RequestMode.SAMPLE, case__isnull=False
    ):
        submitted_audit(request)
    run_cycle(date(2023, 10, 2))  # October's draw, and September's moderation sample
    return council


@pytest.fixture(scope="module")
def _two_months_once(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, run_two_months)


@pytest.fixture
def council(_two_months_once, request, db) -> Council:
    return _two_months_once.for_test(request)


def check_draws(*options: str) -> str:
    """What the command printed; raises CommandError (exit status 1) if a draw differs."""
    out = StringIO()
    call_command("check_draws", *options, stdout=out)
    return out.getvalue()


def test_every_month_the_daily_tick_drew_reproduces_after_moderation(council):
    assert Moderation.objects.filter(request__month=SEPTEMBER).exists()
    september, october = (
        MonthlyDraw.objects.get(month=month).requests.count() for month in (SEPTEMBER, OCTOBER)
    )

    printed = check_draws()

    assert f"September 2023: {september} requests reproduce\n" in printed
    assert f"October 2023: {october} requests reproduce\n" in printed
    assert printed.count("requests reproduce") == 2  # one line a month
    assert "All 2 draws reproduce from their seeds." in printed


def test_a_request_whose_case_was_changed_behind_its_back_is_caught(council):
    sample = (
        AuditRequest.objects.filter(month=OCTOBER, mode=RequestMode.SAMPLE, case__isnull=False)
        .select_related("case", "auditor__user")
        .first()
    )
    other = Case.objects.exclude(
        pk__in=AuditRequest.objects.filter(case__isnull=False).values("case_id")
    ).first()
    AuditRequest.objects.filter(pk=sample.pk).update(case=other)  # not through the product

    out = StringIO()
    with pytest.raises(CommandError) as raised:
        call_command("check_draws", stdout=out)

    assert raised.value.returncode == 1
    assert "1 of 2 months" in str(raised.value)
    printed = out.getvalue()
    assert "September 2023: " in printed and "requests reproduce" in printed
    assert "October 2023: the re-draw differs from the stored requests in 1 place\n" in printed
    assert (
        f"{sample.auditor.full_name}, Sample {sample.slot}: stored case {other.case_ref}; "
        f"re-draw case {sample.case.case_ref}"
    ) in printed


def test_a_self_audit_case_chosen_after_the_next_draw_does_not_change_that_draw(council):
    """A practitioner may choose last month's self-audit case late. Choosing one that the next
    month's draw gave someone else changes nothing about how that draw was made."""
    october = MonthlyDraw.objects.get(month=OCTOBER)
    taken = (
        october.requests.filter(case__worker__isnull=False)
        .exclude(mode=RequestMode.SELF)
        .select_related("case")
    )
    waiting = {
        r.auditor_id: r for r in AuditRequest.objects.filter(month=SEPTEMBER, mode=RequestMode.SELF)
    }
    late = next(r for r in taken if r.case.worker_id in waiting)
    request_pick_case(
        audit_request=waiting[late.case.worker_id], case=late.case, by=late.case.worker
    )

    check = redraw_check(october)

    assert check.reproduced, check.differences


def test_the_redraw_page_gives_the_same_answer_as_the_command(council, login):
    lead = an_administrator(council.organisation)

    check = login(lead).get(f"/programme/{council.programme.pk}/2023-9/redraw").context["check"]

    assert check.reproduced
    assert check.compared == MonthlyDraw.objects.get(month=SEPTEMBER).requests.count()


def test_the_programme_and_month_options_choose_the_draws_checked(council):
    printed = check_draws("--programme", str(council.programme.pk), "--month", "2023-10")

    assert "October 2023: " in printed
    assert "September 2023" not in printed
    assert printed.endswith("The draw reproduces from its seed.\n")
    assert check_draws("--month", "2024-02") == (
        "No draws to check: no month in February 2024 has been drawn yet.\n"
    )


@pytest.mark.parametrize("month", ["2023-13", "October 2023", "2023-10-01", ""])
def test_a_month_not_written_as_year_and_month_is_refused_clearly(council, month):
    with pytest.raises(CommandError, match="is not a month: write it as YYYY-MM"):
        check_draws("--month", month)


def test_an_unknown_programme_is_refused_clearly(council):
    with pytest.raises(CommandError, match="There is no programme 999999"):
        check_draws("--programme", "999999")


@pytest.mark.parametrize(
    ("months", "reaudits", "line"),
    [
        (1, 0, "The draw reproduces from its seed."),
        (0, 1, "The re-audit draw reproduces from its seed."),
        (10, 0, "All 10 draws reproduce from their seeds."),
        (0, 3, "All 3 re-audit draws reproduce from their seeds."),
        (10, 2, "All 12 draws reproduce from their seeds: 10 monthly draws and 2 re-audit draws."),
        (1, 1, "All 2 draws reproduce from their seeds: 1 monthly draw and 1 re-audit draw."),
    ],
)
def test_the_last_line_counts_every_draw_checked_the_reaudits_included(months, reaudits, line):
    assert reproduced_line(months, reaudits) == line

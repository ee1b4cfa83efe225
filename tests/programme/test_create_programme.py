from datetime import date

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from careaudit.programme.models import Programme, ProgrammeStatus
from tests.factories import OrganisationFactory

pytestmark = pytest.mark.django_db


def test_create_programme_makes_an_active_year_from_the_template_skipping_august_and_december(
    capsys,
):
    OrganisationFactory(code="somerset")

    call_command("create_programme", "--template", "practice-quality", "--start", "2023-09")

    programme = Programme.objects.get()
    assert programme.status == ProgrammeStatus.ACTIVE
    assert programme.name.endswith("2023/24")
    audited = {m.month: m.standard.code for m in programme.timetable_months()}
    assert audited[date(2023, 9, 1)] == "PQ1"
    assert audited[date(2024, 1, 1)] == "PQ4"
    assert audited[date(2024, 7, 1)] == "PQ10"
    assert date(2023, 12, 1) not in audited and date(2024, 8, 1) not in audited
    quotas = {q.role.name: (q.per_person, q.mode) for q in programme.quotas.all()}
    assert quotas["Practice Development Advanced Practitioner"] == (6, "sample")
    assert quotas["Social Worker"] == (1, "self_peer_alternating")
    assert quotas["Moderator"] == (2, "moderate")
    assert "10 audit months from September 2023 to July 2024" in capsys.readouterr().out


def test_a_second_active_programme_over_the_same_months_is_refused():
    OrganisationFactory(code="somerset")
    call_command("create_programme", "--template", "practice-quality", "--start", "2023-09")

    with pytest.raises(CommandError, match="already audits September 2023"):
        call_command("create_programme", "--template", "practice-quality", "--start", "2023-09")
    assert Programme.objects.count() == 1


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--start", "2023-13"], "write it as YYYY-MM"),
        (["--start", "2023-09", "--organisation", "kent"], "no organisation"),
    ],
)
def test_create_programme_explains_bad_input_and_creates_nothing(args, message):
    OrganisationFactory(code="somerset")

    with pytest.raises(CommandError, match=message):
        call_command("create_programme", "--template", "practice-quality", *args)
    assert not Programme.objects.exists()


def test_a_programme_can_start_in_march_and_audits_what_the_template_gives_each_month():
    OrganisationFactory(code="somerset")

    call_command("create_programme", "--template", "practice-quality", "--start", "2024-03")

    programme = Programme.objects.get()
    months = {m.month: m for m in programme.months.all()}
    assert min(months) == date(2024, 3, 1) and max(months) == date(2025, 2, 1)
    audited = {m.month: m.standard.code for m in programme.timetable_months()}
    assert audited[date(2024, 3, 1)] == "PQ6"  # the template's March standard
    assert audited[date(2024, 9, 1)] == "PQ1"
    assert months[date(2024, 8, 1)].skipped and months[date(2024, 12, 1)].skipped
    assert programme.name.endswith("2024/25")


def test_a_programme_starting_in_january_is_named_by_its_one_year():
    OrganisationFactory(code="somerset")

    call_command("create_programme", "--template", "practice-quality", "--start", "2024-01")

    assert Programme.objects.get().name.endswith(" 2024")

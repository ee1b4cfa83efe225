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
        (["--start", "2024-01"], "starts in September"),
        (["--start", "2023-09", "--organisation", "kent"], "no organisation"),
    ],
)
def test_create_programme_explains_bad_input_and_creates_nothing(args, message):
    OrganisationFactory(code="somerset")

    with pytest.raises(CommandError, match=message):
        call_command("create_programme", "--template", "practice-quality", *args)
    assert not Programme.objects.exists()

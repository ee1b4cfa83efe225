"""Forms people submit name their fields: extra posted fields are ignored, never saved."""

import re
from pathlib import Path

import careaudit

SOURCE = Path(careaudit.__file__).parent


def test_no_form_people_submit_takes_every_model_field():
    offenders = [
        str(path.relative_to(SOURCE))
        for path in SOURCE.rglob("*.py")
        if "migrations" not in path.parts
        and re.search(r"fields\s*=\s*[\"']__all__[\"']", path.read_text())
    ]

    assert offenders == []


def test_an_extra_posted_field_is_ignored(login, people):
    from careaudit.organisation.models import StaffMember
    from tests.factories import role

    login(people.quality_lead).post(
        "/people/add",
        {
            "full_name": "Extra Field",
            "email": "extra.field@council.example",
            "role": role("Social Worker").pk,
            "team": people.team.pk,
            "start_date_day": "1",
            "start_date_month": "9",
            "start_date_year": "2024",
            "is_superuser": "on",
            "organisation": people.outsider.organisation_id,
        },
    )

    added = StaffMember.objects.get(user__email="extra.field@council.example")
    assert not added.user.is_superuser
    assert added.organisation == people.quality_lead.organisation

import pytest

from careaudit.organisation.models import Role

COUNCIL_ROLES = [
    "Director",
    "Strategic Manager",
    "Service Manager",
    "Advanced Practitioner",
    "Practice Development Advanced Practitioner",
    "Social Worker",
    "Occupational Therapist",
    "Adult Social Care Practitioner",
    "Occupational Therapy Assistant",
    "Moderator",
]
PROVIDER_ROLES = [
    "Registered Manager",
    "Team Leader",
    "Care Worker",
    "Quality Lead",
    "Nominated Individual",
]
SHARED_ROLES = ["Board Member", "Administrator"]


@pytest.mark.django_db
def test_the_default_roles_exist_after_migrate_with_exactly_these_names():
    names = set(Role.objects.filter(organisation=None).values_list("name", flat=True))

    assert names == set(COUNCIL_ROLES + PROVIDER_ROLES + SHARED_ROLES)


@pytest.mark.django_db
def test_a_role_is_found_by_name_or_code_whatever_the_case():
    assert Role.objects.named("social worker").get().name == "Social Worker"
    assert Role.objects.named("  PRACTICE DEVELOPMENT ADVANCED PRACTITIONER ").get().code == (
        "practice-development-ap"
    )
    assert Role.objects.named("moderator").get().can_moderate


@pytest.mark.django_db
def test_administrators_must_use_two_factor_by_default():
    assert Role.objects.get(name="Administrator").requires_two_factor
    assert not Role.objects.get(name="Social Worker").requires_two_factor


@pytest.mark.django_db
def test_managers_sample_from_the_scope_the_framework_gives_them():
    scopes = dict(Role.objects.filter(organisation=None).values_list("name", "sample_scope"))

    assert scopes["Advanced Practitioner"] == "team"
    assert scopes["Service Manager"] == "service"
    assert scopes["Director"] == "organisation"
    assert scopes["Strategic Manager"] == "organisation"
    assert scopes["Practice Development Advanced Practitioner"] == "organisation"


@pytest.mark.django_db
def test_practitioner_roles_hold_caseloads():
    practitioners = set(
        Role.objects.filter(organisation=None, is_practitioner=True).values_list("name", flat=True)
    )

    assert practitioners == {
        "Social Worker",
        "Occupational Therapist",
        "Adult Social Care Practitioner",
        "Occupational Therapy Assistant",
        "Care Worker",
    }


@pytest.mark.django_db
def test_case_level_records_are_for_those_who_run_the_programme_not_the_board():
    """Seed 003: Practice Development APs "will be given access to all completed audit
    information"; a board reads the reports (issue 10)."""
    with_case_records = set(
        Role.objects.filter(organisation=None, can_view_case_records=True).values_list(
            "name", flat=True
        )
    )
    programme_managers = set(
        Role.objects.filter(organisation=None, can_manage_programme=True).values_list(
            "name", flat=True
        )
    )

    assert "Practice Development Advanced Practitioner" in with_case_records
    assert programme_managers <= with_case_records
    assert "Board Member" not in with_case_records
    assert "Director" not in with_case_records  # views all reports, runs no programme

"""Every change to people, accounts and cases is attributable: accounts are recorded (never
their password), and an import that writes in bulk makes one entry with counts and a checksum."""

from io import StringIO

from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.core.management import call_command

from careaudit.accounts.models import User
from careaudit.cases.models import Case
from careaudit.core.changes import changes_in_words
from careaudit.core.models import ChangeScope
from careaudit.organisation.models import StaffMember

CASES = "case_ref,team,allocated_worker_email,status,opened_on,closed_on,case_type\n"


def _imports(model) -> list[LogEntry]:
    return list(
        LogEntry.objects.get_for_model(model)
        .filter(additional_data__has_key="import")
        .order_by("pk")
    )


def _organisation_of(entry: LogEntry) -> int | None:
    return ChangeScope.objects.get(log="changes", entry_id=entry.pk).organisation_id


def test_changes_to_an_account_are_recorded_and_attributed_but_never_its_password(people):
    user = people.social_worker.user
    with set_actor(people.quality_lead.user):
        user.is_superuser, user.is_staff = True, True
        user.email = "renamed@council.example"
        user.set_password("a new long passphrase for this test")
        user.save()
        user.is_active = False
        user.save()

    entries = LogEntry.objects.get_for_object(user).order_by("pk")
    changed = [entry.changes_dict for entry in entries]
    assert {"is_superuser", "is_staff", "email"} <= set(changed[-2])
    assert changed[-1] == {"is_active": ["True", "False"]}
    assert all("password" not in c and "last_login" not in c for c in changed)
    assert {entry.actor for entry in entries.reverse()[:2]} == {people.quality_lead.user}
    assert _organisation_of(entries.last()) == people.social_worker.organisation_id


def test_an_accounts_change_shows_on_its_organisations_logs_page_only(login, people):
    user = people.social_worker.user
    user.is_staff = True
    user.save()

    council = login(people.quality_lead).get("/logs/", {"log": "changes"}).text
    outsider = login(people.outsider).get("/logs/", {"log": "changes"}).text

    assert "Can use the Django admin: no → yes" in council
    assert "Can use the Django admin" not in outsider


def test_a_case_import_makes_one_entry_with_its_counts_and_checksum(tmp_path, people):
    path = tmp_path / "cases.csv"
    path.write_text(
        CASES
        + f"IMP1,Ashby Team,{people.social_worker.email},open,2024-01-15,,Review\n"
        + "IMP2,Dunmere Team,,open,2024-01-15,,\n"
    )

    call_command("import_cases", str(path), "--organisation", "council", stdout=StringIO())
    call_command("import_cases", str(path), "--organisation", "council", stdout=StringIO())

    first, second = _imports(Case)
    assert first.additional_data["import"]["counts"] == {
        "created": 2,
        "updated": 0,
        "unchanged": 0,
    }
    assert second.additional_data["import"]["counts"]["unchanged"] == 2
    digest = first.additional_data["import"]["sha256"]
    assert len(digest) == 64 and digest == second.additional_data["import"]["sha256"]
    assert _organisation_of(first) == people.quality_lead.organisation_id
    [lines] = changes_in_words([first])
    assert lines == [
        "Created: 2",
        "Updated: 0",
        "Unchanged: 0",
        f"SHA-256 of the rows imported: {digest}",
    ]
    assert Case.objects.filter(case_ref__startswith="IMP").count() == 2


def test_a_dry_run_or_a_refused_import_makes_no_entry(tmp_path, people):
    path = tmp_path / "cases.csv"
    path.write_text(CASES + "DRY1,Ashby Team,,open,2024-01-15,,\n")

    call_command(
        "import_cases", str(path), "--organisation", "council", "--dry-run", stdout=StringIO()
    )

    assert _imports(Case) == []


def test_a_staff_import_makes_one_entry_for_the_whole_file(tmp_path, people):
    path = tmp_path / "staff.csv"
    path.write_text(
        "email,full_name,role,team,service,supervisor_email\n"
        "new.person@council.example,New Person,Social Worker,Ashby Team,North,\n"
    )

    call_command("import_staff", str(path), "--organisation", "council", stdout=StringIO())

    [entry] = _imports(StaffMember)
    assert entry.additional_data["import"]["counts"]["created"] == 1
    assert len(entry.additional_data["import"]["sha256"]) == 64
    assert _organisation_of(entry) == people.quality_lead.organisation_id
    assert User.objects.filter(email="new.person@council.example").exists()

"""The change log in words: what changed, as a person would say it."""

from datetime import date

from auditlog.models import LogEntry
from django.contrib.contenttypes.models import ContentType

from careaudit.cases.models import Case
from careaudit.core.changes import changes_in_words, value_in_words
from careaudit.programme.models import AuditRequest
from careaudit.standards.models import Criterion


def entry(model, action=LogEntry.Action.UPDATE, **changes) -> LogEntry:
    return LogEntry(
        content_type=ContentType.objects.get_for_model(model),
        object_pk="1",
        object_repr="x",
        action=action,
        changes=changes,
    )


def a_case(people, **fields) -> Case:
    return Case.objects.create(
        organisation=people.quality_lead.organisation,
        case_ref="C100",
        team=people.team,
        worker=people.social_worker,
        status="open",
        opened_on=date(2024, 1, 5),
        **fields,
    )


def test_a_change_reads_with_field_names_choice_labels_related_names_and_dates(people):
    [lines] = changes_in_words(
        [
            entry(
                Case,
                status=["open", "closed"],
                closed_on=["None", "2024-03-31"],
                worker=[str(people.social_worker.pk), "None"],
                audit_requests=["None", "programme.AuditRequest.None"],
            )
        ]
    )

    assert lines == [  # in the model's order of fields, whatever order they were stored in
        f"Worker: {people.social_worker} → not set",
        "Status: Open → Closed",
        "Closed on: not set → 31 March 2024",
    ]


def test_a_time_reads_in_local_time_and_a_gone_object_says_so(people):
    [lines] = changes_in_words(
        [
            entry(
                Case,
                created_at=["2024-06-01 09:30:00", "2024-06-02 09:30:00"],
                team=["1", "999999"],
            )
        ]
    )

    assert lines[0].endswith("→ team 999999 (no longer held)")
    assert lines[1] == "Created at: 1 June 2024, 10:30 → 2 June 2024, 10:30"


def test_many_to_many_changes_read_as_added_and_removed(db):
    added = entry(Criterion, themes={"type": "m2m", "operation": "add", "objects": ["Consent"]})
    removed = entry(
        Criterion, themes={"type": "m2m", "operation": "delete", "objects": ["Risk", "Voice"]}
    )

    assert changes_in_words([added, removed]) == [
        ["Themes: added Consent"],
        ["Themes: removed Risk, Voice"],
    ]


def test_a_creation_lists_what_was_set_and_nothing_that_was_not(people):
    created = entry(
        Case,
        LogEntry.Action.CREATE,
        case_ref=["None", "C100"],
        closed_on=["None", "None"],
        status=["None", "open"],
    )

    assert changes_in_words([created]) == [["Case reference: C100", "Status: Open"]]


def test_the_change_log_records_no_reverse_relations(people):
    case = a_case(people)
    case.status, case.closed_on = "closed", date(2024, 3, 31)
    case.save()

    logged = LogEntry.objects.get_for_object(case).order_by("pk")

    assert [e.action for e in logged] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    for e in logged:
        assert "audit_requests" not in e.changes_dict
        assert "audits" not in e.changes_dict


def test_a_programme_month_reads_as_a_month_and_a_date_as_a_day():
    month = AuditRequest._meta.get_field("month")
    due = AuditRequest._meta.get_field("due_date")

    assert value_in_words(month, "2026-11-01", {}) == "November 2026"
    assert value_in_words(due, "2026-11-30", {}) == "30 November 2026"

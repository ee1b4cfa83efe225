"""The logs are append-only in the database itself, on SQLite as on PostgreSQL; nothing in Care
Audit flushes them; and removing a person never rewrites who made a change."""

import pytest
from auditlog.context import set_actor
from auditlog.models import LogEntry
from django.contrib import admin
from django.contrib.admin.models import CHANGE
from django.contrib.admin.models import LogEntry as AdminLogEntry
from django.core.management import CommandError, call_command
from django.db import DatabaseError, connection, transaction

from careaudit.accounts.models import User, UserDeletionRefused
from careaudit.core.access_log import record_access
from careaudit.core.models import ChangeScope
from careaudit.organisation.models import Team

LOG_TABLES = ("auditlog_logentry", "core_accesslog", "core_changescope", "django_admin_log")


@pytest.fixture
def every_log_written(people):
    with set_actor(people.quality_lead.user):
        Team.objects.create(service=people.team.service, name="Written to every log")
    record_access(request=None, action="read", object_type="audit", object_id=1, description="x")
    AdminLogEntry.objects.log_actions(
        user_id=people.quality_lead.user.pk,
        queryset=[people.team],
        action_flag=CHANGE,
        change_message="Changed name.",
    )
    return people


def _counts() -> dict[str, int]:
    with connection.cursor() as cursor:
        counts = {}
        for table in LOG_TABLES:
            cursor.execute(f"SELECT COUNT(*) FROM {table}")  # noqa: S608 (a fixed table name)
            counts[table] = cursor.fetchone()[0]
        return counts


@pytest.mark.parametrize("table", LOG_TABLES)
@pytest.mark.parametrize("statement", ["UPDATE {table} SET id = id", "DELETE FROM {table}"])
def test_the_database_refuses_to_change_or_delete_any_log_row(every_log_written, table, statement):
    before = _counts()

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute(statement.format(table=table))

    assert _counts() == before
    assert before[table] > 0


@pytest.mark.skipif(connection.vendor != "postgresql", reason="TRUNCATE is PostgreSQL's")
@pytest.mark.parametrize("table", LOG_TABLES)
def test_postgresql_refuses_to_truncate_a_log(every_log_written, table):
    connection.cursor().execute("SET CONSTRAINTS ALL IMMEDIATE")  # as if committed

    with pytest.raises(DatabaseError, match="append-only"), transaction.atomic():
        connection.cursor().execute(f"TRUNCATE {table} CASCADE")

    assert _counts()[table] > 0


@pytest.mark.parametrize("arguments", [["-y"], ["-y", "--truncate"], ["-y", "-b", "2999-01-01"]])
def test_auditlogflush_refuses_and_deletes_nothing(every_log_written, arguments):
    before = LogEntry.objects.count()

    with pytest.raises(CommandError, match="The change log is append-only"):
        call_command("auditlogflush", *arguments)

    assert LogEntry.objects.count() == before > 0


def test_a_person_is_never_deleted_so_their_changes_keep_their_name(every_log_written):
    user = every_log_written.quality_lead.user
    made = LogEntry.objects.filter(actor=user)
    assert made.exists()

    with pytest.raises(UserDeletionRefused, match="Deactivate them instead"):
        user.delete()
    with pytest.raises(UserDeletionRefused), transaction.atomic():
        User.objects.filter(pk=user.pk).delete()

    assert User.objects.filter(pk=user.pk).exists()
    assert made.count() == LogEntry.objects.filter(actor_email=user.email).count()
    assert AdminLogEntry.objects.filter(user=user).exists()


def test_the_django_admin_offers_no_way_to_delete_an_account(rf, people):
    user_admin = admin.site._registry[User]
    request = rf.get("/admin/accounts/user/")
    request.user = User(is_superuser=True, is_staff=True, is_active=True)

    assert not user_admin.has_delete_permission(request)
    assert not user_admin.has_delete_permission(request, people.social_worker.user)


def test_the_organisation_recorded_for_a_change_can_never_be_changed_through_the_application(
    every_log_written,
):
    scope = ChangeScope.objects.first()

    scope.organisation_id = 999
    with pytest.raises(PermissionError):
        scope.save()
    with pytest.raises(PermissionError):
        scope.delete()

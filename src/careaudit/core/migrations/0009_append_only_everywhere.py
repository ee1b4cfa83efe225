"""Make every log append-only in the database itself, on SQLite as on PostgreSQL.

Migration 0003 made PostgreSQL refuse UPDATE and DELETE of the access log and the change
log; SQLite, the default, relied on the application alone, and TRUNCATE was not covered.
Now, for the access log, the change log, the organisation each change belongs to
(`core_changescope`) and the Django admin's log:

- SQLite refuses UPDATE and DELETE with triggers;
- PostgreSQL refuses UPDATE and DELETE of each row, and TRUNCATE of the table.

What these do not stop, and cannot: someone who owns the tables (on PostgreSQL, the role
that runs migrations) can drop or disable a trigger first, and anyone who can write the
SQLite file can do anything to it. docs/security.md says so and what to do about it.
"""

from django.db import migrations

TABLES = ("core_accesslog", "auditlog_logentry", "core_changescope", "django_admin_log")
NEW_ROW_TRIGGERS = ("core_changescope", "django_admin_log")  # 0003 made the others'

POSTGRES_FUNCTION = """
CREATE OR REPLACE FUNCTION careaudit_refuse_log_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'The ' || TG_TABLE_NAME || ' table is append-only';
END;
$$ LANGUAGE plpgsql;
"""


def _postgresql_create(table: str) -> list[str]:
    statements = []
    if table in NEW_ROW_TRIGGERS:
        statements += [
            f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}",
            f"CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table} "
            "FOR EACH ROW EXECUTE FUNCTION careaudit_refuse_log_change()",
        ]
    return [
        *statements,
        f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}",
        f"CREATE TRIGGER {table}_no_truncate BEFORE TRUNCATE ON {table} "
        "FOR EACH STATEMENT EXECUTE FUNCTION careaudit_refuse_log_change()",
    ]


def _sqlite_create(table: str) -> list[str]:
    return [
        f"CREATE TRIGGER IF NOT EXISTS {table}_no_{verb.lower()} BEFORE {verb} ON {table} "
        f"BEGIN SELECT RAISE(ABORT, 'The {table} table is append-only'); END"
        for verb in ("UPDATE", "DELETE")
    ]


def create_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    if vendor == "postgresql":
        schema_editor.execute(POSTGRES_FUNCTION)
        for table in TABLES:
            for statement in _postgresql_create(table):
                schema_editor.execute(statement)
    elif vendor == "sqlite":
        for table in TABLES:
            for statement in _sqlite_create(table):
                schema_editor.execute(statement)


def drop_triggers(apps, schema_editor):
    vendor = schema_editor.connection.vendor
    for table in TABLES:
        if vendor == "postgresql":
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_truncate ON {table}")
            if table in NEW_ROW_TRIGGERS:
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")
        elif vendor == "sqlite":
            for verb in ("update", "delete"):
                schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_no_{verb}")


class Migration(migrations.Migration):
    dependencies = [
        ("core", "0008_words_out_of_the_change_log"),
        ("admin", "0003_logentry_add_action_flag_choices"),
    ]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]

"""Make the access log and the change log append-only in PostgreSQL itself.

The application has no path to change or delete log rows; on PostgreSQL (production)
these triggers make sure no other path (a script, a mistaken query) can either. TRUNCATE
is not covered: it needs table ownership, which the application's database role should
not have in production. SQLite, the single-user default, relies on the application.
"""

from django.db import migrations

TABLES = ("core_accesslog", "auditlog_logentry")

POSTGRES = """
CREATE OR REPLACE FUNCTION careaudit_refuse_log_change() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION USING MESSAGE = 'The ' || TG_TABLE_NAME || ' table is append-only';
END;
$$ LANGUAGE plpgsql;
""" + "".join(
    f"""
DROP TRIGGER IF EXISTS {table}_append_only ON {table};
CREATE TRIGGER {table}_append_only BEFORE UPDATE OR DELETE ON {table}
    FOR EACH ROW EXECUTE FUNCTION careaudit_refuse_log_change();
"""
    for table in TABLES
)


def create_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        schema_editor.execute(POSTGRES)


def drop_triggers(apps, schema_editor):
    if schema_editor.connection.vendor == "postgresql":
        for table in TABLES:
            schema_editor.execute(f"DROP TRIGGER IF EXISTS {table}_append_only ON {table}")


class Migration(migrations.Migration):
    dependencies = [("core", "0002_access_log"), ("auditlog", "0017_add_actor_email")]
    operations = [migrations.RunPython(create_triggers, drop_triggers)]

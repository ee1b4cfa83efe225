from django.db import migrations


def load_cqc_statements(apps, schema_editor):
    from careaudit.standards.packfile import cqc_statements

    model = apps.get_model("standards", "CqcStatement")
    for order, statement in enumerate(cqc_statements().values(), start=1):
        model.objects.update_or_create(
            code=statement.id,
            defaults={
                "title": statement.title,
                "group_code": statement.group_id,
                "group_title": statement.group_title,
                "kind": statement.kind,
                "sort_order": order,
            },
        )


class Migration(migrations.Migration):
    dependencies = [("standards", "0001_initial")]
    operations = [migrations.RunPython(load_cqc_statements, migrations.RunPython.noop)]

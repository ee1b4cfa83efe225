from django.db import migrations

from careaudit.organisation.default_roles import ensure_default_roles


def create_default_roles(apps, schema_editor):
    ensure_default_roles(apps.get_model("organisation", "Role"))


class Migration(migrations.Migration):
    dependencies = [("organisation", "0001_initial")]
    operations = [migrations.RunPython(create_default_roles, migrations.RunPython.noop)]

"""Copies made before copies were named apart had their original's name: rename them as
the organisation's copy, so "Create a programme" and the standards pages never list two
frameworks of the same name (the rule is `services.copy_name`)."""

from django.db import migrations


def name_copies_apart(apps, schema_editor):
    Framework = apps.get_model("standards", "Framework")
    copies = Framework.objects.filter(
        organisation__isnull=False, copied_from__isnull=False
    ).select_related("organisation", "copied_from")
    for copy in copies.order_by("pk"):
        original = copy.copied_from
        if copy.name != original.name:
            continue
        label = f"{copy.organisation.name}’s copy" if original.organisation_id is None else "copy"
        taken = set(
            Framework.objects.filter(organisation=copy.organisation_id).values_list(
                "name", flat=True
            )
        )
        name, n = f"{original.name} ({label})", 1
        while name in taken:
            n += 1
            name = f"{original.name} ({label} {n})"
        copy.name = name
        copy.save(update_fields=["name"])


class Migration(migrations.Migration):
    dependencies = [("standards", "0003_subject_kind")]

    operations = [migrations.RunPython(name_copies_apart, migrations.RunPython.noop)]

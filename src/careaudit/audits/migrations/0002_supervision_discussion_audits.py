"""An audit can be discussed in two supervisions (the worker's and the auditor's):
the one-link field becomes a many-to-many, keeping the links already recorded."""

from django.db import migrations, models


def copy_links(apps, schema_editor):
    Audit = apps.get_model("audits", "Audit")
    Through = apps.get_model("audits", "SupervisionDiscussion").audits.through
    Through.objects.bulk_create(
        Through(supervisiondiscussion_id=discussion_id, audit_id=audit_id)
        for audit_id, discussion_id in Audit.objects.filter(
            discussed_in_supervision__isnull=False
        ).values_list("pk", "discussed_in_supervision_id")
    )


class Migration(migrations.Migration):
    dependencies = [("audits", "0001_initial")]

    operations = [
        # Free the name "audits" (the old link's reverse name) for the new field.
        migrations.AlterField(
            model_name="audit",
            name="discussed_in_supervision",
            field=models.ForeignKey(
                blank=True,
                null=True,
                on_delete=models.SET_NULL,
                related_name="+",
                to="audits.supervisiondiscussion",
            ),
        ),
        migrations.AddField(
            model_name="supervisiondiscussion",
            name="audits",
            field=models.ManyToManyField(related_name="supervision_discussions", to="audits.audit"),
        ),
        migrations.RunPython(copy_links, migrations.RunPython.noop),
        migrations.RemoveField(model_name="audit", name="discussed_in_supervision"),
    ]

"""Case-level records (any audit, the month's downloads) become their own capability.

Until now "view all reports" opened every audit and every download, so a board member read
case references and the person's own words. They are for those who run the programme:
every role that manages it, and the Practice Development Advanced Practitioners, who
"will be given access to all completed audit information" (seed 003). A board reads the
reports.
"""

from django.db import migrations, models
from django.db.models import Q


def give_to_those_who_run_the_programme(apps, schema_editor):
    Role = apps.get_model("organisation", "Role")
    Role.objects.filter(
        Q(can_manage_programme=True) | Q(organisation=None, code="practice-development-ap")
    ).update(can_view_case_records=True)


class Migration(migrations.Migration):
    dependencies = [("organisation", "0004_organisation_feedback_contact")]

    operations = [
        migrations.AddField(
            model_name="role",
            name="can_view_case_records",
            field=models.BooleanField(
                default=False,
                help_text="Open any audit of the organisation (case reference, the person's "
                "own words) and download the month's requests, audits and answers. For those "
                "who run the programme; a board reads the reports instead.",
                verbose_name="see case-level audits and downloads",
            ),
        ),
        migrations.RunPython(give_to_those_who_run_the_programme, migrations.RunPython.noop),
    ]

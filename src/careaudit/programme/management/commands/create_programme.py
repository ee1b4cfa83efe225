from django.core.management.base import BaseCommand, CommandError

from careaudit.lib.dates import parse_month
from careaudit.organisation.selectors import OrganisationNotFound, organisation_for_command
from careaudit.programme.services import (
    ProgrammeError,
    find_template,
    programme_create_from_template,
)
from careaudit.standards.models import Framework
from careaudit.standards.pack_io import pack_load
from careaudit.standards.packfile import BUILTIN_PACKS, load_builtin


class Command(BaseCommand):
    help = "Create an active programme for a year from a framework's programme template."

    def add_arguments(self, parser) -> None:
        parser.add_argument(
            "--template", required=True, metavar="FRAMEWORK_CODE", help="e.g. practice-quality"
        )
        parser.add_argument("--start", required=True, metavar="YYYY-MM", help="e.g. 2023-09")
        parser.add_argument("--organisation", metavar="CODE")
        parser.add_argument("--name", help="Programme name (default from the template and year)")
        parser.add_argument(
            "--draft", action="store_true", help="Create it as a draft, not active."
        )

    def handle(self, *args, template: str, start: str, organisation, name, draft, **options):
        try:
            start_month = parse_month(start)
            owner = organisation_for_command(organisation)
        except (ValueError, OrganisationNotFound) as error:
            raise CommandError(str(error)) from None
        framework = (
            Framework.objects.visible_to(owner)
            .filter(code__iexact=template)
            .order_by("organisation")  # the organisation's own copy before the library's
            .first()
        )
        if framework is None and template in BUILTIN_PACKS:
            framework = pack_load(load_builtin(template)).framework
        if framework is None:
            raise CommandError(f"There is no framework “{template}”. Load it with load_pack.")
        try:
            programme = programme_create_from_template(
                organisation=owner,
                template=find_template(framework),
                start=start_month,
                name=name,
                activate=not draft,
            )
        except ProgrammeError as error:
            raise CommandError(str(error)) from None
        audited = programme.timetable_months()
        self.stdout.write(
            f"Created “{programme.name}” ({programme.get_status_display().lower()}): "
            f"{len(audited)} audit months from {audited[0].month:%B %Y} to "
            f"{audited[-1].month:%B %Y}, {programme.quotas.count()} role quotas."
        )

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from careaudit.organisation.models import Organisation
from careaudit.standards.models import Framework
from careaudit.standards.pack_io import pack_export
from careaudit.standards.packfile import dump_pack


class Command(BaseCommand):
    help = "Write a framework out as a content pack (YAML)."

    def add_arguments(self, parser) -> None:
        parser.add_argument("framework_code", metavar="FRAMEWORK_CODE")
        parser.add_argument("-o", "--output", required=True, metavar="FILE")
        parser.add_argument(
            "--organisation",
            metavar="CODE",
            help="Export an organisation's own framework rather than the shared library's.",
        )

    def handle(self, *args, framework_code: str, output: str, organisation: str | None, **opts):
        frameworks = Framework.objects.filter(code__iexact=framework_code)
        if organisation:
            owner = Organisation.objects.filter(code__iexact=organisation).first()
            if owner is None:
                raise CommandError(f"There is no organisation with the code “{organisation}”.")
            frameworks = frameworks.filter(organisation=owner)
        else:
            frameworks = frameworks.filter(organisation=None)
        framework = frameworks.first()
        if framework is None:
            known = ", ".join(Framework.objects.values_list("code", flat=True).distinct()) or "none"
            raise CommandError(f"There is no framework “{framework_code}” (known: {known}).")
        text = dump_pack(pack_export(framework))
        try:
            Path(output).write_text(text, encoding="utf-8")
        except OSError as error:
            raise CommandError(f"Cannot write {output}: {error}") from None
        self.stdout.write(f"Wrote {framework.code} to {output}.")

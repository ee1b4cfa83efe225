from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from careaudit.standards.pack_io import pack_load
from careaudit.standards.packfile import BUILTIN_PACKS, PackError, builtin_pack_path, parse_pack


class Command(BaseCommand):
    help = (
        "Load a framework content pack: a shipped one by name "
        f"({', '.join(BUILTIN_PACKS)}) or a YAML file. Safe to run again."
    )

    def add_arguments(self, parser) -> None:
        parser.add_argument("pack", metavar="NAME_OR_PATH")

    def handle(self, *args, pack: str, **options) -> None:
        path = builtin_pack_path(pack) if pack in BUILTIN_PACKS else Path(pack)
        try:
            text = path.read_text(encoding="utf-8-sig")
        except FileNotFoundError:
            raise CommandError(
                f"No pack called “{pack}”: give one of {', '.join(BUILTIN_PACKS)} "
                "or the path of a YAML file."
            ) from None
        except (OSError, UnicodeDecodeError) as error:
            raise CommandError(f"Cannot read {path}: {error}") from None
        try:
            parsed = parse_pack(text, str(path if pack not in BUILTIN_PACKS else path.name))
        except PackError as error:
            count = len(error.errors)
            raise CommandError(
                f"The pack has {count} problem{'s' if count != 1 else ''}; nothing was loaded.\n"
                + "\n".join(str(problem) for problem in error.errors)
            ) from None
        report = pack_load(parsed)
        self.stdout.write(report.summary())

"""The `careaudit` console command: Django's management commands with our settings preset."""

import os
import sys


def main(argv: list[str] | None = None) -> None:
    argv = list(sys.argv if argv is None else argv)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "careaudit.settings")
    _apply_early_options(argv)
    from django.conf import settings
    from django.core.exceptions import ImproperlyConfigured
    from django.core.management import execute_from_command_line

    try:
        # Read the settings now, so a setting that is missing or wrong (SECRET_KEY, most
        # often) is told in its one sentence rather than at the end of a traceback.
        settings.INSTALLED_APPS  # noqa: B018
    except ImproperlyConfigured as error:
        sys.exit(f"careaudit: {error}")
    execute_from_command_line(argv)


def _apply_early_options(argv: list[str]) -> None:
    """Settings are read once, at import; options that change them must act first.

    `demo` serves plain HTTP on localhost with a generated key, and `--data-dir` moves
    the SQLite file and the demo key, so both are turned into environment variables
    before Django loads the settings module.
    """
    command = argv[1] if len(argv) > 1 else ""
    if command == "demo":
        os.environ["CAREAUDIT_DEMO"] = "1"
        # The demo sends no email: it writes them to the log, on purpose, unless told otherwise.
        if not os.environ.get("EMAIL_HOST"):
            os.environ.setdefault("EMAIL_BACKEND", "console")
    i = 2
    while i < len(argv):
        arg = argv[i]
        if arg == "--data-dir" and i + 1 < len(argv):
            os.environ["CAREAUDIT_DATA_DIR"] = argv[i + 1]
            consumed = 2
        elif arg.startswith("--data-dir="):
            os.environ["CAREAUDIT_DATA_DIR"] = arg.split("=", 1)[1]
            consumed = 1
        else:
            i += 1
            continue
        # Every command accepts --data-dir; only `demo` lists it in its own help.
        if command != "demo":
            del argv[i : i + consumed]
        else:
            i += consumed


if __name__ == "__main__":
    main()

"""`careaudit api_token create|list|revoke`: make, list and revoke API tokens from the
command line. `create` prints the token once, alone on the last line of standard output
(so `careaudit api_token create … | tail -n 1` gives just the token); only its hash is
stored. What the command makes or revokes is in the change log, marked as this command's.
"""

from auditlog.context import set_extra_data
from django.core.management.base import BaseCommand, CommandError
from django.utils import timezone

from careaudit.api.models import TokenScope
from careaudit.api.tokens import (
    TokenError,
    find_token_for_command,
    holder_for_command,
    issue_token,
    revoke_token,
    tokens_of,
)
from careaudit.organisation.selectors import OrganisationNotFound, organisation_for_command


def _by_command(what: str):
    """The change log's entries written inside say which command made them (a command has
    no signed-in person: the log shows the system as the actor)."""
    return set_extra_data({"additional_data": {"command": f"careaudit api_token {what}"}})


def _when(moment) -> str:
    return timezone.localtime(moment).strftime("%Y-%m-%d %H:%M") if moment else "never"


class Command(BaseCommand):
    help = "Make, list and revoke API tokens (a token acts as its person in one organisation)."

    def add_arguments(self, parser) -> None:
        sub = parser.add_subparsers(dest="action", metavar="create|list|revoke")
        sub.required = True
        create = sub.add_parser(
            "create",
            help="Make a token and print it once, alone on the last line.",
        )
        create.add_argument("--email", required=True, help="The person the token acts as.")
        create.add_argument(
            "--scope", required=True, metavar="read|write", help="read, or write (read and write)."
        )
        create.add_argument(
            "--expires-days", metavar="N", help="Days until it expires (default: never)."
        )
        create.add_argument(
            "--organisation", metavar="CODE", help="The person's organisation, if in several."
        )
        create.add_argument("--name", default="", help="What the token is for.")
        listing = sub.add_parser(
            "list",
            help="List tokens (never the tokens themselves).",
        )
        listing.add_argument("--organisation", metavar="CODE")
        revoke = sub.add_parser(
            "revoke",
            help="Revoke a token, named by its prefix or id.",
        )
        revoke.add_argument("token", metavar="PREFIX_OR_ID")

    def handle(self, *args, action: str, **options) -> None:
        try:
            getattr(self, f"_{action}")(**options)
        except (TokenError, OrganisationNotFound) as error:
            raise CommandError(str(error)) from None

    def _create(self, *, email, scope, expires_days, organisation, name, **options) -> None:
        scope = (scope or "").strip().lower()
        if scope not in TokenScope.values:
            raise CommandError(f"Unknown scope “{scope}”: use --scope read or --scope write.")
        days = _days(expires_days)
        if organisation:
            organisation_for_command(organisation)  # an unknown code says which codes exist
        staff = holder_for_command(email, organisation)
        if len(name) > 100:
            raise CommandError("The name is too long: 100 characters at most.")
        with _by_command("create"):
            token, raw = issue_token(
                user=staff.user,
                organisation=staff.organisation,
                scope=scope,
                expires_days=days,
                name=name.strip(),
            )
        expiry = f"expires {_when(token.expires_at)}" if token.expires_at else "never expires"
        self.stdout.write(
            f"Made a {token.get_scope_display().lower()} token for {staff.full_name} "
            f"<{staff.email}> in {staff.organisation.code} (prefix {token.prefix}, id "
            f"{token.pk}; {expiry}).\n"
            "Copy it now: it is shown only this once and cannot be shown again."
        )
        self.stdout.write(raw)

    def _list(self, *, organisation, **options) -> None:
        owner = organisation_for_command(organisation) if organisation else None
        tokens = list(tokens_of(owner))
        if not tokens:
            self.stdout.write("No tokens.")
            return
        now = timezone.now()
        rows = [("ID", "PREFIX", "PERSON", "ORG", "SCOPE", "STATE", "EXPIRES", "LAST USED", "NAME")]
        rows += [
            (
                str(t.pk),
                t.prefix,
                t.user.email,
                t.organisation.code,
                t.scope,
                t.state(now),
                _when(t.expires_at),
                _when(t.last_used_at),
                t.name,
            )
            for t in tokens
        ]
        widths = [max(len(row[i]) for row in rows) for i in range(len(rows[0]) - 1)]
        for row in rows:
            cells = [cell.ljust(width) for cell, width in zip(row, widths, strict=False)]
            self.stdout.write("  ".join([*cells, row[-1]]).rstrip())

    def _revoke(self, *, token, **options) -> None:
        found = find_token_for_command(token)
        if found.revoked_at is not None:
            self.stdout.write(
                f"Token {found.prefix} was already revoked on {_when(found.revoked_at)}."
            )
            return
        with _by_command("revoke"):
            revoke_token(found)
        self.stdout.write(
            f"Revoked token {found.prefix} of {found.user.email} ({found.organisation.code}): "
            "it is refused from now on."
        )


def _days(text: str | None) -> int | None:
    if text is None:
        return None
    try:
        days = int(str(text).strip())
    except ValueError:
        raise CommandError(
            f"--expires-days must be a whole number of days, not “{text}”."
        ) from None
    if days < 1:
        raise CommandError("--expires-days must be 1 or more: a token must last at least a day.")
    return days

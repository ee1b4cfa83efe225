"""`careaudit api_token`: an administrator makes, lists and revokes tokens at the console."""

import re
from io import StringIO

import pytest
from auditlog.models import LogEntry
from django.core.management import CommandError, call_command

from careaudit.api.models import ApiToken
from careaudit.api.tokens import token_hash

pytestmark = pytest.mark.django_db


def run(*args: str) -> list[str]:
    out = StringIO()
    call_command("api_token", *args, stdout=out)
    return out.getvalue().splitlines()


def test_create_prints_the_token_alone_on_the_last_line_and_stores_only_its_hash(people):
    lines = run("create", "--email", "SOCIAL.WORKER@council.example", "--scope", "read")

    raw = lines[-1]
    assert re.fullmatch(r"[A-Za-z0-9_-]{43}", raw)
    assert len(lines) > 1 and "shown only this once" in " ".join(lines[:-1])
    assert raw not in " ".join(lines[:-1])
    token = ApiToken.objects.get()
    assert token.user == people.social_worker.user
    assert token.organisation == people.social_worker.organisation
    assert token.scope == "read" and token.expires_at is None
    assert token.key_hash == token_hash(raw) and token.prefix == raw[:8]
    stored = [str(getattr(token, f.attname)) for f in ApiToken._meta.concrete_fields]
    assert not any(raw in value for value in stored if value != token.prefix)


def test_create_with_an_expiry_a_name_and_the_organisation_named(people):
    raw = run(
        "create",
        "--email",
        people.outsider.email,
        "--scope",
        "write",
        "--expires-days",
        "30",
        "--organisation",
        "OTHER",
        "--name",
        "Nightly export",
    )[-1]

    token = ApiToken.objects.get(key_hash=token_hash(raw))
    assert token.organisation.code == "other" and token.can_write
    assert token.name == "Nightly export"
    assert 29 <= (token.expires_at - token.created_at).days <= 30


def test_making_a_token_by_command_is_in_the_change_log_as_the_commands(people):
    run("create", "--email", people.social_worker.email, "--scope", "read")
    token = ApiToken.objects.get()
    run("revoke", token.prefix)

    entries = LogEntry.objects.get_for_object(token).order_by("pk")
    assert [e.action for e in entries] == [LogEntry.Action.CREATE, LogEntry.Action.UPDATE]
    assert [e.additional_data for e in entries] == [
        {"command": "careaudit api_token create"},
        {"command": "careaudit api_token revoke"},
    ]
    assert all(e.actor is None for e in entries)  # the system, not a person


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        pytest.param(
            ["--email", "nobody@nowhere.example", "--scope", "read"],
            "There is nobody with the sign-in address",
            id="unknown-email",
        ),
        pytest.param(
            [
                "--email",
                "social.worker@council.example",
                "--scope",
                "read",
                "--organisation",
                "other",
            ],
            "has no staff record in the organisation “other”",
            id="not-in-that-organisation",
        ),
        pytest.param(
            [
                "--email",
                "social.worker@council.example",
                "--scope",
                "read",
                "--organisation",
                "nope",
            ],
            "There is no organisation with the code “nope”",
            id="unknown-organisation",
        ),
        pytest.param(
            ["--email", "social.worker@council.example", "--scope", "admin"],
            "Unknown scope “admin”",
            id="bad-scope",
        ),
        pytest.param(
            ["--email", "social.worker@council.example", "--scope", "read", "--expires-days", "0"],
            "--expires-days must be 1 or more",
            id="zero-days",
        ),
        pytest.param(
            ["--email", "social.worker@council.example", "--scope", "read", "--expires-days", "-5"],
            "--expires-days must be 1 or more",
            id="negative-days",
        ),
        pytest.param(
            [
                "--email",
                "social.worker@council.example",
                "--scope",
                "read",
                "--expires-days",
                "ten",
            ],
            "must be a whole number of days",
            id="days-not-a-number",
        ),
    ],
)
def test_create_refuses_what_it_cannot_do_and_makes_nothing(people, arguments, message):
    with pytest.raises(CommandError, match=re.escape(message)):
        run("create", *arguments)
    assert not ApiToken.objects.exists()


def test_create_refuses_someone_who_has_left(people):
    with pytest.raises(CommandError, match="deactivated"):
        run("create", "--email", people.deactivated.email, "--scope", "read")
    assert not ApiToken.objects.exists()


def test_list_shows_each_token_without_the_token_itself(people):
    raw = run("create", "--email", people.social_worker.email, "--scope", "read", "--name", "BI")[
        -1
    ]
    run("create", "--email", people.outsider.email, "--scope", "write", "--expires-days", "7")

    everything = "\n".join(run("list"))
    ours = run("list", "--organisation", "council")

    assert raw not in everything
    assert ours[0].split() == [
        "ID", "PREFIX", "PERSON", "ORG", "SCOPE", "STATE", "EXPIRES", "LAST", "USED", "NAME"
    ]  # fmt: skip
    assert len(ours) == 2 and people.outsider.email not in "\n".join(ours)
    row = ours[1].split()
    assert row[1:6] == [raw[:8], people.social_worker.email, "council", "read", "Active"]
    assert row[-3:] == ["never", "never", "BI"]  # no expiry, never used
    assert people.outsider.email in everything


def test_revoke_by_prefix_or_id_and_the_list_says_revoked(people):
    first = run("create", "--email", people.social_worker.email, "--scope", "read")[-1]
    run("create", "--email", people.social_worker.email, "--scope", "read")
    second = ApiToken.objects.exclude(key_hash=token_hash(first)).get()

    assert "Revoked token" in run("revoke", first[:8])[0]
    assert "Revoked token" in run("revoke", str(second.pk))[0]
    assert "already revoked" in run("revoke", first[:8])[0]

    assert [line.split()[5] for line in run("list")[1:]] == ["Revoked", "Revoked"]
    assert not ApiToken.objects.usable().exists()


def test_revoke_of_an_unknown_token_says_so(people):
    with pytest.raises(CommandError, match="There is no token with the prefix or id “zzzz”"):
        run("revoke", "zzzz")

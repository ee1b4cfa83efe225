"""Who gets what from every page: a role × view matrix generated from the URL configuration.

Every URL the resolver knows must have a row in `MATRIX` (or, for allauth's own pages, in
`ACCOUNT_PAGES`), so a new page without a decision about who may open it fails here.
Each row names a concrete path into the `world` fixture and the status each persona gets.
"""

from dataclasses import dataclass, field, fields

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import URLPattern, URLResolver, get_resolver, reverse

from careaudit.organisation.models import Capability
from tests.security.conftest import Objects

# --- The vocabulary -------------------------------------------------------------------------

OK = 200
INVALID = 400  # the view was reached and refused the empty form
FORBIDDEN = 403
NOT_FOUND = 404
NOT_ALLOWED = 405  # a page must never answer it: a GET of a POST-only address goes back
LOGIN = "302 to sign-in"
REDIRECT = "302 elsewhere"  # the view was reached and sent the person on (e.g. to the read view)

SIGNED_IN = (
    "quality_lead",
    "service_manager",
    "advanced_practitioner",
    "social_worker",
    "moderator",
    "board_member",
    "outsider",  # an administrator of another organisation
)
PERSONAS = ("anonymous", *SIGNED_IN, "deactivated")

P, ADM, R, M, CR, MA = (
    Capability.MANAGE_PROGRAMME,
    Capability.ADMINISTER,
    Capability.VIEW_ALL_REPORTS,
    Capability.MODERATE,
    Capability.VIEW_CASE_RECORDS,
    Capability.MANAGE_ACTIONS,
)
# What each persona's role lets them do (checked against the database by a test below).
PERSONA_CAPABILITIES: dict[str, set[Capability]] = {
    "quality_lead": {P, ADM, R, CR, MA},
    "service_manager": {Capability.CONDUCT_AUDIT, MA},
    "advanced_practitioner": {Capability.CONDUCT_AUDIT, MA},
    "social_worker": {Capability.CONDUCT_AUDIT},
    "moderator": {Capability.CONDUCT_AUDIT, M},
    "board_member": {R},
    "outsider": {P, ADM, R, CR, MA},
}


def outcome(response) -> int | str:
    if response.status_code in (301, 302):
        return LOGIN if "/accounts/login/" in response["Location"] else REDIRECT
    return response.status_code


# --- Rows -----------------------------------------------------------------------------------


def public(status=OK) -> dict[str, int | str]:
    """Open to anyone, signed in or not."""
    return dict.fromkeys(PERSONAS, status)


def row(default, *, object_route: bool = False, **overrides) -> dict[str, int | str]:
    """Signed-out people (and the deactivated) go to sign-in; everyone else `default`.

    On an object route the outsider gets 404: another organisation's object does not exist.
    Someone of the organisation who may not see or change the object gets 403
    (docs/decisions/0008-404-or-403.md), so `default` is never 404 for them.
    """
    expected = {"anonymous": LOGIN, "deactivated": LOGIN, **dict.fromkeys(SIGNED_IN, default)}
    if object_route:
        expected["outsider"] = NOT_FOUND
    expected.update(overrides)
    return expected


def everyone_signed_in(status=OK, **kwargs) -> dict[str, int | str]:
    return row(status, **kwargs)


def needs(
    *capabilities: Capability, ok=OK, denied=FORBIDDEN, object_route: bool = False, **overrides
) -> dict[str, int | str]:
    """`ok` for personas with any of the capabilities, `denied` for the rest."""
    expected = row(denied, object_route=object_route)
    for persona in SIGNED_IN:
        if PERSONA_CAPABILITIES[persona] & set(capabilities):
            expected[persona] = ok
    if object_route:
        expected["outsider"] = NOT_FOUND
    expected.update(overrides)
    return expected


def only(ok=OK, **allowed) -> dict[str, int | str]:
    """An object route open to the named personas only (`only(social_worker=OK)`): the rest
    of the organisation gets 403, the outsider 404."""
    return row(FORBIDDEN, object_route=True, **allowed)


# --- Paths ----------------------------------------------------------------------------------

OBJECT_FIELDS = {f.name for f in fields(Objects)}
NOT_IDS = {"year", "month", "feedback_token"}


@dataclass(frozen=True)
class Entry:
    """A URL name, how to fill its arguments from an organisation's objects, and who gets what.

    `args` are `Objects` attribute names (filled from the organisation's objects) or, for
    anything else, literal values. `post` marks a POST-only view: the expectations are for an
    empty POST, and a GET must never reach it.
    """

    name: str
    args: tuple = ()
    expect: dict = field(default_factory=dict)
    post: bool = False

    def path(self, objects: Objects) -> str:
        values = [getattr(objects, a) if a in OBJECT_FIELDS else a for a in self.args]
        return reverse(self.name, args=values)

    @property
    def ids(self) -> tuple[str, ...]:
        """The arguments that are database ids (what the isolation test swaps)."""
        return tuple(a for a in self.args if a in OBJECT_FIELDS and a not in NOT_IDS)


def E(name, *args, expect, post=False) -> tuple[str, Entry]:
    return name, Entry(name, args, expect, post)


# The draft audit is the social worker's (a peer audit of the peer social worker's case);
# the submitted audit is the advanced practitioner's, of the social worker's case, and is
# being moderated (blind) by the moderator. See tests/security/conftest.py.
# Case-level records (any audit, a request's page, the month's downloads) need CR: the board
# member, who views all reports, reads the reports and never a case's audit; the month's page
# shows them counts (tests/programme/test_programme_views.py).
MATRIX: dict[str, Entry] = dict(
    [
        E("home", expect=everyone_signed_in()),
        E("healthz", expect=public()),
        E("accessibility", expect=public()),
        E("feedback_thanks", expect=public()),
        # The person's one-time link: no account, so the token is the only key.
        E("feedback_form", "feedback_token", expect=public()),
        E("account_settings", expect=everyone_signed_in()),
        E("my_audits", expect=everyone_signed_in()),
        E("moderation_list", expect=everyone_signed_in()),  # lists one's own moderations
        E("supervision_list", expect=everyone_signed_in()),  # lists one's own supervisees
        E("sample_size_calculator", expect=everyone_signed_in()),
        # Records and people
        E("audit_log", expect=needs(ADM)),
        E("subject_access", expect=needs(ADM)),
        E("staff_import", expect=needs(ADM)),
        E("staff_import_confirm", expect=needs(ADM, ok=REDIRECT), post=True),
        E("people_list", expect=needs(ADM)),
        E("person_add", expect=needs(ADM)),
        E("organisation_settings", expect=needs(ADM)),
        E("person_deactivate", "person", expect=needs(ADM, object_route=True)),
        E("person_email_change", "person", expect=needs(ADM, object_route=True)),
        E(
            "person_reactivate",
            "person",
            expect=needs(ADM, ok=REDIRECT, object_route=True),
            post=True,
        ),
        # API tokens: administrators only; another organisation's token is not found.
        E("api_token_list", expect=needs(ADM)),
        E("api_token_create", expect=needs(ADM)),
        E("api_token_made", "api_token", expect=needs(ADM, object_route=True)),
        E("api_token_revoke", "api_token", expect=needs(ADM, object_route=True)),
        # Cases
        E("case_list", expect=needs(P)),
        E("case_import", expect=needs(P)),
        E("case_import_columns", expect=needs(P), post=True),  # re-shows the form
        E("case_import_confirm", expect=needs(P, ok=REDIRECT), post=True),
        # Standards: everyone in the organisation reads them; managing them needs P.
        E("framework_list", expect=everyone_signed_in()),
        E("framework_create", expect=needs(P)),
        E("framework_detail", "framework", expect=everyone_signed_in(object_route=True)),
        E("framework_copy", "framework", expect=needs(P, object_route=True)),
        E(
            "theme_add",
            "framework",
            expect=needs(P, ok=REDIRECT, object_route=True),
            post=True,
        ),
        E("theme_rename", "theme", expect=needs(P, object_route=True)),
        E("standard_detail", "standard", expect=everyone_signed_in(object_route=True)),
        E("tool_detail", "tool", expect=everyone_signed_in(object_route=True)),
        E("tool_copy", "tool", expect=needs(P, object_route=True)),
        E("tool_edit", "tool", expect=needs(P, ok=REDIRECT, object_route=True), post=True),
        E("tool_compare", "tool", expect=everyone_signed_in(object_route=True)),
        E("version_preview", "version", expect=everyone_signed_in(object_route=True)),
        E("version_pdf", "version", expect=everyone_signed_in(object_route=True)),
        E("version_builder", "draft", expect=needs(P, object_route=True)),
        E("version_settings", "draft", expect=needs(P, object_route=True)),
        E("section_add", "draft", expect=needs(P, object_route=True)),
        E("version_publish", "draft", expect=needs(P, object_route=True)),
        E("version_discard", "draft", expect=needs(P, object_route=True)),
        E("section_edit", "section", expect=needs(P, object_route=True)),
        E("section_delete", "section", expect=needs(P, object_route=True)),
        E(
            "section_move",
            "section",
            expect=needs(P, ok=REDIRECT, object_route=True),
            post=True,
        ),
        E("criterion_add", "section", expect=needs(P, object_route=True)),
        E("criterion_edit", "criterion", expect=needs(P, object_route=True)),
        E("criterion_delete", "criterion", expect=needs(P, object_route=True)),
        E(
            "criterion_move",
            "criterion",
            expect=needs(P, ok=REDIRECT, object_route=True),
            post=True,
        ),
        # Audits. Someone of the organisation who may not see an audit, or who may see it
        # but is not its auditor, gets 403 on every change; the outsider 404.
        E(
            "audit_start",
            "request",
            expect=only(social_worker=REDIRECT),  # already started
            post=True,
        ),
        E(
            "audit_form",
            "audit",
            # A draft is its auditor's alone: the supervisor and the quality lead, who read
            # it once it is submitted, are refused until then (no longer sent to the read
            # view, which would refuse them too).
            expect=only(social_worker=OK),
        ),
        E(
            "audit_detail",
            "submitted",
            # The moderator does not see the answers while moderating blind.
            expect=everyone_signed_in(
                object_route=True, moderator=FORBIDDEN, board_member=FORBIDDEN
            ),
        ),
        E(
            "audit_pdf",
            "submitted",
            expect=everyone_signed_in(
                object_route=True, moderator=FORBIDDEN, board_member=FORBIDDEN
            ),
        ),
    ]
    + [
        E(
            name,
            *args,
            expect=only(social_worker=ok),
            post=True,
        )
        for name, args, ok in [
            ("audit_answer_save", ("audit", "audit_criterion"), REDIRECT),
            ("audit_section_save", ("audit", "voice"), INVALID),
            ("audit_finding_add", ("audit",), INVALID),
            ("audit_finding_remove", ("audit", "finding"), REDIRECT),
            ("audit_override", ("audit",), INVALID),
            ("audit_submit", ("audit",), REDIRECT),
            ("audit_feedback_link_create", ("audit",), OK),
            ("audit_feedback_link_email", ("audit",), INVALID),  # no address given
            ("audit_feedback_letter", ("audit",), OK),  # the PDF
        ]
    ]
    + [
        # An empty comment is refused before the "only the worker comments" rule applies
        # (tests/audits covers that rule with a real comment).
        E(
            "audit_worker_comment_add",
            "submitted",
            expect=everyone_signed_in(
                INVALID, object_route=True, moderator=FORBIDDEN, board_member=FORBIDDEN
            ),
            post=True,
        ),
        # Programme: seen by those who manage it or view all reports; changed by managers.
        E("programme_list", expect=needs(P, R)),
        E("programme_create", expect=needs(P)),
        E("programme_detail", "programme", expect=needs(P, R, object_route=True)),
        E(
            "programme_activate",
            "programme",
            expect=needs(P, ok=REDIRECT, object_route=True),
            post=True,
        ),
        E(
            "programme_close",
            "programme",
            expect=needs(P, ok=REDIRECT, object_route=True),
            post=True,
        ),
        E("extra_request_create", "programme", expect=needs(P, object_route=True)),
        E(
            "programme_month",
            "programme",
            "year",
            "month",
            expect=needs(P, R, object_route=True),
        ),
        # Changing a month's tool: November 2023 was never drawn (the world draws only
        # October) and is over, so a programme manager is sent back to the month, told why.
        E(
            "programme_month_tool",
            "programme",
            2023,
            11,
            expect=needs(P, ok=REDIRECT, object_route=True),
        ),
        E(
            "programme_month_redraw",
            "programme",
            "year",
            "month",
            expect=needs(P, R, object_route=True),
        ),
        E("closure_day_list", expect=needs(P)),
        E("data_download", expect=needs(CR)),
        # Board reports made in the background: for the board and those who run the
        # programme; the file may quote the people's voice, so each download is logged.
        E("reports", expect=needs(R, P)),
        E("report_job", "report_job", expect=needs(R, P, object_route=True)),
        E("report_download", "report_job", expect=needs(R, P, object_route=True)),
        E(
            "closure_day_remove",
            "closure_day",
            expect=needs(P, ok=REDIRECT, object_route=True),
            post=True,
        ),
        # Requests: one's own, one's supervisees', those in one's sample scope (the service
        # manager's service, the moderator's organisation), and all for programme readers.
        E(
            "team_requests",
            expect=row(FORBIDDEN, service_manager=OK, advanced_practitioner=OK, moderator=OK),
        ),
        # A board member (views all reports, no CR) is involved in no request: refused.
        E(
            "request_detail",
            "request",
            expect=everyone_signed_in(object_route=True, board_member=FORBIDDEN),
        ),
        E(
            "request_pick",
            "request",
            expect=only(social_worker=REDIRECT),  # a peer audit: its case is already chosen
        ),
        E(
            "request_reassign",
            "request",
            expect=only(quality_lead=OK, advanced_practitioner=OK),  # manager or supervisor
        ),
        E("request_cancel", "request", expect=only(quality_lead=OK)),  # programme managers
        E("request_extend", "request", expect=only(quality_lead=OK)),  # programme managers
        E("request_find_case", "request", expect=only(quality_lead=REDIRECT), post=True),
        # Moderation: the assigned moderator only.
        E("moderation_detail", "moderation", expect=only(moderator=OK)),
        E("moderation_save", "moderation", expect=only(moderator=OK), post=True),
        E("moderation_submit", "moderation", expect=only(moderator=OK), post=True),
        E("moderation_complete", "moderation", expect=only(moderator=REDIRECT), post=True),
        # Supervision: the supervisor only.
        E("supervision_record", "supervisee", expect=only(advanced_practitioner=OK)),
        E("agreement", expect=needs(R, M)),
        # Insights: the themes of findings and the people's voice, for those who view all
        # reports or manage the programme. A theme of the organisation's own framework is
        # another organisation's 404.
        E("insights_themes", expect=needs(P, R)),
        E("insights_theme", "theme", expect=needs(P, R, object_route=True)),
        E("insights_voice", expect=needs(P, R)),
        # Results: for those who run or oversee the programme; the audits behind a figure
        # are case-level records (CR), so the board member reads figures without links.
        E("insights_results", expect=needs(P, R)),
        E("insights_comparison", expect=needs(P, R)),
        E("insights_audits", expect=needs(CR)),
        # CQC evidence packs: as the results, each reader's own organisation's (a statement
        # is CQC's, shared by all); a download with no format goes back to the page.
        E("insights_evidence", expect=needs(P, R)),
        E("insights_evidence_statement", "LA1", expect=needs(P, R)),
        E("insights_evidence_download", "LA1", expect=needs(P, R, ok=REDIRECT)),
        E("insights_evidence_folder", expect=needs(P, R, ok=REDIRECT), post=True),
        # SPC charts: as the results. A chart's settings are read by the same people and
        # changed (POST) by those who manage the programme.
        E("insights_spc", expect=needs(P, R)),
        E("insights_spc_settings", "compliance", expect=needs(P, R)),
        # Actions: the tracker for those who manage actions or view all reports; an action
        # for them, its lead (the social worker) and the lead's supervisor (the advanced
        # practitioner, who also manages actions); changed by managers and, for updates and
        # the lead's own moves, the lead. An empty move or update is refused as invalid.
        E("action_tracker", expect=needs(MA, R)),
        E("findings_needing_action", expect=needs(MA)),
        E("action_create", expect=needs(MA)),
        E(
            "action_detail",
            "action",
            expect=everyone_signed_in(object_route=True, moderator=FORBIDDEN),
        ),
        E("action_edit", "action", expect=needs(MA, object_route=True)),
        E(
            "action_move",
            "action",
            expect=needs(MA, ok=INVALID, object_route=True, social_worker=INVALID),
            post=True,
        ),
        E(
            "action_update_add",
            "action",
            expect=needs(MA, ok=INVALID, object_route=True, social_worker=INVALID),
            post=True,
        ),
        # An embedding check: by the lead and those who manage actions, like an update.
        E(
            "action_check_add",
            "action",
            expect=needs(MA, ok=INVALID, object_route=True, social_worker=INVALID),
            post=True,
        ),
        E(
            "action_evidence",
            "action",
            "evidence",
            # Evidence can name cases: the board reads the action, not its files.
            expect=everyone_signed_in(
                object_route=True, moderator=FORBIDDEN, board_member=FORBIDDEN
            ),
        ),
        # Governance meetings: the board and those who manage actions read them and their
        # agenda packs; those who manage actions record them. "You said, we did" is for
        # everyone in the organisation (it holds nothing personal); its wording is written by
        # those who manage actions.
        E("meeting_list", expect=needs(MA, R)),
        E("meeting_create", expect=needs(MA)),
        E("agenda_pack_next", expect=needs(MA, R)),
        E("meeting_detail", "meeting", expect=needs(MA, R, object_route=True)),
        E("meeting_edit", "meeting", expect=needs(MA, object_route=True)),
        E("meeting_agenda_pack", "meeting", expect=needs(MA, R, object_route=True)),
        E(
            "decision_add",
            "meeting",
            expect=needs(MA, ok=INVALID, object_route=True),
            post=True,
        ),
        E(
            "decision_remove",
            "decision",
            expect=needs(MA, ok=REDIRECT, object_route=True),
            post=True,
        ),
        E("you_said_we_did", expect=everyone_signed_in()),
        E("you_said_we_did_print", expect=everyone_signed_in()),
        E("public_wording_edit", "action", expect=needs(MA, object_route=True)),
        # Escalation rules: those who manage the programme (each their own organisation's).
        E("improvement_rules", expect=needs(P)),
        # A flag for calibration: cleared by those who manage the programme (no moderators'
        # lead is named in the world), then back to My work.
        E(
            "calibration_clear",
            "calibration_flag",
            expect=needs(P, ok=REDIRECT, object_route=True),
            post=True,
        ),
        # Repeated findings: read by those who read the tracker; acted on (a new action, or
        # one linked) by those who manage actions. An empty link is refused as invalid.
        E("repeated_list", expect=needs(MA, R)),
        E("repeated_detail", "repeat", expect=needs(MA, R, object_route=True)),
        E("repeated_act", "repeat", expect=needs(MA, object_route=True)),
        E(
            "repeated_link",
            "repeat",
            expect=needs(MA, ok=INVALID, object_route=True),
            post=True,
        ),
    ]
)

# allauth's own pages, listed so that a new one is noticed. The rule: anonymous may reach
# the sign-in pages (PUBLIC); everything else redirects a signed-out person to sign-in.
ACCOUNT_PAGES_PUBLIC = {
    "account_login",
    "account_logout",
    "account_inactive",
    "account_signup",
    "account_reauthenticate",
    "account_email_verification_sent",
    "account_reset_password",
    "account_reset_password_done",
    "account_reset_password_from_key",
    "account_reset_password_from_key_done",
    "account_confirm_email",
    "account_confirm_login_code",
    "mfa_authenticate",
    "socialaccount_login_cancelled",
    "socialaccount_login_error",
    "socialaccount_signup",
    "openid_connect_login",
    "openid_connect_callback",
    "accounts/social/login/cancelled/",
    "accounts/social/login/error/",
    "accounts/social/signup/",
}
ACCOUNT_PAGES_SIGNED_IN = {
    "account_email",
    "account_change_password",
    "account_set_password",
    "mfa_index",
    "mfa_reauthenticate",
    "mfa_activate_totp",
    "mfa_deactivate_totp",
    "mfa_view_recovery_codes",
    "mfa_generate_recovery_codes",
    "mfa_download_recovery_codes",
    "socialaccount_connections",
    "accounts/social/connections/",
}
ACCOUNT_PAGES = ACCOUNT_PAGES_PUBLIC | ACCOUNT_PAGES_SIGNED_IN


# --- The URL configuration ------------------------------------------------------------------


def _walk(resolver: URLResolver, prefix: str = ""):
    for entry in resolver.url_patterns:
        route = prefix + str(entry.pattern)
        if isinstance(entry, URLResolver):
            yield from _walk(entry, route)
        elif isinstance(entry, URLPattern):
            yield route, entry


def resolver_routes() -> dict[str, str]:
    """Every page the site serves (name, or route when unnamed) → route; not the admin's,
    nor the API's: its endpoints answer to a token, not a session, and tests/api checks
    every one of them for every organisation (test_api_isolation.py)."""
    return {
        pattern.name or route: route
        for route, pattern in _walk(get_resolver())
        if not route.startswith(("admin/", "static/", "api/"))
    }


def _example_path(route: str) -> str:
    """A concrete path for an allauth route: every argument gets a plausible value."""
    import re

    route = route.replace("^", "").replace("$", "")
    route = re.sub(r"\(\?P<[^>]+>[^)]*\)", "x", route)
    route = re.sub(r"<[^>]+>", "x", route)
    return "/" + route.replace("\\", "")


def test_every_url_has_a_row_in_the_matrix():
    routes = resolver_routes()
    ours = {name for name, route in routes.items() if not route.startswith("accounts/")}
    theirs = set(routes) - ours

    assert ours - set(MATRIX) == set(), "pages with no row in MATRIX"
    assert set(MATRIX) - ours == set(), "rows in MATRIX for pages that no longer exist"
    assert theirs - ACCOUNT_PAGES == set(), "allauth pages not listed in ACCOUNT_PAGES"
    assert ACCOUNT_PAGES - theirs == set(), "ACCOUNT_PAGES lists pages that no longer exist"


def test_every_row_names_every_persona():
    for name, entry in MATRIX.items():
        assert set(entry.expect) == set(PERSONAS), name


def test_only_another_organisation_is_told_not_found():
    """docs/decisions/0008-404-or-403.md: 404 is for another organisation's objects (and
    ones that do not exist); within the organisation a refusal is a 403 that says why."""
    for name, entry in MATRIX.items():
        for persona in SIGNED_IN:
            if persona != "outsider":
                assert entry.expect[persona] != NOT_FOUND, (name, persona)


def test_the_personas_have_the_capabilities_the_matrix_assumes(people):
    for persona, capabilities in PERSONA_CAPABILITIES.items():
        staff = getattr(people, persona)
        assert {c for c in Capability if staff.can(c)} == capabilities, persona


# --- The matrix -----------------------------------------------------------------------------

# (url name, persona) → why: real access-control bugs, each a strict xfail until fixed.
KNOWN_BUGS: dict[tuple[str, str], str] = {}


def _cases():
    for name in MATRIX:
        for persona in PERSONAS:
            bug = KNOWN_BUGS.get((name, persona))
            marks = [pytest.mark.xfail(strict=True, reason=f"BUG: {bug}")] if bug else []
            yield pytest.param(name, persona, id=f"{name}-{persona}", marks=marks)


def _writes_beyond_the_session(sql: str) -> bool:
    words = sql.lstrip().split(None, 1)
    verb = words[0].upper() if words else ""
    return verb in ("INSERT", "UPDATE", "DELETE") and "django_session" not in sql


@pytest.mark.parametrize(("name", "persona"), list(_cases()))
def test_each_persona_gets_what_the_matrix_says(signed_in, world, name, persona):
    entry = MATRIX[name]
    path = entry.path(world.council)
    client = signed_in(persona)
    expected = entry.expect[persona]

    if entry.post:
        with CaptureQueriesContext(connection) as queries:
            got = client.get(path)
        # A GET never performs the action: nothing is written but the session itself.
        writes = [q["sql"] for q in queries if _writes_beyond_the_session(q["sql"])]
        assert writes == [], f"GET {path} as {persona} wrote: {writes}"
        # A GET never reaches a POST-only view: it is sent back to the page the address
        # belongs to, or refused earlier.
        denied_early = expected in (LOGIN, FORBIDDEN, NOT_FOUND)
        sent_back = outcome(got) == REDIRECT and got["Location"] != path
        assert sent_back or (denied_early and outcome(got) == expected), (
            f"GET {path} as {persona}: {outcome(got)}"
        )
        if sent_back:
            assert got["Location"].startswith("/") and not got["Location"].startswith("//")
            assert client.get(got["Location"]).status_code not in (NOT_ALLOWED, 500)
        response = client.post(path)
        if expected in (LOGIN, FORBIDDEN, NOT_FOUND):
            assert response.status_code != 200
    else:
        response = client.get(path)

    assert response.status_code != 500
    assert outcome(response) == expected, (
        f"{'POST' if entry.post else 'GET'} {path} as {persona}: "
        f"{outcome(response)}, expected {expected}"
    )


@pytest.mark.parametrize("persona", ["anonymous", "deactivated"])
@pytest.mark.parametrize("name", sorted(ACCOUNT_PAGES))
def test_allauth_pages_follow_the_sign_in_rule(signed_in, name, persona):
    path = _example_path(resolver_routes()[name])
    client = signed_in(persona)

    response = client.get(path)

    assert response.status_code != 500
    if name in ACCOUNT_PAGES_SIGNED_IN:
        assert outcome(response) == LOGIN, f"{path}: {outcome(response)}"

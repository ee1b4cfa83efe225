"""The content-pack file format and the three packs Care Audit ships."""

import pytest
import yaml

from careaudit.standards.models import SubjectKind
from careaudit.standards.packfile import (
    ANSWER_SCALES,
    BUILTIN_PACKS,
    EVIDENCE_CATEGORIES,
    SUBJECT_KINDS,
    Pack,
    PackError,
    PackProblem,
    builtin_pack_path,
    cqc_statements,
    dump_pack,
    load_builtin,
    parse_pack,
)

QUIS_CATEGORIES = (
    "Positive social",
    "Positive care",
    "Neutral",
    "Negative protective",
    "Negative restrictive",
)

# A small valid pack; the tests below break it one line at a time, so the line
# numbers in their expectations refer to this text.
MINIMAL = """\
schema: 1
code: demo
name: Demo framework
kind: council
version: "1"
themes:
  - id: voice
    name: Voice
standards:
  - id: s1
    code: S1
    title: Working with people
    tools:
      - id: s1-audit
        name: Case file audit
        sections:
          - id: s1-audit-a
            title: Involvement
            criteria:
              - id: s1-c1
                text: The person was involved.
                scale: met_partly_not
                themes: [voice]
                cqc: [LA1]
programme_templates:
  - id: programme
    name: Annual programme
    start_month: 9
    months:
      - {month: 9, standard: s1}
      - {month: 1, standard: s1}
    quotas:
      - {role: Social Worker, per_person: 1, mode: self_peer_alternating}
"""
CRITERION = "standards[0].tools[0].sections[0].criteria[0]"


def edited(old: str, new: str, text: str = MINIMAL) -> str:
    assert text.count(old) == 1, f"{old!r} must appear exactly once"
    return text.replace(old, new)


def problems_in(text: str) -> list[PackProblem]:
    with pytest.raises(PackError) as raised:
        parse_pack(text, "demo.yaml")
    return raised.value.errors


def only_problem(text: str) -> PackProblem:
    problems = problems_in(text)
    assert len(problems) == 1, [str(problem) for problem in problems]
    return problems[0]


def all_criteria(pack: Pack):
    return [c for s in pack.standards for t in s.tools for c in t.criteria]


# --- The shipped packs ----------------------------------------------------------------


@pytest.mark.parametrize("name", BUILTIN_PACKS)
def test_every_builtin_pack_parses_and_its_file_is_named_by_its_code(name):
    pack = load_builtin(name)
    assert pack.code == name
    assert builtin_pack_path(name).name == f"{name}.yaml"


def test_load_builtin_refuses_a_name_that_is_not_shipped():
    with pytest.raises(ValueError, match="practice-quality"):
        load_builtin("cqc_quality_statements")


def test_the_minimal_example_is_valid():
    pack = parse_pack(MINIMAL, "demo.yaml")
    assert pack.standards[0].tools[0].criteria[0].cqc == ("LA1",)


# --- Practice quality -----------------------------------------------------------------


@pytest.fixture(scope="module")
def practice_quality():
    return load_builtin("practice-quality")


def test_practice_quality_has_the_ten_standards_coded_pq1_to_pq10(practice_quality):
    assert practice_quality.kind == "council"
    assert [s.code for s in practice_quality.standards] == [f"PQ{n}" for n in range(1, 11)]
    assert practice_quality.standards[7].title == "Safeguarding people"
    assert all(s.expectations and s.commitments for s in practice_quality.standards)


def test_each_practice_standard_has_one_rag_tool_of_8_to_15_met_partly_not_criteria(
    practice_quality,
):
    for standard in practice_quality.standards:
        [tool] = standard.tools
        assert tool.rating_scheme == "rag"
        assert 8 <= len(tool.criteria) <= 15, standard.code
        assert {c.scale for c in tool.criteria} == {"met_partly_not"}


def test_every_practice_criterion_has_one_or_two_themes_and_guidance(practice_quality):
    for criterion in all_criteria(practice_quality):
        assert 1 <= len(criterion.themes) <= 2, criterion.id
        assert criterion.guidance, criterion.id


def test_practice_criteria_link_only_to_local_authority_statements(practice_quality):
    linked = {s for c in all_criteria(practice_quality) for s in c.cqc}
    assert linked <= {f"LA{n}" for n in range(1, 10)}
    assert linked >= {"LA1", "LA3", "LA7", "LA8"}


def test_safeguarding_capacity_and_risk_criteria_are_critical(practice_quality):
    critical = [c for c in all_criteria(practice_quality) if c.critical]
    assert 3 <= len(critical) <= 10
    themes = {theme for c in critical for theme in c.themes}
    assert {"safeguarding", "capacity", "risk"} <= themes


def test_practice_programme_runs_september_to_july_skipping_december_and_august(
    practice_quality,
):
    [programme] = practice_quality.programme_templates
    assert programme.id == "pq-programme"
    assert programme.start_month == 9
    assert programme.eligibility_closed_days == 90
    assert [(m.month, m.standard) for m in programme.months] == [
        (9, "pq-1"),
        (10, "pq-2"),
        (11, "pq-3"),
        (1, "pq-4"),
        (2, "pq-5"),
        (3, "pq-6"),
        (4, "pq-7"),
        (5, "pq-8"),
        (6, "pq-9"),
        (7, "pq-10"),
    ]


def test_practice_programme_quotas_follow_the_audit_timetable(practice_quality):
    [programme] = practice_quality.programme_templates
    assert [(q.role, q.per_person, q.mode) for q in programme.quotas] == [
        ("Director", 1, "sample"),
        ("Strategic Manager", 2, "sample"),
        ("Service Manager", 2, "sample"),
        ("Advanced Practitioner", 2, "sample"),
        ("Practice Development Advanced Practitioner", 6, "sample"),
        ("Social Worker", 1, "self_peer_alternating"),
        ("Occupational Therapist", 1, "self_peer_alternating"),
        ("Adult Social Care Practitioner", 1, "self_peer_alternating"),
        ("Occupational Therapy Assistant", 1, "self_peer_alternating"),
        ("Moderator", 2, "moderate"),
    ]


# --- CQC quality statements -----------------------------------------------------------


@pytest.fixture(scope="module")
def cqc_pack():
    return load_builtin("cqc-quality-statements")


def test_the_reference_list_has_34_provider_and_9_local_authority_statements():
    statements = cqc_statements()
    kinds = [s.kind for s in statements.values()]
    assert kinds.count("provider") == 34
    assert kinds.count("local_authority") == 9
    assert statements["W8"].group_title == "Well-led"
    assert statements["LA7"].group_id == "T3"
    assert len(EVIDENCE_CATEGORIES) == 6


def test_cqc_pack_has_a_section_for_every_statement_titled_exactly_as_cqc(cqc_pack):
    sections = [sec for s in cqc_pack.standards for t in s.tools for sec in t.sections]
    statements = cqc_statements()
    assert len(sections) == 34 + 9
    for sec in sections:
        [statement_id] = {sid for c in sec.criteria for sid in c.cqc}
        assert sec.title == statements[statement_id].title
    assert {sid for c in all_criteria(cqc_pack) for sid in c.cqc} == set(statements)


def test_cqc_pack_has_a_standard_per_key_question_and_theme(cqc_pack):
    assert [s.code for s in cqc_pack.standards] == [
        "SAFE",
        "EFFECTIVE",
        "CARING",
        "RESPONSIVE",
        "WELL-LED",
        "LA-PEOPLE",
        "LA-SUPPORT",
        "LA-SAFETY",
        "LA-LEADERSHIP",
    ]
    assert all(t.rating_scheme == "cqc" for s in cqc_pack.standards for t in s.tools)


def test_every_cqc_criterion_is_scored_1_to_4_under_one_evidence_category(cqc_pack):
    for criterion in all_criteria(cqc_pack):
        assert criterion.scale == "score_1_4"
        assert criterion.evidence_category in EVIDENCE_CATEGORIES
        assert criterion.guidance
        [statement] = criterion.cqc
        assert criterion.id.startswith(f"cqc-{statement}-")


# --- Provider essentials --------------------------------------------------------------


@pytest.fixture(scope="module")
def provider_pack():
    return load_builtin("provider-essentials")


def test_provider_pack_has_the_five_core_audit_tools(provider_pack):
    tools = [t.name for s in provider_pack.standards for t in s.tools]
    assert tools == [
        "Care plan audit",
        "Medication administration record (MAR) audit",
        "QUIS observation",
        "Unannounced spot check – home care visit",
        "Supervision record audit",
    ]


def test_quis_counts_the_five_interaction_categories_in_three_periods(provider_pack):
    [quis] = [t for s in provider_pack.standards for t in s.tools if t.id == "pe-quis-observation"]
    counts = [c for c in quis.criteria if c.scale == "count"]
    assert len(counts) == 3
    assert all(c.categories == QUIS_CATEGORIES for c in counts)
    assert any(c.scale == "free_text" for c in quis.criteria)


def test_mar_audit_covers_prn_and_makes_unsafe_misses_critical(provider_pack):
    [mar] = [t for s in provider_pack.standards for t in s.tools if t.id == "pe-mar-audit"]
    texts = " ".join(c.text for c in mar.criteria)
    for topic in ("PRN", "Allergies", "Stock balances", "covertly"):
        assert topic in texts
    assert 2 <= sum(c.critical for c in mar.criteria) <= 5


def test_provider_pack_spot_checks_and_supervision_audits_staff_and_quis_a_service(
    provider_pack,
):
    subjects = {t.id: t.subject for s in provider_pack.standards for t in s.tools}
    assert subjects == {
        "pe-care-plan-audit": "case",
        "pe-mar-audit": "case",
        "pe-quis-observation": "service",
        "pe-spot-check": "staff",
        "pe-supervision-audit": "staff",
    }


def test_a_tool_audits_cases_unless_it_says_otherwise():
    [tool] = parse_pack(MINIMAL, "demo.yaml").standards[0].tools
    assert tool.subject == "case"
    assert "subject" not in dump_pack(parse_pack(MINIMAL, "demo.yaml"))


def test_a_tool_of_staff_members_keeps_its_subject_through_a_dump():
    text = edited(
        "        name: Case file audit\n",
        "        name: Case file audit\n        subject: staff\n",
    )
    pack = parse_pack(text, "demo.yaml")
    assert pack.standards[0].tools[0].subject == "staff"
    assert "        subject: staff\n" in dump_pack(pack)
    assert parse_pack(dump_pack(pack), "demo.yaml") == pack


def test_an_unknown_subject_names_the_three_kinds():
    problem = only_problem(
        edited(
            "        name: Case file audit\n",
            "        name: Case file audit\n        subject: building\n",
        )
    )
    assert str(problem) == (
        "demo.yaml:16: standards[0].tools[0].subject: unknown subject 'building' "
        "(expected one of: case, staff, service)"
    )
    assert tuple(SubjectKind.values) == SUBJECT_KINDS


def test_provider_criteria_link_only_to_provider_statements(provider_pack):
    linked = {s for c in all_criteria(provider_pack) for s in c.cqc}
    assert linked
    assert all(cqc_statements()[s].kind == "provider" for s in linked)


# --- Writing --------------------------------------------------------------------------


@pytest.mark.parametrize("name", BUILTIN_PACKS)
def test_dumping_then_parsing_gives_back_the_same_pack(name):
    pack = load_builtin(name)
    assert parse_pack(dump_pack(pack), f"{name}.yaml") == pack


@pytest.mark.parametrize("name", BUILTIN_PACKS)
def test_the_dump_is_a_fixed_point(name):
    text = dump_pack(load_builtin(name))
    assert dump_pack(parse_pack(text, f"{name}.yaml")) == text


def test_the_dump_leaves_defaults_out_and_keeps_the_schema_key_order():
    text = dump_pack(parse_pack(MINIMAL, "demo.yaml"))
    assert list(yaml.safe_load(text)) == [
        "schema",
        "code",
        "name",
        "kind",
        "version",
        "themes",
        "standards",
        "programme_templates",
    ]
    for default in ("rating_scheme", "weight", "critical", "partly_met_value", "eligibility"):
        assert default not in text
    assert "version: '1'" in text  # still text, not a number


def test_multi_line_text_is_dumped_as_a_literal_block():
    text = edited(
        "text: The person was involved.",
        "text: |\n                  Line one.\n                  Line two.",
    )
    dumped = dump_pack(parse_pack(text, "demo.yaml"))
    assert "text: |-\n" in dumped
    assert parse_pack(dumped, "demo.yaml").standards[0].tools[0].criteria[0].text == (
        "Line one.\nLine two."
    )


def test_non_ascii_text_is_written_as_it_is():
    text = edited("title: Involvement", "title: Involvement – “I” statements")
    assert "Involvement – “I” statements" in dump_pack(parse_pack(text, "demo.yaml"))


# --- Invalid packs --------------------------------------------------------------------


def test_broken_yaml_is_reported_with_the_line_of_the_yaml_error():
    problem = only_problem(edited("title: Involvement", "title: [Involvement"))
    assert problem.file == "demo.yaml"
    assert problem.line == 19
    assert "not valid YAML" in problem.message


def test_an_empty_file_is_reported():
    assert only_problem("").message == "the file is empty"


def test_a_missing_field_is_reported_at_the_mapping_that_lacks_it():
    problem = only_problem(edited("                text: The person was involved.\n", ""))
    assert (problem.line, problem.field) == (20, f"{CRITERION}.text")
    assert problem.message == "required field is missing"


def test_an_empty_field_is_reported():
    problem = only_problem(edited("name: Demo framework", 'name: ""'))
    assert str(problem) == "demo.yaml:3: name: must not be empty"


def test_an_unknown_scale_names_the_known_scales():
    problem = only_problem(edited("scale: met_partly_not", "scale: maybe"))
    assert str(problem) == (
        f"demo.yaml:22: {CRITERION}.scale: unknown answer scale 'maybe' "
        "(expected one of: met_partly_not, score_1_4, yes_no, count, free_text)"
    )
    assert ANSWER_SCALES == ("met_partly_not", "score_1_4", "yes_no", "count", "free_text")


def test_an_unknown_rating_scheme_is_reported():
    problem = only_problem(
        edited(
            "        name: Case file audit\n",
            "        name: Case file audit\n        rating_scheme: stars\n",
        )
    )
    assert (problem.line, problem.field) == (16, "standards[0].tools[0].rating_scheme")
    assert "unknown rating scheme 'stars'" in problem.message


def test_a_duplicate_id_anywhere_in_the_pack_points_at_its_first_use():
    problem = only_problem(edited("- id: s1-c1", "- id: s1-audit"))
    assert (problem.line, problem.field) == (20, f"{CRITERION}.id")
    assert problem.message == (
        "duplicate id 's1-audit' (first used at line 14, standards[0].tools[0].id)"
    )


def test_an_unknown_key_is_reported_with_the_nearest_known_one():
    problem = only_problem(
        edited("themes: [voice]", "themes: [voice]\n                critcal: true")
    )
    assert (problem.line, problem.field) == (24, f"{CRITERION}.critcal")
    assert problem.message == "unknown key 'critcal' (did you mean 'critical'?)"


def test_a_key_given_twice_is_reported():
    problem = only_problem(
        edited("title: Involvement", "title: Involvement\n            title: Again")
    )
    assert (problem.line, problem.message) == (19, "given twice (first at line 18)")


def test_a_theme_not_declared_in_themes_is_reported():
    problem = only_problem(edited("themes: [voice]", "themes: [voice, risk]"))
    assert (problem.line, problem.field) == (23, f"{CRITERION}.themes[1]")
    assert problem.message == "unknown theme 'risk' (declared in themes: voice)"


def test_an_unknown_cqc_statement_is_reported():
    problem = only_problem(edited("cqc: [LA1]", "cqc: [LA10]"))
    assert (problem.line, problem.field) == (24, f"{CRITERION}.cqc[0]")
    assert problem.message.startswith("unknown CQC quality statement 'LA10'")


def test_text_given_as_a_number_is_a_wrong_type():
    problem = only_problem(edited('version: "1"', "version: 2023.1"))
    assert (problem.line, problem.field) == (5, "version")
    assert problem.message == "expected text, got a number (put it in quotes)"


def test_a_count_criterion_needs_categories_and_other_scales_must_not_have_them():
    problem = only_problem(edited("scale: met_partly_not", "scale: count"))
    assert (problem.field, problem.message) == (
        f"{CRITERION}.categories",
        "required for scale count",
    )
    problem = only_problem(
        edited("scale: met_partly_not", "scale: yes_no\n                categories: [A]")
    )
    assert problem.message == "categories are only allowed with scale count"


def test_a_programme_month_must_name_a_known_standard():
    problem = only_problem(edited("{month: 1, standard: s1}", "{month: 1, standard: s2}"))
    assert (problem.line, problem.field) == (31, "programme_templates[0].months[1].standard")
    assert problem.message == "unknown standard 's2' (expected a standard id: s1)"


@pytest.mark.parametrize(
    ("month", "message"),
    [
        ("13", "month 13 is outside 1-12"),
        ("0", "month 0 is outside 1-12"),
        ("9", "month 9 is listed twice (first at line 30)"),
        ("8", None),  # August is the last month of a year that starts in September
    ],
)
def test_programme_months_are_within_1_to_12_and_listed_once(month, message):
    text = edited("{month: 1, standard: s1}", f"{{month: {month}, standard: s1}}")
    if message is None:
        parse_pack(text, "demo.yaml")
        return
    problem = only_problem(text)
    assert (problem.line, problem.field) == (31, "programme_templates[0].months[1].month")
    assert problem.message == message


def test_programme_months_must_follow_the_programme_year():
    text = edited("start_month: 9", "start_month: 1")
    problem = only_problem(text)
    assert problem.field == "programme_templates[0].months[1].month"
    assert "programme-year order" in problem.message


def test_an_unknown_quota_mode_is_reported():
    problem = only_problem(edited("mode: self_peer_alternating", "mode: sometimes"))
    assert (problem.line, problem.field) == (33, "programme_templates[0].quotas[0].mode")
    assert problem.message.startswith("unknown quota mode 'sometimes' (expected one of: sample,")


def test_thresholds_apply_only_to_rag_tools_and_must_be_ordered():
    tool = "        name: Case file audit\n"
    problem = only_problem(edited(tool, tool + "        thresholds: {green: 50, amber: 60}\n"))
    assert problem.field == "standards[0].tools[0].thresholds"
    assert "amber" in problem.message
    problem = only_problem(
        edited(
            tool, tool + "        rating_scheme: cqc\n        thresholds: {green: 90, amber: 60}\n"
        )
    )
    assert problem.message == "thresholds apply only to rating_scheme rag"


def test_a_file_with_several_errors_reports_all_of_them_in_line_order():
    text = MINIMAL
    for old, new in [
        ('version: "1"', "version:"),
        ("title: Working with people", "titel: Working with people"),
        ("scale: met_partly_not", "scale: maybe"),
        ("themes: [voice]", "themes: [risk]"),
        ("{month: 1, standard: s1}", "{month: 1, standard: s9}"),
        ("mode: self_peer_alternating", "mode: often"),
    ]:
        text = edited(old, new, text)
    problems = problems_in(text)
    assert [(p.line, p.field) for p in problems] == [
        (5, "version"),
        (10, "standards[0].title"),  # the missing title, reported at its standard
        (12, "standards[0].titel"),
        (22, f"{CRITERION}.scale"),
        (23, f"{CRITERION}.themes[0]"),
        (31, "programme_templates[0].months[1].standard"),
        (33, "programme_templates[0].quotas[0].mode"),
    ]
    assert str(PackError(problems)).count("demo.yaml:") == 7

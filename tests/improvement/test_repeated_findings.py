"""The repeated-finding detector: the same criterion not met (or a theme found) in at least
K audits of a team, or of the organisation, within M months raises one item for governance,
and the daily tick doing it twice raises nothing twice."""

import doctest
import importlib
from datetime import date, timedelta

import pytest
import time_machine

from careaudit.audits.models import Answer, Audit
from careaudit.improvement import governance
from careaudit.improvement.models import ImprovementRules, RepeatedFinding, RepeatScope
from careaudit.improvement.repeats import raise_repeated_findings
from careaudit.lib.vocabulary import SubjectKind
from careaudit.programme.cycle import run_cycle
from careaudit.standards.models import Criterion
from tests.improvement.repeats import Repeats, an_audit, at

ON = date(2025, 7, 15)  # the tick's day; 6 months before is 15 January 2025


def tick(repeats: Repeats, on: date = ON):
    with time_machine.travel(at(on, 6), tick=False):
        return raise_repeated_findings(organisation=repeats.programme.organisation, on=on)


def items(**filters) -> list[RepeatedFinding]:
    return list(RepeatedFinding.objects.filter(**filters).order_by("key"))


def test_two_audits_not_meeting_a_criterion_raise_nothing(repeats):
    criterion = repeats.criteria[0]
    for day in (date(2025, 3, 1), date(2025, 5, 1)):
        an_audit(repeats, day, not_met=(criterion,))

    assert tick(repeats).raised == 0
    assert not RepeatedFinding.objects.exists()


def test_three_audits_of_a_team_not_meeting_a_criterion_raise_the_team_item_only(repeats):
    criterion = repeats.criteria[0]
    audits = [
        an_audit(repeats, date(2025, 2, 3), not_met=(criterion,)),
        an_audit(repeats, date(2025, 4, 7), case=repeats.ashby_case_2, not_met=(criterion,)),
        an_audit(repeats, date(2025, 7, 15), not_met=(criterion,)),  # the tick's own day
    ]
    an_audit(repeats, date(2025, 5, 5), not_met=(repeats.criteria[1],))  # another criterion

    # The organisation's three audits are the team's three: one shortfall, raised once.
    assert tick(repeats).raised == 1

    (team,) = items()
    assert team.scope == RepeatScope.TEAM
    assert team.criterion == criterion
    assert team.theme is None
    assert team.standard == audits[0].request.standard
    assert team.audits_count == 3
    assert set(team.audits.all()) == set(audits)
    assert (team.first_seen, team.last_seen) == (date(2025, 2, 3), date(2025, 7, 15))
    assert team.raised_at == at(ON, 6)
    assert team.reviewed_at is None
    assert team.team == repeats.people.team
    assert team.key == f"team:{repeats.people.team.pk}:criterion:{criterion.key}"


def test_audits_of_two_teams_reaching_k_together_raise_only_the_organisation_item(repeats):
    criterion = repeats.criteria[2]
    audits = [
        an_audit(repeats, date(2025, 3, 3), not_met=(criterion,)),
        an_audit(repeats, date(2025, 3, 4), not_met=(criterion,)),
        an_audit(repeats, date(2025, 3, 5), case=repeats.dunmere_case, not_met=(criterion,)),
    ]

    assert tick(repeats).raised == 1

    (item,) = items()
    assert item.scope == RepeatScope.ORGANISATION
    assert item.team is None
    assert item.key == f"organisation:criterion:{criterion.key}"
    assert item.audits_count == 3
    assert set(item.audits.all()) == set(audits)


def test_a_teams_repeat_found_in_another_team_too_raises_both_items(repeats):
    criterion = repeats.criteria[0]
    for day in (date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)):
        an_audit(repeats, day, not_met=(criterion,))
    an_audit(repeats, date(2025, 6, 1), case=repeats.dunmere_case, not_met=(criterion,))

    assert tick(repeats).raised == 2

    team = RepeatedFinding.objects.get(scope=RepeatScope.TEAM)
    organisation = RepeatedFinding.objects.get(scope=RepeatScope.ORGANISATION)
    assert (team.team, team.audits_count) == (repeats.people.team, 3)
    assert organisation.audits_count == 4  # every audit of the organisation, Ashby's too


def test_an_audit_of_no_team_with_a_teams_two_raises_the_organisation_item(repeats):
    criterion = repeats.criteria[0]
    an_audit(repeats, date(2025, 3, 1), not_met=(criterion,))
    an_audit(repeats, date(2025, 4, 1), not_met=(criterion,))
    whole_service = an_audit(repeats, date(2025, 5, 1), not_met=(criterion,))
    Audit.objects.filter(pk=whole_service.pk).update(  # of the service, not of a case
        subject_kind=SubjectKind.SERVICE, case=None, service_subject=repeats.people.team.service
    )

    assert tick(repeats).raised == 1

    (item,) = items()
    assert (item.scope, item.audits_count) == (RepeatScope.ORGANISATION, 3)


def test_the_organisation_item_waits_until_a_second_team_finds_it(repeats):
    criterion = repeats.criteria[0]
    for day in (date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)):
        an_audit(repeats, day, not_met=(criterion,))
    tick(repeats)
    assert [item.scope for item in items()] == [RepeatScope.TEAM]

    an_audit(repeats, date(2025, 7, 20), case=repeats.dunmere_case, not_met=(criterion,))
    outcome = tick(repeats, date(2025, 7, 21))

    assert (outcome.raised, outcome.updated) == (1, 0)  # the team's item has no new audit
    organisation = RepeatedFinding.objects.get(scope=RepeatScope.ORGANISATION)
    assert organisation.audits_count == 4
    assert organisation.raised_at == at(date(2025, 7, 21), 6)


def test_audits_of_one_team_past_k_never_raise_the_organisation_item(repeats):
    criterion = repeats.criteria[0]
    for month in (2, 3, 4, 5, 6, 7):
        an_audit(repeats, date(2025, month, 1), not_met=(criterion,))

    tick(repeats)

    (item,) = items()
    assert (item.scope, item.audits_count) == (RepeatScope.TEAM, 6)


def test_an_audit_submitted_exactly_m_months_before_the_tick_counts(repeats):
    criterion = repeats.criteria[0]
    an_audit(repeats, date(2025, 1, 15), not_met=(criterion,))  # exactly 6 months before
    an_audit(repeats, date(2025, 3, 1), not_met=(criterion,))
    an_audit(repeats, date(2025, 6, 1), not_met=(criterion,))

    assert tick(repeats).raised == 1
    assert [item.first_seen for item in items()] == [date(2025, 1, 15)]


def test_an_audit_submitted_the_day_before_the_window_does_not_count(repeats):
    criterion = repeats.criteria[0]
    an_audit(repeats, date(2025, 1, 14), not_met=(criterion,))  # a day too early
    an_audit(repeats, date(2025, 3, 1), not_met=(criterion,))
    an_audit(repeats, date(2025, 6, 1), not_met=(criterion,))

    assert tick(repeats).raised == 0


def test_an_audit_submitted_after_the_tick_day_is_not_yet_counted(repeats):
    criterion = repeats.criteria[0]
    for day in (date(2025, 3, 1), date(2025, 6, 1), ON + timedelta(days=1)):
        an_audit(repeats, day, not_met=(criterion,))

    assert tick(repeats).raised == 0


def test_draft_audits_do_not_count(repeats):
    criterion = repeats.criteria[0]
    an_audit(repeats, date(2025, 3, 1), not_met=(criterion,))
    an_audit(repeats, date(2025, 4, 1), not_met=(criterion,))
    an_audit(repeats, date(2025, 5, 1), not_met=(criterion,), submitted=False)

    assert tick(repeats).raised == 0


def test_another_councils_audits_never_count(repeats):
    criterion = repeats.criteria[0]
    an_audit(repeats, date(2025, 3, 1), not_met=(criterion,))
    an_audit(repeats, date(2025, 4, 1), not_met=(criterion,))
    an_audit(repeats, date(2025, 5, 1), case=repeats.other_case, not_met=(criterion,))
    an_audit(repeats, date(2025, 5, 2), case=repeats.other_case, not_met=(criterion,))

    assert tick(repeats).raised == 0
    other = raise_repeated_findings(organisation=repeats.other_case.organisation, on=ON)
    assert other.raised == 0  # two of its own are not three either


def test_partly_met_is_not_not_met(repeats):
    criterion = repeats.criteria[0]
    audits = [an_audit(repeats, date(2025, m, 1), not_met=(criterion,)) for m in (3, 4, 5)]
    Answer.objects.filter(audit=audits[1], criterion=criterion).update(value="partly_met")

    assert tick(repeats).raised == 0


def test_the_same_criterion_in_a_new_version_of_the_tool_is_the_same_criterion(repeats):
    criterion = repeats.criteria[0]
    an_audit(repeats, date(2025, 3, 1), not_met=(criterion,))
    an_audit(repeats, date(2025, 4, 1), not_met=(criterion,))
    # A later version copies the criterion, keeping its stable id.
    newer = Criterion.objects.get(pk=criterion.pk)
    newer.pk = None
    newer.section = _section_of_a_new_version(criterion)
    newer.save()
    audit = an_audit(repeats, date(2025, 5, 1))
    Answer.objects.create(audit=audit, criterion=newer, value="not_met")

    tick(repeats)

    team = RepeatedFinding.objects.get(scope=RepeatScope.TEAM)
    assert team.audits_count == 3
    assert team.criterion == newer  # as the latest audit asked it


def _section_of_a_new_version(criterion):
    version = criterion.section.version
    section = criterion.section
    new_version = type(version).objects.create(
        tool=version.tool, number=version.number + 100, rating_scheme=version.rating_scheme
    )
    return type(section).objects.create(version=new_version, key=section.key, title=section.title)


def test_a_theme_found_needing_action_in_three_audits_raises_a_theme_item(repeats):
    theme = repeats.themes[0]
    for day in (date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)):
        an_audit(repeats, day, themes=(theme, theme))  # twice in one audit counts it once
    an_audit(repeats, date(2025, 6, 1), case=repeats.dunmere_case, themes=(theme,))

    assert tick(repeats).raised == 2

    for item in items():
        assert (item.theme, item.criterion) == (theme, None)
        assert item.standard is not None  # all were of the same standard
    assert [item.audits_count for item in items()] == [4, 3]  # the organisation's, Ashby's
    assert {item.key for item in items()} == {
        f"organisation:theme:{theme.pk}",
        f"team:{repeats.people.team.pk}:theme:{theme.pk}",
    }


def test_a_theme_found_as_a_strength_is_not_a_repeated_shortfall(repeats):
    theme = repeats.themes[0]
    for day in (date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)):
        an_audit(repeats, day, themes=(theme,), needs_action=False)

    assert tick(repeats).raised == 0


def test_the_organisations_own_rules_set_k_and_m(repeats):
    criterion = repeats.criteria[0]
    ImprovementRules.objects.create(
        organisation=repeats.programme.organisation, repeat_audits=2, repeat_months=1
    )
    an_audit(repeats, date(2025, 5, 1), not_met=(criterion,))  # more than a month before
    an_audit(repeats, date(2025, 6, 15), not_met=(criterion,))  # exactly a month before
    an_audit(repeats, date(2025, 7, 1), not_met=(criterion,))

    assert tick(repeats).raised == 1
    assert [(item.scope, item.audits_count) for item in items()] == [(RepeatScope.TEAM, 2)]


def test_the_tick_twice_on_a_day_raises_nothing_twice(repeats):
    criterion = repeats.criteria[0]
    for day in (date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)):
        an_audit(repeats, day, not_met=(criterion,))
    an_audit(repeats, date(2025, 6, 1), case=repeats.dunmere_case, not_met=(criterion,))

    with time_machine.travel(at(ON, 6), tick=False):
        first = run_cycle(ON)
        second = run_cycle(ON)

    assert (first.repeated_raised, second.repeated_raised) == (2, 0)
    assert "2 repeated findings raised for governance" in first.summary()
    assert "nothing changed" in second.summary()
    assert RepeatedFinding.objects.count() == 2
    assert [item.audits_count for item in items()] == [4, 3]


def test_a_new_audit_updates_the_item_not_yet_reviewed(repeats):
    criterion = repeats.criteria[0]
    for day in (date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)):
        an_audit(repeats, day, not_met=(criterion,))
    an_audit(repeats, date(2025, 3, 2), case=repeats.dunmere_case, not_met=(criterion,))
    tick(repeats)
    later = an_audit(repeats, date(2025, 7, 20), not_met=(criterion,))

    outcome = tick(repeats, date(2025, 7, 21))

    assert (outcome.raised, outcome.updated) == (0, 2)
    assert [item.audits_count for item in items()] == [5, 4]  # the organisation's, Ashby's
    for item in items():
        assert later in item.audits.all()
        assert (item.first_seen, item.last_seen) == (date(2025, 3, 1), date(2025, 7, 20))
        assert item.raised_at == at(ON, 6)  # raised once, when it was raised


def test_after_a_review_only_later_audits_raise_a_new_item(repeats):
    criterion = repeats.criteria[0]
    for day in (date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)):
        an_audit(repeats, day, not_met=(criterion,))
    tick(repeats)
    RepeatedFinding.objects.update(reviewed_at=at(date(2025, 7, 16), 10))  # the meeting
    an_audit(repeats, date(2025, 7, 20), not_met=(criterion,))
    an_audit(repeats, date(2025, 7, 22), not_met=(criterion,))

    # Five in the window, but only two since the review: nothing new yet.
    assert tick(repeats, date(2025, 7, 23)).raised == 0

    an_audit(repeats, date(2025, 7, 24), not_met=(criterion,))
    assert tick(repeats, date(2025, 7, 25)).raised == 1

    (new,) = items(reviewed_at__isnull=True)
    assert (new.scope, new.audits_count, new.first_seen) == (
        RepeatScope.TEAM,
        3,
        date(2025, 7, 20),
    )
    assert RepeatedFinding.objects.filter(reviewed_at__isnull=False).count() == 1


def test_after_a_review_the_organisation_item_needs_two_teams_again(repeats):
    criterion = repeats.criteria[0]
    for day in (date(2025, 3, 1), date(2025, 4, 1)):
        an_audit(repeats, day, not_met=(criterion,))
    an_audit(repeats, date(2025, 5, 1), case=repeats.dunmere_case, not_met=(criterion,))
    tick(repeats)
    RepeatedFinding.objects.update(reviewed_at=at(date(2025, 7, 16), 10))  # the meeting
    for day in (date(2025, 7, 20), date(2025, 7, 21), date(2025, 7, 22)):
        an_audit(repeats, day, not_met=(criterion,))

    # Since the review, three audits, all of Ashby Team: its own item (with its two before,
    # which no meeting reviewed as Ashby's), not the organisation's again.
    assert tick(repeats, date(2025, 7, 23)).raised == 1
    (new,) = items(reviewed_at__isnull=True)
    assert (new.scope, new.audits_count) == (RepeatScope.TEAM, 5)


def test_an_item_raised_stays_when_its_audits_leave_the_window(repeats):
    criterion = repeats.criteria[0]
    for day in (date(2025, 3, 1), date(2025, 4, 1), date(2025, 5, 1)):
        an_audit(repeats, day, not_met=(criterion,))
    tick(repeats)

    outcome = tick(repeats, date(2026, 3, 1))  # none of its audits is in the window now

    assert (outcome.raised, outcome.updated) == (0, 0)
    assert {item.audits_count for item in items()} == {3}
    assert all(item.reviewed_at is None for item in items())  # waiting for the meeting


@pytest.mark.parametrize(
    "example",
    [RepeatedFinding.describe, governance.repeated_finding_words],
    ids=lambda example: example.__qualname__,
)
def test_the_examples_naming_an_item_hold(example):
    module = importlib.import_module(example.__module__)
    runner = doctest.DocTestRunner(optionflags=doctest.ELLIPSIS)
    for test in doctest.DocTestFinder().find(example, globs=vars(module)):
        runner.run(test)
    result = runner.summarize(verbose=False)
    assert result.attempted > 0
    assert result.failed == 0

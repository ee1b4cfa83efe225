"""Answering a repeated finding with an action, as the services see it: only those who
manage actions, only their own organisation's actions, never an abandoned one, never twice;
a refusal leaves the item as it was."""

from datetime import date

import pytest
import time_machine

from careaudit.improvement import services
from careaudit.improvement.models import ActionSource, RepeatedFinding, RepeatScope
from careaudit.improvement.repeat_services import (
    findings_to_answer,
    repeat_action_create,
    repeat_link_action,
)
from careaudit.improvement.repeats import raise_repeated_findings
from careaudit.improvement.services import ActionError
from tests.improvement.conftest import details
from tests.improvement.repeats import Repeats, an_audit, at


def an_item(repeats: Repeats, *, theme=None) -> RepeatedFinding:
    for day in (date(2025, 3, 3), date(2025, 4, 7), date(2025, 5, 5)):
        if theme is None:
            an_audit(repeats, day, not_met=(repeats.criteria[0],))
        else:
            an_audit(repeats, day, themes=(theme,))
    with time_machine.travel(at(date(2025, 5, 6), 6), tick=False):
        raise_repeated_findings(organisation=repeats.programme.organisation, on=date(2025, 5, 6))
    return RepeatedFinding.objects.get(scope=RepeatScope.TEAM)


def governance_action(by):
    return services.action_create(
        by=by, source=ActionSource.GOVERNANCE, details=details(by.organisation.staff.first())
    )


def test_only_those_who_manage_actions_link_one(repeats):
    item = an_item(repeats)
    action = governance_action(repeats.people.quality_lead)

    with pytest.raises(Exception, match="Manage actions"):
        repeat_link_action(item=item, by=repeats.people.board_member, action=action)
    assert not item.actions.exists()


def test_another_organisations_action_is_never_linked(repeats):
    item = an_item(repeats)
    theirs = services.action_create(
        by=repeats.people.outsider,
        source=ActionSource.GOVERNANCE,
        details=details(repeats.people.outsider),
    )

    with pytest.raises(ActionError, match="your own organisation"):
        repeat_link_action(item=item, by=repeats.people.quality_lead, action=theirs)
    assert not item.actions.exists()


def test_an_abandoned_action_answers_nothing(repeats):
    item = an_item(repeats)
    lead = repeats.people.quality_lead
    action = governance_action(lead)
    services.action_move(action=action, by=lead, to="abandoned", note="Merged into another")

    with pytest.raises(ActionError, match="abandoned"):
        repeat_link_action(item=item, by=lead, action=action)


def test_an_action_is_linked_once(repeats):
    item = an_item(repeats)
    lead = repeats.people.quality_lead
    action = governance_action(lead)
    repeat_link_action(item=item, by=lead, action=action)

    with pytest.raises(ActionError, match="already answers"):
        repeat_link_action(item=item, by=lead, action=action)
    assert item.actions.count() == 1


def test_a_theme_items_action_answers_its_findings_still_waiting(repeats):
    theme = repeats.themes[0]
    item = an_item(repeats, theme=theme)
    waiting = findings_to_answer(item)
    assert len(waiting) == 3
    lead = repeats.people.quality_lead
    services.action_create(
        by=lead,
        source=ActionSource.FINDING,
        details=details(repeats.people.social_worker),
        findings=waiting[:1],
    )  # one is answered on its own audit already

    action = repeat_action_create(
        item=item,
        by=lead,
        source=ActionSource.THEME,
        details=details(repeats.people.social_worker, theme=theme),
        findings=findings_to_answer(item),
    )

    assert set(action.findings.all()) == set(waiting[1:])
    assert list(item.actions.all()) == [action]
    assert findings_to_answer(item) == []


def test_a_refused_action_links_nothing(repeats):
    item = an_item(repeats)

    with pytest.raises(ActionError, match="Choose the theme"):
        repeat_action_create(
            item=item,
            by=repeats.people.quality_lead,
            source=ActionSource.THEME,
            details=details(repeats.people.social_worker),
        )
    assert not item.actions.exists()

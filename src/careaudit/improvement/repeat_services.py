"""Answering a repeated finding with an action: a new one made from it, or one that already
exists. Only those who manage actions do either; the governance meeting's review of the
item (`reviewed_at`) is the meetings' own work, not this module's."""

from collections.abc import Iterable

from django.db import transaction

from careaudit.audits.models import Finding
from careaudit.improvement import services
from careaudit.improvement.access import check_may_manage
from careaudit.improvement.models import (
    Action,
    ActionSource,
    ActionStatus,
    RepeatedFinding,
    RepeatScope,
)
from careaudit.improvement.services import ActionDetails, ActionError
from careaudit.organisation.models import StaffMember


def findings_to_answer(item: RepeatedFinding) -> list[Finding]:
    """For a theme's item, the findings of that theme in its audits that still need an
    action (none answers them, or only an abandoned one does). A criterion's item has no
    findings of its own: its evidence is the answers."""
    if item.theme_id is None:
        return []
    answered = Finding.objects.filter(actions__isnull=False).exclude(
        actions__status=ActionStatus.ABANDONED
    )
    return list(
        Finding.objects.filter(
            audit__in=item.audits.all(), theme_id=item.theme_id, needs_action=True
        )
        .exclude(pk__in=answered.values("pk"))
        .select_related("theme", "audit__request__standard")
        .order_by("audit__submitted_at", "pk")
    )


def suggested_source(item: RepeatedFinding) -> str:
    """A theme across audits when the item names one (a theme's, or its criterion's first
    theme); otherwise the governance meeting's decision."""
    if item.theme_id is not None or (item.criterion_id and item.criterion.themes.exists()):
        return ActionSource.THEME
    return ActionSource.GOVERNANCE


def initial_for(item: RepeatedFinding) -> dict:
    """The action form's starting values from the item: its standard, criterion, theme (or
    the criterion's first theme) and its team, or the teams of its audits."""
    theme = item.theme_id
    if theme is None and item.criterion_id:
        first = item.criterion.themes.order_by("position", "pk").first()
        theme = first.pk if first else None
    if item.scope == RepeatScope.TEAM:
        teams = [item.team_id]
    else:
        teams = sorted(
            {t for t in item.audits.values_list("case__team", flat=True) if t is not None}
        )
    return {
        "lead": None,
        "source": suggested_source(item),
        "standard": item.standard_id,
        "criterion": item.criterion_id,
        "theme": theme,
        "teams": teams,
    }


@transaction.atomic
def repeat_action_create(
    *,
    item: RepeatedFinding,
    by: StaffMember,
    source: str,
    details: ActionDetails,
    findings: Iterable[Finding] = (),
) -> Action:
    """A new action answering the item (and the findings given), linked to it."""
    _check_item(item, by)
    action = services.action_create(by=by, source=source, details=details, findings=findings)
    item.actions.add(action)
    return action


@transaction.atomic
def repeat_link_action(*, item: RepeatedFinding, by: StaffMember, action: Action) -> None:
    """Say that an action already made answers the item too."""
    _check_item(item, by)
    # As stored now (its row locked): the page that chose it may be out of date.
    action = Action.objects.select_for_update().get(pk=action.pk)
    if action.organisation_id != by.organisation_id:
        raise ActionError("Choose an action of your own organisation.")
    if action.status == ActionStatus.ABANDONED:
        raise ActionError("That action was abandoned: it answers nothing now.")
    if item.actions.filter(pk=action.pk).exists():
        raise ActionError(f"Action {action.pk} already answers this repeated finding.")
    item.actions.add(action)


def _check_item(item: RepeatedFinding, by: StaffMember) -> None:
    check_may_manage(by)
    if item.organisation_id != by.organisation_id:
        raise ActionError("Choose a repeated finding of your own organisation.")

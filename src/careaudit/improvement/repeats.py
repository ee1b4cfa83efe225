"""Repeated findings (issue 12): the same criterion not met, or the same theme found, in at
least K audits of a team, or of the organisation, within M months, raises an item for the
governance meeting, even when each audit has its own action. The daily tick runs
`raise_repeated_findings` for every organisation (`improvement/repeat_jobs.py`).

What counts, and why:

- **Not met** is the auditor's own answer on a submitted audit (`audits.Answer`): "not met",
  "no", or a 1 on the 1-4 scale (`lib.scoring.is_failure`). Moderation re-scores blind into
  its own records and never replaces the auditor's answer, so the moderator's view is not
  counted here: what repeats is what the audits, as submitted, found.
- **The same criterion** is matched by its stable id (`Criterion.key`), as the exports and the
  self-and-peer comparison match it: a tool's new version, or the organisation's copy of a
  framework, copies its criteria with their keys. The item points at the criterion as the
  latest audit in it asked it.
- **A theme** repeats through findings tagged with it that the auditor marked as needing an
  action: a finding that needs no action is often a strength, and a strength repeating is
  not a shortfall. Several findings of one theme in one audit count that audit once.
- **When**: an audit counts on the day it was submitted (local time), from the same day M
  months before the tick's day up to and including the tick's day. An audit submitted
  exactly M months before counts; one submitted the day before that does not.
- **Team**: the team of what was audited: the case's team, or the team of the staff member
  audited. The case record keeps its team, not a history of it, so a case that moved is
  counted for its team now. An audit of a whole service has no team: it counts for the
  organisation only.
- **A team's item, and the organisation's only when it adds to them**: the issue says "of a
  team, or of the organisation". A criterion not met in K audits of one team raises that
  team's item. The organisation's item counts every audit of the organisation, but is
  raised only when those audits are of at least two teams, or include an audit with no
  team (of a whole service): otherwise it is the team's shortfall again, counted from the
  same audits, and the meeting would review one problem twice. So three audits of one team
  raise the team's item only; two of one team and one of another raise the organisation's
  item only (neither team reached K); three of one team and one of another raise both,
  since the shortfall is found beyond that team too.

Once raised, an item stays one item while it is not reviewed: each tick adds the audits of
the window that are not yet on it (so it says how the repeat went on) and never raises a
second one for the same thing. After a meeting reviews it (`reviewed_at`), only audits
submitted after that review count again: a new item is raised when they alone reach K.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from django.db import IntegrityError, transaction
from django.db.models import Max, Q
from django.db.models.functions import Coalesce
from django.utils import timezone

from careaudit.audits.models import Answer, AuditStatus, Finding
from careaudit.core.days import start_of_day
from careaudit.improvement.models import RepeatedFinding, RepeatScope, rules_for
from careaudit.lib.dates import months_before
from careaudit.lib.scoring import FAILING_ANSWERS
from careaudit.organisation.models import Organisation


@dataclass(frozen=True)
class Seen:
    """One audit in which something was not met (or a theme found)."""

    audit_id: int
    submitted_at: datetime
    team_id: int | None
    standard_id: int
    criterion_id: int | None = None
    criterion_key: str = ""
    theme_id: int | None = None

    @property
    def day(self) -> date:
        return timezone.localdate(self.submitted_at)

    def counted_under(self) -> list[tuple[str, int | None]]:
        """The keys this shortfall counts under, with the team of each: the organisation's,
        and its team's when the audit has a team."""
        what = (
            f"criterion:{self.criterion_key}" if self.theme_id is None else f"theme:{self.theme_id}"
        )
        keys: list[tuple[str, int | None]] = [(f"organisation:{what}", None)]
        if self.team_id is not None:
            keys.append((f"team:{self.team_id}:{what}", self.team_id))
        return keys


@dataclass
class RepeatOutcome:
    raised: int = 0
    updated: int = 0


def window(on: date, months: int) -> tuple[date, date]:
    """The first and last days whose audits count on the tick of `on` (both included)."""
    return months_before(on, months), on


def shortfalls(organisation: Organisation, first: date, last: date) -> list[Seen]:
    """Every criterion not met and every theme found needing action, in the organisation's
    audits submitted from `first` to `last` (local days, both included)."""
    start, end = start_of_day(first), start_of_day(last + timedelta(days=1))
    in_window = {
        "audit__organisation": organisation,
        "audit__status": AuditStatus.SUBMITTED,
        "audit__submitted_at__gte": start,
        "audit__submitted_at__lt": end,
    }
    team = Coalesce("audit__case__team_id", "audit__staff_subject__team_id")
    not_met = Q()
    for scale, value in FAILING_ANSWERS.items():
        not_met |= Q(criterion__scale=scale.value, value=value)
    answers = (
        Answer.objects.filter(not_met, **in_window)
        .annotate(team=team)
        .values_list(
            "audit_id",
            "audit__submitted_at",
            "team",
            "audit__request__standard_id",
            "criterion_id",
            "criterion__key",
        )
        .order_by("audit__submitted_at", "audit_id", "criterion_id")
    )
    seen = [
        Seen(audit, at, team_id, standard, criterion_id=criterion, criterion_key=key)
        for audit, at, team_id, standard, criterion, key in answers
    ]
    findings = (
        Finding.objects.filter(needs_action=True, theme__isnull=False, **in_window)
        .annotate(team=team)
        .values_list("audit_id", "audit__submitted_at", "team", "audit__request__standard_id",
                     "theme_id")
        .order_by("audit__submitted_at", "audit_id", "pk")
    )  # fmt: skip
    seen += [
        Seen(audit, at, team_id, standard, theme_id=theme)
        for audit, at, team_id, standard, theme in findings
    ]
    return seen


@dataclass
class Pattern:
    """What repeats under one key: the audits, each once, oldest first."""

    key: str
    team_id: int | None
    seen: dict[int, Seen]  # audit id → its (latest-kept) shortfall

    @property
    def latest(self) -> Seen:
        return max(self.seen.values(), key=lambda s: (s.submitted_at, s.audit_id))

    @property
    def first_seen(self) -> date:
        return min(s.day for s in self.seen.values())

    @property
    def last_seen(self) -> date:
        return max(s.day for s in self.seen.values())

    @property
    def adds_to_the_teams(self) -> bool:
        """Whether an organisation's pattern says more than a team's would: its audits are
        of at least two teams, or one of them has no team (an audit of a whole service).
        A team's pattern always does."""
        if self.team_id is not None:
            return True
        teams = {s.team_id for s in self.seen.values()}
        return None in teams or len(teams) >= 2


def patterns(seen: list[Seen], *, reviewed: dict[str, datetime]) -> dict[str, Pattern]:
    """The shortfalls grouped by key, each audit once; under a key whose last item was
    reviewed, only audits submitted after that review."""
    found: dict[str, Pattern] = {}
    for item in seen:
        for key, team_id in item.counted_under():
            after = reviewed.get(key)
            if after is not None and item.submitted_at <= after:
                continue
            pattern = found.setdefault(key, Pattern(key, team_id, {}))
            pattern.seen[item.audit_id] = item
    return found


def raise_repeated_findings(*, organisation: Organisation, on: date) -> RepeatOutcome:
    """The tick's work for one organisation on the day `on`: raise an item for each pattern
    that reaches the organisation's K audits within its M months (an organisation's only
    when its audits are not all of one team), and add the window's new audits to the items
    not yet reviewed. Safe to run twice: the second run finds every item
    already there, with every audit already on it, and changes nothing."""
    rules = rules_for(organisation)
    first, last = window(on, rules.repeat_months)
    mine = RepeatedFinding.objects.filter(organisation=organisation)
    reviewed = dict(
        mine.filter(reviewed_at__isnull=False)
        .values("key")
        .annotate(latest=Max("reviewed_at"))
        .values_list("key", "latest")
    )
    found = patterns(shortfalls(organisation, first, last), reviewed=reviewed)
    open_items = {item.key: item for item in mine.filter(reviewed_at__isnull=True)}
    on_items: dict[int, set[int]] = defaultdict(set)
    through = RepeatedFinding.audits.through
    for item_id, audit_id in through.objects.filter(
        repeatedfinding__organisation=organisation, repeatedfinding__reviewed_at__isnull=True
    ).values_list("repeatedfinding_id", "audit_id"):
        on_items[item_id].add(audit_id)
    outcome = RepeatOutcome()
    for key, pattern in sorted(found.items()):
        item = open_items.get(key)
        if item is not None:
            if _add_audits(item, pattern, on_items[item.pk]):
                outcome.updated += 1
        elif (
            len(pattern.seen) >= rules.repeat_audits
            and pattern.adds_to_the_teams
            and _raise(organisation, pattern)
        ):
            outcome.raised += 1
    return outcome


def _details(pattern: Pattern) -> dict:
    """The criterion (as its latest audit asked it) or theme, and the standard: the
    criterion's, or for a theme the one standard all its audits were of (else none)."""
    latest = pattern.latest
    if latest.theme_id is not None:
        standards = {s.standard_id for s in pattern.seen.values()}
        return {
            "theme_id": latest.theme_id,
            "criterion_id": None,
            "standard_id": standards.pop() if len(standards) == 1 else None,
        }
    return {
        "criterion_id": latest.criterion_id,
        "theme_id": None,
        "standard_id": latest.standard_id,
    }


def _raise(organisation: Organisation, pattern: Pattern) -> bool:
    try:
        with transaction.atomic():
            item = RepeatedFinding.objects.create(
                organisation=organisation,
                key=pattern.key,
                scope=RepeatScope.ORGANISATION if pattern.team_id is None else RepeatScope.TEAM,
                team_id=pattern.team_id,
                audits_count=len(pattern.seen),
                first_seen=pattern.first_seen,
                last_seen=pattern.last_seen,
                **_details(pattern),
            )
            item.audits.set(list(pattern.seen))
    except IntegrityError:
        # Another run raised it a moment ago (the one-unreviewed-item constraint).
        return False
    return True


def _add_audits(item: RepeatedFinding, pattern: Pattern, already: set[int]) -> bool:
    """Add the pattern's audits not yet on the open item; False if there were none.

    The counts and dates follow the audits: the tick keeps them (as a plain update, so the
    change log, which records what people change on an item, is not filled with them)."""
    new = [pattern.seen[audit_id] for audit_id in pattern.seen if audit_id not in already]
    if not new:
        return False
    changes = {
        "audits_count": len(already) + len(new),
        "first_seen": min(item.first_seen, *(s.day for s in new)),
        "last_seen": max(item.last_seen, *(s.day for s in new)),
    }
    if item.criterion_id is not None:
        # The criterion as the latest audit asked it (a newer version's, perhaps).
        latest = pattern.latest
        changes.update(criterion_id=latest.criterion_id, standard_id=latest.standard_id)
    elif any(s.standard_id != item.standard_id for s in new):
        changes["standard_id"] = None  # a theme now found in audits of several standards
    with transaction.atomic():
        # Only while it is still waiting: a meeting reviewing it just now closes it.
        claimed = RepeatedFinding.objects.filter(pk=item.pk, reviewed_at__isnull=True)
        if not claimed.update(**changes):
            return False
        item.audits.add(*(s.audit_id for s in new))
    return True

"""This month and last month, side by side, for the whole organisation: the figures on the
quality lead's and the board's home page.

A month's figures are of the work *of* that month, each counted as the product counts it
elsewhere:

- Completion: the requests of the month (`AuditRequest.month`) except moderation and
  cancelled ones — every audit the programme asked for (each person's quota, extra audits
  and re-audits) — counted by `programme.selectors.tally_requests`, as the programme's
  pages and the requests export count them: submitted, overdue (still open after their due
  date, on the day) and with no eligible case are subsets of the requested.
- Compliance: over the submitted audits of the month (an audit's month is its request's),
  the answers' achievement summed over the answers that count — the rule of
  `audits.compliance.compliance`, called here, never copied. Its change from last month
  is the difference of the two percentages as shown (each rounded half up to one decimal
  place), so the page adds up for a reader who subtracts.
- The people's voice: of the submitted audits of a person's case (the only ones that ask
  about contact, `Audit.asks_voice`), those where the auditor reached the person, their
  carer or their representative (`person_contacted`), or the person answered through a
  feedback link.
- Moderation agreement: the share of answers on which auditor and moderator agree, over
  every answer of the completed moderations of the month's audits — the Agreement page's
  figure (`audits.stats.agreement_by_month`), which the board report and the SPC chart give
  too — and how many moderations there were.
- Actions: opened (created) in the month, and verified in the month — closed by a re-audit
  that reached its target (`ReauditOutcome.MET`, judged in the month). How many are overdue
  is a figure of today, not of a month.

A fixed number of queries, however large the organisation.
"""

from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet

from careaudit.audits.compliance import compliance
from careaudit.audits.models import Audit, AuditStatus, FeedbackResponse, ModerationStatus
from careaudit.audits.stats import agreement_by_month, moderation_pairs
from careaudit.core.days import start_of_day
from careaudit.improvement.models import Action, Reaudit, ReauditOutcome
from careaudit.lib.dates import add_months, month_start
from careaudit.lib.rounding import percent, round_half_up
from careaudit.organisation.models import Organisation
from careaudit.programme.models import AuditRequest, ProgrammeMonth, RequestMode
from careaudit.programme.selectors import tally_requests
from careaudit.standards.models import SubjectKind


@dataclass(frozen=True)
class Share:
    """A part of a whole, said as "7 of 9" with its percentage (whole percent, halves up)."""

    part: int
    whole: int

    @property
    def percent(self) -> Decimal | None:
        """
        >>> Share(7, 9).percent, Share(1, 8).percent, Share(0, 0).percent
        (Decimal('78'), Decimal('13'), None)
        """
        return percent(self.part, self.whole)


@dataclass(frozen=True)
class Completion:
    requested: int = 0
    submitted: int = 0
    overdue: int = 0
    no_eligible_case: int = 0

    @property
    def submitted_share(self) -> Share:
        return Share(self.submitted, self.requested)


@dataclass(frozen=True)
class Compliance:
    achieved: Decimal = Decimal(0)
    answers: int = 0  # the answers that count: scored, answered, not "not applicable"
    audits: int = 0  # the submitted audits they come from

    @property
    def percent(self) -> Decimal | None:
        """
        >>> Compliance(Decimal("7.5"), 8, 1).percent, Compliance().percent
        (Decimal('93.8'), None)
        """
        return percent(self.achieved, self.answers, 1)


@dataclass(frozen=True)
class Agreement:
    percent: float | None = None  # of the answers moderated, those both gave alike
    moderations: int = 0

    @property
    def mean(self) -> Decimal | None:
        """The agreement as shown, to one place:

        >>> Agreement(83.333, 3).mean, Agreement().mean
        (Decimal('83.3'), None)
        """
        if not self.moderations or self.percent is None:
            return None
        return round_half_up(self.percent, 1)


@dataclass(frozen=True)
class MonthFigures:
    month: date
    completion: Completion = Completion()
    compliance: Compliance = Compliance()
    voice: Share = Share(0, 0)  # reached, of the submitted audits that ask about contact
    agreement: Agreement = Agreement()
    actions_opened: int = 0
    actions_verified: int = 0
    # The programme months whose requests went out in this month (their pages).
    programme_months: list[ProgrammeMonth] = field(default_factory=list)

    @property
    def is_empty(self) -> bool:
        return not (
            self.completion.requested
            or self.compliance.audits
            or self.agreement.moderations
            or self.actions_opened
            or self.actions_verified
        )


@dataclass(frozen=True)
class ThisAndLastMonth:
    on: date
    this: MonthFigures
    last: MonthFigures
    actions_overdue: int  # today, whatever month the action was opened in

    @property
    def compliance_change(self) -> Decimal | None:
        """This month's compliance less last month's, in percentage points, as shown."""
        now, before = self.this.compliance.percent, self.last.compliance.percent
        if now is None or before is None:
            return None
        return now - before

    @property
    def is_empty(self) -> bool:
        return self.this.is_empty and self.last.is_empty and not self.actions_overdue


def this_and_last_month(organisation: Organisation, on: date) -> ThisAndLastMonth:
    """The figures of the month of `on` and of the month before it, in nine queries
    (seven when neither month has a submitted audit)."""
    this = month_start(on)
    last = add_months(this, -1)
    months = (last, this)
    completion = _completion(organisation, months, on)
    audits = _audits(organisation, months)
    actions = _actions(organisation, months, on)
    verified = _verified(organisation, months)
    pages = _programme_months(organisation, months)
    agreement = agreement_by_month(
        moderation_pairs(organisation, since=last, until=this, audits=submitted_audits(months))
    )
    figures = {
        month: MonthFigures(
            month=month,
            completion=completion.get(month, Completion()),
            compliance=_compliance(organisation, month, audits[month]["audits"]),
            voice=Share(audits[month]["contacted"], audits[month]["asked"]),
            agreement=Agreement(
                agreement[month].percent if month in agreement else None,
                audits[month]["moderated"],
            ),
            actions_opened=actions[f"opened_{month:%Y_%m}"],
            actions_verified=verified[f"verified_{month:%Y_%m}"],
            programme_months=pages.get(month, []),
        )
        for month in months
    }
    return ThisAndLastMonth(
        on=on, this=figures[this], last=figures[last], actions_overdue=actions["overdue"]
    )


def _completion(organisation: Organisation, months: tuple[date, ...], on: date) -> dict:
    requests = AuditRequest.objects.filter(organisation=organisation, month__in=months).exclude(
        mode=RequestMode.MODERATION
    )
    return {
        month: Completion(**row) for month, row in tally_requests(requests, "month", on).items()
    }


def submitted_audits(months: tuple[date, ...]):
    return Audit.objects.filter(status=AuditStatus.SUBMITTED, request__month__in=months)


def submitted_audits_of(organisation: Organisation, month: date):
    """The submitted audits of the month: an audit's month is its request's."""
    return Audit.objects.filter(
        organisation=organisation, status=AuditStatus.SUBMITTED, request__month=month
    )


def _compliance(organisation: Organisation, month: date, audits: int) -> Compliance:
    """One query: every answer that counts of the month's submitted audits."""
    if not audits:
        return Compliance()
    achieved, answers = compliance(submitted_audits_of(organisation, month))
    return Compliance(achieved, answers, audits)


def _audits(organisation: Organisation, months: tuple[date, ...]) -> dict[date, dict]:
    """For each month, in one query: the submitted audits, those that ask about contact and
    those where the person was reached, and the completed moderations' agreement."""
    found = voice_and_agreement(submitted_audits(months).filter(organisation=organisation))
    empty = {"audits": 0, "asked": 0, "contacted": 0, "moderated": 0}
    return {month: found.get(month, empty) for month in months}


def voice_and_agreement(audits: QuerySet[Audit]) -> dict[date, dict]:
    """For each programme month of these (submitted) audits, in one query: how many audits,
    how many ask about contact (`asked`, audits of a person's case) and of those where the
    person was reached (`contacted`: the auditor reached them or they answered a feedback
    link), and the completed moderations (`moderated`). Months with no audit have no entry.
    The SPC page's voice series counts the same way."""
    heard = Exists(FeedbackResponse.objects.filter(audit=OuterRef("pk")))
    of_a_case = Q(subject_kind=SubjectKind.CASE)
    moderated = Q(
        moderation__status=ModerationStatus.DONE, moderation__agreement_percent__isnull=False
    )
    rows = (
        audits.order_by()
        .values("request__month")
        .annotate(
            audits=Count("pk"),
            asked=Count("pk", filter=of_a_case),
            contacted=Count("pk", filter=of_a_case & (Q(person_contacted=True) | Q(heard))),
            moderated=Count("pk", filter=moderated),
        )
    )
    return {row.pop("request__month"): row for row in rows}


def _actions(organisation: Organisation, months: tuple[date, ...], on: date) -> dict[str, int]:
    """Actions opened in each month, and overdue today, in one query."""
    counts = {
        f"opened_{month:%Y_%m}": Count(
            "pk",
            filter=Q(
                created_at__gte=start_of_day(month),
                created_at__lt=start_of_day(add_months(month, 1)),
            ),
        )
        for month in months
    }
    overdue = Action.objects.filter(organisation=organisation).overdue(on).values("pk")
    return Action.objects.filter(organisation=organisation).aggregate(
        **counts, overdue=Count("pk", filter=Q(pk__in=overdue))
    )


def _verified(organisation: Organisation, months: tuple[date, ...]) -> dict[str, int]:
    """Actions verified in each month: closed by a re-audit that reached its target."""
    counts = {
        f"verified_{month:%Y_%m}": Count(
            "action",
            distinct=True,
            filter=Q(
                evaluated_at__gte=start_of_day(month),
                evaluated_at__lt=start_of_day(add_months(month, 1)),
            ),
        )
        for month in months
    }
    return Reaudit.objects.filter(
        action__organisation=organisation, outcome=ReauditOutcome.MET
    ).aggregate(**counts)


def _programme_months(
    organisation: Organisation, months: tuple[date, ...]
) -> dict[date, list[ProgrammeMonth]]:
    """The programme months whose requests went out, each with its programme: the pages the
    completion figures link to."""
    entries = (
        ProgrammeMonth.objects.filter(
            programme__organisation=organisation,
            month__in=months,
            programme__draws__month=F("month"),
        )
        .select_related("programme", "standard")
        .order_by("programme__name", "pk")
        .distinct()
    )
    pages: dict[date, list[ProgrammeMonth]] = {}
    for entry in entries:
        pages.setdefault(entry.month, []).append(entry)
    return pages

"""The people's voice: how often audits reached the person (or their carer or
representative), why not when they did not, what people answered to the three questions,
month by month, and the words of those who agreed to be quoted.

What counts, and why:

- **Which audits ask.** Only an audit of a person's case asks for their voice
  (`Audit.asks_voice`, ADR 0009): an audit of a staff member's supervision or of a service
  does not, so it is in no figure here. The contact rate is the submitted audits of a case
  in which the auditor reached someone, out of all submitted audits of a case the filter
  selects, each in its request's month.
- **Heard from.** The home page's "people's voice" (`insights.months`) counts an audit
  whose person was reached by the auditor or answered through a feedback link; it is given
  here too, beside the contact rate, so the two pages agree.
- **Two sources of answers.** The auditor records the answers of the person they reached
  (`Audit.felt_listened_to`…); the person, a carer or a representative may also answer
  through the feedback link (`FeedbackResponse`). They are counted apart, each in the
  month of the audit they belong to. "Not asked" is counted, but is not an answer: the
  percentage saying yes is of those who answered yes, partly or no.
- **Quotes only where consented.** Words are quoted only when the person agreed
  (`Audit.may_quote`, `FeedbackResponse.may_quote`, both "no" unless ticked); never with a
  case reference or a name, only the month and the team. The team is left out when it had
  fewer than 5 submitted audits of a case that month (`SMALL_NUMBER`, ADR 0017), since a
  handful of audits next to a team's name could point at a person; with a team chosen in
  the filter such a quote is not shown at all, as the filter would name the team. Words
  removed under the retention policy are never quoted.

A fixed number of queries, however many audits: the latest `QUOTES_SHOWN` quotes are
shown, with the number there are in all.
"""

from collections import Counter
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

from django.db.models import Count, Exists, F, OuterRef, Q, QuerySet
from django.db.models.functions import Coalesce

from careaudit.audits.models import (
    Audit,
    AuditStatus,
    FeedbackResponse,
    NotContactedReason,
    VoiceAnswer,
)
from careaudit.audits.retention import REMOVED
from careaudit.improvement.governance import SMALL_NUMBER
from careaudit.insights.filters import ResultsFilter, counted_audits
from careaudit.lib.rounding import percent
from careaudit.organisation.models import Organisation
from careaudit.standards.models import SubjectKind

QUESTIONS = (
    ("felt_listened_to", "Felt listened to"),
    ("knew_who_to_contact", "Knew who to contact"),
    ("has_copy_of_plan", "Had a copy of their plan"),
)
ANSWERS = (VoiceAnswer.YES, VoiceAnswer.PARTLY, VoiceAnswer.NO, VoiceAnswer.NOT_ASKED)
QUOTES_SHOWN = 20


@dataclass
class Tally:
    """One question's answers (in a month, from one source)."""

    yes: int = 0
    partly: int = 0
    no: int = 0
    not_asked: int = 0

    @property
    def answered(self) -> int:
        return self.yes + self.partly + self.no

    @property
    def yes_percent(self) -> Decimal | None:
        return percent(self.yes, self.answered)

    def __add__(self, other: "Tally") -> "Tally":
        return Tally(
            self.yes + other.yes,
            self.partly + other.partly,
            self.no + other.no,
            self.not_asked + other.not_asked,
        )


@dataclass
class VoiceMonth:
    month: date | None  # None: every month of the filter
    audits: int = 0  # submitted audits of a person's case
    contacted: int = 0
    not_contacted: int = 0
    responses: int = 0  # answers through the feedback link
    heard: int = 0  # reached by the auditor, or answered through a feedback link
    from_audits: dict[str, Tally] = field(default_factory=dict)
    from_feedback: dict[str, Tally] = field(default_factory=dict)

    @property
    def contact_percent(self) -> Decimal | None:
        return percent(self.contacted, self.audits)

    @property
    def heard_percent(self) -> Decimal | None:
        """The home page's "people's voice" (`insights.months`): heard from either way."""
        return percent(self.heard, self.audits)

    @property
    def not_recorded(self) -> int:
        return self.audits - self.contacted - self.not_contacted

    def answers(self, source: str) -> list[tuple[str, str, Tally]]:
        tallies = self.from_audits if source == "audits" else self.from_feedback
        return [(name, label, tallies.get(name, Tally())) for name, label in QUESTIONS]

    def __add__(self, other: "VoiceMonth") -> "VoiceMonth":
        def added(mine, theirs):
            return {
                name: mine.get(name, Tally()) + theirs.get(name, Tally()) for name, _ in QUESTIONS
            }

        return VoiceMonth(
            None,
            self.audits + other.audits,
            self.contacted + other.contacted,
            self.not_contacted + other.not_contacted,
            self.responses + other.responses,
            self.heard + other.heard,
            added(self.from_audits, other.from_audits),
            added(self.from_feedback, other.from_feedback),
        )


@dataclass
class Quote:
    """Words someone agreed may be quoted: with the month, and the team unless it is too
    small to name."""

    month: date
    team: str  # "" when left out
    team_id: int | None
    source: str  # "audit" (what the auditor heard) or "feedback" (the feedback link)
    said: list[tuple[str, str]]  # (what it answers, the words)
    audit_id: int
    sort_key: tuple = ()


@dataclass
class VoiceSummary:
    filters: ResultsFilter
    months: list[VoiceMonth]
    total: VoiceMonth
    reasons: list[tuple[str, str, int]]  # (code, in words, audits)
    quotes: list[Quote]
    quotes_in_all: int
    quotes_withheld: int  # of a small team, with that team chosen in the filter

    @property
    def reasons_total(self) -> int:
        return sum(count for _code, _label, count in self.reasons)

    @property
    def answer_tables(self) -> list["AnswerTable"]:
        """The answers month by month, one table for each source."""
        return [
            AnswerTable(
                source,
                caption,
                [(m.month, [t for _n, _l, t in m.answers(source)]) for m in self.months],
                [t for _n, _l, t in self.total.answers(source)],
            )
            for source, caption in SOURCES
        ]


SOURCES = (
    ("audits", "Told the auditor who reached them"),
    ("feedback", "Sent through the feedback link"),
)


@dataclass
class AnswerTable:
    source: str
    caption: str
    rows: list[tuple[date, list[Tally]]]
    total: list[Tally]

    @property
    def questions(self) -> list[str]:
        return [label for _name, label in QUESTIONS]


# The team of an audit: its case's team, or the team of the staff member audited.
TEAM = Coalesce("case__team_id", "staff_subject__team_id")
TEAM_NAME = Coalesce("case__team__name", "staff_subject__team__name")


def voice_audits(organisation: Organisation, filters: ResultsFilter) -> QuerySet[Audit]:
    """The submitted audits the filter selects that ask for the person's voice."""
    return counted_audits(organisation, filters).filter(subject_kind=SubjectKind.CASE)


def _answer_counts(prefix: str = "", only: Q | None = None) -> dict[str, Count]:
    counts = {}
    for name, _label in QUESTIONS:
        for answer in ANSWERS:
            condition = Q(**{f"{prefix}{name}": answer})
            if only is not None:
                condition &= only
            counts[f"{name}__{answer}"] = Count("pk", filter=condition)
    return counts


def _tallies(row: dict) -> dict[str, Tally]:
    return {
        name: Tally(*(row[f"{name}__{answer}"] for answer in ANSWERS)) for name, _label in QUESTIONS
    }


def voice_by_month(audits: QuerySet[Audit], months: list[date]) -> list[VoiceMonth]:
    """Each month's contact and answers, from the audits and from the feedback link: two
    queries. Months with no audit are given, empty, so a trend has no gaps."""
    found = {month: VoiceMonth(month) for month in months}
    reached = Q(person_contacted=True)
    answered = Exists(FeedbackResponse.objects.filter(audit=OuterRef("pk")))
    for row in (
        audits.order_by()
        .values("request__month")
        .annotate(
            audits=Count("pk"),
            contacted=Count("pk", filter=reached),
            not_contacted=Count("pk", filter=Q(person_contacted=False)),
            heard=Count("pk", filter=reached | Q(answered)),
            **_answer_counts(only=reached),
        )
    ):
        month = found.setdefault(row["request__month"], VoiceMonth(row["request__month"]))
        month.audits, month.contacted = row["audits"], row["contacted"]
        month.not_contacted, month.heard = row["not_contacted"], row["heard"]
        month.from_audits = _tallies(row)
    for row in (
        FeedbackResponse.objects.filter(audit__in=audits.values("pk"))
        .order_by()
        .values("audit__request__month")
        .annotate(responses=Count("pk"), **_answer_counts())
    ):
        month_of = row["audit__request__month"]
        month = found.setdefault(month_of, VoiceMonth(month_of))
        month.responses = row["responses"]
        month.from_feedback = _tallies(row)
    return [found[month] for month in sorted(found)]


def not_contacted_reasons(audits: QuerySet[Audit]) -> list[tuple[str, str, int]]:
    """Every reason for not reaching the person, in the form's order, with how many audits
    gave it (0 included); one query."""
    counts = dict(
        audits.filter(person_contacted=False)
        .order_by()
        .values("not_contacted_reason")
        .annotate(n=Count("pk"))
        .values_list("not_contacted_reason", "n")
    )
    reasons = [
        (code, str(label), counts.get(code, 0)) for code, label in NotContactedReason.choices
    ]
    if counts.get(""):
        reasons.append(("", "No reason recorded", counts[""]))
    return reasons


# --- Quotes ---------------------------------------------------------------------------------


def quotable_audits(audits: QuerySet[Audit]) -> QuerySet[Audit]:
    return (
        audits.filter(person_contacted=True, may_quote=True)
        .exclude(what_they_said__regex=r"^\s*$")
        .exclude(what_they_said=REMOVED)
    )


def quotable_responses(audits: QuerySet[Audit]) -> QuerySet[FeedbackResponse]:
    written = ~Q(what_went_well__regex=r"^\s*$") | ~Q(what_could_be_better__regex=r"^\s*$")
    return (
        FeedbackResponse.objects.filter(audit__in=audits.values("pk"), may_quote=True)
        .filter(written)
        .exclude(what_went_well=REMOVED)
    )


def small_teams(organisation: Organisation, pairs: set[tuple[int, date]]) -> set[tuple[int, date]]:
    """Of these (team, month) pairs, those whose team had fewer than `SMALL_NUMBER`
    submitted audits of a person's case that month, whatever else the filter chose (one
    query)."""
    if not pairs:
        return set()
    teams = {team for team, _month in pairs}
    months = {month for _team, month in pairs}
    counts = Counter(
        {
            (row["case__team_id"], row["request__month"]): row["n"]
            for row in Audit.objects.filter(
                organisation=organisation,
                status=AuditStatus.SUBMITTED,
                subject_kind=SubjectKind.CASE,
                request__month__in=months,
                case__team__in=teams,
            )
            .order_by()
            .values("case__team_id", "request__month")
            .annotate(n=Count("pk"))
        }
    )
    return {pair for pair in pairs if counts[pair] < SMALL_NUMBER}


def quotes(
    organisation: Organisation, audits: QuerySet[Audit], filters: ResultsFilter
) -> tuple[list[Quote], int, int]:
    """The latest quotes, how many there are in all, and how many are withheld because the
    filter names a team too small to be named beside them. Five queries at most."""
    from_audits = quotable_audits(audits).annotate(
        quote_team=TEAM, team_name=TEAM_NAME, quote_month=F("request__month")
    )
    responses = quotable_responses(audits).annotate(
        quote_team=F("audit__case__team_id"),
        team_name=F("audit__case__team__name"),
        quote_month=F("audit__request__month"),
    )
    in_all = from_audits.count() + responses.count()
    found = []
    for audit in from_audits.order_by("-request__month", "-submitted_at", "-pk").values(
        "pk", "quote_team", "team_name", "quote_month", "what_they_said", "submitted_at"
    )[:QUOTES_SHOWN]:
        found.append(
            Quote(
                month=audit["quote_month"],
                team=audit["team_name"] or "",
                team_id=audit["quote_team"],
                source="audit",
                said=[("What they told the auditor", audit["what_they_said"].strip())],
                audit_id=audit["pk"],
                sort_key=(audit["quote_month"], audit["submitted_at"], 0, audit["pk"]),
            )
        )
    for response in responses.order_by("-audit__request__month", "-submitted_at", "-pk").values(
        "pk",
        "audit_id",
        "quote_team",
        "team_name",
        "quote_month",
        "what_went_well",
        "what_could_be_better",
        "submitted_at",
    )[:QUOTES_SHOWN]:
        said = [
            (label, response[name].strip())
            for name, label in (
                ("what_went_well", "What went well"),
                ("what_could_be_better", "What could be better"),
            )
            if response[name].strip()
        ]
        found.append(
            Quote(
                month=response["quote_month"],
                team=response["team_name"] or "",
                team_id=response["quote_team"],
                source="feedback",
                said=said,
                audit_id=response["audit_id"],
                sort_key=(response["quote_month"], response["submitted_at"], 1, response["pk"]),
            )
        )
    found.sort(key=lambda q: q.sort_key, reverse=True)
    found = found[:QUOTES_SHOWN]
    small = small_teams(organisation, {(q.team_id, q.month) for q in found if q.team_id})
    shown, withheld = [], 0
    for quote in found:
        if (quote.team_id, quote.month) in small:
            if filters.team is not None:
                withheld += 1
                continue
            quote.team, quote.team_id = "", None
        shown.append(quote)
    return shown, in_all, withheld


def voice_summary(organisation: Organisation, filters: ResultsFilter) -> VoiceSummary:
    audits = voice_audits(organisation, filters)
    months = voice_by_month(audits, filters.months)
    total = VoiceMonth(None)
    for month in months:
        total = total + month
    shown, in_all, withheld = quotes(organisation, audits, filters)
    return VoiceSummary(
        filters=filters,
        months=months,
        total=total,
        reasons=not_contacted_reasons(audits),
        quotes=shown,
        quotes_in_all=in_all,
        quotes_withheld=withheld,
    )

"""Agreement between auditors and moderators, and between self-audits and peer audits.

Kappa is computed only where two people rated the same audit (moderation); self versus
peer is a difference in compliance with a confidence interval, never a kappa.
"""

import re
from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import QuerySet

from careaudit.audits.models import (
    Answer,
    Audit,
    AuditStatus,
    ModerationAnswer,
    ModerationStatus,
)
from careaudit.lib import agreement
from careaudit.lib.scoring import MET, NO, NOT_APPLICABLE, NOT_MET, PARTLY_MET, YES, Scale
from careaudit.organisation.models import Organisation
from careaudit.programme.models import RequestMode

# A question's kappa is judged (banded, flagged) only from this many pairs: below it one
# answer more or less moves agreement by over ten points and kappa by far more.
MIN_PAIRS = 10
# A summary (overall, a tool, an auditor) pools the questions that have at least this
# many pairs in it: a question with one or two pairs says nothing about chance agreement.
MIN_PAIRS_TO_POOL = 5
POOR_KAPPA = 0.40  # "fair" or worse on Landis & Koch
LOW_AGREEMENT = 80.0  # percent; McHugh (2012): the minimum agreement often recommended
TOO_FEW_PAIRS = "Too few pairs to judge"

# Answers that have an order, for weighted kappa; "not applicable" is not on the scale.
# Yes/no has two answers, so its weighted kappa is its kappa.
SCALE_ORDER: dict[str, list[str]] = {
    Scale.MET_PARTLY_NOT: [MET, PARTLY_MET, NOT_MET],
    Scale.SCORE_1_4: ["1", "2", "3", "4"],
    Scale.YES_NO: [YES, NO],
}


@dataclass(frozen=True)
class Pair:
    criterion_key: str
    criterion_text: str
    scale: str
    tool: str
    auditor: str
    auditor_value: str
    moderator_value: str
    month: date | None = None  # the programme month of the audit moderated


@dataclass(frozen=True)
class Agreement:
    """Agreement for one question, or a summary of several.

    ``pairs`` and ``percent`` count the pairs both answered on the question's scale
    (not "not applicable"); ``applies_disputed`` counts those where only one of the two
    said "not applicable". Kappa and weighted kappa use the same pairs as ``percent``.
    For a summary, kappa is pooled over ``questions`` questions, and ``lowest`` and
    ``highest`` are the kappas of the lowest and highest of them.
    """

    label: str
    pairs: int
    percent: float | None
    kappa: float | None
    weighted_kappa: float | None
    judged: bool
    questions: int = 1
    lowest: float | None = None
    highest: float | None = None
    applies_disputed: int = 0
    one_rater_constant: bool = False

    @property
    def band(self) -> str:
        if not self.judged:
            return TOO_FEW_PAIRS
        return agreement.landis_koch_band(self.kappa)

    @property
    def kappa_paradox(self) -> bool:
        """Low kappa beside high agreement: nearly every answer was the same one."""
        return (
            self.judged
            and self.kappa is not None
            and self.kappa <= POOR_KAPPA
            and self.percent is not None
            and self.percent >= LOW_AGREEMENT
        )

    @property
    def needs_clearer_guidance(self) -> bool:
        """Kappa and agreement both low, from enough pairs: one disagreement among many
        agreements on an answer nearly everyone gives is not a reason."""
        return (
            self.judged
            and self.kappa is not None
            and self.kappa <= POOR_KAPPA
            and self.percent is not None
            and self.percent < LOW_AGREEMENT
        )


@dataclass(frozen=True)
class _Question:
    """One question's pairs, on one scale: the unit every kappa here is worked out on."""

    label: str
    scale: str
    scored: list[tuple[str, str]]
    applies_disputed: int

    @property
    def parts(self) -> agreement.KappaParts | None:
        return agreement.kappa_parts(self.scored, SCALE_ORDER[self.scale])

    @property
    def weighted_parts(self) -> agreement.KappaParts | None:
        return agreement.kappa_parts(self.scored, SCALE_ORDER[self.scale], weights="linear")


def _questions(pairs: list[Pair]) -> list[_Question]:
    """The pairs question by question (by stable id and scale, never across scales)."""
    grouped: dict[tuple[str, str], list[Pair]] = defaultdict(list)
    for pair in pairs:
        if pair.scale in SCALE_ORDER:
            grouped[(pair.criterion_key, pair.scale)].append(pair)
    questions = []
    for (key, scale), items in sorted(grouped.items(), key=lambda item: _natural(item[0])):
        order = SCALE_ORDER[scale]
        scored = [
            (p.auditor_value, p.moderator_value)
            for p in items
            if p.auditor_value in order and p.moderator_value in order
        ]
        disputed = sum(
            (p.auditor_value == NOT_APPLICABLE) != (p.moderator_value == NOT_APPLICABLE)
            for p in items
        )
        questions.append(_Question(f"{key} {items[-1].criterion_text}", scale, scored, disputed))
    return questions


def _natural(key: tuple[str, ...]) -> list:
    """Sort "pq-2" before "pq-10", as people count."""
    return [
        [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", text)] for text in key
    ]


def _kappa(parts: agreement.KappaParts | None) -> float | None:
    return agreement.pooled_kappa([parts]) if parts else None


def question_agreement(question: _Question) -> Agreement:
    scored = question.scored
    return Agreement(
        label=question.label,
        pairs=len(scored),
        percent=agreement.percentage_agreement(scored),
        kappa=_kappa(question.parts),
        weighted_kappa=_kappa(question.weighted_parts),
        judged=len(scored) >= MIN_PAIRS,
        applies_disputed=question.applies_disputed,
        one_rater_constant=bool(scored)
        and (len({a for a, _ in scored}) == 1 or len({m for _, m in scored}) == 1),
    )


def summary_agreement(label: str, pairs: list[Pair]) -> Agreement:
    """Agreement over several questions: percentage over all their pairs; kappa pooled
    question by question (de Vries et al. 2008), never from one table of all pairs."""
    questions = _questions(pairs)
    scored = [pair for q in questions for pair in q.scored]
    pooled = [q for q in questions if len(q.scored) >= MIN_PAIRS_TO_POOL]
    kappas = [k for k in (_kappa(q.parts) for q in pooled) if k is not None]
    judged = sum(len(q.scored) for q in pooled) >= MIN_PAIRS
    return Agreement(
        label=label,
        pairs=len(scored),
        percent=agreement.percentage_agreement(scored),
        kappa=agreement.pooled_kappa([q.parts for q in pooled]) if judged else None,
        weighted_kappa=agreement.pooled_kappa([q.weighted_parts for q in pooled])
        if judged
        else None,
        judged=judged,
        questions=len(pooled) if judged else 0,
        lowest=min(kappas) if judged and kappas else None,
        highest=max(kappas) if judged and kappas else None,
        applies_disputed=sum(q.applies_disputed for q in questions),
    )


def moderation_pairs(
    organisation: Organisation,
    *,
    since: date | None = None,
    until: date | None = None,
    audits: QuerySet[Audit] | None = None,
) -> list[Pair]:
    """Every (auditor answer, moderator answer) pair from completed moderations (of these
    audits, when given)."""
    moderator_answers = ModerationAnswer.objects.filter(
        moderation__status=ModerationStatus.DONE,
        moderation__audit__organisation=organisation,
    ).exclude(value="")
    if audits is not None:
        moderator_answers = moderator_answers.filter(moderation__audit__in=audits)
    # Oldest first, so a question's latest wording is the one shown.
    moderator_answers = moderator_answers.order_by("moderation__audit__request__month", "pk")
    if since:
        moderator_answers = moderator_answers.filter(moderation__audit__request__month__gte=since)
    if until:
        moderator_answers = moderator_answers.filter(moderation__audit__request__month__lte=until)
    theirs = dict(
        (((audit, criterion), value))
        for audit, criterion, value in Answer.objects.filter(
            audit__in=moderator_answers.values("moderation__audit")
        ).values_list("audit_id", "criterion_id", "value")
    )
    rows = moderator_answers.values_list(
        "moderation__audit_id",
        "criterion_id",
        "criterion__key",
        "criterion__text",
        "criterion__scale",
        "criterion__section__version__tool__name",
        "moderation__audit__auditor__user__email",
        "value",
        "moderation__audit__request__month",
    )
    pairs = []
    for audit_id, criterion_id, key, text, scale, tool, auditor, value, month in rows:
        auditor_value = theirs.get((audit_id, criterion_id), "")
        if auditor_value:
            pairs.append(Pair(key, text, scale, tool, auditor, auditor_value, value, month))
    return pairs


def agreement_by_month(pairs: list[Pair]) -> dict[date, Agreement]:
    """Each programme month's agreement over its pairs, as the Agreement page sums it up:
    the home page, the board report and the SPC chart all give this one figure."""
    months: dict[date, list[Pair]] = defaultdict(list)
    for pair in pairs:
        months[pair.month].append(pair)
    return {month: summary_agreement(f"{month:%B %Y}", found) for month, found in months.items()}


@dataclass(frozen=True)
class AgreementReport:
    overall: Agreement
    by_criterion: list[Agreement]
    by_tool: list[Agreement]
    by_auditor: list[Agreement]

    @property
    def criteria_needing_guidance(self) -> list[Agreement]:
        return [a for a in self.by_criterion if a.needs_clearer_guidance]


def agreement_report(pairs: list[Pair]) -> AgreementReport:
    def grouped(key) -> list[Agreement]:
        groups: dict[str, list[Pair]] = defaultdict(list)
        for pair in pairs:
            groups[key(pair)].append(pair)
        return [summary_agreement(label, items) for label, items in sorted(groups.items())]

    return AgreementReport(
        overall=summary_agreement("All moderated audits", pairs),
        by_criterion=[question_agreement(q) for q in _questions(pairs)],
        by_tool=grouped(lambda p: p.tool),
        by_auditor=grouped(lambda p: p.auditor),
    )


# --- Self-audits against peer audits --------------------------------------------------


@dataclass(frozen=True)
class ComplianceGap:
    criterion_key: str
    criterion_text: str
    self_met: int
    self_n: int
    peer_met: int
    peer_n: int
    difference: agreement.Difference

    @property
    def self_percent(self) -> float:
        return 100 * self.self_met / self.self_n

    @property
    def peer_percent(self) -> float:
        return 100 * self.peer_met / self.peer_n


@dataclass(frozen=True)
class SelfAndPeer:
    """Self against peer compliance, question by question, and which standards each
    kind of audit has covered — to say why there is nothing to compare when there isn't."""

    gaps: list[ComplianceGap]
    self_standards: list[str]
    peer_standards: list[str]


def self_versus_peer(
    organisation: Organisation, audits: QuerySet[Audit] | None = None
) -> SelfAndPeer:
    """Per criterion (matched by stable id across versions, tools and years), compliance
    in self-audits minus compliance in peer audits, with a 95 % confidence interval; of the
    `audits` only when given (e.g. a filtered results page's)."""
    answers = Answer.objects.filter(
        audit__organisation=organisation,
        audit__status=AuditStatus.SUBMITTED,
        audit__mode__in=[RequestMode.SELF, RequestMode.PEER],
    )
    if audits is not None:
        answers = answers.filter(audit__in=audits)
    rows = answers.exclude(value__in=["", NOT_APPLICABLE]).values_list(
        "criterion__key",
        "criterion__text",
        "audit__mode",
        "value",
        "criterion__section__version__tool__standard__code",
        "criterion__section__version__tool__standard__title",
        "criterion__section__version__tool__standard__position",
    )
    counts: dict[str, dict[str, list[int]]] = defaultdict(
        lambda: {RequestMode.SELF: [0, 0], RequestMode.PEER: [0, 0]}
    )
    texts: dict[str, str] = {}
    standards: dict[str, set[tuple[int, str]]] = {RequestMode.SELF: set(), RequestMode.PEER: set()}
    for key, text, mode, value, code, title, position in rows:
        texts[key] = text
        standards[mode].add((position, f"{code} {title}"))
        tally = counts[key][mode]
        tally[0] += value in (MET, YES, "4", "3")
        tally[1] += 1
    gaps = []
    for key, tallies in sorted(counts.items()):
        (s_met, s_n), (p_met, p_n) = tallies[RequestMode.SELF], tallies[RequestMode.PEER]
        if s_n and p_n:
            gaps.append(
                ComplianceGap(
                    key, texts[key], s_met, s_n, p_met, p_n,
                    agreement.difference_in_proportions(s_met, s_n, p_met, p_n),
                )
            )  # fmt: skip
    return SelfAndPeer(
        gaps=gaps,
        self_standards=[name for _, name in sorted(standards[RequestMode.SELF])],
        peer_standards=[name for _, name in sorted(standards[RequestMode.PEER])],
    )

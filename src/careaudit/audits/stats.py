"""Agreement between auditors and moderators, and between self-audits and peer audits.

Kappa is computed only where two people rated the same audit (moderation); self versus
peer is a difference in compliance with a confidence interval, never a kappa.
"""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from careaudit.audits.models import Answer, AuditStatus, ModerationAnswer, ModerationStatus
from careaudit.lib import agreement
from careaudit.lib.scoring import MET, NOT_APPLICABLE, NOT_MET, PARTLY_MET, YES
from careaudit.organisation.models import Organisation
from careaudit.programme.models import RequestMode

ORDERED = [MET, PARTLY_MET, NOT_MET]
POOR_KAPPA = 0.40  # "fair" or worse on Landis & Koch: the guidance needs to be clearer
MIN_PAIRS_TO_FLAG = 5


@dataclass(frozen=True)
class Pair:
    criterion_key: str
    criterion_text: str
    tool: str
    auditor: str
    auditor_value: str
    moderator_value: str


@dataclass(frozen=True)
class Agreement:
    label: str
    pairs: int
    percent: float | None
    kappa: float | None
    weighted_kappa: float | None
    band: str

    @property
    def needs_clearer_guidance(self) -> bool:
        return (
            self.pairs >= MIN_PAIRS_TO_FLAG and self.kappa is not None and self.kappa <= POOR_KAPPA
        )


def agreement_of(label: str, pairs: list[Pair]) -> Agreement:
    values = [(p.auditor_value, p.moderator_value) for p in pairs]
    ordered = [v for v in values if v[0] in ORDERED and v[1] in ORDERED]
    categories = sorted({x for pair in values for x in pair})
    kappa = agreement.cohens_kappa(values, categories) if values else None
    weighted = agreement.cohens_kappa(ordered, ORDERED, weights="linear") if ordered else None
    return Agreement(
        label=label,
        pairs=len(values),
        percent=agreement.percentage_agreement(values),
        kappa=kappa,
        weighted_kappa=weighted,
        band=agreement.landis_koch_band(kappa),
    )


def moderation_pairs(
    organisation: Organisation, *, since: date | None = None, until: date | None = None
) -> list[Pair]:
    """Every (auditor answer, moderator answer) pair from completed moderations."""
    moderator_answers = ModerationAnswer.objects.filter(
        moderation__status=ModerationStatus.DONE,
        moderation__audit__organisation=organisation,
    ).exclude(value="")
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
        "criterion__section__version__tool__name",
        "moderation__audit__auditor__user__email",
        "value",
    )
    pairs = []
    for audit_id, criterion_id, key, text, tool, auditor, value in rows:
        auditor_value = theirs.get((audit_id, criterion_id), "")
        if auditor_value:
            pairs.append(Pair(key, text, tool, auditor, auditor_value, value))
    return pairs


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
        return [agreement_of(label, items) for label, items in sorted(groups.items())]

    return AgreementReport(
        overall=agreement_of("All moderated audits", pairs),
        by_criterion=grouped(lambda p: f"{p.criterion_key} {p.criterion_text}"),
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


def self_versus_peer(organisation: Organisation) -> list[ComplianceGap]:
    """Per criterion (matched by stable id across versions and years), compliance in
    self-audits minus compliance in peer audits, with a 95 % confidence interval."""
    rows = (
        Answer.objects.filter(
            audit__organisation=organisation,
            audit__status=AuditStatus.SUBMITTED,
            audit__mode__in=[RequestMode.SELF, RequestMode.PEER],
        )
        .exclude(value__in=["", NOT_APPLICABLE])
        .values_list("criterion__key", "criterion__text", "audit__mode", "value")
    )
    counts: dict[str, dict[str, list[int]]] = defaultdict(
        lambda: {RequestMode.SELF: [0, 0], RequestMode.PEER: [0, 0]}
    )
    texts: dict[str, str] = {}
    for key, text, mode, value in rows:
        texts[key] = text
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
    return gaps

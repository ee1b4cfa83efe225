"""Compliance: how much of what was asked was achieved, over a set of answers.

Compliance of a set of answers = Σ achievement / the number of answers that count. Each
answer achieves what the product scores it (`lib.scoring.achievement`): met 1, partly met the
tool version's `partly_met_value`, not met 0; yes 1, no 0; a score n of 4, n/4. "Not
applicable", unanswered answers and answers on unscored scales (counts, free text) do not
count. Each answer counts once and weighs the same: this is the share of criteria met, not
the audits' weighted score.

One rule, two ways to work it out: `answer_achievement` for one answer in Python, and the SQL
expressions `achievement_expression` / `counting_answers` for grouped aggregates, so a page
that shows compliance by criterion, team or month makes one query however many answers there
are. The two agree exactly (tests/insights/test_measures.py): the SQL sum is a decimal with two
places, as `partly_met_value` is, so nothing is lost to binary fractions.

>>> answer_achievement("met_partly_not", "partly_met", Decimal("0.6"))
Decimal('0.6')
>>> answer_achievement("score_1_4", "3", Decimal("0.5")), answer_achievement("yes_no", "", 0)
(Decimal('0.75'), None)
"""

from decimal import Decimal

from django.db.models import Case, Count, DecimalField, F, Q, QuerySet, Sum, Value, When

from careaudit.audits.models import Answer, Audit
from careaudit.lib import scoring

# Σ achievement, to two decimal places: partly_met_value has two, and n/4 needs two.
ACHIEVED_FIELD = DecimalField(max_digits=14, decimal_places=2)

# The answers that count, scale by scale: every choice but "not applicable".
COUNTING_VALUES: dict[str, list[str]] = {
    scale.value: [v for v, _ in scoring.scale_choices(scale) if v != scoring.NOT_APPLICABLE]
    for scale in scoring.Scale
    if scoring.is_scored(scale)
}


def answer_achievement(scale: str, value: str | None, partly_met_value) -> Decimal | None:
    """What one answer achieves, from 0 to 1, or None when it does not count."""
    got = scoring.achievement(scale, value or None, float(partly_met_value))
    if got is None:
        return None
    if value == scoring.PARTLY_MET:
        return Decimal(str(partly_met_value))
    return Decimal(str(got))


def counting_answers(prefix: str = "") -> Q:
    """The answers that count, as a filter on Answer (`prefix` reaches Answer's fields from
    another model)."""
    q = Q()
    for scale, values in COUNTING_VALUES.items():
        q |= Q(**{f"{prefix}criterion__scale": scale, f"{prefix}value__in": values})
    return q


def achievement_expression(prefix: str = "") -> Case:
    """An answer's achievement as SQL, written from `lib.scoring.achievement` itself, so the
    product's scoring rule is stated once; NULL for an answer that does not count."""
    whens = []
    for scale, values in COUNTING_VALUES.items():
        for value in values:
            if value == scoring.PARTLY_MET:
                then = F(f"{prefix}audit__tool_version__partly_met_value")
            else:
                then = Value(Decimal(str(scoring.achievement(scale, value))))
            whens.append(
                When(Q(**{f"{prefix}criterion__scale": scale, f"{prefix}value": value}), then=then)
            )
    return Case(*whens, default=Value(None), output_field=ACHIEVED_FIELD)


def achieved_sum(prefix: str = "") -> Sum:
    """Σ achievement over a group of answers (0 when none count)."""
    return Sum(achievement_expression(prefix), default=Decimal(0), output_field=ACHIEVED_FIELD)


def answers_count(prefix: str = "") -> Count:
    """The number of answers that count in a group."""
    return Count(f"{prefix}pk", filter=counting_answers(prefix))


def compliance(audits: QuerySet[Audit], criterion_keys: list[str] | None = None):
    """(achieved, answers that count) over the audits' answers, on these criteria (matched by
    stable id across versions) or on all: one query."""
    answers = Answer.objects.filter(audit__in=audits).filter(counting_answers())
    if criterion_keys is not None:
        answers = answers.filter(criterion__key__in=criterion_keys)
    totals = answers.aggregate(achieved=achieved_sum(), answers=Count("pk"))
    return totals["achieved"], totals["answers"]

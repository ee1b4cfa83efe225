"""Demo step: people's own answers through the accessible feedback link.

An auditor who cannot reach the person by phone or visit, and sometimes one who did, sends
the link; some people answer before the audit is submitted, mostly to say they were
listened to, and most who write something agree to be quoted.

Each audit's answers come from its own random stream (seeded by the audit), not the demo's
shared one, so adding them changes nothing the other steps drew: the teams' compliance, and
so the story their charts tell, stay as they were.
"""

import hashlib
import random
from datetime import timedelta

from careaudit.audits.models import (
    Audit,
    AuditStatus,
    ContactWho,
    FeedbackLink,
    FeedbackResponse,
    NotContactedReason,
    VoiceAnswer,
)
from careaudit.portal.demo import DemoContext

# The share of audits whose person answered the link: most where the auditor could not
# reach them (the link is the way left), a few where they did.
ANSWERED_NOT_REACHED = 0.45
ANSWERED_REACHED = 0.08
LINK_DAYS = 14  # how long a link stays open, as the audit form offers by default

WENT_WELL = [
    "My social worker listened and did not rush me.",
    "I was asked what matters to me, not just what I cannot do.",
    "They explained everything in a way I could understand.",
    "My daughter was included, which I wanted.",
    "The equipment came quickly and has made a difference.",
    "",
]
COULD_BE_BETTER = [
    "I waited a long time to hear back.",
    "I have not had a copy of my plan yet.",
    "I had to tell my story more than once.",
    "It would help to know who to call when my worker is away.",
    "",
    "",
]


def build(context: DemoContext) -> None:
    audits = list(
        Audit.objects.filter(organisation=context.organisation, status=AuditStatus.SUBMITTED)
        .exclude(person_contacted__isnull=True)
        .filter(case__isnull=False)
        .select_related("request")
        .order_by("pk")
    )
    links, responses = [], []
    for audit in audits:
        rng = random.Random(f"feedback-{audit.pk}")
        reached = bool(audit.person_contacted)
        if audit.not_contacted_reason in (
            NotContactedReason.NO_CAPACITY,
            NotContactedReason.NOT_APPROPRIATE,
        ):
            continue  # no link is sent where it would not be right
        if rng.random() >= (ANSWERED_REACHED if reached else ANSWERED_NOT_REACHED):
            continue
        sent = audit.submitted_at - timedelta(days=rng.randint(5, 10))
        answered = sent + timedelta(days=rng.randint(1, 4))
        link = FeedbackLink(
            audit=audit,
            token_hash=hashlib.sha256(f"demo-feedback-{audit.pk}".encode()).hexdigest(),
            created_by_id=audit.auditor_id,
            created_at=sent,
            expires_at=sent + timedelta(days=LINK_DAYS),
            used_at=answered,
        )
        links.append(link)
        went_well, could_be_better = rng.choice(WENT_WELL), rng.choice(COULD_BE_BETTER)
        responses.append(
            FeedbackResponse(
                audit=audit,
                link=link,
                who=rng.choice([ContactWho.PERSON, ContactWho.PERSON, ContactWho.CARER]),
                felt_listened_to=_answer(rng, 0.75),
                knew_who_to_contact=_answer(rng, 0.65),
                has_copy_of_plan=_answer(rng, 0.55),
                what_went_well=went_well,
                what_could_be_better=could_be_better,
                may_quote=bool(went_well or could_be_better) and rng.random() < 0.7,
                submitted_at=answered,
            )
        )
    FeedbackLink.objects.bulk_create(links)
    for response in responses:
        response.link_id = response.link.pk
    FeedbackResponse.objects.bulk_create(responses)
    context.notes.append(
        f"People's voice: {len(responses)} people answered the feedback link, "
        f"{sum(r.may_quote for r in responses)} of them agreeing to be quoted."
    )


def _answer(rng: random.Random, yes: float) -> str:
    roll = rng.random()
    if roll < yes:
        return VoiceAnswer.YES
    return VoiceAnswer.PARTLY if roll < yes + (1 - yes) / 2 else VoiceAnswer.NO

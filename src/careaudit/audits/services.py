"""Audit workflows: start, save answers (optimistic locking), submit, feedback links,
worker comments, rating override, supervision. Each checks who is acting, validates
first and runs in a transaction; an error leaves everything as it was.

Optimistic locking is per answer and per field, not per audit: every change claims the
audit's next `lock_version` (one at a time, so versions only grow), and records it on what
it changed (`Answer.saved_version`, `Audit.field_versions`). A change made from a page
that showed version N is refused only if *what it changes* was saved after N, so two tabs
answering different questions never conflict, and the same question never silently
overwrites the other tab's answer. Submitting still needs the audit as the page last saw it.
"""

import hashlib
import secrets
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, timedelta
from functools import partial
from typing import Any

from django.db import transaction
from django.db.models import F
from django.utils import timezone

from careaudit.audits import emails
from careaudit.audits.models import (
    Answer,
    Audit,
    AuditStatus,
    FeedbackLink,
    FeedbackResponse,
    Finding,
    Moderation,
    ModerationAnswer,
    ModerationStatus,
    SupervisionDiscussion,
    WorkerComment,
    WorkerInvolvement,
)
from careaudit.lib import scoring
from careaudit.organisation.models import StaffMember, account_of
from careaudit.programme.models import (
    AuditRequest,
    EventKind,
    RequestEvent,
    RequestMode,
    RequestStatus,
)
from careaudit.standards.models import Criterion, Theme

FEEDBACK_LINK_DAYS = 14


class AuditError(ValueError):
    """The change was refused; the message says why in plain words."""


class EditConflict(AuditError):
    """Someone else saved the audit since this page loaded (optimistic locking)."""


class AnswerConflict(EditConflict):
    """This answer was saved elsewhere since the page showed it; `saved` is that answer."""

    def __init__(self, message: str, *, saved: "Answer") -> None:
        super().__init__(message)
        self.saved = saved


ANSWER_CONFLICT = (
    "This answer was changed in another tab, or by someone else, after your page showed it, "
    "so your change was not saved."
)
PART_CONFLICT = (
    "These answers were changed in another tab, or by someone else, after your page showed "
    "them, so your change was not saved."
)


def _check_auditor(audit: Audit, by: StaffMember) -> None:
    if by.pk != audit.auditor_id:
        raise AuditError(
            "Only the auditor can answer, score or submit this audit. The allocated worker "
            "can add comments and evidence."
        )


def _check_draft(audit: Audit) -> None:
    if audit.status != AuditStatus.DRAFT:
        raise AuditError("This audit has been submitted, so it can no longer be changed.")


def _claim_version(audit: Audit) -> int:
    """The audit's next version, for a change that checks its own versions.

    The update takes the audit's row lock (SQLite: the write lock), so changes to one audit
    go one at a time, and what the change reads next is what the previous one committed.
    """
    Audit.objects.filter(pk=audit.pk).update(
        lock_version=F("lock_version") + 1, updated_at=timezone.now()
    )
    audit.lock_version = Audit.objects.values_list("lock_version", flat=True).get(pk=audit.pk)
    return audit.lock_version


def _bump(audit: Audit, lock_version: int) -> None:
    """Claim the next version of the audit, or refuse if someone saved in between."""
    updated = Audit.objects.filter(pk=audit.pk, lock_version=lock_version).update(
        lock_version=F("lock_version") + 1, updated_at=timezone.now()
    )
    if not updated:
        raise EditConflict(
            "Someone else has saved this audit since you opened it, so your change was not "
            "saved. Reload the page to see their changes, then make yours again."
        )
    audit.lock_version = lock_version + 1


# --- Starting ---------------------------------------------------------------------------


@transaction.atomic
def audit_start(*, audit_request: AuditRequest, by: StaffMember) -> Audit:
    """Open the audit for a request (or return the one already started)."""
    existing = Audit.objects.filter(request=audit_request).first()
    if existing is not None:
        return existing
    if by.pk != audit_request.auditor_id:
        raise AuditError("This audit was requested from someone else.")
    if audit_request.mode == RequestMode.MODERATION:
        raise AuditError("Moderation is done on the moderation page, not as a new audit.")
    if audit_request.subject is None:
        if audit_request.is_case_subject:
            raise AuditError("Choose the case for this self-audit first.")
        raise AuditError(f"This request has no {audit_request.get_subject_kind_display().lower()}.")
    if audit_request.status not in (RequestStatus.REQUESTED, RequestStatus.IN_PROGRESS):
        raise AuditError(f"This request is {audit_request.get_status_display().lower()}.")
    # The worker sees the audit, comments on it and takes it to supervision: the case's
    # allocated worker, or the staff member audited. A service has no one person.
    worker = audit_request.case.worker if audit_request.case_id else audit_request.staff_subject
    no_worker = audit_request.case_id is not None and worker is None
    audit = Audit.objects.create(
        organisation_id=audit_request.organisation_id,
        request=audit_request,
        tool_version=audit_request.tool_version,
        auditor=audit_request.auditor,
        subject_kind=audit_request.subject_kind,
        case=audit_request.case,
        staff_subject=audit_request.staff_subject,
        service_subject=audit_request.service_subject,
        worker=worker,
        mode=audit_request.mode,
        worker_involvement=WorkerInvolvement.NO_WORKER if no_worker else "",
    )
    audit_request.status = RequestStatus.IN_PROGRESS
    audit_request.save(update_fields=["status"])
    RequestEvent.objects.create(
        request=audit_request, by=account_of(by), kind=EventKind.STARTED, text="Audit started."
    )
    return audit


# --- Answers and the result -------------------------------------------------------------


def criteria_of(audit: Audit) -> list[Criterion]:
    return list(
        Criterion.objects.filter(section__version=audit.tool_version_id).order_by(
            "section__position", "position"
        )
    )


@transaction.atomic
def answer_save(
    *,
    audit: Audit,
    criterion: Criterion,
    by: StaffMember,
    lock_version: int,
    value: str | None = None,
    counts: dict | None = None,
    text: str | None = None,
    evidence_note: str | None = None,
) -> Answer:
    """Save one criterion's answer as it is given; recomputes the score and rating.

    `lock_version` is the version of this answer the page showed (the audit's version when
    the page loaded, or what the answer's last save returned): the save is refused with
    `AnswerConflict` if the answer was saved since, whatever happened to other answers.
    """
    _check_auditor(audit, by)
    _check_draft(audit)
    _check_answer(audit, criterion, value)
    if counts is not None:
        counts = _clean_counts(criterion, counts)
    version = _claim_version(audit)
    answer = Answer.objects.filter(audit=audit, criterion=criterion).first()
    if answer is not None and answer.saved_version > lock_version:
        raise AnswerConflict(ANSWER_CONFLICT, saved=answer)
    answer = answer or Answer(audit=audit, criterion=criterion)
    answer.saved_version = version
    if value is not None:
        answer.value = value.strip()
    if counts is not None:
        answer.counts = counts
    if text is not None:
        answer.text = text
    if evidence_note is not None:
        answer.evidence_note = evidence_note
    answer.save()
    result_update(audit)
    return answer


def _check_moderator(moderation: Moderation, by: StaffMember) -> None:
    if by.pk != moderation.moderator_id:
        raise AuditError("This audit was given to another moderator to moderate.")


def _check_blind(moderation: Moderation) -> None:
    if moderation.status != ModerationStatus.BLIND:
        raise AuditError("Your re-scoring has been submitted, so it can no longer change.")


@transaction.atomic
def moderation_answer_save(
    *,
    moderation: Moderation,
    criterion: Criterion,
    value: str,
    note: str = "",
    by: StaffMember,
    lock_version: int,
) -> ModerationAnswer:
    """Save one of the moderator's blind answers (the moderation's own lock version)."""
    _check_moderator(moderation, by)
    _check_blind(moderation)
    _check_answer(moderation.audit, criterion, value)
    updated = Moderation.objects.filter(pk=moderation.pk, lock_version=lock_version).update(
        lock_version=lock_version + 1
    )
    if not updated:
        raise EditConflict(
            "This moderation was saved elsewhere since you opened it. Reload the page."
        )
    moderation.lock_version = lock_version + 1
    answer, _ = ModerationAnswer.objects.update_or_create(
        moderation=moderation, criterion=criterion, defaults={"value": value, "note": note}
    )
    return answer


@transaction.atomic
def answers_save(
    *,
    answering: Audit | Moderation,
    by: StaffMember,
    lock_version: int,
    changes: Sequence[tuple[Criterion, dict[str, Any]]],
    versions: dict[int, int] | None = None,
) -> int:
    """Save several answers at once: all of them or, if any one is refused, none.

    `answering` is an audit (the auditor's answers; each change holds `answer_save`'s
    ``value``, ``counts``, ``text`` and ``evidence_note``) or a moderation (the
    moderator's blind answers; ``value`` and ``note``). An audit's answer is checked
    against the version of it the page showed (`versions`, by criterion id, else
    `lock_version`); a moderation's against the moderation's version. A refused answer
    (`EditConflict`) leaves none saved. Returns how many answers were saved.

        answers_save(answering=audit, by=auditor, lock_version=3,
                     changes=[(criterion, {"value": "met", "evidence_note": "Seen."})])
    """
    if not changes:
        return 0
    # Everything is checked before the first write, so a refusal names the first problem
    # rather than whichever answer happened to be saved last.
    if isinstance(answering, Moderation):
        _check_moderator(answering, by)
        _check_blind(answering)
        audit = answering.audit
        save_one = partial(moderation_answer_save, moderation=answering, by=by)
    else:
        _check_auditor(answering, by)
        _check_draft(answering)
        audit = answering
        save_one = partial(answer_save, audit=answering, by=by)
    for criterion, fields in changes:
        _check_answer(audit, criterion, fields.get("value"))
        if fields.get("counts") is not None:
            _clean_counts(criterion, fields["counts"])
    for criterion, fields in changes:
        if isinstance(answering, Moderation):
            save_one(criterion=criterion, lock_version=lock_version, **fields)
            lock_version = answering.lock_version
        else:
            seen = (versions or {}).get(criterion.pk, lock_version)
            save_one(criterion=criterion, lock_version=seen, **fields)
    return len(changes)


def _check_answer(audit: Audit, criterion: Criterion, value: str | None) -> None:
    """Refuse a question from another tool, or a value its scale does not have."""
    if criterion.section.version_id != audit.tool_version_id:
        raise AuditError("That question is not part of this audit's tool.")
    value = (value or "").strip()
    if value:
        try:
            scoring.check_answer(criterion.scale, value)
        except ValueError:
            raise AuditError(f"“{value}” is not an answer to this question.") from None


def _clean_counts(criterion: Criterion, counts: dict) -> dict:
    cleaned = {}
    for category in criterion.categories:
        raw = counts.get(category, "")
        if raw in ("", None):
            continue
        try:
            number = int(raw)
        except (TypeError, ValueError):
            raise AuditError(f"Enter a whole number for “{category}”.") from None
        if number < 0 or number > 10_000:
            raise AuditError(f"The count for “{category}” must be between 0 and 10,000.")
        cleaned[category] = number
    return cleaned


def scoring_answers(audit: Audit, criteria: list[Criterion] | None = None) -> list:
    criteria = criteria if criteria is not None else criteria_of(audit)
    values = dict(audit.answers.values_list("criterion_id", "value"))
    return [
        scoring.CriterionAnswer(
            criterion_id=c.key,
            scale=scoring.Scale(c.scale),
            answer=values.get(c.pk) or None,
            weight=float(c.weight),
            critical=c.critical,
        )
        for c in criteria
    ]


def compute_result(audit: Audit, criteria: list[Criterion] | None = None):
    version = audit.tool_version
    answers = scoring_answers(audit, criteria)
    result = scoring.score(answers, partly_met_value=float(version.partly_met_value))
    rating = scoring.rate(
        result,
        version.rating_scheme,
        version.thresholds(),
        critical_failures=scoring.critical_failures(answers),
    )
    return result, rating


def result_update(audit: Audit) -> None:
    result, rating = compute_result(audit)
    audit.score_percent = None if result.score is None else round(result.score, 1)
    audit.score_note = result.reason or ""
    audit.rating_code = rating.code if rating else ""
    audit.rating_label = rating.label if rating else ""
    audit.rating_reasons = list(rating.reasons) if rating else []
    Audit.objects.filter(pk=audit.pk).update(
        score_percent=audit.score_percent,
        score_note=audit.score_note,
        rating_code=audit.rating_code,
        rating_label=audit.rating_label,
        rating_reasons=audit.rating_reasons,
    )


AUDIT_FIELDS = (
    "person_contacted",
    "contact_method",
    "contact_who",
    "felt_listened_to",
    "knew_who_to_contact",
    "has_copy_of_plan",
    "what_they_said",
    "may_quote",
    "not_contacted_reason",
    "contact_attempts",
    "not_contacted_detail",
    "worker_involvement",
    "involvement_date",
    "involvement_how",
    "feedback_held_on",
    "strengths",
    "areas_for_development",
)


@transaction.atomic
def audit_update(*, audit: Audit, by: StaffMember, lock_version: int, **fields) -> Audit:
    """Save the person's voice, the worker's involvement, strengths and areas to develop.

    `lock_version` is the version of these fields the page showed: refused with
    `EditConflict` if one of them was saved since with a different value, whatever
    happened to the rest of the audit. A field sent unchanged is neither checked nor written.
    """
    _check_auditor(audit, by)
    _check_draft(audit)
    unknown = set(fields) - set(AUDIT_FIELDS)
    if unknown:
        raise AuditError(f"Unknown fields: {', '.join(sorted(unknown))}.")
    version = _claim_version(audit)
    stored = Audit.objects.filter(pk=audit.pk).values(*fields, "field_versions").get()
    versions = stored.pop("field_versions")
    changed = {name: value for name, value in fields.items() if stored[name] != value}
    if any(versions.get(name, 0) > lock_version for name in changed):
        raise EditConflict(PART_CONFLICT)
    for name, value in stored.items():
        setattr(audit, name, changed.get(name, value))
    audit.field_versions = {**versions, **dict.fromkeys(changed, version)}
    audit.save(update_fields=[*changed, "field_versions", "updated_at"])
    return audit


@transaction.atomic
def finding_add(
    *,
    audit: Audit,
    by: StaffMember,
    lock_version: int,
    text: str,
    theme: Theme | None,
    needs_action: bool,
) -> Finding:
    _check_auditor(audit, by)
    _check_draft(audit)
    if not text.strip():
        raise AuditError("Describe the finding.")
    if theme is not None and theme.framework_id != audit.tool_version.tool.standard.framework_id:
        raise AuditError("Choose a theme from this audit's framework.")
    _claim_version(audit)  # adding a finding overwrites nothing: no conflict with other tabs
    return Finding.objects.create(
        audit=audit, text=text.strip(), theme=theme, needs_action=needs_action
    )


@transaction.atomic
def finding_remove(*, finding: Finding, by: StaffMember, lock_version: int) -> None:
    _check_auditor(finding.audit, by)
    _check_draft(finding.audit)
    _claim_version(finding.audit)  # removing one finding touches no other answer
    finding.delete()


@transaction.atomic
def rating_override(
    *, audit: Audit, by: StaffMember, lock_version: int, code: str, label: str, reason: str
) -> None:
    """Override the computed rating; a reason is required and the override is shown."""
    _check_auditor(audit, by)
    _check_draft(audit)
    if code and not reason.strip():
        raise AuditError("Give a reason for overriding the rating.")
    version = _claim_version(audit)
    stored = Audit.objects.filter(pk=audit.pk).values("override_code", "override_reason").get()
    versions = Audit.objects.values_list("field_versions", flat=True).get(pk=audit.pk)
    new = {"override_code": code, "override_reason": reason.strip() if code else ""}
    if new != stored and versions.get("override_code", 0) > lock_version:
        raise EditConflict(
            "The rating was overridden in another tab, or by someone else, after your page "
            "showed it, so your change was not saved."
        )
    audit.override_code, audit.override_label = code, label if code else ""
    audit.override_reason = new["override_reason"]
    audit.field_versions = {**versions, "override_code": version}
    audit.save(
        update_fields=["override_code", "override_label", "override_reason", "field_versions"]
    )


# --- Completeness and submission ------------------------------------------------------


@dataclass(frozen=True)
class Missing:
    anchor: str  # the id of the element to link to
    message: str


def audit_missing(audit: Audit) -> list[Missing]:
    """What stops the audit being submitted, in the order of the form."""
    missing = []
    answers = {a.criterion_id: a for a in audit.answers.all()}
    for number, criterion in enumerate(criteria_of(audit), start=1):
        answer = answers.get(criterion.pk)
        if criterion.scale == scoring.Scale.FREE_TEXT:
            continue
        if criterion.scale == scoring.Scale.COUNT:
            if answer is None or not answer.counts:
                missing.append(
                    Missing(f"criterion-{criterion.pk}", f"Enter the counts for question {number}")
                )
            continue
        if answer is None or not answer.value:
            missing.append(
                Missing(
                    f"criterion-{criterion.pk}",
                    f"Answer question {number}, or mark it not applicable",
                )
            )
    # An audit of a staff member or a service asks neither, and records its feedback in
    # strengths and areas (ADR 0009).
    if audit.asks_voice:
        missing += _voice_missing(audit)
    if audit.asks_involvement:
        missing += _involvement_missing(audit)
    return missing


def _voice_missing(audit: Audit) -> list[Missing]:
    if audit.person_contacted is None and not audit.feedback_responses.exists():
        return [
            Missing(
                "person-contacted",
                "Say whether you reached the person, their carer or representative",
            )
        ]
    if audit.person_contacted is False:
        if not audit.not_contacted_reason:
            return [Missing("not-contacted-reason", "Give the reason the person was not contacted")]
        if audit.not_contacted_reason == "other" and not audit.not_contacted_detail.strip():
            return [
                Missing(
                    "not-contacted-detail", "Describe the other reason the person was not contacted"
                )
            ]
        if audit.not_contacted_reason == "unable_to_reach" and not audit.contact_attempts:
            return [Missing("contact-attempts", "Say how many times you tried to reach them")]
    if audit.person_contacted is True:
        missing = []
        if not audit.contact_method:
            missing.append(Missing("contact-method", "Say how you reached them"))
        if not audit.contact_who:
            missing.append(Missing("contact-who", "Say who you spoke to"))
        if not audit.what_they_said.strip():
            missing.append(Missing("what-they-said", "Record what they said"))
        return missing
    return []


def _involvement_missing(audit: Audit) -> list[Missing]:
    if not audit.worker_involvement:
        return [Missing("worker-involvement", "Say how the worker was involved in the audit")]
    if (
        audit.worker_involvement in (WorkerInvolvement.JOINT, WorkerInvolvement.FEEDBACK)
        and not audit.involvement_date
    ):
        return [
            Missing("involvement-date", "Give the date of the joint audit or feedback conversation")
        ]
    return []


# What else a submitted audit sets off, registered by the apps above (the improvement app
# judges a re-audit once its last audit is in). Each hook is called with the audit and who
# submitted it, after the audit and its request are saved, inside the same transaction.
SubmitHook = Callable[[Audit, StaffMember], None]
_SUBMIT_HOOKS: list[SubmitHook] = []


def on_submit(function: SubmitHook) -> SubmitHook:
    """Register a hook run whenever an audit is submitted (`audit_submit`)."""
    _SUBMIT_HOOKS.append(function)
    return function


@transaction.atomic
def audit_submit(*, audit: Audit, by: StaffMember, lock_version: int) -> Audit:
    _check_auditor(audit, by)
    _check_draft(audit)
    missing = audit_missing(audit)
    if missing:
        raise AuditError(f"The audit is not complete: {len(missing)} things still to do.")
    _bump(audit, lock_version)
    result_update(audit)
    audit.status = AuditStatus.SUBMITTED
    audit.submitted_at = timezone.now()
    audit.save(update_fields=["status", "submitted_at"])
    # The audit's voice section is final now: links still waiting for an answer close, so
    # nothing arrives after the audit was shared (a late answer is refused kindly).
    FeedbackLink.objects.filter(audit=audit, used_at__isnull=True, revoked_at__isnull=True).update(
        revoked_at=audit.submitted_at
    )
    request = audit.request
    request.status = RequestStatus.SUBMITTED
    request.save(update_fields=["status"])
    RequestEvent.objects.create(
        request=request, by=account_of(by), kind=EventKind.SUBMITTED, text="Audit submitted."
    )
    emails.audit_submitted(audit)  # to the worker and their supervisor, for supervision
    for hook in _SUBMIT_HOOKS:
        hook(audit, by)
    return audit


# --- The worker's contribution ---------------------------------------------------------


@transaction.atomic
def worker_comment_add(*, audit: Audit, by: StaffMember, text: str) -> WorkerComment:
    if by.pk != audit.worker_id:
        raise AuditError("Only the case's allocated worker can add comments here.")
    if not text.strip():
        raise AuditError("Write your comment or evidence.")
    return WorkerComment.objects.create(audit=audit, author=by, text=text.strip())


# --- Feedback links ---------------------------------------------------------------------


def _hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def feedback_link_create(
    *, audit: Audit, by: StaffMember, days: int = FEEDBACK_LINK_DAYS
) -> tuple[FeedbackLink, str]:
    """A one-time link for the person; returns the link record and the token (shown once)."""
    _check_auditor(audit, by)
    _check_draft(audit)
    if not audit.asks_voice:
        raise AuditError("Feedback links are for the person whose case is audited.")
    token = secrets.token_urlsafe(24)
    link = FeedbackLink.objects.create(
        audit=audit,
        token_hash=_hash(token),
        created_by=by,
        expires_at=timezone.now() + timedelta(days=days),
    )
    return link, token


def feedback_link_email(
    *, audit: Audit, by: StaffMember, to: str, url_of: Callable[[str], str]
) -> FeedbackLink:
    """Make a link and email it to `to`, an address the auditor typed for this one email.

    The address is used for the send and kept nowhere: not on the link, not in the outbox,
    the change log or the server's log (`emails.feedback_link`). The link is committed
    before the email goes, so the person never gets a link that does not exist; if the
    email cannot be sent the link is removed again (nobody has it) and the auditor is told.
    """
    with transaction.atomic():
        link, token = feedback_link_create(audit=audit, by=by)
    if not emails.feedback_link(link, to=to, url=url_of(token)):
        link.delete()
        raise AuditError(
            "The email could not be sent, so no link was made. Try again, "
            "or print a letter or copy a link instead."
        )
    return link


class FeedbackLinkError(AuditError):
    """A feedback link that cannot be used; `gone` says it existed (used, expired or closed).

    A link that existed names its `organisation`, so the page can say whom to contact.
    `closed` says its audit was finished: the sender cannot make a new one for it.
    """

    def __init__(
        self, message: str, *, gone: bool = True, organisation=None, closed: bool = False
    ) -> None:
        super().__init__(message)
        self.gone = gone
        self.organisation = organisation
        self.closed = closed


LINK_CLOSED = (
    "Thank you for wanting to tell us about your support. This link has closed, because "
    "the review it was for has now been finished, so it cannot take your answers."
)


def feedback_link_for(token: str) -> FeedbackLink:
    link = (
        FeedbackLink.objects.select_related("audit__organisation")
        .filter(token_hash=_hash(token))
        .first()
    )
    if link is None:
        raise FeedbackLinkError(
            "This link is not recognised. Check you copied all of it.", gone=False
        )
    organisation = link.audit.organisation
    if link.used_at is not None:
        raise FeedbackLinkError(
            "This link has already been used. Thank you for your feedback.",
            organisation=organisation,
        )
    if link.revoked_at is not None or link.audit.status == AuditStatus.SUBMITTED:
        raise FeedbackLinkError(LINK_CLOSED, organisation=organisation, closed=True)
    if not link.is_usable():
        raise FeedbackLinkError(
            "This link has expired. Ask the person who sent it for a new one.",
            organisation=organisation,
        )
    return link


@transaction.atomic
def feedback_submit(*, token: str, **answers) -> FeedbackResponse:
    link = feedback_link_for(token)
    # Claimed only while unused and open: the audit's submission closes its links with one
    # conditional update too, so one of the two wins and the other sees it.
    claimed = FeedbackLink.objects.filter(
        pk=link.pk, used_at__isnull=True, revoked_at__isnull=True
    ).update(used_at=timezone.now())
    if not claimed:
        link.refresh_from_db()
        if link.revoked_at is not None:
            raise FeedbackLinkError(LINK_CLOSED, organisation=link.audit.organisation, closed=True)
        raise FeedbackLinkError(
            "This link has already been used. Thank you for your feedback.",
            organisation=link.audit.organisation,
        )
    return FeedbackResponse.objects.create(audit=link.audit, link=link, **answers)


# --- Supervision --------------------------------------------------------------------------


@transaction.atomic
def supervision_record(
    *,
    supervisor: StaffMember,
    supervisee: StaffMember,
    audits: list[Audit],
    discussed_on: date,
    reflection: str,
    learning: str = "",
    agreed_development: str = "",
    by: StaffMember,
) -> SupervisionDiscussion:
    if supervisee.supervisor_id != supervisor.pk:
        raise AuditError(f"You do not supervise {supervisee.full_name}.")
    if not audits:
        raise AuditError("Choose the audits you discussed.")
    if discussed_on > timezone.localdate():
        raise AuditError("The discussion date cannot be in the future.")
    if not reflection.strip():
        raise AuditError("Record the reflection from the discussion.")
    for audit in audits:
        if audit.worker_id != supervisee.pk and audit.auditor_id != supervisee.pk:
            raise AuditError("Choose only audits by or about the person you supervise.")
    discussion = SupervisionDiscussion.objects.create(
        supervisor=supervisor,
        supervisee=supervisee,
        discussed_on=discussed_on,
        reflection=reflection.strip(),
        learning=learning.strip(),
        agreed_development=agreed_development.strip(),
        recorded_by=account_of(by),
    )
    discussion.audits.set(audits)
    return discussion


def saved_answers_differing(audit: Audit, typed: dict) -> list[tuple[str, str]]:
    """(field name, saved answer in words) for each of `typed`'s fields of the audit whose
    saved answer differs from what was typed: shown beside it after an edit conflict."""
    saved = Audit.objects.get(pk=audit.pk)
    differing = []
    for name, value in typed.items():
        stored = getattr(saved, name)
        if stored == value:
            continue
        display = getattr(saved, f"get_{name}_display", None)
        if isinstance(stored, bool):
            words = "Yes" if stored else "No"
        elif display is not None:
            words = str(display())
        else:
            words = str(stored) if stored not in (None, "") else "(nothing)"
        differing.append((name, words))
    return differing

"""Workflows that change people and structure. Each validates first and runs in a transaction."""

from datetime import date

from django.contrib.auth import get_user_model
from django.contrib.sessions.models import Session
from django.db import transaction
from django.db.models import F
from django.utils import timezone

from careaudit.organisation.models import Organisation, Role, Service, StaffMember, Team

# Accounts sit above this app in the layers: the user model is named, not imported.
User = get_user_model()


def service_get_or_create(*, organisation: Organisation, name: str) -> Service:
    name = " ".join(name.split())
    service = Service.objects.filter(organisation=organisation, name__iexact=name).first()
    return service or Service.objects.create(organisation=organisation, name=name)


def team_get_or_create(*, service: Service, name: str) -> Team:
    name = " ".join(name.split())
    team = Team.objects.filter(service=service, name__iexact=name).first()
    return team or Team.objects.create(service=service, name=name)


@transaction.atomic
def organisation_settings_update(
    *, organisation: Organisation, name: str, feedback_contact: str
) -> Organisation:
    """Change what the people who give feedback see: the name and how to contact it."""
    organisation.name = name
    organisation.feedback_contact = feedback_contact
    organisation.save(update_fields=["name", "feedback_contact"])
    return organisation


@transaction.atomic
def staff_create(
    *,
    organisation: Organisation,
    email: str,
    full_name: str,
    role: Role,
    team: Team | None = None,
    service: Service | None = None,
    supervisor: StaffMember | None = None,
    start_date: date | None = None,
    end_date: date | None = None,
    password: str | None = None,
    staff_id: str | None = None,
) -> StaffMember:
    """Add a person: a sign-in account (no usable password unless given) and a staff record.

    With no `start_date` they count as in post on any date before their `end_date`: someone
    already in post when the staff list was first imported.
    """
    if team is not None:
        service = team.service
    user = User.objects.create_user(email=email, password=password, full_name=full_name.strip())
    return StaffMember.objects.create(
        organisation=organisation,
        user=user,
        issued_email=user.email,
        role=role,
        team=team,
        service=service,
        supervisor=supervisor,
        start_date=start_date,
        end_date=end_date,
        staff_id=staff_id,
    )


@transaction.atomic
def staff_email_change(*, staff: StaffMember, email: str) -> StaffMember:
    """Give a person a new sign-in address (or confirm the one they have).

    Only the organisation does this (an administrator, or a staff import matched by staff
    ID); the change shows in the change log as the staff record's `issued_email`. Any other
    address allauth holds for the account goes, so that neither a password reset nor a
    single sign-on can reach it through the old one.
    """
    email = email.strip().lower()
    user = staff.user
    if user.email != email:
        user.email = email
        user.save(update_fields=["email"])
    forget_other_addresses([user.pk])
    if staff.issued_email != email:
        staff.issued_email = email
        staff.save(update_fields=["issued_email"])
    return staff


def forget_other_addresses(user_ids: list[int]) -> None:
    """Remove any address allauth holds for these accounts other than their sign-in
    address, so neither a password reset nor a single sign-on reaches them through it."""
    addresses = User._meta.get_field("emailaddress").related_model
    ids = sorted(set(user_ids))
    for start in range(0, len(ids), 500):
        addresses.objects.filter(user_id__in=ids[start : start + 500]).exclude(
            email__iexact=F("user__email")
        ).delete()


@transaction.atomic
def staff_deactivate(*, staff: StaffMember, on: date | None = None) -> None:
    """Stop someone signing in and end their sessions; their audits and history stay."""
    on = on or timezone.localdate()
    staff.user.is_active = False
    staff.user.save(update_fields=["is_active"])
    if staff.end_date is None or staff.end_date > on:
        staff.end_date = on
        staff.save(update_fields=["end_date"])
    end_sessions(user=staff.user)


@transaction.atomic
def staff_reactivate(*, staff: StaffMember) -> None:
    staff.user.is_active = True
    staff.user.save(update_fields=["is_active"])
    staff.end_date = None
    staff.save(update_fields=["end_date"])


def end_sessions(*, user: User) -> int:
    """Delete every live session of a user. Returns how many were ended."""
    user_id = str(user.pk)
    ended = [
        session.pk
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if session.get_decoded().get("_auth_user_id") == user_id
    ]
    Session.objects.filter(pk__in=ended).delete()
    return len(ended)

from datetime import date

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone


class Capability(models.TextChoices):
    """What a role lets a person do. Roles are data; capabilities are the fixed vocabulary."""

    CONDUCT_AUDIT = "conduct_audit", "Conduct audits"
    MODERATE = "moderate", "Moderate audits"
    MANAGE_PROGRAMME = "manage_programme", "Manage the programme and standards"
    MANAGE_ACTIONS = "manage_actions", "Manage actions"
    VIEW_ALL_REPORTS = "view_all_reports", "View all reports"
    VIEW_CASE_RECORDS = "view_case_records", "See case-level audits and downloads"
    ADMINISTER = "administer", "Administer people and settings"


class OrganisationKind(models.TextChoices):
    COUNCIL = "council", "Council adult social care"
    PROVIDER = "provider", "Care provider"


class Organisation(models.Model):
    code = models.SlugField(
        max_length=50, unique=True, help_text="Short code used by commands: --organisation CODE"
    )
    name = models.CharField(max_length=200)
    kind = models.CharField(max_length=20, choices=OrganisationKind, default="council")
    # Shown to the people who give feedback (the feedback pages, the letter and the email),
    # so they know who asked and how to get in touch. Set by an administrator.
    feedback_contact = models.TextField(
        "How people can contact you",
        blank=True,
        max_length=500,
        help_text="A phone number, email address or postal address, as people should use it.",
    )
    created_at = models.DateTimeField(default=timezone.now)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class Service(models.Model):
    """A service or locality: the middle of organisation → service → team."""

    organisation = models.ForeignKey(
        Organisation, on_delete=models.CASCADE, related_name="services"
    )
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                "organisation", Lower("name"), name="service_name_unique_in_organisation"
            )
        ]

    def __str__(self) -> str:
        return self.name


class Team(models.Model):
    service = models.ForeignKey(Service, on_delete=models.CASCADE, related_name="teams")
    name = models.CharField(max_length=200)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint("service", Lower("name"), name="team_name_unique_in_service")
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def organisation(self) -> Organisation:
        return self.service.organisation


class SampleScope(models.TextChoices):
    """Whose cases a manager's random sample is drawn from."""

    NONE = "", "Not applicable"
    TEAM = "team", "Own team"
    SERVICE = "service", "Own service"
    ORGANISATION = "organisation", "Whole organisation"


class RoleKind(models.TextChoices):
    COUNCIL = "council", "Council"
    PROVIDER = "provider", "Care provider"
    ANY = "any", "Any organisation"


class RoleQuerySet(models.QuerySet):
    def for_organisation(self, organisation: Organisation) -> "RoleQuerySet":
        """The built-in roles plus the organisation's own."""
        return self.filter(models.Q(organisation=None) | models.Q(organisation=organisation))

    def named(self, name_or_code: str) -> "RoleQuerySet":
        """Match a role by name or code, ignoring case (as every import and command does)."""
        value = name_or_code.strip()
        return self.filter(models.Q(name__iexact=value) | models.Q(code__iexact=value))


class Role(models.Model):
    """A job role and what it may do. Built-in roles have no organisation."""

    organisation = models.ForeignKey(
        Organisation,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="roles",
        help_text="Empty for the built-in roles every organisation can use.",
    )
    code = models.SlugField(max_length=60)
    name = models.CharField(max_length=100)
    kind = models.CharField(max_length=20, choices=RoleKind, default=RoleKind.ANY)
    can_conduct_audit = models.BooleanField("conduct audits", default=False)
    can_moderate = models.BooleanField("moderate audits", default=False)
    can_manage_programme = models.BooleanField("manage the programme and standards", default=False)
    can_manage_actions = models.BooleanField("manage actions", default=False)
    can_view_all_reports = models.BooleanField("view all reports", default=False)
    can_view_case_records = models.BooleanField(
        "see case-level audits and downloads",
        default=False,
        help_text="Open any audit of the organisation (case reference, the person's own "
        "words) and download the month's requests, audits and answers. For those who run "
        "the programme; a board reads the reports instead.",
    )
    can_administer = models.BooleanField("administer people and settings", default=False)
    sample_scope = models.CharField(
        max_length=20,
        choices=SampleScope,
        blank=True,
        default=SampleScope.NONE,
        help_text="Where this role's random sample of cases is drawn from.",
    )
    is_practitioner = models.BooleanField(
        default=False,
        help_text="Holds a caseload: self-audits their own cases and peer-audits others'.",
    )
    requires_two_factor = models.BooleanField(
        default=False, help_text="People with this role must set up two-factor sign-in."
    )
    sort_order = models.PositiveSmallIntegerField(default=100)

    objects = RoleQuerySet.as_manager()

    class Meta:
        ordering = ["sort_order", "name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                condition=models.Q(organisation=None),
                name="builtin_role_name_unique",
            ),
            models.UniqueConstraint(
                "organisation",
                Lower("name"),
                condition=models.Q(organisation__isnull=False),
                name="role_name_unique_in_organisation",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def has(self, capability: Capability | str) -> bool:
        return bool(getattr(self, f"can_{capability}"))

    @property
    def capabilities(self) -> list[Capability]:
        return [c for c in Capability if self.has(c)]


class StaffMemberQuerySet(models.QuerySet):
    def in_post(self, on: date) -> "StaffMemberQuerySet":
        """People in post on a date by their dates alone: started (or no start date known)
        and not yet left. Whose cases may be sampled on that date."""
        return self.filter(
            models.Q(start_date=None) | models.Q(start_date__lte=on),
            models.Q(end_date=None) | models.Q(end_date__gte=on),
        )

    def current(self, on: date | None = None) -> "StaffMemberQuerySet":
        """People in post on a date with an active account: who may sign in and audit."""
        return self.in_post(on or timezone.localdate()).filter(user__is_active=True)

    def with_related(self) -> "StaffMemberQuerySet":
        return self.select_related("user", "role", "team__service", "service", "supervisor__user")


class StaffMember(models.Model):
    """A person's place in an organisation: role, team, supervisor and dates in post."""

    organisation = models.ForeignKey(Organisation, on_delete=models.PROTECT, related_name="staff")
    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="staff"
    )
    role = models.ForeignKey(Role, on_delete=models.PROTECT, related_name="staff")
    service = models.ForeignKey(
        Service,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text="Empty for organisation-wide roles.",
    )
    team = models.ForeignKey(
        Team,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="staff",
        help_text="Empty for service-wide and organisation-wide roles.",
    )
    supervisor = models.ForeignKey(
        "self", on_delete=models.SET_NULL, null=True, blank=True, related_name="supervisees"
    )
    start_date = models.DateField(
        null=True,
        blank=True,
        help_text="Empty when not known (someone already in post when the staff list was "
        "imported): they count as in post on any date before their end date.",
    )
    end_date = models.DateField(null=True, blank=True)
    # Null rather than empty for "none", so that people without one never clash in the
    # unique constraint below.
    staff_id = models.CharField(  # noqa: DJ001
        "staff ID",
        max_length=100,
        null=True,
        blank=True,
        help_text="The person's ID in the HR or case-management system; a staff import "
        "matches people by it when the file has a staff_id column.",
    )
    # A person's sign-in address is the organisation's to give. This is the address it last
    # gave (by import, the People page or an administrator's change): an account whose
    # address differs changed it some other way, and an import will not move a role or a
    # name onto it by email. Empty for people added before it was recorded.
    issued_email = models.EmailField("sign-in address as last given", blank=True, default="")

    objects = StaffMemberQuerySet.as_manager()

    class Meta:
        ordering = ["user__full_name", "user__email"]
        verbose_name = "staff member"
        constraints = [
            models.UniqueConstraint(
                fields=["organisation", "staff_id"], name="staff_id_unique_in_organisation"
            )
        ]

    def __str__(self) -> str:
        return str(self.user)

    def clean(self) -> None:
        """A supervisor in another organisation, or one supervised (at any remove) by this
        person, is refused: supervision runs one way (the admin's form asks this)."""
        supervisor = self.supervisor
        if supervisor is None:
            return
        if supervisor.organisation_id != self.organisation_id:
            raise ValidationError({"supervisor": "Choose a supervisor in the same organisation."})
        seen = set()
        while supervisor is not None and supervisor.pk not in seen:
            if self.pk is not None and supervisor.pk == self.pk:
                raise ValidationError(
                    {
                        "supervisor": f"{self.supervisor} is supervised, directly or through "
                        "others, by this person: supervision cannot go round in a circle."
                    }
                )
            seen.add(supervisor.pk)
            supervisor = supervisor.supervisor

    @property
    def email(self) -> str:
        return self.user.email

    @property
    def full_name(self) -> str:
        return self.user.get_full_name()

    def address_changed_since_issued(self) -> bool:
        """Whether the account signs in with an address other than the one last given."""
        return bool(self.issued_email) and self.issued_email != self.user.email

    def can(self, capability: Capability | str) -> bool:
        """Whether this person may do something; administrators of the Django admin may too."""
        return self.is_current() and (self.role.has(capability) or self.user.is_superuser)

    def is_current(self, on: date | None = None) -> bool:
        on = on or timezone.localdate()
        return self.user.is_active and self.in_post(on)

    def in_post(self, on: date) -> bool:
        """In post on a date by the dates alone (see `StaffMemberQuerySet.in_post`)."""
        return (self.start_date is None or self.start_date <= on) and (
            self.end_date is None or self.end_date >= on
        )

    @property
    def place(self) -> str:
        """Where this person sits, in words: 'Team, Service' or the organisation."""
        if self.team_id:
            return f"{self.team.name}, {self.team.service.name}"
        if self.service_id:
            return self.service.name
        return self.organisation.name


def account_of(staff: StaffMember | None):
    """The sign-in account of the person who acted, for the `created_by`, `recorded_by` and
    history columns that the change log and auditlog read (None: the system, e.g. a command)."""
    return staff.user if staff is not None else None

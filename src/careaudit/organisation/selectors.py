from django.db.models import QuerySet

from careaudit.organisation.models import Organisation, Role, StaffMember, Team


class OrganisationNotFound(ValueError):
    pass


def organisation_for_command(code: str | None) -> Organisation:
    """The organisation a command acts on: the one named, or the only one there is.

    >>> organisation_for_command(None)   # with exactly one organisation installed
    <Organisation: Somerset Council>
    """
    if code:
        try:
            return Organisation.objects.get(code__iexact=code.strip())
        except Organisation.DoesNotExist:
            known = ", ".join(Organisation.objects.values_list("code", flat=True)) or "none yet"
            raise OrganisationNotFound(
                f"There is no organisation with the code “{code}” (known codes: {known})."
            ) from None
    organisations = list(Organisation.objects.all()[:2])
    if len(organisations) == 1:
        return organisations[0]
    if not organisations:
        raise OrganisationNotFound(
            "There is no organisation yet: import staff or run the demo first."
        )
    codes = ", ".join(Organisation.objects.values_list("code", flat=True))
    raise OrganisationNotFound(
        f"There is more than one organisation; say which with --organisation CODE ({codes})."
    )


def staff_list(
    organisation: Organisation,
    *,
    team: Team | None = None,
    role: Role | None = None,
    include_inactive: bool = False,
) -> QuerySet[StaffMember]:
    people = StaffMember.objects.filter(organisation=organisation).with_related()
    if team is not None:
        people = people.filter(team=team)
    if role is not None:
        people = people.filter(role=role)
    if not include_inactive:
        people = people.filter(user__is_active=True)
    return people


def teams_of(organisation: Organisation) -> QuerySet[Team]:
    return Team.objects.filter(service__organisation=organisation).select_related("service")


def roles_for(organisation: Organisation) -> QuerySet[Role]:
    return Role.objects.for_organisation(organisation).filter(kind__in=[organisation.kind, "any"])

"""Factories for tests. Roles are the built-in ones created by the migrations."""

from datetime import date

import factory

from careaudit.accounts.models import User
from careaudit.organisation.models import Organisation, Role, Service, StaffMember, Team

PASSWORD = "correct-horse-battery-staple"


class OrganisationFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Organisation
        django_get_or_create = ["code"]

    code = factory.Sequence(lambda n: f"org-{n}")
    name = factory.Sequence(lambda n: f"Council {n}")
    kind = "council"


class ServiceFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Service

    organisation = factory.SubFactory(OrganisationFactory)
    name = factory.Sequence(lambda n: f"Locality {n}")


class TeamFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = Team

    service = factory.SubFactory(ServiceFactory)
    name = factory.Sequence(lambda n: f"Community Team {n}")


class UserFactory(factory.django.DjangoModelFactory):
    class Meta:
        model = User
        skip_postgeneration_save = True

    email = factory.Sequence(lambda n: f"person{n}@council.example")
    full_name = factory.Sequence(lambda n: f"Person {n}")
    password = factory.PostGenerationMethodCall("set_password", PASSWORD)

    @factory.post_generation
    def saved(obj, create, extracted, **kwargs):
        if create:
            obj.save()


def role(name: str) -> Role:
    return Role.objects.get(organisation=None, name__iexact=name)


class StaffFactory(factory.django.DjangoModelFactory):
    """`StaffFactory(role="Social Worker", team=team)` — role given by name."""

    class Meta:
        model = StaffMember

    user = factory.SubFactory(UserFactory)
    team = None
    service = factory.LazyAttribute(lambda o: o.team.service if o.team else None)
    organisation = factory.LazyAttribute(
        lambda o: o.team.service.organisation if o.team else OrganisationFactory()
    )
    role = "Social Worker"
    start_date = date(2020, 1, 1)
    issued_email = factory.LazyAttribute(lambda o: o.user.email)  # as `staff_create` does

    @classmethod
    def _create(cls, model_class, *args, **kwargs):
        if isinstance(kwargs.get("role"), str):
            kwargs["role"] = role(kwargs["role"])
        return super()._create(model_class, *args, **kwargs)

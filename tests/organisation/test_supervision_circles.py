"""Supervision runs one way: nobody is supervised, directly or through others, by someone
they supervise. Imports refuse circles (tests/organisation/test_import_staff.py); here, the
staff record itself, which the admin's form checks before saving."""

import pytest
from django.core.exceptions import ValidationError

from tests.factories import OrganisationFactory, StaffFactory

pytestmark = pytest.mark.django_db


def test_a_manager_cannot_be_given_someone_they_supervise_at_any_remove_as_supervisor():
    director = StaffFactory(role="Director")
    manager = StaffFactory(role="Service Manager", organisation=director.organisation)
    manager.supervisor = director
    manager.save()
    worker = StaffFactory(role="Director", organisation=director.organisation)
    worker.supervisor = manager
    worker.save()

    director.supervisor = worker

    with pytest.raises(ValidationError, match="cannot go round in a circle"):
        director.full_clean()


def test_nobody_supervises_themselves():
    person = StaffFactory(role="Director")
    person.supervisor = person

    with pytest.raises(ValidationError, match="cannot go round in a circle"):
        person.full_clean()


def test_a_supervisor_from_another_organisation_is_refused():
    person = StaffFactory(role="Director")
    person.supervisor = StaffFactory(role="Director", organisation=OrganisationFactory(code="x"))

    with pytest.raises(ValidationError, match="same organisation"):
        person.full_clean()


def test_a_chain_upwards_is_fine():
    director = StaffFactory(role="Director")
    manager = StaffFactory(role="Director", organisation=director.organisation)
    manager.supervisor = director

    manager.full_clean()

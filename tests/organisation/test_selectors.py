import pytest

from careaudit.organisation.selectors import OrganisationNotFound, organisation_for_command
from tests.factories import OrganisationFactory


@pytest.mark.django_db
def test_the_organisation_may_be_left_out_when_there_is_only_one():
    only = OrganisationFactory(code="somerset")

    assert organisation_for_command(None) == only


@pytest.mark.django_db
def test_the_organisation_code_is_matched_whatever_the_case():
    OrganisationFactory(code="somerset")
    devon = OrganisationFactory(code="devon")

    assert organisation_for_command("DEVON") == devon


@pytest.mark.django_db
def test_with_several_organisations_a_command_must_name_one():
    OrganisationFactory(code="somerset")
    OrganisationFactory(code="devon")

    with pytest.raises(OrganisationNotFound, match=r"more than one organisation.*--organisation"):
        organisation_for_command(None)


@pytest.mark.django_db
def test_an_unknown_code_lists_the_known_ones():
    OrganisationFactory(code="somerset")

    with pytest.raises(
        OrganisationNotFound, match=r"no organisation with the code “kent”.*somerset"
    ):
        organisation_for_command("kent")

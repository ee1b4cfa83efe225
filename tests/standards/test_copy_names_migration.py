"""Copies made before copies were named apart get the organisation's copy's name."""

import importlib

from django.apps import apps

from careaudit.standards.models import Framework, FrameworkSource

migration = importlib.import_module("careaudit.standards.migrations.0004_copies_named_apart")


def old_copy(framework: Framework, organisation, name: str, code: str) -> Framework:
    return Framework.objects.create(
        organisation=organisation,
        code=code,
        name=name,
        kind=framework.kind,
        source=FrameworkSource.COPY,
        copied_from=framework,
    )


def test_copies_sharing_their_originals_name_are_renamed_apart(tiny, people):
    organisation = people.quality_lead.organisation
    first = old_copy(tiny, organisation, tiny.name, "tiny-council")
    second = old_copy(tiny, organisation, f"{tiny.name} (copy 2)", "tiny-council-2")
    of_own = old_copy(first, organisation, tiny.name + " again", "tiny-council-3")
    theirs = old_copy(tiny, people.outsider.organisation, tiny.name, "tiny-other")

    migration.name_copies_apart(apps, None)

    for framework in (first, second, of_own, theirs, tiny):
        framework.refresh_from_db()
    assert first.name == "Tiny framework (Test Council’s copy)"
    assert second.name == "Tiny framework (copy 2)"  # already told apart: left alone
    assert of_own.name == "Tiny framework again"
    assert theirs.name == f"Tiny framework ({people.outsider.organisation.name}’s copy)"
    assert tiny.name == "Tiny framework"

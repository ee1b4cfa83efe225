"""The printable blank form of a tool version."""

from django.urls import reverse

from careaudit.standards.services import draft_add_criterion


def pdf_of(client, version) -> bytes:
    response = client.get(reverse("version_pdf", args=[version.pk]))
    assert response.status_code == 200
    return response.content


def test_the_blank_form_is_a_pdf_named_after_the_version(login, people, tool):
    version = tool.current_version()

    response = login(people.social_worker).get(reverse("version_pdf", args=[version.pk]))

    assert response.status_code == 200
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'attachment; filename="t-1-audit-v1.pdf"'
    assert response.content.startswith(b"%PDF")


def test_a_draft_can_be_printed_too(login, people, draft):
    response = login(people.quality_lead).get(reverse("version_pdf", args=[draft.pk]))

    assert response["Content-Disposition"] == 'attachment; filename="t-1-audit-v2.pdf"'
    assert response.content.startswith(b"%PDF")


def test_every_answer_scale_prints(login, people, draft):
    section = draft.sections.first()
    draft_add_criterion(section=section, text="Score it.", scale="score_1_4")
    draft_add_criterion(section=section, text="Describe it.", scale="free_text")
    draft_add_criterion(
        section=section, text="Count them.", scale="count", categories=["Positive", "Neutral"]
    )

    assert pdf_of(login(people.quality_lead), draft).startswith(b"%PDF")


def test_the_blank_form_loads_nothing_from_elsewhere(login, people, draft, monkeypatch):
    """A criterion that names a remote image must not make the PDF fetch it."""
    import urllib.request

    def refuse(*args, **kwargs):
        raise AssertionError("the PDF tried to fetch a URL")

    monkeypatch.setattr(urllib.request.OpenerDirector, "open", refuse)
    criterion = draft.sections.first().criteria.first()
    criterion.text = '<img src="https://example.org/tracker.png">'
    criterion.save()

    assert pdf_of(login(people.quality_lead), draft).startswith(b"%PDF")

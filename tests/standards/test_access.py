"""Who may read and change standards: every view against every kind of person.

Reading: anyone with a staff record reads the shared library and their own organisation's
frameworks; another organisation's content does not exist for them (404). Changing: only
people with "manage the programme and standards", only in a framework their organisation
owns (403 otherwise, with nothing changed).
"""

from dataclasses import dataclass

import pytest
from django.urls import reverse

from careaudit.standards.models import AuditTool, Criterion, Framework, Theme, ToolVersion
from careaudit.standards.pack_io import tool_from_version
from tests.standards.conftest import tool_of


@pytest.fixture(autouse=True)
def _quick_pdf(monkeypatch):
    # Access is decided before the PDF is drawn; drawing it for every persona is slow.
    monkeypatch.setattr("careaudit.standards.views.render_pdf", lambda *args, **kwargs: b"%PDF")


@dataclass
class Content:
    framework: Framework
    tool: AuditTool
    version: ToolVersion  # a draft in an owned framework, the current version in the library
    theme: Theme

    @property
    def section(self):
        return self.version.sections.order_by("position").first()

    @property
    def criterion(self) -> Criterion:
        return self.section.criteria.order_by("position").first()


@pytest.fixture
def owned(own, draft) -> Content:
    return Content(own, draft.tool, draft, own.themes.first())


@pytest.fixture
def shared(tiny) -> Content:
    tool = tool_of(tiny)
    return Content(tiny, tool, tool.current_version(), tiny.themes.first())


def state() -> tuple:
    """Everything a write could change, to check that a refused one changed nothing."""
    versions = ToolVersion.objects.order_by("pk")
    return (
        list(Framework.objects.values_list("pk", "name")),
        list(Theme.objects.order_by("pk").values_list("pk", "name")),
        list(versions.values_list("pk", "status", "rating_scheme", "change_note")),
        [tool_from_version(v) for v in versions],
    )


CRITERION = {"text": "New criterion.", "scale": "yes_no", "weight": "1"}
SETTINGS = {
    "rating_scheme": "cqc",
    "green_threshold": "85",
    "amber_threshold": "60",
    "partly_met_value": "0.5",
}

# (view name, method, the object its URL takes, POST data)
READ_VIEWS = [
    ("framework_detail", "framework"),
    ("standard_detail", "standard"),
    ("tool_detail", "tool"),
    ("tool_compare", "tool"),
    ("version_preview", "version"),
    ("version_pdf", "version"),
]
WRITE_VIEWS = [
    ("tool_edit", "post", "tool", {}),
    ("version_builder", "get", "version", {}),
    ("version_settings", "post", "version", SETTINGS),
    ("section_add", "post", "version", {"title": "New"}),
    ("section_edit", "post", "section", {"title": "New"}),
    ("section_delete", "post", "section", {}),
    ("section_move", "post", "section", {"direction": "down"}),
    ("criterion_add", "post", "section", CRITERION),
    ("criterion_edit", "post", "criterion", CRITERION),
    ("criterion_delete", "post", "criterion", {}),
    ("criterion_move", "post", "criterion", {"direction": "down"}),
    ("version_publish", "post", "version", {"note": "Changed."}),
    ("version_discard", "post", "version", {}),
    ("theme_add", "post", "framework", {"name": "New theme"}),
    ("theme_rename", "post", "theme", {"name": "New name"}),
]
COPY_VIEWS = [
    ("framework_copy", "framework", {}),
    ("tool_copy", "tool", {}),
]


def url_for(name: str, content: Content, target: str) -> str:
    obj = content.tool.standard if target == "standard" else getattr(content, target)
    url = reverse(name, args=[obj.pk])
    return url + "?from=1&to=2" if name == "tool_compare" else url


def request(client, method: str, url: str, data: dict):
    return client.post(url, data) if method == "post" else client.get(url)


def statuses(login, people, personas, method: str, url: str, data: dict | None = None) -> dict:
    """{persona: status code} for one request made by each persona in turn."""
    return {
        persona: request(login(getattr(people, persona)), method, url, data or {}).status_code
        for persona in personas
    }


@pytest.mark.parametrize(("name", "target"), READ_VIEWS)
def test_everyone_reads_the_shared_library(login, people, shared, name, target):
    url = url_for(name, shared, target).replace("?from=1&to=2", "")
    personas = ["quality_lead", "social_worker", "board_member", "outsider"]

    assert statuses(login, people, personas, "get", url) == dict.fromkeys(personas, 200)


@pytest.mark.parametrize(("name", "target"), READ_VIEWS)
def test_only_the_owning_organisation_reads_its_frameworks(login, people, owned, name, target):
    url = url_for(name, owned, target)
    personas = ["quality_lead", "social_worker", "board_member", "outsider"]

    assert statuses(login, people, personas, "get", url) == {
        "quality_lead": 200,
        "social_worker": 200,
        "board_member": 200,
        "outsider": 404,
    }


@pytest.mark.parametrize(("name", "method", "target", "data"), WRITE_VIEWS)
def test_changes_are_refused_without_the_capability_or_outside_the_organisation(
    login, people, owned, name, method, target, data
):
    url = url_for(name, owned, target)
    before = state()

    assert statuses(
        login, people, ["social_worker", "board_member", "outsider"], method, url, data
    ) == {"social_worker": 403, "board_member": 403, "outsider": 404}
    assert state() == before


@pytest.mark.parametrize(("name", "method", "target", "data"), WRITE_VIEWS)
def test_the_shared_library_cannot_be_changed_even_by_a_quality_lead(
    login, people, shared, name, method, target, data
):
    url = url_for(name, shared, target)
    before = state()

    response = request(login(people.quality_lead), method, url, data)

    assert response.status_code == 403
    assert "shared library, which cannot be changed" in response.content.decode()
    assert state() == before


@pytest.mark.parametrize(("name", "method", "target", "data"), WRITE_VIEWS)
def test_a_quality_lead_changes_their_own_framework(
    login, people, owned, name, method, target, data
):
    response = request(login(people.quality_lead), method, url_for(name, owned, target), data)

    assert response.status_code in (200, 302)
    assert "There is a problem" not in response.content.decode()


def test_a_social_worker_is_told_why_they_cannot_change_a_tool(login, people, owned):
    response = login(people.social_worker).post(reverse("tool_edit", args=[owned.tool.pk]))

    assert response.status_code == 403
    assert "Manage the programme and standards" in response.content.decode()


@pytest.mark.parametrize(("name", "target", "data"), COPY_VIEWS)
def test_copying_needs_the_capability(login, people, shared, name, target, data):
    before = state()

    assert statuses(
        login,
        people,
        ["social_worker", "board_member"],
        "post",
        url_for(name, shared, target),
        data,
    ) == {"social_worker": 403, "board_member": 403}
    assert state() == before


@pytest.mark.parametrize(("name", "target", "data"), COPY_VIEWS)
def test_another_organisations_content_cannot_be_copied(login, people, owned, name, target, data):
    before = state()

    response = login(people.outsider).post(url_for(name, owned, target), data)

    assert response.status_code == 404
    assert state() == before


def test_creating_a_framework_needs_the_capability(login, people):
    response = login(people.social_worker).post(reverse("framework_create"), {"name": "Ours"})

    assert response.status_code == 403
    assert not Framework.objects.exists()


def test_someone_without_a_staff_record_cannot_read_standards(client, shared, django_user_model):
    user = django_user_model.objects.create_user(email="nobody@example.org", password="x")
    client.force_login(user)

    assert client.get(reverse("framework_list")).status_code == 403

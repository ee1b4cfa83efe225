"""Shared by the read API's tests: a council with audits of any month (the Results tests'
council, tests/insights/results_data.py), and a client that calls the API with a person's
token."""

from dataclasses import dataclass, field

import pytest
from django.test import Client

from careaudit.api.tokens import issue_token
from careaudit.organisation.models import StaffMember
from tests.conftest import built_once
from tests.insights.results_data import Results, build_results


@dataclass
class Api:
    """Calls the API as one person, with a read token of theirs."""

    client: Client
    raw: str

    def get(self, url: str):
        return self.client.get(url, HTTP_AUTHORIZATION=f"Bearer {self.raw}")

    def json(self, url: str):
        response = self.get(url)
        assert response.status_code == 200, response.content.decode()[:2000]
        return response.json()

    def every(self, url: str) -> list[dict]:
        """Every row of a list, following `next` until it is null (as Power BI does)."""
        rows, page_url = [], url
        while page_url:
            page = self.json(page_url)
            rows.extend(page["results"])
            page_url = page["next"]
        return rows


@dataclass
class Tokens:
    client: Client
    made: dict[int, str] = field(default_factory=dict)

    def __call__(self, staff: StaffMember) -> Api:
        if staff.pk not in self.made:
            _token, self.made[staff.pk] = issue_token(
                user=staff.user, organisation=staff.organisation
            )
        return Api(self.client, self.made[staff.pk])


@pytest.fixture
def api(client, db) -> Tokens:
    """`api(person)`: the API as that person."""
    return Tokens(client)


@pytest.fixture(scope="module")
def _results_once(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, build_results)


@pytest.fixture
def results(_results_once, request, db) -> Results:
    return _results_once.for_test(request)


def problem(response, status: int) -> str:
    """The problem detail's words, after checking it is one with this status."""
    assert response.status_code == status, response.content.decode()[:2000]
    assert response["Content-Type"] == "application/problem+json"
    return response.json()["detail"]

from datetime import date

import pytest

from careaudit.audits import services
from careaudit.programme.cycle import run_cycle
from careaudit.programme.models import AuditRequest, RequestMode
from tests.conftest import built_once
from tests.programme.conftest import Council, build_council


def build_drawn_council() -> Council:
    council = build_council()
    run_cycle(date(2023, 10, 2))  # October: peer audits for practitioners, samples for managers
    return council


@pytest.fixture(scope="module")
def _council_once(django_db_setup, django_db_blocker):
    yield from built_once(django_db_blocker, build_drawn_council)


@pytest.fixture
def council(_council_once, request, db) -> Council:
    return _council_once.for_test(request)


@pytest.fixture
def peer_request(council) -> AuditRequest:
    return (
        AuditRequest.objects.filter(mode=RequestMode.PEER, case__isnull=False)
        .select_related("case__worker", "auditor")
        .order_by("pk")
        .first()
    )


def answer_everything(audit, value="met"):
    """Answer every criterion and complete the required sections, as an auditor would."""
    for criterion in services.criteria_of(audit):
        services.answer_save(
            audit=audit,
            criterion=criterion,
            by=audit.auditor,
            lock_version=audit.lock_version,
            value=value,
        )
    services.audit_update(
        audit=audit,
        by=audit.auditor,
        lock_version=audit.lock_version,
        person_contacted=False,
        not_contacted_reason="declined",
        worker_involvement="joint",
        involvement_date=date(2023, 10, 10),
        involvement_how="Teams call",
    )
    return audit


def submitted_audit(request, value="met"):
    audit = services.audit_start(audit_request=request, by=request.auditor)
    answer_everything(audit, value)
    return services.audit_submit(audit=audit, by=audit.auditor, lock_version=audit.lock_version)

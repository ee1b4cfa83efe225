"""The insights read what the programme and audits produce: the same small council and
people as the programme's tests."""

from tests.programme.conftest import _council_once, council, outsider, quality_lead  # noqa: F401

"""The SPC page's monthly series agree with what the exports say of the same month:
completion with the requests export, the people's voice and moderation agreement with the
audits export, compliance with the answers export — and the page draws those numbers."""

from decimal import Decimal

import pytest

from careaudit.audits import stats
from careaudit.insights import spc_measures
from careaudit.insights.filters import ResultsFilter
from careaudit.programme.models import RequestMode, RequestStatus
from tests.insights.test_months import OCTOBER, ON, SEPTEMBER, export, september_and_october

pytestmark = pytest.mark.django_db


@pytest.fixture
def series(council):
    september_and_october(council)
    found = spc_measures.all_measures(
        council.organisation, ResultsFilter(since=SEPTEMBER, until=OCTOBER), ON
    )
    return {m.key: m for m in found}


def point(measure, month):
    (found,) = [p for p in measure.points if p.period == month]
    return found


def test_completion_is_the_requests_export_of_the_month(series, tmp_path):
    rows = [
        row
        for row in export(tmp_path, "requests", SEPTEMBER)
        if row["mode"] != RequestMode.MODERATION and row["status"] != RequestStatus.CANCELLED
    ]

    september = point(series["completion"], SEPTEMBER)

    assert september.denominator == len(rows) > 0
    assert september.numerator == sum(r["status"] == RequestStatus.SUBMITTED for r in rows) == 4
    assert series["completion"].kind == "p"


def test_compliance_is_the_answers_export_of_the_month(series, tmp_path):
    answers = [row["answer"] for row in export(tmp_path, "answers", SEPTEMBER)]

    september = point(series["compliance"], SEPTEMBER)

    assert (september.numerator, september.denominator) == (answers.count("met"), len(answers))
    assert point(series["compliance"], OCTOBER).value == 1


def test_the_peoples_voice_is_the_audits_export_and_feedback_answers(series, tmp_path):
    rows = [
        row
        for row in export(tmp_path, "audits", SEPTEMBER)
        if row["status"] == "submitted" and row["subject_kind"] == "case"
    ]
    reached = sum(row["person_contacted"] == "true" for row in rows)

    september = point(series["contact"], SEPTEMBER)

    assert (september.numerator, september.denominator) == (reached + 1, len(rows))  # + feedback
    assert point(series["contact"], OCTOBER).numerator == 0


def test_agreement_is_the_agreement_pages_figure_for_each_month(series, council, tmp_path):
    agreements = [
        Decimal(r["agreement_percent"])
        for r in export(tmp_path, "audits", SEPTEMBER)
        if r["moderated"] == "true"
    ]
    pairs = stats.moderation_pairs(council.organisation, since=SEPTEMBER, until=SEPTEMBER)
    page = stats.summary_agreement("", pairs)

    agreement = series["agreement"]

    assert agreement.kind == "xmr"
    assert [p.period for p in agreement.points] == [SEPTEMBER]  # October: none yet, no point
    assert agreement.points[0].denominator == page.pairs  # every answer moderated
    assert agreement.points[0].value == pytest.approx(page.percent / 100)
    # Every moderation here answers as many questions: the export's mean (to its one place).
    assert agreement.points[0].value == pytest.approx(
        float(sum(agreements) / len(agreements)) / 100, abs=0.0005
    )


def test_the_page_draws_the_months_numbers(council, quality_lead, login, tmp_path):
    september_and_october(council)
    rows = [
        row
        for row in export(tmp_path, "requests", SEPTEMBER)
        if row["mode"] != RequestMode.MODERATION and row["status"] != RequestStatus.CANCELLED
    ]
    client = login(quality_lead)

    page = client.get("/insights/spc/?from=2023-09&to=2023-10").content.decode()

    completion = page.split(">Completion: audits submitted of those requested</h2>", 1)[1]
    assert f"4 of {len(rows)}" in completion.split("</table>", 1)[0]

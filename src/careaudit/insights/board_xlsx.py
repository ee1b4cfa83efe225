"""The monthly board report as a spreadsheet: one sheet per section of the PDF, numbers as
numbers (a percentage is a fraction shown as a percentage), dates as dates, readable
headers, the header row frozen and the columns wide enough to read.

The sheet `Completion` is for machines too (issue 13, a contract): its first row is exactly
`team, role, requested, submitted, overdue, no_eligible_case`, one row per auditor team and
role that had requests in the month, and no total row.
"""

import io
from datetime import date
from decimal import Decimal

from careaudit.insights import charts
from careaudit.insights.board_report import BoardReport
from careaudit.lib.textsafe import neutralise_formula

COMPLETION_COLUMNS = ("team", "role", "requested", "submitted", "overdue", "no_eligible_case")

PERCENT = "0.0%"
MONTH = "mmm yyyy"
DAY = "d mmm yyyy"
WIDEST = 80  # characters: a criterion's text wraps beyond this
NARROWEST = 10


def fraction(value: Decimal | None) -> float | None:
    """A percentage (87.5) as the spreadsheet's number (0.875), shown as 87.5%."""
    return None if value is None else float(value / 100)


def _sheet(book, title: str, headers: list[str], rows: list[list], formats: dict | None = None):
    """A sheet with its header row frozen and bold, its cells typed and its columns sized."""
    from openpyxl.styles import Alignment, Font

    sheet = book.create_sheet(title=title[:31])
    sheet.append(headers)
    for cell in sheet[1]:
        cell.font = Font(bold=True)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
    for row in rows:
        sheet.append([neutralise_formula(value) for value in row])
    for index, number_format in (formats or {}).items():
        for (cell,) in sheet.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
            cell.number_format = number_format
    sheet.freeze_panes = "A2"
    for index, header in enumerate(headers):
        values = [len(str(header))] + [
            len(_shown(row[index])) for row in rows if index < len(row) and row[index] is not None
        ]
        letter = sheet.cell(row=1, column=index + 1).column_letter
        sheet.column_dimensions[letter].width = min(max(max(values) + 2, NARROWEST), WIDEST)
        if max(values) > WIDEST:
            for (cell,) in sheet.iter_rows(min_row=2, min_col=index + 1, max_col=index + 1):
                cell.alignment = Alignment(wrap_text=True, vertical="top")
    return sheet


def _shown(value) -> str:
    if isinstance(value, float):
        return f"{value:.1%}"
    if isinstance(value, date):
        return f"{value:%d %b %Y}"
    return str(value)


def board_xlsx(report: BoardReport) -> bytes:
    from openpyxl import Workbook

    book = Workbook()
    book.remove(book.active)
    _summary(book, report)
    _completion(book, report)
    _results(book, report)
    _spc(book, report)
    _themes(book, report)
    _voice(book, report)
    _moderation(book, report)
    _actions(book, report)
    _priorities(book, report)
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def _summary(book, report: BoardReport) -> None:
    before = report.previous
    rows = [
        ["Organisation", report.organisation, None],
        ["Month reported", report.month, None],
        ["Figures as they stood on", report.as_of, None],
        ["Compared with", before, None],
        ["Standards audited", "; ".join(report.standards), None],
        [
            "Requests submitted",
            fraction(report.completion.rate),
            fraction(report.completion_before.rate) if report.completion_before else None,
        ],
        ["Requests", report.completion.requested, _attr(report.completion_before, "requested")],
        ["Overdue requests", report.completion.overdue, _attr(report.completion_before, "overdue")],
        [
            "Compliance",
            fraction(report.compliance.percent),
            fraction(report.compliance_before.percent) if report.compliance_before else None,
        ],
        ["Audits submitted", report.compliance.audits, _attr(report.compliance_before, "audits")],
        [
            "People contacted",
            fraction(report.voice.rate) if report.voice else None,
            fraction(report.voice.before_rate) if report.voice else None,
        ],
        [
            "Moderation agreement",
            fraction(report.moderation.overall.percent) if report.moderation else None,
            fraction(report.moderation.before.percent)
            if report.moderation and report.moderation.before
            else None,
        ],
        ["Overdue actions", len(report.actions.overdue), None],
        ["Overdue actions escalated", len(report.actions.escalated), None],
        ["Repeated findings awaiting review", len(report.awaiting_review), None],
        ["Auditors flagged for calibration, not yet cleared", report.calibration_flags, None],
    ]
    sheet = _sheet(book, "Summary", ["Measure", "This month", "Last month"], rows)
    for row in sheet.iter_rows(min_row=2, min_col=2, max_col=3):
        for cell in row:
            if isinstance(cell.value, float):
                cell.number_format = PERCENT
            elif isinstance(cell.value, date):
                cell.number_format = DAY if cell.row == 4 else MONTH


def _attr(thing, name):
    return getattr(thing, name) if thing is not None else None


def _completion(book, report: BoardReport) -> None:
    rows = [
        [r.team, r.role, r.requested, r.submitted, r.overdue, r.no_eligible_case]
        for r in report.completion_rows
    ]
    _sheet(book, "Completion", list(COMPLETION_COLUMNS), rows)


def _result_rows(results, *, code: bool = False) -> list[list]:
    rows = []
    for r in results:
        interval = r.now.interval
        row = [r.code] if code else []
        row += [
            r.label,
            r.now.audits,
            r.now.answers,
            fraction(r.now.percent),
            fraction(interval[0]) if interval else None,
            fraction(interval[1]) if interval else None,
            fraction(r.before.percent) if r.before else None,
        ]
        rows.append(row)
    return rows


def _results(book, report: BoardReport) -> None:
    headers = [
        "Audits",
        "Answers that count",
        "Compliance",
        "95% interval from",
        "95% interval to",
        "Last month",
    ]
    percents = {3: PERCENT, 4: PERCENT, 5: PERCENT, 6: PERCENT}
    _sheet(book, "By standard", ["Standard", *headers], _result_rows(report.by_standard), percents)
    _sheet(book, "By team", ["Team", *headers], _result_rows(report.by_team), percents)
    _sheet(
        book,
        "By criterion",
        ["Standard", "Criterion (worst first)", *headers],
        _result_rows(report.by_criterion, code=True),
        {k + 1: v for k, v in percents.items()},
    )


def _spc(book, report: BoardReport) -> None:
    """Every point of every monthly chart (the p-charts of section 3), with the limits the
    charts draw; special cause left blank on a chart with too few points, which claims
    nothing."""
    rows = []
    for measure in report.measures:
        points = charts.plot_points(measure.chart, measure.labels)
        for month, (x, n), point in zip(measure.months, measure.pairs, points, strict=True):
            judged = measure.judged
            rows.append(
                [
                    measure.title,
                    month,
                    float(x),
                    n,
                    point.value,
                    point.centre,
                    point.lower,
                    point.upper,
                    ("yes" if point.special_cause else "no") if judged else "",
                    point.rule if judged else "",
                    "" if judged else "provisional (fewer than 12 points)",
                ]
            )
    headers = [
        "Measure",
        "Month",
        "Numerator",
        "Denominator",
        "Value",
        "Average",
        "Lower limit",
        "Upper limit",
        "Special cause",
        "Rule",
        "Limits",
    ]
    formats = {1: MONTH, 4: PERCENT, 5: PERCENT, 6: PERCENT, 7: PERCENT}
    _sheet(book, "Monthly measures (SPC)", headers, rows, formats)
    _sheet(
        book,
        "Variation in words",
        ["Measure", "What the chart says"],
        [[measure.title, measure.verdict] for measure in report.measures],
    )


def _themes(book, report: BoardReport) -> None:
    _sheet(
        book,
        "Themes",
        ["Theme", "Audits this month", "Audits last month", "Change"],
        [[t.name, t.audits_now, t.audits_before, t.change] for t in report.themes],
    )
    _sheet(
        book,
        "Repeated findings",
        ["Repeated finding", "Awaiting the board’s review", "Actions answering it", "Raised on"],
        [
            [i.words, "yes" if i.awaiting_review else "no", i.actions, i.raised_on]
            for i in report.repeated
        ],
        {3: DAY},
    )


def _voice(book, report: BoardReport) -> None:
    voice = report.voice
    rows = [
        ["Audits", "All", voice.audits, None],
        ["Contact", "Person, carer or representative contacted", voice.contacted, None],
        ["Contact", "Not contacted", voice.not_contacted, None],
        ["Contact", "Not recorded", voice.not_recorded, None],
        ["Contact", "Contact rate", fraction(voice.rate), None],
        ["Feedback link", "Answers through the feedback link", voice.feedback_responses, None],
    ]
    rows += [["Reason not contacted", label, n, None] for label, n in voice.reasons]
    rows += [["Who was contacted", label, n, None] for label, n in voice.who]
    rows += [["How", label, n, None] for label, n in voice.methods]
    for question, yes, partly, no in voice.questions:
        rows += [
            [question, "Yes", yes, None],
            [question, "Partly", partly, None],
            [question, "No", no, None],
        ]
    sheet = _sheet(book, "People’s voice", ["Group", "Answer", "Count", "Note"], rows)
    for (cell,) in sheet.iter_rows(min_row=2, min_col=3, max_col=3):
        if isinstance(cell.value, float):
            cell.number_format = PERCENT


def _moderation(book, report: BoardReport) -> None:
    m = report.moderation
    lines = [("This month, all tools", m.overall)]
    lines += [(f"This month: {line.label}", line) for line in m.by_tool]
    if m.before:
        lines.append(("Last month, all tools", m.before))
    lines += [(f"Needs clearer guidance: {line.label}", line) for line in m.needing_guidance]
    rows = [
        [what, line.pairs, fraction(line.percent), float(line.kappa) if line.kappa else None,
         line.band]
        for what, line in lines
    ]  # fmt: skip
    rows.append([f"Moderations done of {m.drawn} drawn", m.done, None, None, ""])
    _sheet(
        book,
        "Moderation agreement",
        ["Moderated audits", "Answer pairs", "Agreement", "Kappa", "Kappa band"],
        rows,
        {2: PERCENT, 3: "0.00"},
    )


def _actions(book, report: BoardReport) -> None:
    a = report.actions
    rows = []
    for group, lines in (
        ("Opened this month", a.opened),
        ("Overdue", a.overdue),
        ("Awaiting verification", a.awaiting),
        ("Verified and closed this month", a.verified),
    ):
        for line in lines:
            rows.append(
                [
                    group,
                    line.number,
                    line.title,
                    line.lead,
                    line.status,
                    line.due_date,
                    line.days_overdue or None,
                    "yes" if line.escalated else "no",
                    line.closed_on,
                    line.result,
                ]
            )
    _sheet(
        book,
        "Actions",
        [
            "Group",
            "Action",
            "What will change",
            "Lead",
            "Status",
            "Deadline",
            "Days overdue",
            "Escalated",
            "Closed on",
            "Result",
        ],
        rows,
        {5: DAY, 8: DAY},
    )


def _priorities(book, report: BoardReport) -> None:
    _sheet(
        book,
        "Priorities proposed",
        ["Proposed practice priority", "Why (the evidence)"],
        [[p.title, p.why] for p in report.priorities],
    )

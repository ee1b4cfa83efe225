"""The GOV.UK date input keeps what was typed when its form comes back with an error."""

from django import forms

from careaudit.core.forms import DateField, GovukForm


class DeadlineForm(GovukForm):
    deadline = DateField(label="Deadline")
    title = forms.CharField(label="Title")


def test_a_date_typed_is_still_there_when_another_field_is_refused():
    form = DeadlineForm(
        {"deadline_day": "30", "deadline_month": "6", "deadline_year": "2030", "title": ""}
    )

    assert not form.is_valid() and "title" in form.errors
    html = str(form["deadline"])
    assert 'value="30"' in html and 'value="6"' in html and 'value="2030"' in html


def test_an_impossible_date_is_kept_as_typed_with_its_error():
    form = DeadlineForm(
        {"deadline_day": "31", "deadline_month": "2", "deadline_year": "2030", "title": "x"}
    )

    assert form.errors["deadline"] == ["Enter a real date, for example 27 3 2024"]
    html = str(form["deadline"])
    assert 'value="31"' in html and 'value="2"' in html and 'value="2030"' in html


def test_the_error_summary_links_to_the_day_box():
    form = DeadlineForm(
        {"deadline_day": "", "deadline_month": "", "deadline_year": "", "title": "x"}
    )

    assert not form.is_valid()
    anchor, _ = form.field_order_errors()[0]
    assert f'id="{anchor}"' in str(form["deadline"])

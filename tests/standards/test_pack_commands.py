"""load_pack and export_pack: safe to run again, a byte-for-byte fixed point, all-or-nothing."""

import pytest
from django.core.management import call_command
from django.core.management.base import CommandError

from careaudit.standards.models import AuditTool, Criterion, Framework, Standard, ToolVersion
from careaudit.standards.packfile import BUILTIN_PACKS

pytestmark = pytest.mark.django_db


@pytest.mark.parametrize("name", BUILTIN_PACKS)
def test_load_export_load_is_a_byte_for_byte_fixed_point(name, tmp_path):
    first, second = tmp_path / "first.yaml", tmp_path / "second.yaml"
    call_command("load_pack", name)
    call_command("export_pack", name, "-o", str(first))

    call_command("load_pack", str(first))
    call_command("export_pack", name, "-o", str(second))

    assert first.read_bytes() == second.read_bytes()


def test_loading_a_pack_twice_changes_nothing_and_says_so(capsys):
    call_command("load_pack", "practice-quality")
    counts = [m.objects.count() for m in (Framework, Standard, AuditTool, ToolVersion, Criterion)]

    call_command("load_pack", "practice-quality")

    assert [
        m.objects.count() for m in (Framework, Standard, AuditTool, ToolVersion, Criterion)
    ] == counts
    assert "10 unchanged" in capsys.readouterr().out


def test_reloading_the_provider_pack_keeps_what_each_tool_audits_and_changes_nothing(capsys):
    call_command("load_pack", "provider-essentials")
    capsys.readouterr()

    call_command("load_pack", "provider-essentials")

    assert "5 unchanged" in capsys.readouterr().out
    subjects = dict(ToolVersion.objects.values_list("tool__key", "subject_kind"))
    assert subjects["pe-spot-check"] == subjects["pe-supervision-audit"] == "staff"
    assert subjects["pe-quis-observation"] == "service"
    assert subjects["pe-care-plan-audit"] == "case"


def test_a_tool_that_comes_to_audit_staff_members_gets_a_new_version_when_in_use(
    tmp_path, monkeypatch
):
    call_command("load_pack", "practice-quality")
    exported = tmp_path / "pq.yaml"
    call_command("export_pack", "practice-quality", "-o", str(exported))
    text = exported.read_text()
    exported.write_text(
        text.replace("  - id: pq-2-audit\n", "  - id: pq-2-audit\n        subject: staff\n", 1)
    )
    monkeypatch.setattr(ToolVersion, "is_in_use", lambda self: True)

    call_command("load_pack", str(exported))

    versions = AuditTool.objects.get(key="pq-2-audit").versions.order_by("number")
    assert [(v.number, v.subject_kind) for v in versions] == [(1, "case"), (2, "staff")]


def test_changed_content_becomes_a_new_version_when_the_old_one_is_in_use(tmp_path, monkeypatch):
    call_command("load_pack", "practice-quality")
    exported = tmp_path / "pq.yaml"
    call_command("export_pack", "practice-quality", "-o", str(exported))
    text = exported.read_text()
    changed = text.replace(
        "Case notes were written within 48 hours", "Case notes were written within 24 hours"
    )
    assert changed != text
    exported.write_text(changed)
    monkeypatch.setattr(ToolVersion, "is_in_use", lambda self: True)

    call_command("load_pack", str(exported))

    tool = AuditTool.objects.get(key="pq-2-audit")
    assert list(tool.versions.order_by("number").values_list("number", flat=True)) == [1, 2]
    old, new = tool.versions.order_by("number")
    assert old.sections.filter(criteria__text__contains="written within 48 hours").exists()
    assert new.sections.filter(criteria__text__contains="written within 24 hours").exists()
    untouched = AuditTool.objects.get(key="pq-1-audit")
    assert untouched.versions.count() == 1  # unchanged tools get no new version


def test_an_invalid_pack_reports_every_problem_with_file_line_and_field_and_loads_nothing(tmp_path):
    bad = tmp_path / "bad.yaml"
    bad.write_text(
        "schema: 1\ncode: bad-pack\nname: ''\nkind: council\nversion: '1'\n"
        "standards:\n  - id: s1\n    code: S1\n    title: One\n    tools:\n"
        "      - id: t1\n        name: Tool\n        sections:\n          - id: sec\n"
        "            title: Section\n            criteria:\n"
        "              - {id: c1, text: First, scale: maybe}\n"
        "              - {id: c1, text: Second, scale: met_partly_not}\n"
    )

    with pytest.raises(CommandError) as raised:
        call_command("load_pack", str(bad))

    message = str(raised.value)
    assert "nothing was loaded" in message
    assert f"{bad}:3: name" in message
    assert "unknown answer scale 'maybe'" in message
    assert "duplicate" in message.lower()
    assert not Framework.objects.filter(code="bad-pack").exists()


def test_broken_yaml_is_reported_with_its_line(tmp_path):
    broken = tmp_path / "broken.yaml"
    broken.write_text("schema: 1\ncode: [unclosed\n")

    with pytest.raises(CommandError, match=r"broken.yaml:\d+"):
        call_command("load_pack", str(broken))


def test_an_unknown_pack_name_says_which_packs_exist():
    with pytest.raises(CommandError, match="practice-quality"):
        call_command("load_pack", "no-such-pack")

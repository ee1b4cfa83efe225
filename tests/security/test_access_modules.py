"""Every view gets its objects through its app's `access.py`.

Read off the source, so a new view that looks an object up by itself fails here before
the matrix is even asked: views never call `get_object_or_404` nor `Model.objects.get(...)`,
selectors keep to reads (no 404, no 403), and access helpers (`get_…_for_user`) are
defined in access modules only. What the helpers decide is tested through HTTP by the matrix and the
isolation tests beside this file.
"""

import ast
from pathlib import Path

import pytest

import careaudit

SOURCE = Path(careaudit.__file__).parent
VIEW_MODULES = sorted(
    path
    for path in SOURCE.glob("*/*.py")
    if path.name.startswith("views") or path.name == "import_views.py"
)
SELECTOR_MODULES = sorted(SOURCE.glob("*/selectors.py"))
# The only page of `accounts` is the signed-in person's own settings: no object to fetch.
APPS_WITHOUT_OBJECTS = {"accounts"}
LOOKUPS = {"get_object_or_404", "get_list_or_404"}
REFUSALS = {"Http404", "PermissionDenied", *LOOKUPS}


def _name(path: Path) -> str:
    return str(path.relative_to(SOURCE.parent))


def _lookups(tree: ast.AST) -> list[str]:
    """`get_object_or_404` named anywhere, and every `<Model>.objects.get(...)` call."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Name) and node.id in LOOKUPS:
            found.append(f"line {node.lineno}: {node.id}")
        elif isinstance(node, ast.alias) and node.name in LOOKUPS:
            found.append(f"imports {node.name}")
        elif (
            isinstance(node, ast.Call)
            and isinstance(node.func, ast.Attribute)
            and node.func.attr == "get"
            and isinstance(node.func.value, ast.Attribute)
            and node.func.value.attr == "objects"
        ):
            found.append(f"line {node.lineno}: .objects.get(...)")
    return found


def test_the_guard_sees_every_view_module():
    names = {_name(p) for p in VIEW_MODULES}
    assert {"careaudit/audits/views.py", "careaudit/programme/views.py"} <= names
    assert len(names) >= 14


@pytest.mark.parametrize("path", VIEW_MODULES, ids=_name)
def test_views_look_nothing_up_by_themselves(path):
    assert _lookups(ast.parse(path.read_text())) == [], (
        f"{_name(path)}: fetch objects through the app's access.py"
    )


@pytest.mark.parametrize("path", SELECTOR_MODULES, ids=_name)
def test_selectors_refuse_nothing(path):
    names = {
        node.id if isinstance(node, ast.Name) else node.name
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.Name | ast.alias)
    }
    assert names & REFUSALS == set(), f"{_name(path)}: who may see what goes in access.py"


def _is_access_module(path: Path) -> bool:
    """`access.py`, or `access_<part>.py` beside it for one part of a large app."""
    return path.name == "access.py" or (
        path.name.startswith("access_") and path.name != "access_log.py"
    )


def test_every_app_with_views_has_an_access_module():
    apps = {p.parent.name for p in VIEW_MODULES} - APPS_WITHOUT_OBJECTS
    assert {
        app for app in apps if not any(_is_access_module(p) for p in (SOURCE / app).glob("*.py"))
    } == set()


def test_access_helpers_live_in_access_modules_only():
    outside = [
        f"{_name(path)}: {node.name}"
        for path in SOURCE.rglob("*.py")
        if not _is_access_module(path)
        for node in ast.walk(ast.parse(path.read_text()))
        if isinstance(node, ast.FunctionDef)
        and node.name.startswith("get_")
        and node.name.endswith(("_for_user", "_for_admin"))
    ]
    assert outside == []

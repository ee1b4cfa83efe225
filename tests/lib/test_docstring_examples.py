"""The examples in the lib docstrings are part of the documentation: keep them true."""

import doctest
import importlib

import pytest

MODULES = [
    "action_hints",
    "agreement",
    "dates",
    "evidence",
    "funnel",
    "ids",
    "intervals",
    "redact",
    "rounding",
    "sampling",
    "scoring",
    "spc",
    "textsafe",
    "vocabulary",
    "words",
    "workdays",
]


@pytest.mark.parametrize("name", MODULES)
def test_the_docstring_examples_hold(name):
    module = importlib.import_module(f"careaudit.lib.{name}")
    result = doctest.testmod(module, optionflags=doctest.ELLIPSIS)
    assert result.attempted > 0
    assert result.failed == 0


def test_lib_modules_never_import_django():
    import ast
    from pathlib import Path

    import careaudit.lib

    for path in Path(careaudit.lib.__file__).parent.glob("*.py"):
        tree = ast.parse(path.read_text())
        imported = [
            alias.name
            for node in ast.walk(tree)
            if isinstance(node, ast.Import)
            for alias in node.names
        ] + [node.module or "" for node in ast.walk(tree) if isinstance(node, ast.ImportFrom)]
        offending = [name for name in imported if name.split(".")[0] in {"django", "scipy"}]
        assert not offending, f"{path.name} imports {offending}"

"""The data flows one way: webhooks -> integrations (EventService) -> rebooking. The ground floor
(integrations) imports no app above it, webhooks and rebooking do not import each other, and no
production app imports the demo's emulators (sandbox). Checked on the source, so a lazy import
inside a function counts too."""

import ast
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
# app -> the apps it must never import
FORBIDDEN = {
    "salons": {"webhooks", "rebooking", "sandbox", "selfbook"},
    "integrations": {"webhooks", "rebooking", "sandbox", "selfbook"},
    "webhooks": {"rebooking", "sandbox", "selfbook"},
    # selfbook builds on rebooking and registers itself (rebooking/extensions.py).
    "rebooking": {"webhooks", "sandbox", "selfbook"},
    "selfbook": {"webhooks", "sandbox"},
}


def imports_of(path: Path):
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            for alias in node.names:
                yield node.lineno, alias.name
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            yield node.lineno, node.module


@pytest.mark.parametrize("app", sorted(FORBIDDEN))
def test_no_upward_import(app):
    found = [
        f"{path.relative_to(ROOT)}:{line}: {module}"
        for path in sorted((ROOT / app).rglob("*.py"))
        if "migrations" not in path.parts
        for line, module in imports_of(path)
        if module.split(".")[0] in FORBIDDEN[app]
    ]
    assert found == []


def test_the_check_sees_a_lazy_import(tmp_path):
    module = tmp_path / "m.py"
    module.write_text("def f():\n    from webhooks.models import WebhookEvent\n")
    assert list(imports_of(module)) == [(2, "webhooks.models")]

"""Rebooking's layout: the emails and the API share presentation through rebooking/presenters.py,
never by importing the pages (rebooking/views.py); the figures and lists are read in selectors."""

import ast
from pathlib import Path

from tests.foundation.test_import_direction import imports_of

ROOT = Path(__file__).resolve().parents[2]


def _relative_imports(path: Path) -> set[str]:
    """``from .x import …`` gives x; ``from . import x, y`` gives x and y."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text())):
        if isinstance(node, ast.ImportFrom) and node.level == 1:
            if node.module:
                found.add(node.module)
            else:
                found.update(alias.name for alias in node.names)
    return found


def test_no_module_but_urls_imports_the_pages():
    importers = sorted(
        path.name
        for path in (ROOT / "rebooking").glob("*.py")
        if "views" in _relative_imports(path)
        or any(module == "rebooking.views" for _, module in imports_of(path))
    )
    assert importers == ["urls.py"]


def test_presenters_and_selectors_do_not_write():
    from rebooking import presenters, selectors

    for module in (presenters, selectors):
        source = Path(module.__file__).read_text()
        for write in (".save(", ".create(", ".update(", ".delete(", "get_or_create"):
            assert write not in source, (module.__name__, write)

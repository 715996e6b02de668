"""Every document the repository cites is in the repository (issue 17).

A .py, .html or .md file must not cite documents outside the repository (CONTRACT.md,
WEBHOOKS.md, STYLE.md, shared/platforms, /work/..., a bare "doc §N"); every ``docs/<name>.md``
path it names must exist; and every "§N" written after such a path must match a heading of that
file ("## N. Title", "### N.M Title" or "## §N ..."); inside docs/, a "§N" before any path is
the file's own section. The README's architecture table must name
files and symbols that exist.
"""

from __future__ import annotations

import re
from functools import cache
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
THIS = Path(__file__).resolve()
SKIP_DIRS = {".venv", "venv", "test-output", "node_modules", "__pycache__", "staticfiles"}
SUFFIXES = {".py", ".html", ".md"}

OUTSIDE = re.compile(
    r"CONTRACT\.md|WEBHOOKS\.md|STYLE\.md|shared/platforms|/work/|\bdoc §"
    r"|(?<!docs/)\bplatforms/[a-z]+\.md"
)
DOC_PATH = re.compile(r"(?<![\w/.-])docs/[\w./-]+?\.md")  # not inside a URL
SECTION = re.compile(r"§\s?([0-9A-Z]+(?:\.\d+)*)")
HEADING = re.compile(r"^#+\s+§?\s?([0-9A-Z]+(?:\.\d+)*)\.?(?:\s|$)")
ARCHITECTURE = "## Architecture: where each component lives"
COMPONENTS = (
    "WebhookRouter",
    "EventService",
    "BookingService",
    "AvailabilityService",
    "RebookingService",
    "the adapter interface",
    "BookingIntegrationPage",
    "PlatformSelector",
    "ConnectionStatus",
    "RebookingSettings",
)


def _files() -> list[Path]:
    found = []
    for path in ROOT.rglob("*"):
        parts = path.relative_to(ROOT).parts
        if any(p in SKIP_DIRS or p.startswith(".") for p in parts):
            continue
        if path.suffix in SUFFIXES and path.is_file() and path.resolve() != THIS:
            found.append(path)
    return sorted(found)


@cache
def _headings(relative: str) -> frozenset[str]:
    text = (ROOT / relative).read_text(encoding="utf-8")
    return frozenset(m.group(1) for line in text.splitlines() if (m := HEADING.match(line)))


def _references(line: str, here: str = ""):
    """(docs path, [sections]) for each docs path on the line; a "§N" belongs to the nearest
    path before it. In a file under docs/ (``here``), a "§N" before any path is its own."""
    matches = list(DOC_PATH.finditer(line))
    if here.startswith("docs/"):
        own = SECTION.findall(line[: matches[0].start()] if matches else line)
        if own:
            yield here, own
    for i, match in enumerate(matches):
        end = matches[i + 1].start() if i + 1 < len(matches) else len(line)
        yield match.group(0), SECTION.findall(line[match.end() : end])


def _problems() -> list[str]:
    problems = []
    for path in _files():
        relative = path.relative_to(ROOT).as_posix()
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            where = f"{relative}:{number}"
            if found := OUTSIDE.search(line):
                problems.append(f"{where}: cites {found.group(0)!r}, outside the repository")
            for doc, sections in _references(line, relative):
                if not (ROOT / doc).is_file():
                    problems.append(f"{where}: {doc} does not exist")
                    continue
                missing = [s for s in sections if s not in _headings(doc)]
                problems += [f"{where}: {doc} has no section §{s}" for s in missing]
    return problems


def test_every_document_reference_resolves_inside_the_repository():
    problems = _problems()
    assert not problems, "\n".join(problems)


def test_the_checker_sees_what_it_must():
    headings = _headings("docs/platforms/mindbody.md")
    assert {"1", "1.3", "6.9", "7.2"} <= headings
    assert OUTSIDE.search('see CONTRACT.md "REST API"')
    assert OUTSIDE.search("(platforms/vagaro.md §3)")
    assert OUTSIDE.search("(doc §4)")
    assert not OUTSIDE.search("(docs/platforms/vagaro.md §3)")
    assert not list(_references("https://docs.svix.com/docs/retries.md"))
    refs = list(_references("docs/contract.md §5 and docs/platforms/phorest.md §3, §8.5."))
    assert refs == [("docs/contract.md", ["5"]), ("docs/platforms/phorest.md", ["3", "8.5"])]
    refs = list(_references("see §2.8 and docs/contract.md §5", "docs/platforms/vagaro.md"))
    assert refs == [("docs/platforms/vagaro.md", ["2.8"]), ("docs/contract.md", ["5"])]


def _architecture_rows() -> list[list[str]]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    assert ARCHITECTURE in readme
    section = readme.split(ARCHITECTURE, 1)[1].split("\n## ", 1)[0]
    rows = [line for line in section.splitlines() if line.startswith("| ")]
    cells = [[c.strip() for c in row.strip().strip("|").split("|")] for row in rows]
    return [row for row in cells if row and row[0] not in ("component", "---")]


def test_readme_architecture_table_names_every_component():
    names = " ".join(row[0] for row in _architecture_rows())
    missing = [c for c in COMPONENTS if c not in names]
    assert not missing, missing


def _defines(text: str, symbol: str) -> bool:
    pattern = rf"^\s*(?:def|class)\s+{re.escape(symbol)}\b|^{re.escape(symbol)}\s*[:=]"
    return re.search(pattern, text, re.MULTILINE) is not None


@pytest.mark.parametrize("row", _architecture_rows(), ids=lambda row: row[0])
def test_readme_architecture_files_and_symbols_exist(row):
    current = None
    for token in re.findall(r"`([^`]+)`", " ".join(row[1:])):
        if token.endswith(".py") and "/" in token:
            assert (ROOT / token).is_file(), token
            current = token
        elif re.fullmatch(r"[A-Za-z_]\w*", token):
            assert current, f"{token}: no file named before it"
            text = (ROOT / current).read_text(encoding="utf-8")
            assert _defines(text, token), f"{current} defines no {token}"

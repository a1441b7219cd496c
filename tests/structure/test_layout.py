"""The code's shape, checked: one spelling of every board kind, and modules a reader can hold."""

from __future__ import annotations

import ast
import re
from pathlib import Path

from ballot.record.kinds import NOTE_PREFIX, Kind

PACKAGE = Path(__file__).resolve().parents[2] / "ballot"
KINDS_MODULE = PACKAGE / "record" / "kinds.py"
#: Longest module a reader can hold; docs/ARCHITECTURE.md says why.
MAX_LINES = 450
#: Third-party files kept as released (checked against their registry elsewhere).
VENDORED = ("vendor",)


def _ours(pattern: str) -> list[Path]:
    return sorted(
        p for p in PACKAGE.rglob(pattern) if not any(part in VENDORED for part in p.parts)
    )


def _docstrings(tree: ast.AST) -> set[int]:
    """ids of the string constants that are docstrings (they may name kinds in prose)."""
    found: set[int] = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.ClassDef, ast.FunctionDef, ast.AsyncFunctionDef)):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                found.add(id(body[0].value))
    return found


def _spells_a_kind(text: str) -> bool:
    return text in {k.value for k in Kind} or text.startswith(NOTE_PREFIX)


def test_no_board_kind_is_spelled_outside_the_kinds_module() -> None:
    offenders = []
    for path in _ours("*.py"):
        if path == KINDS_MODULE:
            continue
        tree = ast.parse(path.read_text(encoding="utf-8"))
        skip = _docstrings(tree)
        for node in ast.walk(tree):
            if (
                isinstance(node, ast.Constant)
                and isinstance(node.value, str)
                and id(node) not in skip
                and _spells_a_kind(node.value)
            ):
                offenders.append(f"{path.relative_to(PACKAGE.parent)}:{node.lineno} {node.value!r}")
    assert offenders == [], "board kinds spelled outside ballot/record/kinds.py:\n" + "\n".join(
        offenders
    )


def test_templates_and_scripts_name_no_board_kind() -> None:
    names = "|".join(re.escape(k.value) for k in Kind)
    spelled = re.compile(rf"""["'](?:{names}|note\.[a-z_.]*)["']""")
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}:{n} {m.group(0)}"
        for pattern in ("*.html", "*.js")
        for path in _ours(pattern)
        for n, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
        for m in spelled.finditer(line)
    ]
    assert offenders == [], "pages should get kinds as flags from the code:\n" + "\n".join(
        offenders
    )


def test_no_module_is_longer_than_a_reader_can_hold() -> None:
    offenders = [
        f"{path.relative_to(PACKAGE.parent)}: {count} lines"
        for pattern in ("*.py", "*.js")
        for path in _ours(pattern)
        if (count := len(path.read_text(encoding="utf-8").splitlines())) > MAX_LINES
    ]
    assert offenders == [], f"modules over {MAX_LINES} lines:\n" + "\n".join(offenders)

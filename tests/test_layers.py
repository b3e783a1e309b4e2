"""voting imports nominees, never the reverse, not even inside a function:
nominees holds the rounds and their nominations, and stands on its own."""

import ast
from pathlib import Path

from django.conf import settings

NOMINEES = Path(settings.BASE_DIR) / "nominees"


def imported_modules(path: Path) -> set[str]:
    """Every module ``path`` imports, at the top or anywhere further in."""
    found = set()
    for node in ast.walk(ast.parse(path.read_text(), filename=str(path))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
            found.add(node.module)
    return found


def test_no_module_of_nominees_imports_voting():
    importing = sorted(
        str(path.relative_to(NOMINEES.parent))
        for path in NOMINEES.rglob("*.py")
        if any(name.split(".")[0] == "voting" for name in imported_modules(path))
    )

    assert importing == []

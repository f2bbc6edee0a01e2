"""The one-way imports of DESIGN.md ("Layout"), checked on the source: no room reaches up."""

from __future__ import annotations

import ast
import subprocess
import sys
from pathlib import Path

import pytest

from bot.settings import ROOT

# What each room may import (besides itself and third-party packages).
ALLOWED = {
    "actions": {"bot.content", "bot.store", "bot.nlu.entities"},
    "bot.gateway": {"bot.content", "bot.store", "bot.settings", "bot.console"},
    "bot.console": {"bot.content", "bot.store", "bot.settings"},
    "bot.nlu": {"bot.content"},
    "bot.content": {"bot.settings"},
    "bot.store": {"bot.settings"},
    # ops starts every process; inside `rasa run` it installs nlu's tracker store guard.
    "bot.ops": {"bot.settings", "bot.store", "bot.gateway", "bot.nlu"},
    "bot.settings": set(),
}
OURS = ("actions", "bot")


def room_of(module: str) -> str | None:
    return next((room for room in ALLOWED if module == room or module.startswith(room + ".")), None)


def imports(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return {name for name in found if name.split(".")[0] in OURS}


def modules() -> list[tuple[str, Path]]:
    found = []
    for top in OURS:
        for path in sorted((ROOT / top).rglob("*.py")):
            parts = path.relative_to(ROOT).with_suffix("").parts
            found.append((".".join(p for p in parts if p != "__init__"), path))
    return found


@pytest.mark.parametrize(("module", "path"), modules(), ids=[m for m, _ in modules()])
def test_imports_run_one_way(module, path):
    room = room_of(module)
    if room is None:  # bot/__main__.py: the command line ties the rooms together
        return
    allowed = ALLOWED[room] | {room}
    wrong = sorted(
        name
        for name in imports(path)
        if not any(name == target or name.startswith(target + ".") for target in allowed)
    )
    assert not wrong, f"{module} ({room}) imports {wrong}"


def test_nothing_is_built_at_import():
    """Importing every module (in a fresh interpreter) opens no database, reads no settings."""
    names = [
        module
        for module, _ in modules()
        if not module.endswith("__main__") and ".migrations" not in module
    ]
    script = "\n".join(
        [
            "import importlib",
            *(f"importlib.import_module({name!r})" for name in names),
            "from bot.store.db import session_factory",
            "from bot.settings import get_settings",
            "from bot.content import current_content",
            "assert session_factory.cache_info().currsize == 0, 'a database engine was built'",
            "assert get_settings.cache_info().currsize == 0, 'settings were read at import'",
            "assert current_content.cache_info().currsize == 0, 'content was read at import'",
        ]
    )
    result = subprocess.run(
        [sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=300
    )
    assert result.returncode == 0, result.stderr[-2000:]

"""The README's layout table is the import order: each module imports only modules above it.

So reading the table top to bottom follows a question through the code without going back,
and a change that makes a lower stage reach into a higher one fails here. Deferred imports
(inside functions) and `TYPE_CHECKING` imports count: they are still a dependency.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

from tests.conftest import ROOT

PACKAGES = ("rag", "ui")


def layout_order() -> list[str]:
    """The modules named in the README's Layout table, top to bottom, as dotted names."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## Layout\n", 1)[1].split("\n## ", 1)[0]
    paths = re.findall(r"`((?:rag|ui)/[\w/]+\.py)`", section)
    return [p.removesuffix(".py").replace("/", ".") for p in paths]


def modules() -> dict[str, Path]:
    found = {}
    for package in PACKAGES:
        for path in (ROOT / package).rglob("*.py"):
            if path.name != "__init__.py":
                found[".".join(path.relative_to(ROOT).with_suffix("").parts)] = path
    return found


def imports(path: Path) -> set[str]:
    """The project modules `path` imports, anywhere in the file."""
    out: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        names: list[str] = []
        if isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            # `from rag.eval import baseline` imports the module rag.eval.baseline
            names = [node.module, *(f"{node.module}.{a.name}" for a in node.names)]
        elif isinstance(node, ast.Import):
            names = [a.name for a in node.names]
        out |= {n for n in names if n.split(".")[0] in PACKAGES}
    return out


def test_every_module_is_in_the_layout_table_once() -> None:
    order = layout_order()
    assert len(order) == len(set(order)), "a module is listed twice"
    assert sorted(order) == sorted(modules()), "the Layout table and the modules on disk differ"


def test_no_module_imports_one_below_it_in_the_table() -> None:
    order = layout_order()
    rank = {name: i for i, name in enumerate(order)}
    upward = []
    for name, path in modules().items():
        for dep in imports(path) & rank.keys():  # modules only: not packages, not names inside modules
            if rank[dep] >= rank[name]:
                upward.append(f"{name} imports {dep}")
    assert not upward, "imports against the flow: " + "; ".join(sorted(upward))


def test_the_check_sees_an_upward_import(tmp_path: Path) -> None:
    (tmp_path / "low.py").write_text("def f():\n    from rag.answer import respond\n    from rag.eval import runner\n")
    assert {"rag.answer", "rag.eval.runner"} <= imports(tmp_path / "low.py")

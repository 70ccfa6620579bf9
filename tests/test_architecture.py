"""The layers of docs/architecture.md hold: import-linter checks the contracts in pyproject.toml, and breaks them
when an import runs back up the layers."""

from __future__ import annotations

import itertools
import os
import shutil
import subprocess

import pytest

from tests.support import ROOT, tool


def lint_imports(tree) -> subprocess.CompletedProcess[str]:
    """Run import-linter with the project's contracts over the `advisor` package found first in `tree`."""
    environment = {**os.environ, "PYTHONPATH": str(tree)}
    return subprocess.run(
        [tool("lint-imports"), str(ROOT / "pyproject.toml"), "--no-cache"],
        cwd=tree,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )


def broken_contracts(output: str) -> list[str]:
    """The names of the contracts the report details as broken (each a heading underlined with dashes)."""
    lines = output.split("Broken contracts", 1)[-1].splitlines()
    return [name for name, under in itertools.pairwise(lines) if under and set(under) == {"-"}]


def test_the_package_keeps_every_contract():
    checked = lint_imports(ROOT)
    assert checked.returncode == 0, checked.stdout + checked.stderr
    assert "4 kept, 0 broken" in checked.stdout


@pytest.mark.parametrize(
    ("module", "line", "broken"),
    [
        ("engine/upward.py", "from advisor.web import create_app\n", "Layers: data flows one way"),
        ("models_upward.py", "import advisor.cli\n", "Layers: data flows one way"),
        ("generators/evaluates.py", "from advisor.engine.decide import recommend\n", "Generators never evaluate rules"),
        ("numbers_upward.py", "from advisor.models import PLATFORMS\n", "Helpers import no layer"),
        ("output/flask.py", "import flask\n", "Only the web knows Flask"),
    ],
    ids=[
        "engine-imports-web",
        "models-layer-imports-cli",
        "generator-imports-engine",
        "helper-imports-models",
        "output-imports-flask",
    ],
)
def test_an_import_back_up_the_layers_breaks_a_contract(tmp_path, module, line, broken):
    shutil.copytree(ROOT / "advisor", tmp_path / "advisor", ignore=shutil.ignore_patterns("__pycache__"))
    target = tmp_path / "advisor" / module
    if module.endswith("_upward.py"):  # a module beside models or numbers: put the import in the real one
        target = tmp_path / "advisor" / module.replace("_upward", "")
        target.write_text(target.read_text(encoding="utf-8") + "\n" + line, encoding="utf-8")
    else:
        target.write_text(line, encoding="utf-8")
    checked = lint_imports(tmp_path)
    assert checked.returncode == 1, checked.stdout + checked.stderr
    assert any(name.startswith(broken) for name in broken_contracts(checked.stdout)), checked.stdout

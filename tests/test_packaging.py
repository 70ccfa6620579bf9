"""What the installed package needs at run time is what pyproject.toml asks for, not only the test extras."""

from __future__ import annotations

import ast
import subprocess
import sys
import tomllib
import zipfile
from importlib.metadata import packages_distributions

import pytest
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name

from tests.support import ROOT


def imported_top_level_modules() -> set[str]:
    found: set[str] = set()
    for path in (ROOT / "advisor").rglob("*.py"):
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                found.update(alias.name.split(".")[0] for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level == 0 and node.module:
                found.add(node.module.split(".")[0])
    return found - set(sys.stdlib_module_names) - {"advisor", "__future__"}


def test_every_module_the_package_imports_is_a_runtime_dependency():
    project = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]
    declared = {canonicalize_name(Requirement(r).name) for r in project["dependencies"]}
    distributions = packages_distributions()
    needed = {m: {canonicalize_name(d) for d in distributions.get(m, [])} for m in imported_top_level_modules()}
    missing = {module: dists for module, dists in needed.items() if not dists & declared}
    # pydantic brings annotated_types and pydantic_core; they come with it wherever pydantic is installed.
    missing = {m: d for m, d in missing.items() if m not in ("annotated_types", "pydantic_core")}
    assert not missing, f"imported by advisor but not in [project] dependencies: {missing}"


@pytest.mark.slow
def test_the_wheel_carries_every_file_the_service_reads(tmp_path):
    """The image installs the wheel, so pages, styles and data files must be in it, not only in the checkout."""
    built = subprocess.run(
        [sys.executable, "-m", "pip", "wheel", "--no-deps", "--quiet", "--wheel-dir", str(tmp_path), str(ROOT)],
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert built.returncode == 0, built.stderr
    (wheel,) = tmp_path.glob("advisor-*.whl")
    inside = set(zipfile.ZipFile(wheel).namelist())
    needed = [
        path.relative_to(ROOT).as_posix()
        for folder in ("advisor/web/templates", "advisor/web/static", "advisor/generators/data")
        for path in (ROOT / folder).iterdir()
    ]
    assert needed and set(needed) <= inside
    assert "advisor/web/openapi.yaml" in inside
    modules = {path.relative_to(ROOT).as_posix() for path in (ROOT / "advisor").rglob("*.py")}
    assert modules - inside == set(), "a package missing from [tool.setuptools] packages"
    assert {name.removeprefix("advisor/shipped_rules/") for name in inside if "shipped_rules/" in name} >= {
        path.relative_to(ROOT / "rules").as_posix() for path in (ROOT / "rules").glob("*.yaml")
    }

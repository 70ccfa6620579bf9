"""The README's curl examples work as shown, against a live server."""

from __future__ import annotations

import re
import subprocess

import pytest
import yaml

from tests.support import ROOT

SHOWN_URL = "http://127.0.0.1:8000"


def service_examples() -> list[tuple[str, str]]:
    """(command, shown output) for each `$ curl` line of the README's service section."""
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    section = readme.split("\n## The service\n", 1)[1].split("\n## ", 1)[0]
    block = section.split("```console\n", 1)[1].split("```", 1)[0]
    examples: list[tuple[str, list[str]]] = []
    for line in block.splitlines():
        if line.startswith("$ "):
            examples.append((line[2:], []))
        else:
            examples[-1][1].append(line)
    return [(command, "\n".join(shown)) for command, shown in examples]


def matches(shown: str, actual: str) -> bool:
    """True if `actual` is `shown`, where each `...` in `shown` stands for any text."""
    pattern = ".*".join(re.escape(part) for part in shown.split("..."))
    return re.fullmatch(pattern, actual.strip(), flags=re.DOTALL) is not None


EXAMPLES = service_examples()


def test_every_route_has_an_example():
    routes = {re.search(r"8000(/[^ '?]*)", command).group(1) for command, _ in EXAMPLES}
    contract = yaml.safe_load((ROOT / "openapi.yaml").read_text())["paths"]
    documented = {path for path in contract if "{" not in path} | {"/v1/rules/microservices"}
    assert routes >= documented


@pytest.mark.live
@pytest.mark.parametrize(("command", "shown"), EXAMPLES, ids=[c.split(SHOWN_URL)[1][:40] for c, _ in EXAMPLES])
def test_readme_curl_example(live_server, command, shown):
    ran = subprocess.run(
        ["bash", "-c", command.replace(SHOWN_URL, live_server)], cwd=ROOT, capture_output=True, text=True, timeout=30
    )
    assert ran.returncode == 0, ran.stderr
    assert matches(shown, ran.stdout), f"README shows:\n{shown}\n\ngot:\n{ran.stdout[:2000]}"

"""The command line: parse arguments, call the same functions the API calls, print, exit with a code.

Exit codes: 0 success, 2 invalid input (a profile, a rule file, an argument), 1 anything else.
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Callable
from functools import wraps
from pathlib import Path
from typing import Any

import click
import yaml

from advisor import __version__
from advisor.assess.formats import FORMATS as REPORT_FORMATS
from advisor.check import formats as check_formats
from advisor.engine.decide import recommend
from advisor.engine.loader import RuleSet, builtin_rules_dir, load_rules
from advisor.engine.ruletest import run_rule_tests
from advisor.engine.scenarios import run_scenarios
from advisor.engine.schema import RuleFile
from advisor.errors import EXIT_FAILURE, AdvisorError, WouldOverwrite
from advisor.generators.registry import KINDS, StarterKind, with_starters
from advisor.models import Recommendation, WorkloadProfile
from advisor.output import FORMATTERS
from advisor.output.data import rule_data
from advisor.profiles import component_part, only_profile, read_profiles


def _reports_errors(command: Callable[..., Any]) -> Callable[..., Any]:
    """Turn AdvisorErrors into a message on stderr and the error's own exit code, never a traceback."""

    @wraps(command)
    def run(*args: Any, **kwargs: Any) -> Any:
        try:
            return command(*args, **kwargs)
        except AdvisorError as exc:
            click.echo(f"error: {exc}", err=True)
            sys.exit(exc.exit_code)

    return run


def _rule_options(command: Callable[..., Any]) -> Callable[..., Any]:
    command = click.option("--no-builtin-rules", is_flag=True, help="Use only the rules of --rules and ADVISOR_RULES.")(
        command
    )
    return click.option(
        "--rules",
        "rule_dirs",
        multiple=True,
        type=click.Path(file_okay=False, path_type=Path),
        help="A directory of extra rules, layered over the shipped ones (repeatable).",
    )(command)


def _load(rule_dirs: tuple[Path, ...], no_builtin_rules: bool) -> RuleSet:
    return load_rules(rule_dirs, builtin=not no_builtin_rules)


def _colour() -> bool:
    return sys.stdout.isatty() and not os.environ.get("NO_COLOR")


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
@click.version_option(__version__, prog_name="advisor")
def cli() -> None:
    """Should a workload run on VMs, containers or a hybrid of both? advisor answers and explains why."""


@cli.command("recommend")
@click.argument("profiles", nargs=-1, required=True)
@click.option("--format", "fmt", type=click.Choice(list(FORMATTERS)), default="text", show_default=True)
@click.option("--explain", is_flag=True, help="Also list every rule considered and why it did or did not match.")
@_rule_options
@_reports_errors
def recommend_command(
    profiles: tuple[str, ...], fmt: str, explain: bool, rule_dirs: tuple[Path, ...], no_builtin_rules: bool
) -> None:
    """Recommend a platform for each profile (files, directories, multi-document YAML, or - for stdin)."""
    stdin = sys.stdin.buffer.read() if "-" in profiles else None
    parsed = read_profiles(list(profiles), stdin)
    ruleset = _load(rule_dirs, no_builtin_rules)
    results: list[Recommendation] = [with_starters(p, recommend(p, ruleset, explained=explain)) for p in parsed]
    click.echo(FORMATTERS[fmt](results, _colour() and fmt == "text"), nl=False)


@cli.group()
def rules() -> None:
    """List, show, validate and test rules."""


@rules.command("list")
@click.option("--format", "fmt", type=click.Choice(["text", "json"]), default="text", show_default=True)
@_rule_options
@_reports_errors
def rules_list(fmt: str, rule_dirs: tuple[Path, ...], no_builtin_rules: bool) -> None:
    """List the rules in force."""
    ruleset = _load(rule_dirs, no_builtin_rules)
    if fmt == "json":
        data = {**ruleset.summary(), "items": [rule_data(ruleset, c.rule.id) for c in ruleset.rules]}
        click.echo(json.dumps(data, indent=2, ensure_ascii=False))
        return
    width = max(len(c.rule.id) for c in ruleset.rules)
    for compiled in ruleset.rules:
        click.echo(f"{compiled.rule.id:<{width}}  {compiled.rule.title}")
    click.echo(f"\n{len(ruleset.rules)} rules, version {ruleset.version}, {ruleset.digest}")


@rules.command("show")
@click.argument("rule_id")
@_rule_options
@_reports_errors
def rules_show(rule_id: str, rule_dirs: tuple[Path, ...], no_builtin_rules: bool) -> None:
    """Show one rule as YAML, with the file it came from."""
    ruleset = _load(rule_dirs, no_builtin_rules)
    if ruleset.get(rule_id) is None:
        raise click.BadParameter(f"no rule with id '{rule_id}' (see `advisor rules list`)", param_hint="RULE_ID")
    click.echo(yaml.safe_dump(rule_data(ruleset, rule_id), sort_keys=False, allow_unicode=True, width=100), nl=False)


@rules.command("validate")
@click.argument("directory", required=False, type=click.Path(file_okay=False, exists=True, path_type=Path))
@_rule_options
@_reports_errors
def rules_validate(directory: Path | None, rule_dirs: tuple[Path, ...], no_builtin_rules: bool) -> None:
    """Check rules load: the shipped ones, plus DIRECTORY layered on top if given."""
    ruleset = _load((*rule_dirs, *([directory] if directory else [])), no_builtin_rules)
    click.echo(f"ok: {len(ruleset.rules)} rules, version {ruleset.version}, {ruleset.digest}")


@rules.command("test")
@click.argument("directory", required=False, type=click.Path(file_okay=False, exists=True, path_type=Path))
@_rule_options
@_reports_errors
def rules_test(directory: Path | None, rule_dirs: tuple[Path, ...], no_builtin_rules: bool) -> None:
    """Run the rule tests in DIRECTORY/tests and the scenarios in DIRECTORY/scenarios (the shipped ones by default)."""
    shipped = builtin_rules_dir()
    target = directory or shipped
    extra = () if target.resolve() == shipped.resolve() else (target,)
    ruleset = _load((*rule_dirs, *extra), no_builtin_rules)
    report = run_rule_tests(ruleset, target)
    report.cases += run_scenarios(ruleset, target)
    for case in report.cases:
        if not case.passed:
            for failure in case.failures:
                click.echo(f"FAIL {case.file}:{case.line}: {case.name}: {failure}")
    for problem in report.untested:
        click.echo(f"UNTESTED {problem}")
    passed = sum(case.passed for case in report.cases)
    failed = len(report.cases) - passed
    click.echo(f"{passed} passed, {failed} failed" + (f", {len(report.untested)} untested" if report.untested else ""))
    if not report.passed:
        sys.exit(EXIT_FAILURE)


@cli.command()
@click.argument("what", type=click.Choice(["profile", "rules", "recommendation"]))
def schema(what: str) -> None:
    """Print the JSON Schema of a profile, a rule file or a recommendation."""
    if what == "profile":
        data = WorkloadProfile.model_json_schema()
    elif what == "rules":
        data = RuleFile.model_json_schema(by_alias=True)
    else:
        data = Recommendation.model_json_schema(mode="serialization", by_alias=True)
    click.echo(json.dumps(data, indent=2, ensure_ascii=False))


def _one_profile(argument: str, purpose: str = "emit writes files for one") -> WorkloadProfile:
    """The one profile in a file (or - for stdin); several are refused, naming them and why one is needed."""
    parsed = read_profiles([argument], sys.stdin.buffer.read() if argument == "-" else None)
    return only_profile(parsed, "<stdin>" if argument == "-" else argument, purpose)


@cli.command()
@click.argument("paths", nargs=-1)
@click.option("--format", "fmt", type=click.Choice(list(check_formats.FORMATTERS)), default="text", show_default=True)
@click.option("--strict", is_flag=True, help="Every difference from the recommendation is an error.")
@click.option("--fail-on", type=click.Choice(["error", "warning"]), default="error", show_default=True)
@click.option("--exit-zero", is_flag=True, help="Report findings but exit 0 (for SARIF upload steps).")
@click.option("--server", metavar="URL", help="Evaluate with a running advisor service's rules instead of local ones.")
@click.option("--timeout", type=click.FloatRange(min=0.1), default=10.0, show_default=True, help="--server: seconds.")
@_rule_options
@_reports_errors
def check(
    paths: tuple[str, ...],
    fmt: str,
    strict: bool,
    fail_on: str,
    exit_zero: bool,
    server: str | None,
    timeout: float,
    rule_dirs: tuple[Path, ...],
    no_builtin_rules: bool,
) -> None:
    """Check decision records (files or folders; by default *.decision.yaml and docs/adr) against the rules.

    Exit codes: 0 no errors, 1 errors found, 2 the check could not run.
    """
    # Imported here so the other commands do not pay for the check's modules at start-up.
    from advisor.check.compare import check_records
    from advisor.check.evaluators import LocalEvaluator
    from advisor.check.records import find_records
    from advisor.check.remote import RemoteEvaluator

    if server and (rule_dirs or no_builtin_rules):
        raise click.UsageError("--server checks with the service's rules; drop --rules and --no-builtin-rules")
    if server and not server.startswith(("http://", "https://")):
        raise click.BadParameter(f"{server!r} is not an http:// or https:// address", param_hint="--server")
    records = find_records(list(paths))
    evaluator = RemoteEvaluator(server, timeout) if server else LocalEvaluator(_load(rule_dirs, no_builtin_rules))
    report = check_records(records, evaluator, strict=strict, fail_on=fail_on)
    click.echo(check_formats.FORMATTERS[fmt](report), nl=False)
    if report.failed and not exit_zero:
        sys.exit(EXIT_FAILURE)


@cli.group()
def adr() -> None:
    """Write architecture decision records."""


@adr.command("new")
@click.argument("profile")
@click.option("--out", "out_arg", type=click.Path(dir_okay=False), help="Write the record here, not to stdout.")
@click.option("--force", is_flag=True, help="Overwrite --out if it exists.")
@click.option("--status", type=click.Choice(["proposed", "accepted"]), default="proposed", show_default=True)
@_rule_options
@_reports_errors
def adr_new(
    profile: str, out_arg: str | None, force: bool, status: str, rule_dirs: tuple[Path, ...], no_builtin_rules: bool
) -> None:
    """Write a MADR decision record for PROFILE's recommendation (a file, or - for stdin)."""
    import datetime

    from advisor.generators.adr import make_adr
    from advisor.generators.bundle import write_bundle

    out = None if out_arg is None else Path(out_arg)  # Path("") would be ".", so the raw text is checked
    if out_arg == "" or (out is not None and out.name in ("", "..")):
        raise click.BadParameter(f"{out_arg!r} names no file; give one, such as docs/adr/0001.md", param_hint="'--out'")
    if out_arg is not None and out_arg.endswith(("/", os.sep)):  # Path() drops the slash: t/adr/ would be file t/adr
        raise click.BadParameter(
            f"{out_arg!r} names a folder; give a file, such as docs/adr/0001.md", param_hint="'--out'"
        )
    parsed = _one_profile(profile, "a record decides for one")
    if out is not None and os.path.lexists(out) and not force:  # refuse before the work, not only before the write
        raise WouldOverwrite([str(out)])
    result = with_starters(parsed, recommend(parsed, _load(rule_dirs, no_builtin_rules)))
    record = make_adr(parsed, result, date=datetime.date.today(), status=status)
    if out is None:
        click.echo(record.content, nl=False)
        return
    write_bundle({out.name: record.content}, out.parent, force=force)
    click.echo(f"wrote {out}", err=True)


@cli.group()
def emit() -> None:
    """Write starter artifacts: one file of a kind below, or everything the recommendation calls for (all)."""


def _part(profile: WorkloadProfile, component: str | None) -> WorkloadProfile:
    """The profile to write one file for: the whole profile, or the component --component names."""
    return component_part(profile, component, loc="--component")


_component_option = click.option("--component", metavar="NAME", help="Which component, for a profile with components.")


def _emit_kind(kind: StarterKind) -> click.Command:
    """`advisor emit KIND`: print one starter file of the kind; notes (and the kind's own lines) go to stderr."""

    def run(
        profile: str, component: str | None = None, rule_dirs: tuple[Path, ...] = (), no_builtin_rules: bool = False
    ) -> None:
        from advisor.generators.registry import make_starter, verdict_of

        parsed = _one_profile(profile)
        part = parsed if kind.whole_profile else _part(parsed, component)
        verdict = None
        if kind.needs_verdict:
            verdict = verdict_of(parsed, recommend(parsed, _load(rule_dirs, no_builtin_rules)), component)
        artifact = make_starter(kind, part, verdict)
        click.echo(artifact.content, nl=False)
        for line in kind.stderr_lines(part):
            click.echo(line, err=True)
        for note in artifact.notes:
            click.echo(f"note: {note}", err=True)

    command = _reports_errors(run)
    if kind.needs_verdict:  # the kind is chosen by the recommendation, so the rules are loaded
        command = _rule_options(command)
    command = click.argument("profile")(command)
    if not kind.whole_profile:  # one file for the whole profile has no component to choose
        command = _component_option(command)
    text = f"Print the {kind.label} for PROFILE (a file, or - for stdin); notes go to stderr. {kind.summary}"
    return click.command(kind.name, help=text)(command)


for _kind in KINDS.values():
    emit.add_command(_emit_kind(_kind))


@emit.command("all")
@click.argument("profile")
@click.option("--out", "out_arg", required=True, type=click.Path(file_okay=False), help="Folder.")
@click.option("--force", is_flag=True, help="Replace files that already exist (otherwise nothing is written).")
@_rule_options
@_reports_errors
def emit_all(profile: str, out_arg: str, force: bool, rule_dirs: tuple[Path, ...], no_builtin_rules: bool) -> None:
    """Write the files PROFILE's recommendation calls for into --out, with a README.md of next commands."""
    from advisor.generators.bundle import make_bundle, write_bundle

    if not out_arg:  # Path("") would be ".": writing into the current folder is asked for with --out .
        raise click.BadParameter("is empty; name a folder (--out . for the current one)", param_hint="'--out'")
    out_dir = Path(out_arg)
    parsed = _one_profile(profile)
    result = recommend(parsed, _load(rule_dirs, no_builtin_rules))
    written = write_bundle(make_bundle(parsed, result), out_dir, force=force)
    click.echo(f"{parsed.name}: {result.platform}; wrote {len(written)} files (next steps in README.md):")
    for path in written:
        click.echo(f"  {path}")


@cli.command()
@click.argument("inputs", nargs=-1, required=True)
@click.option(
    "--format", "fmt", type=click.Choice(list(REPORT_FORMATS)), default="markdown",
    show_default=True, help="The report's format (json is the one to keep in git and --compare against).",
)  # fmt: skip
@click.option("--output", "-o", "output", type=click.Path(dir_okay=False), help="Write the report here, not to stdout.")
@click.option(
    "--compare", "previous", type=click.Path(dir_okay=False), help="A previous JSON report: show what changed."
)
@click.option("--write-profiles", "profiles_dir", type=click.Path(file_okay=False), help="Write each inferred profile.")
@click.option("--force", is_flag=True, help="--write-profiles: replace profile files that already exist.")
@click.option(
    "--host-os", type=click.Choice(["linux", "windows", "macos"]), default="linux", show_default=True,
    help="The target host's OS (inventories describe the old estate, not where it goes).",
)  # fmt: skip
@click.option(
    "--max-input-bytes", type=click.IntRange(min=1), default=64 * 1024 * 1024, show_default=True,
    help="The largest input file read.",
)  # fmt: skip
@_rule_options
@_reports_errors
def assess(
    inputs: tuple[str, ...],
    fmt: str,
    output: str | None,
    previous: str | None,
    profiles_dir: str | None,
    force: bool,
    host_os: str,
    max_input_bytes: int,
    rule_dirs: tuple[Path, ...],
    no_builtin_rules: bool,
) -> None:
    """Assess what exists: RVTools exports, Compose files, Kubernetes manifests, libvirt domains, profiles.

    Each INPUT is a file or a folder of them. Every item gets an inferred profile (saying field by field what
    was read, inferred or unknown), a verdict and a wave; the report goes to stdout or --output.
    """
    from advisor.assess.readers import input_paths
    from advisor.assess.run import assess_files, profile_files
    from advisor.errors import CannotWrite
    from advisor.generators.bundle import write_bundle

    if fmt == "xlsx" and output is None and sys.stdout.isatty():
        raise click.UsageError("an XLSX report is binary; give --output FILE.xlsx")
    if profiles_dir == "" or output == "":
        raise click.UsageError("--output and --write-profiles need a name")
    ruleset = _load(rule_dirs, no_builtin_rules)
    report, assessed = assess_files(
        input_paths(list(inputs)),
        ruleset,
        limit=max_input_bytes,
        host_os=host_os,
        previous=(Path(previous), previous) if previous else None,
    )
    if profiles_dir is not None:
        written = write_bundle(profile_files(assessed), Path(profiles_dir), force=force)
        click.echo(f"wrote {len(written)} profiles to {profiles_dir}", err=True)
    content = REPORT_FORMATS[fmt].render(report)
    if output is None:
        click.echo(content, nl=False)
    else:
        try:
            Path(output).write_bytes(content)
        except OSError as exc:
            raise CannotWrite(output, exc.strerror or str(exc)) from None
    counts = ", ".join(f"{n} {v}" for v, n in report["summary"]["verdicts"].items() if n)
    click.echo(f"assessed {report['summary']['items']} items ({counts or 'none'})", err=True)


def main() -> None:
    """Entry point of the `advisor` console script."""
    try:
        cli(prog_name="advisor")
    except OSError as exc:  # the output could not be written: a full disk, a closed pipe
        sys.stderr.write(f"error: cannot write the output: {exc.strerror or exc}\n")
        sys.exit(EXIT_FAILURE)

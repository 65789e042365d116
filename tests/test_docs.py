"""The documentation documents every command, every option and every JSON key, stays inside the
repository, and its commands are real (after sqlite-utils' tests/test_docs.py)."""

from __future__ import annotations

import json
import re

import click
import pytest

from lens_cli.cli import main

from .clitools import run
from .conftest import ROOT

README = (ROOT / "README.md").read_text(encoding="utf-8")
DOCS = {p.name: p.read_text(encoding="utf-8") for p in sorted((ROOT / "docs").glob("*.md"))}
CLI_DOC = DOCS["cli.md"]
JSON_DOC = DOCS["json.md"]


def commands(group: click.Group, prefix: str = "lens"):
    for name, cmd in group.commands.items():
        yield f"{prefix} {name}", cmd
        if isinstance(cmd, click.Group):
            yield from commands(cmd, f"{prefix} {name}")


@pytest.mark.parametrize(("name", "cmd"), list(commands(main)))
def test_every_command_has_help_and_is_documented(name, cmd):
    assert cmd.help and cmd.help.strip(), f"{name} has no help"
    if not isinstance(cmd, click.Group):
        assert f"`{name}" in README, f"{name} is not in README.md"
        assert f"## `{name}" in CLI_DOC, f"{name} has no section in docs/cli.md"


@pytest.mark.parametrize("command", ["analyze", "compare"])
def test_every_option_is_in_the_cli_doc(command):
    section = CLI_DOC.split(f"## `lens {command}", 1)[1].split("\n## ", 1)[0]
    for param in main.commands[command].params:
        if isinstance(param, click.Option) and "--help" not in param.opts:
            assert any(f"`{opt}" in section for opt in param.opts), f"{param.opts} missing from docs/cli.md ({command})"


def _layout_keys(doc: str, heading: str) -> set[str]:
    """Top-level keys of a layout block in docs/json.md (lines ``key:`` at the start of a line)."""
    block = doc.split(heading, 1)[1].split("```", 2)[1]
    return set(re.findall(r"^([a-z_]+):", block, flags=re.M))


def test_every_top_level_json_key_is_documented(fakes, tmp_path):
    data = tmp_path / "d.csv"
    data.write_text("text,tag\nmusic for a party,seed\nmusic for running,x\nsongs to cry to,x\njazz,x\n")
    out = tmp_path / "a.json"
    r = run(
        "analyze",
        data,
        "--text-column",
        "text",
        "--seed-column",
        "tag",
        "--seed-value",
        "seed",
        "--json",
        out,
        "--timings",
        "-q",
    )
    assert r.exit_code == 0, r.output
    doc = json.loads(out.read_text())
    assert set(doc) <= _layout_keys(JSON_DOC, "## `lens analyze")
    for name in ("stats", "options", "input"):
        for key in doc[name]:
            assert re.search(rf"\b{key}\b", JSON_DOC), f"{name}.{key} is not in docs/json.md"
    for key in next(iter(doc["axes"].values())):
        assert re.search(rf"\b{key}\b", JSON_DOC), f"axes.X.{key} is not in docs/json.md"
    compared = tmp_path / "c.json"
    r = run("compare", data, data, "--text-column", "text", "--json", compared, "-q")
    assert r.exit_code == 0, r.output
    assert set(json.loads(compared.read_text())) <= _layout_keys(JSON_DOC, "## `lens compare")


def test_every_statistic_is_defined():
    statistics = DOCS["statistics.md"]
    from lens_cli.gates import valid_names

    for name in valid_names():
        leaf = name.rpartition(".")[2] if not name.startswith("distinct_n") else "distinct_n"
        assert f"`{leaf}" in statistics or f"`{name.partition('.')[0]}" in statistics, f"{name} is not defined"


def test_readme_make_targets_exist():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([\w-]+):", makefile, flags=re.M))
    for target in re.findall(r"^\s+make ([\w-]+)", README, flags=re.M):
        assert target in targets, f"make {target} is in README.md but not in the Makefile"


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test " in README


@pytest.mark.parametrize("command", ["analyze", "compare"])
def test_documented_lens_commands_use_real_options(command):
    known = {opt for p in main.commands[command].params for opt in getattr(p, "opts", [])} | {"--help"}
    texts = [README, *DOCS.values()]
    blocks = [b for text in texts for b in re.findall(rf"lens {command} (.+?)(?:\n\n|\n```|`|$)", text, flags=re.S)]
    assert blocks
    for block in blocks:
        for opt in re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", block.replace("\\\n", " ")):
            assert opt in known, f"the docs use an unknown option of lens {command}: {opt}"


def test_the_documentation_stays_inside_the_repository():
    for name, text in {"README.md": README, **DOCS}.items():
        assert "../shared" not in text, f"{name} points outside the repository"
        for target in re.findall(r"\]\(([^)#]+)(?:#[^)]*)?\)", text):
            if target.startswith(("http://", "https://")):
                continue
            base = ROOT if name == "README.md" else ROOT / "docs"
            assert (base / target).exists(), f"{name} links {target}, which does not exist"

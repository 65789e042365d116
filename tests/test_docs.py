"""The README documents every command and option, and its make targets exist."""

from __future__ import annotations

import re

import click
import pytest

from lens_cli.cli import main

from .conftest import ROOT

README = (ROOT / "README.md").read_text()


def commands(group: click.Group, prefix: str = "lens"):
    for name, cmd in group.commands.items():
        yield f"{prefix} {name}", cmd
        if isinstance(cmd, click.Group):
            yield from commands(cmd, f"{prefix} {name}")


@pytest.mark.parametrize(("name", "cmd"), list(commands(main)))
def test_every_command_has_help_and_is_in_the_readme(name, cmd):
    assert cmd.help and cmd.help.strip(), f"{name} has no help"
    if not isinstance(cmd, click.Group):
        assert f"`{name}" in README, f"{name} is not documented in README.md"


def test_every_analyze_option_is_in_the_readme():
    analyze = main.commands["analyze"]
    for param in analyze.params:
        if isinstance(param, click.Option) and "--help" not in param.opts:
            assert any(opt in README for opt in param.opts), f"{param.opts} missing from README.md"


def test_readme_make_targets_exist():
    makefile = (ROOT / "Makefile").read_text()
    targets = set(re.findall(r"^([\w-]+):", makefile, flags=re.M))
    for target in re.findall(r"^\s+make ([\w-]+)", README, flags=re.M):
        assert target in targets, f"make {target} is in README.md but not in the Makefile"


def test_ci_runs_the_readme_test_command():
    assert "make test" in (ROOT / ".ci" / "run").read_text()
    assert "make test " in README


def test_readme_lens_commands_use_real_options():
    analyze = main.commands["analyze"]
    known = {opt for p in analyze.params for opt in getattr(p, "opts", [])} | {"--help"}
    blocks = re.findall(r"lens analyze (.+?)(?:\n\n|\n```|$)", README, flags=re.S)
    assert blocks
    for block in blocks:
        for opt in re.findall(r"(?<![\w-])(--?[a-z][\w-]*)", block.replace("\\\n", " ")):
            assert opt in known, f"README uses unknown option {opt}"

"""Every command has help with an example, and the README documents it (sqlite-utils' test_docs)."""

from pathlib import Path

import click
import pytest
from click.testing import CliRunner

from chipwatch.cli import cli

README = (Path(__file__).parents[2] / "README.md").read_text(encoding="utf-8")
COMMANDS = sorted(cli.commands)


def test_group_help():
    result = CliRunner().invoke(cli, ["-h"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output


@pytest.mark.parametrize("name", COMMANDS)
def test_command_has_help_with_example(name):
    result = CliRunner().invoke(cli, [name, "--help"])
    assert result.exit_code == 0
    assert "Example:" in result.output
    assert f"chipwatch {name}" in result.output


@pytest.mark.parametrize("name", COMMANDS)
def test_command_is_documented_in_readme(name):
    assert f"chipwatch {name}" in README


NO_DATABASE = ("parse", "sources")  # they read files, not the database (the README says so)


@pytest.mark.parametrize("name", [n for n in COMMANDS if n not in NO_DATABASE])
def test_db_option_reads_environment(name):
    """Every command that uses the database takes --db; all but the demo read $CHIPWATCH_DB."""
    command = cli.commands[name]
    commands = list(command.commands.values()) if isinstance(command, click.Group) else [command]
    for each in commands:
        option = next(p for p in each.params if p.name == "db_path")
        assert option.envvar == (None if name == "demo" else "CHIPWATCH_DB"), each.name


def test_demo_help_names_its_own_database():
    output = CliRunner().invoke(cli, ["demo", "--help"]).output
    assert "./chipwatch-demo.db" in output and "./chipwatch.db" not in output


def test_readme_names_the_commands_without_db():
    assert "Every command but `parse` and `sources` (which read files, not the database) takes `--db PATH`" in README


def test_unknown_source_is_one_line(tmp_path):
    result = CliRunner().invoke(cli, ["crawl", "--db", str(tmp_path / "x.db"), "--only", "no-such-source"])
    assert result.exit_code == 1
    assert "no-such-source" in result.output
    assert "Traceback" not in result.output


def test_bad_setting_is_a_usage_error(tmp_path):
    result = CliRunner().invoke(cli, ["crawl", "--db", str(tmp_path / "x.db"), "-s", "NOEQUALS"])
    assert result.exit_code == 2

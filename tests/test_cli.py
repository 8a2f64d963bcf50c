"""Every CLI command has help text (a test fails when something is undocumented)."""

import pytest
from typer.testing import CliRunner

from cli.main import app

runner = CliRunner()
COMMANDS = [
    ["generate"],
    ["nightly"],
    ["demo"],
    ["list"],
    ["runs"],
    ["rules", "validate"],
    ["rules", "preview"],
]


@pytest.mark.parametrize("command", COMMANDS, ids=" ".join)
def test_every_command_has_help(command):
    result = runner.invoke(app, [*command, "--help"])
    assert result.exit_code == 0
    assert "Usage" in result.output
    assert len(result.output.splitlines()) > 5


def test_rules_validate_succeeds_on_the_catalogue():
    result = runner.invoke(app, ["rules", "validate"])
    assert result.exit_code == 0, result.output
    assert "alle geldig" in result.output

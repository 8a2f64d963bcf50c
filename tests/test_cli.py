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
    ["model", "train"],
    ["schedule"],
    ["deploy"],
    ["purge"],
    ["contracts", "docs"],
    ["ingest"],
    ["ddas"],
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


def test_ingest_prints_the_report_and_keeps_it_with_the_data_docs(tmp_path):
    from tests.signals.corpus import HUUR, csv
    from tests.signals.test_corpus import write_reference

    write_reference(tmp_path / "reference")
    delivery = tmp_path / "levering.csv"
    delivery.write_bytes(csv([HUUR, {**HUUR, "bron_referentie": "H2", "achterstand_eur": "-3"}]))
    args = [
        "ingest",
        str(delivery),
        "--supplier",
        "zaanoever",
        "--feed",
        "huurachterstand",
        "-w",
        str(tmp_path),
    ]
    result = runner.invoke(app, args)
    assert result.exit_code == 0, result.output
    assert "geaccepteerd" in result.output and "regel 3" in result.output
    assert len(list((tmp_path / "reports").glob("*.html"))) == 1
    assert (tmp_path / "reports" / "gx" / "index.html").exists()
    again = runner.invoke(app, args)
    assert "al eerder geleverd" in again.output
    bad = tmp_path / "leeg.csv"
    bad.write_bytes(b"")
    rejected = runner.invoke(app, [*args[:1], str(bad), *args[2:]])
    assert rejected.exit_code == 1 and "leeg" in rejected.output

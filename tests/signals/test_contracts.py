"""The contract files are the one source of truth: they match CONTRACTS.md and generate the docs."""

import re
from pathlib import Path

from signals.contracts import all_contracts, load_contract
from signals.contracts.docs import render_feed_docs

ROOT = Path(__file__).resolve().parents[2]
PUBLISHED = ROOT.parent / "shared" / "feeds" / "CONTRACTS.md"


def _published_columns() -> dict[str, dict[str, str]]:
    """Feed → column name → 'required' cell of the tables in the published CONTRACTS.md."""
    columns: dict[str, dict[str, str]] = {}
    feed = None
    for line in PUBLISHED.read_text(encoding="utf-8").splitlines():
        heading = re.match(r"^## (\w+) — ", line)
        if heading:
            feed = heading.group(1)
        elif feed and line.startswith("| ") and not line.startswith(("| column", "|---")):
            cells = [c.strip() for c in line.split("|")]
            columns.setdefault(feed, {})[cells[1]] = cells[3]
    return columns


def test_every_published_column_is_in_our_contract_with_the_same_requiredness():
    published = _published_columns()
    # Our contracts extend the published ones (the DDAS levering is a feed of its own).
    assert set(published) <= {c.feed for c in all_contracts()}
    for feed, required in published.items():
        contract = load_contract(feed)
        assert set(required) <= set(contract.column_names), (feed, set(required) - set(contract.column_names))
        for name, cell in required.items():
            column = contract.column(name)
            assert column.required == (cell == "yes"), (feed, name)
            if cell.startswith("when"):
                assert column.required_when, (feed, name)


def test_common_columns_of_the_published_contract():
    names = set(load_contract("overlast").column_names)
    for column in (
        "bron_referentie",
        "postcode",
        "huisnummer",
        "huisnummer_toevoeging",
        "bsn",
        "voorletters",
        "tussenvoegsel",
        "achternaam",
        "geboortedatum",
        "telefoon",
        "email",
    ):
        assert column in names


def test_supplier_docs_are_generated_from_the_contracts():
    committed = (ROOT / "docs" / "feeds.md").read_text(encoding="utf-8")
    assert committed == render_feed_docs() + "\n", "run `vroeg contracts docs` and commit docs/feeds.md"
    for contract in all_contracts():
        for column in contract.columns:
            assert f"`{column.name}`" in committed

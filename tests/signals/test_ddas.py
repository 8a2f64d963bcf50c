"""DDAS leveringen (v0.9 and v1.2) go through intake.

The official schemas and examples are read from ../shared/standards (`schema_path(version).parent`),
never copied; the v1.2 levering of a generated region comes from synthetic/ddas.py.
"""

import copy
import json
from datetime import UTC, datetime
from pathlib import Path
from types import SimpleNamespace

import pytest

from signals.addresses import load_reference
from signals.ddas import schema_path
from signals.intake import IncomingFile, ingest_files
from signals.pseudonymise import pseudonym_key
from warehouse.store import write_session

STANDARD = schema_path("0.9").parent
EXAMPLES = ["enkelvoudigVoorbeeld.json", "meervoudigVoorbeeld.json"]
STANDARD_V12 = schema_path("1.2").parent
# v0.9 and v1.2 client keys for postcode, huisnummer and toevoeging.
_ADDRESS_KEYS = (
    ("Postcode", "Huisnummer", "Huisnummertoevoeging"),
    ("postcode", "huisnummer", "huisnummertoevoeging"),
)


def example(version: str, name: str = "enkelvoudigVoorbeeld.json") -> dict:
    folder = {"0.9": STANDARD, "1.2": STANDARD_V12}[version]
    return json.loads((folder / name).read_text(encoding="utf-8"))


def _reference(folder: Path, documents: list[dict]) -> None:
    """A reference table holding the documents' addresses (v0.9 and v1.2 client keys)."""
    lines = ["postcode,huisnummer,huisnummer_toevoeging,straat,woonplaats,gemeente,wijk,buurt,wijkteam"]
    for doc in documents:
        for levering in doc["leveringen"]:
            for signal in levering["vroegsignalen"]:
                c = signal["client"]
                for postcode, number, suffix in _ADDRESS_KEYS:
                    if postcode in c:
                        address = f"{c[postcode]},{c[number]},{c.get(suffix, '')}"
                        lines.append(f"{address},Straat,Plaats,Voorbeeld,W,B,voorbeeld-team")
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "adressen.csv").write_text("\n".join(dict.fromkeys(lines)) + "\n")
    (folder / "buurten.csv").write_text(
        "gemeente,wijk,buurt,wijkteam,inwoners,huishoudens,corporatiewoningen\nVoorbeeld,W,B,voorbeeld-team,1,1,1\n"
    )


def _run(
    tmp_path: Path,
    files: dict[str, dict],
    reference: Path | None = None,
    supplier: str = "zaanoever",
    received: datetime = datetime(2025, 2, 5, 10, 30, tzinfo=UTC),
):
    documents = list(files.values())
    if reference is None:
        reference = tmp_path / "reference"
        _reference(reference, documents)
    incoming = []
    for name, doc in files.items():
        path = tmp_path / name
        path.write_text(json.dumps(doc))
        incoming.append(IncomingFile(path, supplier, "ddas", received))
    with write_session(tmp_path / "w.duckdb") as con:
        load_reference(con, reference)
        records = ingest_files(con, incoming, tmp_path / "archive", pseudonym_key())
        findings = con.execute("select line_no, column_name, reason_nl from quarantine_finding").fetchall()
        staged = con.execute("select source_ref, partner_type, amount_eur from stg_ddas").fetchall()
        detail = con.execute(
            """select s.line_no, s.address_key, s.person_pseudonym, s.partner_status, a.wijkteam
               from stg_ddas as s left join ref_address as a using (address_key) order by s.line_no"""
        ).fetchall()
    return SimpleNamespace(records=records, findings=findings, staged=staged, detail=detail)


def _ingest(tmp_path: Path, files: dict[str, dict], **options):
    run = _run(tmp_path, files, **options)
    return run.records, run.findings, run.staged


def test_official_examples_quarantine_bsns_failing_the_elfproef(tmp_path):
    files = {name: json.loads((STANDARD / name).read_text(encoding="utf-8")) for name in EXAMPLES}
    records, findings, staged = _ingest(tmp_path, files)
    assert [r.status for r in records] == ["geaccepteerd", "geaccepteerd"]
    assert sum(r.rows_read for r in records) == 5
    assert all(r.rows_read == r.rows_loaded + r.rows_quarantined for r in records)
    bsn_findings = [f for f in findings if f[1] == "bsn"]
    # 123456789, 987654321, 112233445 and 556677889: none passes the elfproef.
    assert len(bsn_findings) == 5
    assert {f[2] for f in bsn_findings} == {"Het BSN voldoet niet aan de elfproef."}
    assert staged == []
    assert any("vroegsignaalzaken" in w for r in records for w in r.warnings)


def test_example_with_a_valid_bsn_is_loaded_as_a_financial_signal(tmp_path):
    doc = copy.deepcopy(json.loads((STANDARD / EXAMPLES[0]).read_text(encoding="utf-8")))
    doc["leveringen"][0]["vroegsignalen"][0]["client"]["Burgerservicenummer"] = "111222333"
    records, findings, staged = _ingest(tmp_path, {"ok.json": doc})
    assert records[0].rows_loaded == 1 and findings == []
    assert staged == [("VS-2025-0001", "energie", 450)]


def test_a_levering_that_breaks_the_schema_is_rejected_as_a_whole(tmp_path):
    doc = json.loads((STANDARD / EXAMPLES[0]).read_text(encoding="utf-8"))
    doc["leveringen"][0]["vroegsignalen"][0]["bedrag"] = "veel"
    del doc["codeGegevensleverancier"]
    records, findings, _ = _ingest(tmp_path, {"bad.json": doc})
    assert records[0].status == "afgewezen"
    assert "DDAS-schema" in records[0].rejection_reason
    assert findings[0][0] is None


def test_the_built_in_value_lists_equal_the_schema_and_serve_without_it(tmp_path, monkeypatch):
    """signals/ddas_vocabulary.yaml is the schema's enumerations, used only when it is not installed."""
    from signals.ddas import VOCABULARY, vocabulary_lists
    from signals.registrations import ddas_vocabulary, not_picked_up_results

    defs = json.loads(schema_path().read_text(encoding="utf-8"))["$defs"]
    with_schema = vocabulary_lists()
    assert with_schema == {name: tuple(defs[name]["enum"]) for name in VOCABULARY}
    monkeypatch.setenv("VROEG_DDAS_STANDARDS", str(tmp_path / "missing"))
    assert vocabulary_lists() == with_schema
    assert ddas_vocabulary()["EnumDagdeel"] == ("Ochtend", "Middag", "Avond")
    assert "Niet opgepakt: herhaalde melding" in not_picked_up_results()


# v1.2 ---------------------------------------------------------------------------------------------


def test_the_v12_example_lands_as_one_financial_signal_linked_by_address(tmp_path):
    run = _run(tmp_path, {"v12.json": example("1.2")})
    record = run.records[0]
    assert record.status == "geaccepteerd"
    assert (record.rows_read, record.rows_loaded, record.rows_quarantined) == (1, 1, 0)
    assert run.findings == []
    assert run.staged == [("VS-2025-0001", "energie", 450)]
    # Address only: linked on postcode 1234AB, huisnummer 10, toevoeging A; no person.
    assert run.detail == [(1, "1234AB-10-A", None, "nog_niet_opgepakt", "voorbeeld-team")]
    assert any("vroegsignaalzaken" in w for w in record.warnings)


def test_a_v12_bsn_only_client_is_quarantined_with_one_reason_naming_no_value(tmp_path):
    from signals.reasons import DDAS_CLIENT_WITHOUT_ADDRESS

    doc = example("1.2")
    doc["leveringen"][0]["vroegsignalen"][0]["client"] = {"burgerservicenummer": "111222333"}
    reference = tmp_path / "reference"
    _reference(reference, [example("1.2")])
    run = _run(tmp_path, {"bsn.json": doc}, reference=reference)
    record = run.records[0]
    assert (record.status, record.rows_read, record.rows_loaded, record.rows_quarantined) == (
        "geaccepteerd",
        1,
        0,
        1,
    )
    assert run.findings == [(1, None, DDAS_CLIENT_WITHOUT_ADDRESS)]
    assert "111222333" not in DDAS_CLIENT_WITHOUT_ADDRESS and run.staged == []


def test_the_v12_statuses_are_staged_with_their_codes(tmp_path):
    doc = example("1.2")
    first = doc["leveringen"][0]["vroegsignalen"][0]
    second = copy.deepcopy(first) | {"ID": "VS-2025-0002", "status": "Opgepakt"}
    third = copy.deepcopy(first) | {
        "ID": "VS-2025-0003",
        "status": "Inwoner al bekend bij schuldhulpverlening",
    }
    doc["leveringen"][0]["vroegsignalen"] += [second, third]
    run = _run(tmp_path, {"statuses.json": doc})
    assert [row[3] for row in run.detail] == [
        "nog_niet_opgepakt",
        "opgepakt",
        "al_bekend_bij_schuldhulpverlening",
    ]


@pytest.fixture(scope="module")
def region(tmp_path_factory) -> Path:
    from synthetic import generate_region

    root = tmp_path_factory.mktemp("ddas-region")
    generate_region(root, households=400, seed=20261123, months=14)
    return root


def test_the_generated_levering_is_deterministic_and_schema_valid(region):
    from signals.ddas import schema_validator
    from synthetic.ddas import ddas_levering, read_addresses

    addresses = read_addresses(region)
    doc = ddas_levering(addresses, seed=11)
    assert doc == ddas_levering(addresses, seed=11)
    assert doc != ddas_levering(addresses, seed=12)
    assert list(schema_validator("1.2").iter_errors(doc)) == []
    clients = [s["client"] for s in doc["leveringen"][0]["vroegsignalen"]]
    assert [list(c) for c in clients[:4]] == [["burgerservicenummer"]] * 4
    assert all("burgerservicenummer" not in c and {"postcode", "huisnummer"} <= set(c) for c in clients[4:])
    assert sum("huisnummertoevoeging" in c for c in clients) == 10


def test_the_generated_v12_levering_is_taken_in(region, tmp_path):
    from signals.contracts import load_contract
    from signals.reasons import DDAS_CLIENT_WITHOUT_ADDRESS
    from synthetic.ddas import write_ddas_levering

    path = write_ddas_levering(region, tmp_path / "levering.json", seed=11)
    doc = json.loads(path.read_text(encoding="utf-8"))
    run = _run(
        tmp_path,
        {"levering.json": doc},
        reference=region / "reference",
        supplier="dwnk",
        received=datetime(2026, 11, 1, 6, 30, tzinfo=UTC),
    )
    record = run.records[0]
    assert record.status == "geaccepteerd"
    assert (record.rows_read, record.rows_loaded, record.rows_quarantined) == (40, 36, 4)
    assert record.rows_read == record.rows_loaded + record.rows_quarantined
    # Exactly the four BSN-only clients (lines 1-4), each with the one whole-row reason.
    assert run.findings == [(line, None, DDAS_CLIENT_WITHOUT_ADDRESS) for line in range(1, 5)]
    # Every address-only client is linked to its dwelling (with its toevoeging where it has one).
    assert [row[0] for row in run.detail] == list(range(5, 41))
    assert all(row[4] is not None and row[2] is None for row in run.detail)
    assert sum(row[1].count("-") == 2 for row in run.detail) == 10
    assert {row[3] for row in run.detail} <= set(load_contract("ddas").column("status").values)
    assert {p for _, p, _ in run.staged} == {"water"}


def test_a_document_without_distinguishing_names_is_read_in_the_version_it_fits():
    from signals.ddas import read_ddas
    from signals.delivery import DeliveryRejected

    header = {k: v for k, v in example("1.2").items() if k != "leveringen"}
    frame, warnings, findings = read_ddas(header)
    assert (frame.height, warnings, findings.height) == (0, [], 0)
    # Fits neither: the report is against the current version (a tie in errors).
    with pytest.raises(DeliveryRejected) as rejected:
        read_ddas(header | {"leveringen": [{"teller": 1, "gemeentecode": "0344"}]})
    assert "v1.2" in rejected.value.reason_nl and "aanleverendeOrganisatie" in rejected.value.reason_nl


def test_the_fingerprints_are_the_names_only_one_version_declares():
    from signals.ddas_version import FINGERPRINTS

    def properties(node, out):
        if isinstance(node, dict):
            out.update(node.get("properties", {}))
            for value in node.values():
                properties(value, out)
        elif isinstance(node, list):
            for value in node:
                properties(value, out)
        return out

    names = {
        v: properties(json.loads(schema_path(v).read_text(encoding="utf-8")), set()) for v in ("0.9", "1.2")
    }
    assert FINGERPRINTS["0.9"] == names["0.9"] - names["1.2"]
    assert FINGERPRINTS["1.2"] == names["1.2"] - names["0.9"]


def test_a_version_without_its_schema_gets_the_whole_file_reason(tmp_path, monkeypatch):
    from signals.ddas import SCHEMA_MISSING_NL, read_ddas
    from signals.delivery import DeliveryRejected

    # Only v0.9 installed: a link to the real folder, not a copy.
    (tmp_path / STANDARD.name).symlink_to(STANDARD, target_is_directory=True)
    monkeypatch.setenv("VROEG_DDAS_STANDARDS", str(tmp_path))
    with pytest.raises(DeliveryRejected) as rejected:
        read_ddas(example("1.2"))
    assert rejected.value.reason_nl == SCHEMA_MISSING_NL
    assert read_ddas(example("0.9"))[0].height == 1

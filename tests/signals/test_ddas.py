"""The official DDAS v0.9 examples (read from ../shared/standards, never copied) go through intake."""

import copy
import json
from datetime import UTC, datetime
from pathlib import Path

from signals.addresses import load_reference
from signals.ddas import schema_path
from signals.intake import IncomingFile, ingest_files
from signals.pseudonymise import pseudonym_key
from warehouse.store import write_session

STANDARD = schema_path("0.9").parent
EXAMPLES = ["enkelvoudigVoorbeeld.json", "meervoudigVoorbeeld.json"]


def _reference(folder: Path, documents: list[dict]) -> None:
    """A reference table holding the examples' addresses, so only the BSN decides."""
    lines = ["postcode,huisnummer,huisnummer_toevoeging,straat,woonplaats,gemeente,wijk,buurt,wijkteam"]
    for doc in documents:
        for levering in doc["leveringen"]:
            for signal in levering["vroegsignalen"]:
                c = signal["client"]
                lines.append(
                    f"{c['Postcode']},{c['Huisnummer']},{c.get('Huisnummertoevoeging', '')},"
                    "Straat,Plaats,Voorbeeld,W,B,voorbeeld-team"
                )
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "adressen.csv").write_text("\n".join(lines) + "\n")
    (folder / "buurten.csv").write_text(
        "gemeente,wijk,buurt,wijkteam,inwoners,huishoudens,corporatiewoningen\nVoorbeeld,W,B,voorbeeld-team,1,1,1\n"
    )


def _ingest(tmp_path: Path, files: dict[str, dict]):
    documents = list(files.values())
    _reference(tmp_path / "reference", documents)
    incoming = []
    for name, doc in files.items():
        path = tmp_path / name
        path.write_text(json.dumps(doc))
        incoming.append(IncomingFile(path, "zaanoever", "ddas", datetime(2025, 2, 5, 10, 30, tzinfo=UTC)))
    with write_session(tmp_path / "w.duckdb") as con:
        load_reference(con, tmp_path / "reference")
        records = ingest_files(con, incoming, tmp_path / "archive", pseudonym_key())
        findings = con.execute("select line_no, column_name, reason_nl from quarantine_finding").fetchall()
        staged = con.execute("select source_ref, partner_type, amount_eur from stg_ddas").fetchall()
    return records, findings, staged


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

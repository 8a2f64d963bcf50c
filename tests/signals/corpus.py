"""A corpus of messy and hostile deliveries, each with the report it must produce.

Built in code (not committed as files) so every case reads as: what was delivered, what the
supplier must be told. The addresses are synthetic (postcode letters F/I/O/Q/U/Y never exist).
"""

from __future__ import annotations

import io
import json
from dataclasses import dataclass, field

import polars as pl

REFERENCE = [
    ("1501FI", 12, ""),
    ("1501FI", 14, "A"),
    ("1501FI", 16, ""),
    ("1502OQ", 3, ""),
    ("1503QU", 7, "A"),
    ("1503QU", 7, "B"),
]
ADDRESS = {"postcode": "1501FI", "huisnummer": "12"}

HUUR = {
    "bron_referentie": "H1",
    **ADDRESS,
    "contractnummer": "C-100",
    "maandhuur_eur": "650.00",
    "achterstand_eur": "1300.00",
    "achterstand_sinds": "2026-09-01",
    "signaaldatum": "2026-10-01",
}
ONTRUIMING = {
    "bron_referentie": "O1",
    **ADDRESS,
    "contractnummer": "C-100",
    "reden": "huurachterstand",
    "fase": "vonnis",
    "fase_datum": "2026-09-20",
}
WATER = {
    "bron_referentie": "W1",
    **ADDRESS,
    "klantnummer": "K-9",
    "achterstand_eur": "210",
    "fase": "aankondiging_afsluiting",
    "fase_datum": "2026-09-28",
    "signaaldatum": "2026-09-28",
}
OVERLAST = {"bron_referentie": "N1", **ADDRESS, "categorie": "geluid", "meldingsdatum": "2026-09-30"}
GGD = {
    "bron_referentie": "G1",
    **ADDRESS,
    "categorie": "verward_gedrag",
    "urgentie": "middel",
    "meldingsdatum": "2026-09-29",
}


def csv(rows: list[dict], sep: str = ",", encoding: str = "utf-8", bom: bool = False) -> bytes:
    columns = list(dict.fromkeys(k for r in rows for k in r))
    lines = [sep.join(columns)] + [sep.join(r.get(c, "") or "" for c in columns) for r in rows]
    return (b"\xef\xbb\xbf" if bom else b"") + ("\n".join(lines) + "\n").encode(encoding)


def xlsx(rows: list[dict]) -> bytes:
    buffer = io.BytesIO()
    pl.DataFrame(rows).write_excel(buffer)
    return buffer.getvalue()


def many(base: dict, n: int, **changes) -> list[dict]:
    return [{**base, "bron_referentie": f"{base['bron_referentie']}-{i}", **changes} for i in range(n)]


@dataclass
class Case:
    name: str
    feed: str
    data: bytes
    status: str = "geaccepteerd"
    counts: tuple[int, int, int] | None = None  # read, loaded, quarantined
    findings: list[tuple[int | None, str | None, str]] = field(default_factory=list)
    warnings: list[str] = field(default_factory=list)
    supplier: str = "zaanoever"
    file_name: str = "levering.csv"


def cases() -> list[Case]:
    bad_rows = [
        HUUR,
        {**HUUR, "bron_referentie": "H2", "maandhuur_eur": "0"},
        {**HUUR, "bron_referentie": "H3", "maandhuur_eur": "5000"},
        {**HUUR, "bron_referentie": "H4", "achterstand_eur": "-1"},
        {**HUUR, "bron_referentie": "H5", "achterstand_eur": "100000"},
        {**HUUR, "bron_referentie": "H6", "achterstand_sinds": "2026-10-02"},
        {**HUUR, "bron_referentie": "H7", "signaaldatum": "2026-10-09"},
        {**HUUR, "bron_referentie": "H8", "contractnummer": ""},
        {**HUUR, "bron_referentie": "H9", "postcode": "15O1FI"},
        {**HUUR, "bron_referentie": "H10", "huisnummer": "12a"},
        {**HUUR, "bron_referentie": "H11", "signaaldatum": "1-10-26"},
        {**HUUR, "bron_referentie": "H12", "betalingsregeling": "misschien"},
        {**HUUR, "bron_referentie": "H13", "bsn": "123456789"},
        {**HUUR, "bron_referentie": "H14", "bsn": "11222335"},
        {**HUUR, "bron_referentie": "H15", "huisnummer": "99"},
        {
            **HUUR,
            "bron_referentie": "H16",
            "postcode": "1501 fi",
            "huisnummer": "14",
            "huisnummer_toevoeging": "-a",
        },
        {**HUUR, "bron_referentie": "H1"},
    ]
    return [
        *_mess(),
        Case("clean utf-8 comma", "huurachterstand", csv([HUUR]), counts=(1, 1, 0)),
        Case(
            "windows-1252 semicolon decimal comma dd-mm-yyyy",
            "huurachterstand",
            csv(
                [
                    {
                        **HUUR,
                        "maandhuur_eur": "650,00",
                        "achterstand_eur": "1.300,00",
                        "achterstand_sinds": "01-09-2026",
                        "signaaldatum": "01-10-2026",
                        "woonplaats": "Zaandam-Zuid ëé",
                    }
                ],
                sep=";",
                encoding="cp1252",
            ),
            counts=(1, 1, 0),
        ),
        Case("utf-8 with BOM", "huurachterstand", csv([HUUR], bom=True), counts=(1, 1, 0)),
        Case(
            "headers in other case and with spaces",
            "huurachterstand",
            csv([{k.upper().replace("_", " "): v for k, v in HUUR.items()}]),
            counts=(1, 1, 0),
        ),
        Case(
            "xlsx first sheet", "huurachterstand", xlsx([HUUR]), file_name="levering.xlsx", counts=(1, 1, 0)
        ),
        Case(
            "json array",
            "ggd_melding",
            json.dumps([GGD]).encode(),
            supplier="ggd_zw",
            file_name="levering.json",
            counts=(1, 1, 0),
        ),
        Case(
            "free-text column dropped with a warning",
            "overlast",
            csv([{**OVERLAST, "omschrijving": "buurman belt steeds"}]),
            counts=(1, 1, 0),
            warnings=["omschrijving"],
        ),
        Case(
            "every huurachterstand row rule",
            "huurachterstand",
            csv(bad_rows),
            # 2026-12: of two rows with one bron_referentie the first is taken (line 2), the later one
            # (line 18) waits for a correction; before, both were lost
            counts=(17, 3, 14),
            findings=[
                (3, "maandhuur_eur", "meer dan 0"),
                (4, "maandhuur_eur", "minder dan 5000"),
                (5, "achterstand_eur", "minimaal 0"),
                (6, "achterstand_eur", "minder dan 100000"),
                (7, "achterstand_sinds", "na signaaldatum"),
                (8, "signaaldatum", "toekomst"),
                (9, "contractnummer", "Verplicht"),
                (10, "postcode", "postcode"),
                (11, "huisnummer", "geheel getal"),
                (12, "signaaldatum", "geldige datum"),
                (13, "betalingsregeling", "ja of nee"),
                (14, "bsn", "elfproef"),
                (16, "postcode", "adressentabel"),
                (18, "bron_referentie", "eerdere regel"),
            ],
        ),
        Case(
            "ontruiming rules",
            "ontruiming",
            csv(
                [
                    ONTRUIMING,
                    {**ONTRUIMING, "bron_referentie": "O2", "fase": "ontruiming_gepland"},
                    {
                        **ONTRUIMING,
                        "bron_referentie": "O3",
                        "fase": "ontruiming_gepland",
                        "geplande_datum": "2026-09-01",
                    },
                    {**ONTRUIMING, "bron_referentie": "O4", "fase": "ontruimd"},
                    {**ONTRUIMING, "bron_referentie": "O5", "reden": "schulden"},
                    {
                        **ONTRUIMING,
                        "bron_referentie": "O6",
                        "fase": "Ontruiming gepland",
                        "geplande_datum": "2026-11-20",
                    },
                ]
            ),
            counts=(6, 2, 4),
            findings=[
                (3, "geplande_datum", "Verplicht als fase"),
                (4, "geplande_datum", "voor fase_datum"),
                (5, "fase", "Onbekende waarde"),
                (6, "reden", "Onbekende waarde"),
            ],
        ),
        Case(
            "waterafsluiting rules",
            "waterafsluiting",
            csv(
                [
                    WATER,
                    {**WATER, "bron_referentie": "W2", "fase": "afsluiting_gepland"},
                    {**WATER, "bron_referentie": "W3", "fase": "dicht"},
                ]
            ),
            supplier="dwnk",
            counts=(3, 1, 2),
            findings=[(3, "geplande_afsluitdatum", "Verplicht"), (4, "fase", "Onbekende waarde")],
        ),
        Case(
            "overlast rules",
            "overlast",
            csv(
                [
                    OVERLAST,
                    {**OVERLAST, "bron_referentie": "N2", "ernst": "4"},
                    {**OVERLAST, "bron_referentie": "N3", "status": "lopend"},
                    {**OVERLAST, "bron_referentie": "N4", "categorie": "honden"},
                ]
            ),
            counts=(4, 1, 3),
            findings=[(3, "ernst", "maximaal 3"), (4, "status", "Onbekende"), (5, "categorie", "Onbekende")],
        ),
        Case(
            "ggd rules",
            "ggd_melding",
            csv(
                [
                    GGD,
                    {**GGD, "bron_referentie": "G2", "urgentie": "spoed"},
                    {**GGD, "bron_referentie": "G3", "bekend_bij_zorg": "misschien"},
                ]
            ),
            supplier="ggd_zw",
            counts=(3, 1, 2),
            findings=[(3, "urgentie", "Onbekende"), (4, "bekend_bij_zorg", "Onbekende")],
        ),
        Case(
            "spreadsheet formula in a text field is stored as text",
            "huurachterstand",
            csv([{**HUUR, "contractnummer": '=HYPERLINK("http://x")'}]),
            counts=(1, 1, 0),
        ),
        Case("empty file", "huurachterstand", b"", status="afgewezen", findings=[(None, None, "leeg")]),
        Case(
            "header only: nothing to report this week",
            "huurachterstand",
            csv([HUUR]).split(b"\n")[0] + b"\n",
            counts=(0, 0, 0),
        ),
        Case(
            "no header row",
            "huurachterstand",
            csv([HUUR, HUUR]).split(b"\n", 1)[1],
            status="afgewezen",
            counts=(2, 0, 2),
            findings=[(None, None, "geen kopregel: de eerste regel bevat gegevens")],
        ),
        Case(
            "wrong feed in the folder",
            "huurachterstand",
            csv([GGD]),
            status="afgewezen",
            counts=(1, 0, 1),
            findings=[(None, None, "levering van de feed 'ggd_melding', niet van 'huurachterstand'")],
        ),
        Case(
            "xlsx that is not xlsx",
            "huurachterstand",
            b"bron_referentie\nH1\n",
            file_name="levering.xlsx",
            status="afgewezen",
            findings=[(None, None, "geen Excel-bestand")],
        ),
        Case(
            "corrupt xlsx",
            "huurachterstand",
            b"PK\x03\x04" + b"\x00" * 100,
            file_name="levering.xlsx",
            status="afgewezen",
            findings=[(None, None, "beschadigd")],
        ),
        Case(
            "unreadable encoding",
            "huurachterstand",
            csv([HUUR]) + b"\x81\x8d\x8f\x90\n",
            status="afgewezen",
            findings=[(None, None, "tekencodering")],
        ),
        Case(
            "json object instead of array",
            "ggd_melding",
            json.dumps(GGD).encode(),
            supplier="ggd_zw",
            file_name="levering.json",
            status="afgewezen",
            findings=[(None, None, "lijst")],
        ),
        Case(
            "supplier not allowed this feed",
            "huurachterstand",
            csv([HUUR]),
            supplier="dwnk",
            status="afgewezen",
            findings=[(None, None, "levert geen feed")],
        ),
        Case(
            "unknown supplier",
            "huurachterstand",
            csv([HUUR]),
            supplier="onbekend",
            status="afgewezen",
            findings=[(None, None, "niet bekend")],
        ),
        Case(
            "duplicated header",
            "huurachterstand",
            csv([HUUR]).replace(b"huisnummer,", b"postcode,", 1),
            status="afgewezen",
            findings=[(None, None, "meer dan eens")],
        ),
        Case(
            "a line with too many fields is quarantined, not the file",
            "huurachterstand",
            csv([HUUR]) + b"H2,1501FI,12,C,1,1,2026-09-01,2026-10-01,x,y\n",
            counts=(2, 1, 1),
            findings=[(3, None, "Deze regel heeft 10 velden en de kopregel 8: staat er een scheidingsteken")],
        ),
        Case(
            "a correction and a status update of one report in one file: the first is taken",
            "overlast",
            csv([OVERLAST, {**OVERLAST, "status": "afgesloten"}, {**OVERLAST, "bron_referentie": "N2"}]),
            counts=(3, 2, 1),
            findings=[(3, "bron_referentie", "opnieuw in een volgende levering")],
        ),
        Case(
            "a flat without toevoeging where the number has one dwelling is linked to it",
            "ggd_melding",
            csv([{**GGD, "huisnummer": "14"}]),
            supplier="ggd_zw",
            counts=(1, 1, 0),
            warnings=["zonder huisnummertoevoeging gekoppeld"],
        ),
        Case(
            "a flat without toevoeging where the number has several dwellings names them",
            "ggd_melding",
            csv([{**GGD, "postcode": "1503QU", "huisnummer": "7"}]),
            supplier="ggd_zw",
            counts=(1, 0, 1),
            findings=[(2, "huisnummer_toevoeging", "toevoeging A, B")],
        ),
        Case(
            "person fields only in the contact table",
            "huurachterstand",
            csv(
                [
                    {
                        **HUUR,
                        "bsn": "111222333",
                        "voorletters": "A.",
                        "achternaam": "Testpersoon",
                        "telefoon": "0699999999",
                        "email": "a@example.nl",
                    }
                ]
            ),
            counts=(1, 1, 0),
        ),
    ]


def _mess() -> list[Case]:
    from tests.signals.corpus_mess import mess_cases

    return mess_cases()

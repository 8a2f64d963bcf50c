"""The corpus, continued: real-world mess and hostile files, one case per kind (issue 14).

Every kind of defect a supplier's export, a text editor or an attacker produced: a row-level
defect quarantines its row (line, column, reason), a whole-file problem gets its own sentence,
what is not data is not counted. The names and BSNs here are planted (BSNs pass the elfproef, so
they look real to every check) and must never come back in a reason: the privacy test
(`test_privacy.py`) feeds them through every rejection path.
"""

from __future__ import annotations

import copy
import io
import json
import zipfile

from synthetic.hostile import lying_archive, zip_bomb
from tests.signals.corpus import GGD, HUUR, OVERLAST, Case, csv

PLANTED_BSN = "111222333"
PLANTED_NAME = "Vermeulen-Plantinga"
PLANTED_PHONE = "0612398745"
DDAS_EXAMPLE = "ddas-vroegsignalering-v0.9/enkelvoudigVoorbeeld.json"


def ddas_example() -> dict:
    from signals.ddas import schema_path

    return json.loads((schema_path("0.9").parents[1] / DDAS_EXAMPLE).read_text(encoding="utf-8"))


def planted_ddas() -> dict:
    """The official example with our planted person values in its client."""
    doc = copy.deepcopy(ddas_example())
    client = doc["leveringen"][0]["vroegsignalen"][0]["client"]
    client.update(Burgerservicenummer=PLANTED_BSN, Achternaam=PLANTED_NAME)
    doc["leveringen"][0]["aanleverende_organisatie"]["contactpersoonen"][0]["telefoonnummer"] = PLANTED_PHONE
    return doc


def text_csv(text: str, encoding: str = "utf-8") -> bytes:
    return text.encode(encoding)


HEADER = ",".join(HUUR)
LINE = ",".join(HUUR.values())


def _row(**changes: str) -> str:
    return ",".join({**HUUR, **changes}.values())


def empty_first_sheet() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    second = workbook.create_sheet("Signalen")
    second.append(list(HUUR))
    second.append(list(HUUR.values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def xlsx_with_gaps() -> bytes:
    """Two empty rows above the header and an empty row between the data rows."""
    import openpyxl

    workbook = openpyxl.Workbook()
    sheet = workbook.active
    sheet.append([])
    sheet.append([])
    sheet.append(list(HUUR))
    sheet.append(list(HUUR.values()))
    sheet.append([])
    sheet.append(list({**HUUR, "bron_referentie": "H2", "achterstand_eur": "-3"}.values()))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def mess_cases() -> list[Case]:
    ddas_array = json.dumps([planted_ddas()]).encode()
    ddas_text_amount = planted_ddas()
    ddas_text_amount["leveringen"][0]["vroegsignalen"][0]["bedrag"] = "450,00"
    quoted_newline = (
        f"{HEADER},opmerking\n"
        f'{LINE},"eerste regel\ntweede regel\nderde regel"\n'
        f"{_row(bron_referentie='H2', achterstand_eur='-1')},\n"
    )
    return [
        Case(
            "an unquoted decimal comma in a comma file quarantines that line only",
            "huurachterstand",
            text_csv(
                f"{HEADER}\n{LINE}\n{_row(bron_referentie='H2', maandhuur_eur='650,00')}\n"
                f"{_row(bron_referentie='H3')}\n"
            ),
            counts=(3, 2, 1),
            findings=[(3, None, "Deze regel heeft 9 velden en de kopregel 8: staat er een scheidingsteken")],
        ),
        Case(
            "a line with too few fields is quarantined, not padded",
            "huurachterstand",
            text_csv(f"{HEADER}\n{LINE}\nH2,1501FI,12,C-100\n"),
            counts=(2, 1, 1),
            findings=[(3, None, "Deze regel heeft 4 velden en de kopregel 8: er ontbreken waarden")],
        ),
        Case(
            "trailing separators beyond the header are tolerated",
            "huurachterstand",
            text_csv(f"{HEADER}\n{LINE},,\n"),
            counts=(1, 1, 0),
        ),
        Case(
            "a header ending in separators, rows without them",
            "huurachterstand",
            text_csv(f"{HEADER};;\n{LINE}\n".replace(",", ";")),
            counts=(1, 1, 0),
        ),
        Case(
            "NUL characters in a reference",
            "ggd_melding",
            csv([{**GGD, "bron_referentie": "GG-\x00\x00\x00"}]),
            supplier="ggd_zw",
            counts=(1, 0, 1),
            findings=[(2, "bron_referentie", "stuurtekens")],
        ),
        Case(
            "an ANSI colour code in a surname",
            "huurachterstand",
            csv([{**HUUR, "achternaam": f"\x1b[31m{PLANTED_NAME}\x1b[0m"}]),
            counts=(1, 0, 1),
            findings=[(2, "achternaam", "stuurtekens")],
        ),
        Case(
            "a 10,000-character surname",
            "huurachterstand",
            csv([{**HUUR, "achternaam": "x" * 10_000}]),
            counts=(1, 0, 1),
            findings=[(2, "achternaam", "te lang: 10000 tekens, hoogstens 100")],
        ),
        Case(
            "a reference longer than the contract allows",
            "overlast",
            csv([{**OVERLAST, "bron_referentie": "N" * 101}]),
            counts=(1, 0, 1),
            findings=[(2, "bron_referentie", "hoogstens 100")],
        ),
        Case(
            "NaN as an amount is not a missing amount",
            "huurachterstand",
            csv(
                [
                    {**HUUR, "achterstand_eur": "NaN"},
                    {**HUUR, "bron_referentie": "H2", "maandhuur_eur": "inf"},
                ]
            ),
            counts=(2, 0, 2),
            findings=[
                (2, "achterstand_eur", "Geen geldig bedrag"),
                (3, "maandhuur_eur", "Geen geldig bedrag"),
            ],
        ),
        Case(
            "separator-only rows and blank lines are not data",
            "huurachterstand",
            text_csv(
                f"{HEADER}\n\n{LINE}\n,,,,,,,\n   \n{_row(bron_referentie='H2', achterstand_eur='-1')}\n\n"
            ),
            counts=(2, 1, 1),
            findings=[(6, "achterstand_eur", "minimaal 0")],
        ),
        Case(
            "semicolon-only rows in a semicolon file",
            "overlast",
            csv([OVERLAST], sep=";") + b";;;;\n;;;;\n",
            counts=(1, 1, 0),
        ),
        Case(
            "line numbers as an editor shows them after a quoted line break",
            "huurachterstand",
            text_csv(quoted_newline),
            counts=(2, 1, 1),
            warnings=["opmerking"],
            findings=[(5, "achterstand_eur", "minimaal 0")],
        ),
        Case(
            "a quote that never closes makes its line unreadable",
            "huurachterstand",
            text_csv(f"{HEADER}\n{LINE}\n{_row(bron_referentie='H2', contractnummer=chr(34) + 'C-7')}\n"),
            counts=(2, 1, 1),
            findings=[(3, None, "aanhalingstekens")],
        ),
        Case(
            "a stray quote inside a value is read as a character",
            "huurachterstand",
            text_csv(f"{HEADER}\n{_row(contractnummer='C-7' + chr(34) + 'B' + chr(34) + 'X')}\n"),
            counts=(1, 1, 0),
        ),
        Case(
            "UTF-16 is named",
            "huurachterstand",
            b"\xff\xfe" + csv([HUUR]).decode().encode("utf-16-le"),
            status="afgewezen",
            findings=[(None, None, "in UTF-16 opgeslagen")],
        ),
        Case(
            "UTF-16 without a byte-order mark is named too",
            "huurachterstand",
            csv([HUUR]).decode().encode("utf-16-be"),
            status="afgewezen",
            findings=[(None, None, "in UTF-16 opgeslagen")],
        ),
        Case(
            "a tab-separated export",
            "huurachterstand",
            csv([HUUR], sep="\t"),
            status="afgewezen",
            findings=[(None, None, "gescheiden met tabs")],
        ),
        Case(
            "an XLSX whose first sheet is empty",
            "huurachterstand",
            empty_first_sheet(),
            file_name="levering.xlsx",
            status="afgewezen",
            findings=[(None, None, "eerste werkblad is leeg")],
        ),
        Case(
            "XLSX rows numbered as Excel shows them",
            "huurachterstand",
            xlsx_with_gaps(),
            file_name="levering.xlsx",
            counts=(2, 1, 1),
            findings=[(6, "achterstand_eur", "minimaal 0")],
        ),
        Case(
            "an XLSX with only a header row",
            "huurachterstand",
            _header_only_xlsx(),
            file_name="levering.xlsx",
            counts=(0, 0, 0),
        ),
        Case(
            "a zip bomb is refused before it is inflated",
            "huurachterstand",
            zip_bomb(),
            file_name="levering.xlsx",
            status="afgewezen",
            findings=[(None, None, "zip-bom")],
        ),
        Case(
            "an archive that inflates to more than it declares",
            "huurachterstand",
            lying_archive(),
            file_name="levering.xlsx",
            status="afgewezen",
            findings=[(None, None, "meer dan het archief zelf opgeeft")],
        ),
        Case(
            "a plain zip archive",
            "huurachterstand",
            _plain_zip(),
            file_name="levering.zip",
            status="afgewezen",
            findings=[(None, None, "ZIP-archief, geen Excel-bestand")],
        ),
        Case(
            "an old .xls or a password-protected workbook",
            "huurachterstand",
            b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 512,
            file_name="levering.xls",
            status="afgewezen",
            findings=[(None, None, "oud Excel-bestand")],
        ),
        Case(
            "a JSON list with an element that is not an object",
            "ggd_melding",
            json.dumps([GGD, PLANTED_BSN, {**GGD, "bron_referentie": "G2"}]).encode(),
            supplier="ggd_zw",
            file_name="levering.json",
            counts=(3, 2, 1),
            findings=[(2, None, "geen object")],
        ),
        Case(
            "a JSON value that is a list",
            "ggd_melding",
            json.dumps([{**GGD, "categorie": ["verward_gedrag", "geluid"]}]).encode(),
            supplier="ggd_zw",
            file_name="levering.json",
            counts=(1, 0, 1),
            findings=[(1, "categorie", "Geen enkelvoudige waarde")],
        ),
        Case(
            "an empty JSON list is a delivery of nothing",
            "ggd_melding",
            b"[]",
            supplier="ggd_zw",
            file_name="levering.json",
            counts=(0, 0, 0),
        ),
        Case(
            "a DDAS file whose top level is an array",
            "ddas",
            ddas_array,
            file_name="levering.json",
            status="afgewezen",
            findings=[
                (
                    None,
                    None,
                    "bij het hoogste niveau van het bestand: verwacht een object, maar gevonden: een lijst",
                )
            ],
        ),
        Case(
            "a DDAS amount as text, translated with its path",
            "ddas",
            json.dumps(ddas_text_amount).encode(),
            file_name="levering.json",
            status="afgewezen",
            findings=[
                (
                    None,
                    None,
                    "bij leveringen[1].vroegsignalen[1].bedrag: verwacht een geheel getal, "
                    "maar gevonden: tekst",
                )
            ],
        ),
    ]


def _header_only_xlsx() -> bytes:
    import openpyxl

    workbook = openpyxl.Workbook()
    workbook.active.append(list(HUUR))
    buffer = io.BytesIO()
    workbook.save(buffer)
    return buffer.getvalue()


def _plain_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("levering.csv", csv([HUUR]))
    return buffer.getvalue()

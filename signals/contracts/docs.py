"""The supplier documentation (docs/feeds.md, Dutch), generated from the contract files."""

from __future__ import annotations

from importlib import resources

from signals.contracts import Column, all_contracts

# Sections after the feeds, each kept in its own Markdown file beside the contracts.
_APPENDICES = ("docs_receipts.md", "docs_closing.md")

_TYPES = {
    "text": "tekst",
    "decimal": "bedrag/getal",
    "integer": "geheel getal",
    "date": "datum",
    "enum": "keuzelijst",
    "janee": "ja/nee",
    "postcode": "postcode",
    "bsn": "BSN",
}


def _rule(c: Column) -> str:
    parts = []
    if c.type == "text":
        parts.append(f"hoogstens {c.length_limit} tekens")
    if c.values:
        parts.append("een van: " + ", ".join(f"`{v}`" for v in c.values))
    if c.min is not None:
        parts.append(f"{'>' if c.min_exclusive else '≥'} {c.min:g}")
    if c.max is not None:
        parts.append(f"{'<' if c.max_exclusive else '≤'} {c.max:g}")
    if c.not_after:
        parts.append("niet in de toekomst" if c.not_after == "received" else f"niet na {c.not_after}")
    if c.not_before:
        parts.append(f"niet voor {c.not_before}")
    for other, value in (c.required_when or {}).items():
        parts.append(f"verplicht als {other} = `{value}`")
    return "; ".join(parts)


def render_feed_docs() -> str:
    lines = [
        "# Feeds voor leveranciers",
        "",
        "<!-- Gegenereerd uit signals/contracts/*.yaml met `vroeg contracts docs`; "
        "niet met de hand wijzigen. -->",
        "",
        "Eén levering is één bestand (CSV, XLSX of JSON) van één feed van één leverancier. Uw",
        "leverancierscode en de feed volgen uit het kanaal (uploadaccount, API-pad of map",
        "`inbox/<leverancier>/<feed>/`), nooit uit de bestandsnaam.",
        "",
        "- CSV: komma of puntkomma; UTF-8 (met of zonder BOM) of Windows-1252; kopregel verplicht;",
        "  decimale komma of punt; datums `JJJJ-MM-DD` of `DD-MM-JJJJ`. Kolomnamen zijn niet",
        "  hoofdlettergevoelig en spaties tellen niet.",
        "- Kolommen met vrije tekst (opmerkingen, omschrijvingen) worden niet opgeslagen; u krijgt",
        "  een waarschuwing in het leveringsrapport.",
        "- Dezelfde `bron_referentie` in een latere levering is een correctie van de eerdere regel.",
        "- Hetzelfde bestand twee keer leveren verandert niets.",
        "- U krijgt per levering direct een rapport: geaccepteerd of afgewezen (met de reden),",
        "  aantallen, en per afgewezen regel het regelnummer, de kolom, de waarde en de reden.",
        "",
        "## Hoe wij een levering lezen",
        "",
        "- **Een fout in een regel kost die regel, nooit het bestand.** Een regel met meer of minder",
        "  velden dan de kopregel (bijvoorbeeld een decimale komma in een bestand met komma's, zonder",
        "  aanhalingstekens), een waarde met stuurtekens (NUL, ESC, kleurcodes, een regeleinde), een",
        "  waarde langer dan de kolom toestaat (zie 'hoogstens … tekens' hieronder) of een ongeldige",
        "  waarde in een kolom die niet verplicht is: die regel komt in quarantaine met regelnummer,",
        "  kolom en reden; de andere regels worden verwerkt. Lege velden achteraan een regel (een",
        "  export die elke regel met een scheidingsteken afsluit) zijn geen fout.",
        "- **Alleen wat het hele bestand betreft, wijst het bestand af**, elk met een eigen zin: leeg,",
        "  een andere tekencodering (UTF-16 en UTF-32 noemen wij bij naam), geen kopregel, een kolom",
        "  twee keer in de kopregel, een bestand van een andere feed, geen echt XLSX-bestand, een leeg",
        "  eerste werkblad, een ZIP-archief, een oud of beveiligd Excel-bestand, en een DDAS-levering",
        "  die niet aan het schema voldoet (wij noemen de plek, nooit de waarden).",
        "- **Regelnummers zijn die van uw editor of Excel**, ook na een waarde met een regeleinde",
        "  tussen aanhalingstekens en na lege regels. In JSON tellen de elementen van de lijst vanaf 1.",
        "- **Geen gegevens is geen regel**: lege regels en regels met alleen scheidingstekens",
        "  (`;;;;`) tellen niet mee. Een bestand met alleen een kopregel (of een lege JSON-lijst) is",
        "  een geldige levering van 0 regels: u had deze week niets te melden, en dat telt als",
        "  tijdige levering.",
        "- **Twee regels met dezelfde `bron_referentie` in één bestand**: de eerste wordt verwerkt, de",
        "  latere komt in quarantaine. Is die latere een correctie of een nieuwe stand, lever hem dan",
        "  in een volgende levering; daar geldt hij als correctie.",
        "- **Een flat zonder huisnummertoevoeging** wordt gekoppeld als er op dat huisnummer één",
        "  woning is, of één woning waar al een huishouden bekend is; anders komt de regel in",
        "  quarantaine met de toevoegingen die er wel zijn. Lever hem dan opnieuw met de toevoeging",
        "  (dezelfde `bron_referentie`): de correctie wordt gekoppeld.",
        "- **Omvang**: een levering is hoogstens 25 MB (ruim 300.000 regels CSV); een XLSX-bestand",
        "  mag uitgepakt hoogstens 100 MB zijn. Lever een grotere historie in delen. Een",
        "  ZIP-archief dat veel verder uitpakt dan een werkmap ooit doet (een zip-bom), weigeren wij",
        "  zonder het uit te pakken.",
        "- **Persoonsgegevens** (BSN, naam, geboortedatum, telefoon, e-mail) staan nooit in een reden",
        "  of rapport; in het rapport staat bij zo'n kolom '(verborgen)'.",
        "",
    ]
    for contract in all_contracts():
        lines += [
            f"## {contract.title} (`{contract.feed}`, versie {contract.version})",
            "",
            contract.description.strip(),
            "",
            "| kolom | type | verplicht | regel | toelichting |",
            "|---|---|---|---|---|",
        ]
        for c in contract.columns:
            required = "ja" if c.required else ("soms" if c.required_when else "nee")
            lines.append(f"| `{c.name}` | {_TYPES[c.type]} | {required} | {_rule(c)} | {c.description} |")
        lines.append("")
    for name in _APPENDICES:
        text = resources.files("signals.contracts").joinpath(name).read_text(encoding="utf-8")
        lines += [text.rstrip(), ""]
    return "\n".join(lines)

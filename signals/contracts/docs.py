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

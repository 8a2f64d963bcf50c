"""Which DDAS version a levering is written in, told by its field names (no schema needed).

v0.9 and v1.2 name several fields differently (v0.9 `aanleverende_organisatie`, `Burgerservicenummer`,
`Postcode`; v1.2 `aanleverendeOrganisatie`, `burgerservicenummer`, `postcode`). FINGERPRINTS holds,
per version, the property names only that version's schema declares (a test keeps them equal to
the schemas); they are written out here so a levering's version is known even when its schema is
not installed, and the supplier can be told which one is missing.
"""

from __future__ import annotations

from collections.abc import Iterator

FINGERPRINTS: dict[str, frozenset[str]] = {
    "0.9": frozenset(
        {
            "aanleverende_organisatie",
            "contactpersoonen",
            "startdatum_matchtingperiode",
            "einddatum_matchingperiode",
            "datum_opgepakt",
            "Burgerservicenummer",
            "Voorletters",
            "Voorvoegsel",
            "Achternaam",
            "Geboortedatum",
            "Straatnaam",
            "Postcode",
            "Huisnummer",
            "Huisnummertoevoeging",
            "Plaatsnaam",
        }
    ),
    "1.2": frozenset(
        {
            "aanleverendeOrganisatie",
            "contactpersonen",
            "startdatumMatchingperiode",
            "einddatumMatchingperiode",
            "datumOpgepakt",
            "burgerservicenummer",
            "geboortedatum",
            "geslachtsaanduiding",
            "postcode",
            "huisnummer",
            "huisnummertoevoeging",
        }
    ),
}

Path = tuple[str | int, ...]


def _keys(document: object) -> Iterator[tuple[Path, str]]:
    """(path of the object, key) for every object key in the document: an object's own keys in
    their order, then what its values hold, depth first."""
    stack: list[tuple[Path, object]] = [((), document)]
    while stack:
        path, node = stack.pop()
        if isinstance(node, dict):
            children = list(node.items())
            for key, _ in children:
                yield path, str(key)
        elif isinstance(node, list):
            children = list(enumerate(node))
        else:
            continue
        # Reversed so the stack pops them in document order.
        stack.extend(((*path, key), value) for key, value in reversed(children))


def version_names(document: object) -> dict[str, list[tuple[Path, str]]]:
    """Per version, where the document uses a name only that version declares (reading order)."""
    found: dict[str, list[tuple[Path, str]]] = {version: [] for version in FINGERPRINTS}
    for path, key in _keys(document):
        for version, names in FINGERPRINTS.items():
            if key in names:
                found[version].append((path, key))
    return found


def named_version(found: dict[str, list[tuple[Path, str]]], current: str) -> str | None:
    """The version whose names the document uses most; `current` on a tie; None without any."""
    counts = {version: len(places) for version, places in found.items()}
    if not any(counts.values()):
        return None
    best = max(counts.values())
    leaders = [version for version, count in counts.items() if count == best]
    return current if current in leaders else leaders[0]

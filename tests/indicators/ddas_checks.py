"""Checks shared by the DDAS export tests: the official schema (read from ../shared, never copied)
and a search for personal data and warehouse keys in an exported document."""

from __future__ import annotations

import json
import re
from pathlib import Path

from jsonschema import Draft202012Validator

STANDARDS = Path(__file__).parents[2].parent / "shared/standards"


def schema_file(version: str) -> Path:
    return STANDARDS / f"ddas-vroegsignalering-v{version}" / "json_schema_Uitwisselmodel.json"


def validator(version: str = "0.9") -> Draft202012Validator:
    return Draft202012Validator(_schema(version), format_checker=Draft202012Validator.FORMAT_CHECKER)


def _schema(version: str = "0.9") -> dict:
    return json.loads(schema_file(version).read_text(encoding="utf-8"))


def client_fields(version: str = "0.9") -> set[str]:
    """The schema's client properties: BSN, name, birth date, address (all personal)."""
    signal = _schema(version)["properties"]["leveringen"]["items"]["properties"]["vroegsignalen"]["items"]
    return set(signal["properties"]["client"]["properties"])


def strings(node) -> list[str]:
    """Every key and string value of a JSON document."""
    if isinstance(node, dict):
        return [s for k, v in node.items() for s in (k, *strings(v))]
    if isinstance(node, list):
        return [s for v in node for s in strings(v)]
    return [node] if isinstance(node, str) else []


def personal_data_in(document: dict, values: set[str], keys: set[str]) -> list[str]:
    """Personal values (exact string values, or anywhere in the text for 9-digit BSNs and the
    warehouse's keys) and personal field names found in a v0.9 `document` (whose client is empty)."""
    text = json.dumps(document, ensure_ascii=False)
    found = sorted(set(strings(document)) & (values | client_fields()))
    found += [k for k in sorted(keys) if k in text]
    found += re.findall(r"(?<!\d)\d{9}(?!\d)", text)  # a BSN anywhere, also inside another value
    found += re.findall(r"\b\d{4} ?[A-Z]{2}\b", text)  # a postcode anywhere
    return found


def beyond_the_address_in(document: dict, values: set[str], keys: set[str]) -> list[str]:
    """In a v1.2 `document`, whose clients are addresses: any other personal value (names, BSN,
    phone, street, town: `values`), any warehouse key, any BSN-like number, and any client field
    other than postcode, huisnummer and huisnummertoevoeging."""
    text = json.dumps(document, ensure_ascii=False)
    found = sorted(set(strings(document)) & values)
    found += [k for k in sorted(keys) if k in text]
    found += re.findall(r"(?<!\d)\d{9}(?!\d)", text)
    for levering in document["leveringen"]:
        for signal in levering.get("vroegsignalen", []):
            found += sorted(set(signal["client"]) - {"postcode", "huisnummer", "huisnummertoevoeging"})
    return found

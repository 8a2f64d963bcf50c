"""DDAS schema errors in Dutch, without a single delivered value.

jsonschema's own messages quote the offending instance ("'450,00' is not of type 'integer'"; for
a file whose top level is an array: the whole document, BSNs and names included), so none of its
text is used. A sentence is built from the kind of check that failed, what the schema expects
(the schema is ours to quote), the JSON type that was found, and the path to the spot: object
keys only when the schema declares them, list positions counted from 1 like the report's
record numbers. A key the delivered object holds beyond the schema is named only when one of
the DDAS schemas declares that name (then it is the standard's word, not the supplier's).
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

_TYPES = {
    "string": "tekst",
    "integer": "een geheel getal",
    "number": "een getal",
    "boolean": "true of false",
    "object": "een object",
    "array": "een lijst",
    "null": "null",
}
_FORMATS = {
    "date": "een datum als JJJJ-MM-DD",
    "date-time": "een datum en tijd met tijdzone als JJJJ-MM-DDTHH:MM:SSZ",
    "time": "een tijd als HH:MM:SS",
    "email": "een e-mailadres",
}
_ENUM_SHOWN = 12
# The v1.2 client identity (its `oneOf`): what a supplier needs to know whatever went wrong.
CLIENT_RULE = "een cliënt heeft óf een burgerservicenummer van 9 tekens óf postcode en huisnummer"
_CLIENT_BSN = "burgerservicenummer"
_CLIENT_ADDRESS = ("postcode", "huisnummer")


def json_type(value: object) -> str:
    """The Dutch name of a JSON value's type (never the value)."""
    match value:
        case bool():
            return _TYPES["boolean"]
        case int():
            return _TYPES["integer"]
        case float():
            return _TYPES["number"]
        case str():
            return _TYPES["string"]
        case dict():
            return _TYPES["object"]
        case list():
            return _TYPES["array"]
        case None:
            return _TYPES["null"]
    return "een onbekend type"


def declared_names(schema: dict) -> frozenset[str]:
    """Every property name the schema declares anywhere (safe to repeat in a path)."""
    names: set[str] = set()

    def walk(node: Any) -> None:
        if isinstance(node, dict):
            for key in ("properties", "$defs"):
                if isinstance(node.get(key), dict):
                    names.update(node[key])
            for value in node.values():
                walk(value)
        elif isinstance(node, list):
            for value in node:
                walk(value)

    walk(schema)
    return frozenset(names)


def json_path(path: Iterable[object], declared: frozenset[str]) -> str:
    """`leveringen[1].vroegsignalen[3].bedrag`; positions from 1, undeclared keys left out."""
    out = ""
    for part in path:
        if isinstance(part, int):
            out += f"[{part + 1}]"
        else:
            name = str(part) if str(part) in declared else "(veld buiten het schema)"
            out += f".{name}" if out else name
    return out or "het hoogste niveau van het bestand"


def _expected_types(expected: object) -> str:
    kinds = expected if isinstance(expected, list) else [expected]
    return " of ".join(_TYPES.get(str(k), "een ander type") for k in kinds)


def _names(names: list[str]) -> str:
    return names[0] if len(names) == 1 else f"{', '.join(names[:-1])} en {names[-1]}"


def _extra_keys(error: Any, declared: frozenset[str]) -> str:
    """additionalProperties: the keys the schema does not allow here, named when declared."""
    instance = error.instance if isinstance(error.instance, dict) else {}
    allowed = error.schema.get("properties", {}) if isinstance(error.schema, dict) else {}
    extra = [str(k) for k in instance if k not in allowed]
    named = [k for k in extra if k in declared]
    if not named:
        return "bevat een veld dat het DDAS-schema hier niet kent"
    unnamed = len(extra) - len(named)
    also = f" (en {unnamed} ander(e) veld(en) buiten het schema)" if unnamed else ""
    word, which = ("het veld", "dat") if len(named) == 1 else ("de velden", "die")
    return f"bevat {word} {_names(named)}{also}, {which} het DDAS-schema hier niet kent"


def _client_sentence(error: Any, declared: frozenset[str]) -> str:
    """The v1.2 client `oneOf`: BSN only (of 9 characters), or postcode and huisnummer without BSN."""
    client = error.instance if isinstance(error.instance, dict) else {}
    lengths = [e for e in error.context if e.validator in ("minLength", "maxLength")]
    if lengths:
        word = "te kort" if lengths[0].validator == "minLength" else "te lang"
        return f"het burgerservicenummer is {word}; {CLIENT_RULE}"
    if _CLIENT_BSN in client:
        others = [str(k) for k in client if k != _CLIENT_BSN and str(k) in declared]
        if not others:
            besides = "staat hier ook een ander veld"
        else:
            besides = f"{'staat' if len(others) == 1 else 'staan'} hier ook {_names(others)}"
        return f"naast het burgerservicenummer {besides}; {CLIENT_RULE}"
    missing = [name for name in _CLIENT_ADDRESS if name not in client]
    verb = "ontbreekt" if len(missing) == 1 else "ontbreken"
    return f"{_names(missing)} {verb}; {CLIENT_RULE}" if missing else CLIENT_RULE


def _sentence(error: Any, declared: frozenset[str]) -> str:
    """What is wrong at the error's spot, from the validator kind and the schema's own values."""
    kind, expected, instance = error.validator, error.validator_value, error.instance
    if kind == "oneOf" and error.path and error.path[-1] == "client":
        return _client_sentence(error, declared)
    match kind:
        case "type":
            return f"verwacht {_expected_types(expected)}, maar gevonden: {json_type(instance)}"
        case "required":
            missing = [p for p in expected if isinstance(instance, dict) and p not in instance]
            names = ", ".join(missing) or ", ".join(expected)
            return f"verplicht veld ontbreekt: {names}"
        case "additionalProperties" | "unevaluatedProperties":
            return _extra_keys(error, declared)
        case "enum":
            values = [str(v) for v in expected]
            shown = ", ".join(f"'{v}'" for v in values[:_ENUM_SHOWN])
            more = f" (en {len(values) - _ENUM_SHOWN} andere)" if len(values) > _ENUM_SHOWN else ""
            return f"geen toegestane waarde; toegestaan zijn: {shown}{more}"
        case "const":
            return "geen toegestane waarde"
        case "format":
            return f"verwacht {_FORMATS.get(str(expected), 'een andere notatie')}"
        case "minLength":
            return f"te kort: minstens {expected} teken(s)"
        case "maxLength":
            return f"te lang: hoogstens {expected} tekens"
        case "pattern":
            return "heeft niet de vorm die het DDAS-schema voorschrijft"
        case "minItems":
            return "de lijst is leeg" if expected == 1 else f"de lijst heeft minder dan {expected} elementen"
        case "maxItems":
            return f"de lijst heeft meer dan {expected} elementen"
        case "uniqueItems":
            return "de lijst bevat twee gelijke elementen"
        case "minimum" | "exclusiveMinimum":
            word = "minstens" if kind == "minimum" else "meer dan"
            return f"te klein: {word} {expected}"
        case "maximum" | "exclusiveMaximum":
            word = "hoogstens" if kind == "maximum" else "minder dan"
            return f"te groot: {word} {expected}"
        case "oneOf" | "anyOf":
            return "past bij geen van de vormen die het DDAS-schema hier toestaat"
        case "dependentRequired":
            return "een veld ontbreekt dat verplicht is naast een ander veld"
    return "voldoet niet aan het DDAS-schema"


def _order(error: Any) -> tuple[str, ...]:
    return tuple(f"{p:09d}" if isinstance(p, int) else str(p) for p in error.absolute_path)


def schema_reason(errors: list[Any], version: str, declared: frozenset[str]) -> str:
    """One Dutch sentence for a levering that fails the DDAS schema: how many errors, and the first.

    `declared` is `declared_names(schema)` of every DDAS version: the keys a sentence may name.
    """
    first = sorted(errors, key=_order)[0]
    where = json_path(first.absolute_path, declared)
    count = "1 fout" if len(errors) == 1 else f"{len(errors)} fouten"
    return (
        f"Het bestand voldoet niet aan het DDAS-schema v{version} ({count}); "
        f"de eerste: bij {where}: {_sentence(first, declared)}."
    )


def mixed_versions_reason(
    version: str, other: str, path: Iterable[object], name: str, declared: frozenset[str]
) -> str:
    """A levering read as `version` that also uses `name`, a field name only `other` declares."""
    where = json_path(path, declared)
    return (
        f"Het bestand mengt veldnamen van DDAS v{version} en v{other}: bij {where} staat {name}, "
        f"een veldnaam uit v{other}, terwijl het bestand verder v{version} volgt. Gebruik in het hele "
        "bestand de veldnamen van één versie."
    )

"""Whole-file rejections of DDAS leveringen: every failure class of the v1.2 schema, and a file
mixing versions, gives one Dutch sentence that names the spot by declared keys and 1-based
positions and holds none of the values planted in the file (standards read from ../shared)."""

import pytest

from signals.ddas import read_ddas
from signals.delivery import DeliveryRejected
from tests.signals.test_ddas import _ingest, _reference, example


def _signal(doc: dict) -> dict:
    return doc["leveringen"][0]["vroegsignalen"][0]


def _contact(doc: dict) -> dict:
    return doc["leveringen"][0]["aanleverendeOrganisatie"]["contactpersonen"][0]


def _set(getter, key, value):
    def change(doc):
        getter(doc)[key] = value

    return change


def _client(client):
    return _set(_signal, "client", client)


def _top(key, value):
    return _set(lambda doc: doc, key, value)


def _delete(getter, key):
    return lambda doc: getter(doc).pop(key)


def _org(key, value):
    return _set(lambda doc: doc["leveringen"][0]["aanleverendeOrganisatie"], key, value)


_TWIN = {"naam": "Plantteam 7716", "email": "uniek.7716@plant.example"}
REJECTIONS = {
    # name: (change, planted values, words the Dutch sentence must hold)
    "type": (
        _set(_signal, "bedrag", "PLANT-7391"),
        ["PLANT", "7391"],
        ["bedrag", "een geheel getal", "tekst"],
    ),
    "format date": (
        _set(_signal, "signaaldatum", "2031-19-77"),
        ["2031", "19-77"],
        ["signaaldatum", "JJJJ-MM-DD"],
    ),
    "format date-time": (
        _top("aanleverdatumEnTijd", "gisteren-8812"),
        ["gisteren", "8812"],
        ["aanleverdatumEnTijd"],
    ),
    "format email": (
        _set(_contact, "email", "geen-adres-5521"),
        ["geen-adres", "5521"],
        ["email", "e-mailadres"],
    ),
    "enum": (_set(_signal, "status", "Verzonnen 4471"), ["Verzonnen", "4471"], ["status", "'Opgepakt'"]),
    "required": (_delete(_signal, "ID"), ["VS-2025-0001"], ["verplicht veld ontbreekt: ID"]),
    "additionalProperties unknown": (
        _set(_signal, "Geheim9137", "waarde-6624"),
        ["Geheim9137", "6624"],
        ["een veld dat het DDAS-schema hier niet kent"],
    ),
    "additionalProperties declared": (_set(_signal, "teller", 4242), ["4242"], ["het veld teller"]),
    "oneOf neither": (
        _client({"geboortedatum": "1977-07-07", "geslachtsaanduiding": "Vrouw"}),
        ["1977"],
        [
            "postcode en huisnummer ontbreken",
            "óf een burgerservicenummer van 9 tekens óf postcode en huisnummer",
        ],
    ),
    "oneOf both": (
        _client({"burgerservicenummer": "314159265", "postcode": "9999ZZ", "huisnummer": "8123"}),
        ["314159265", "9999ZZ", "8123"],
        ["naast het burgerservicenummer staan hier ook postcode en huisnummer", "óf postcode en huisnummer"],
    ),
    "bsn minLength": (_client({"burgerservicenummer": "31415926"}), ["31415926"], ["te kort", "9 tekens"]),
    "bsn maxLength": (_client({"burgerservicenummer": "3141592653"}), ["314159265"], ["te lang", "9 tekens"]),
    "minItems": (_org("contactpersonen", []), [], ["contactpersonen", "de lijst is leeg"]),
    "uniqueItems": (_org("contactpersonen", [_TWIN, dict(_TWIN)]), ["7716", "Plantteam"], ["twee gelijke"]),
    "mixed versions": (
        _client({"postcode": "1234AB", "huisnummer": "10", "Achternaam": "Plantjansen"}),
        ["Plantjansen"],
        ["mengt veldnamen van DDAS v1.2 en v0.9", "Achternaam", "client"],
    ),
}


@pytest.mark.parametrize("case", sorted(REJECTIONS))
def test_every_v12_schema_failure_is_one_dutch_sentence_without_the_value(case):
    change, planted, expected = REJECTIONS[case]
    doc = example("1.2")
    change(doc)
    with pytest.raises(DeliveryRejected) as rejected:
        read_ddas(doc)
    reason = rejected.value.reason_nl
    assert reason.startswith("Het bestand ") and reason.endswith(".")
    for word in expected:
        assert word in reason, (case, reason)
    for value in planted:
        assert value not in reason, (case, reason)


def test_a_v12_file_with_a_v09_field_name_is_rejected_naming_that_field(tmp_path):
    doc = example("1.2")
    _signal(doc)["client"]["Burgerservicenummer"] = "271828182"
    reference = tmp_path / "reference"
    _reference(reference, [example("1.2")])
    records, findings, staged = _ingest(tmp_path, {"mixed.json": doc}, reference=reference)
    assert records[0].status == "afgewezen"
    reason = records[0].rejection_reason
    assert "Burgerservicenummer" in reason and "v0.9" in reason and "271828182" not in reason
    assert staged == [] and all(f[0] is None for f in findings)


def test_a_v09_file_with_a_v12_field_name_is_rejected_too():
    doc = example("0.9")
    _signal(doc)["client"]["geslachtsaanduiding"] = "Vrouw"
    with pytest.raises(DeliveryRejected) as rejected:
        read_ddas(doc)
    reason = rejected.value.reason_nl
    assert "geslachtsaanduiding" in reason and "v0.9 en v1.2" in reason and "Vrouw" not in reason


def test_a_top_level_list_is_rejected_without_quoting_it():
    with pytest.raises(DeliveryRejected) as rejected:
        read_ddas([{"burgerservicenummer": "161803398", "naam": "Plant Persoon"}])
    reason = rejected.value.reason_nl
    assert "een lijst" in reason and "161803398" not in reason and "Plant" not in reason

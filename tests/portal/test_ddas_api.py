"""The DDAS v1.2 pull API (portal/ddas_api/) over real HTTP, as CBS would call it.

A test PKI is made here (root → intermediate → a signing certificate for the portal and one for
CBS, RSA 2048), written into a copy of the portal workspace as config/ddas_api.yaml names it; the
portal is served by uvicorn and called with httpx. Requests are signed, and answers verified, with
jwcrypto — not with joserfc, which the portal signs with. The answers are checked against the
official v1.2 schema and the served OpenAPI document against DDAS-VS.yaml (both read from
../shared/standards, never copied).
"""

from __future__ import annotations

import base64
import hashlib
import json
import re
import shutil
import sqlite3
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path

import httpx
import pytest
import yaml
from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.oid import NameOID
from jsonschema import Draft202012Validator
from jwcrypto import jwk, jws

from portal import state
from signals.ddas import schema_path
from signals.registry import config_dir
from tests.portal.conftest import live_portal, pristine_copy

API = "/api/ddas/v1"
PERIOD = {"aanleverperiodeStartdatum": "2026-01-01", "aanleverperiodeEinddatum": "2026-06-30"}
PER_CLIENT_LIMIT = 6
SIGD = {"mId": "http://uri.etsi.org/19182/HttpHeaders", "pars": ["digest"]}
JWS_REGISTRY = {"sigD": jws.JWSEHeaderParameter("JAdES signed data object", False, True, None)}


# --- a test PKI ------------------------------------------------------------------------------------


def _name(common: str, organisation: str) -> x509.Name:
    return x509.Name(
        [
            x509.NameAttribute(NameOID.ORGANIZATION_NAME, organisation),
            x509.NameAttribute(NameOID.COMMON_NAME, common),
        ]
    )


def _usage(ca: bool) -> x509.KeyUsage:
    return x509.KeyUsage(
        digital_signature=not ca,
        content_commitment=False,
        key_encipherment=False,
        data_encipherment=False,
        key_agreement=False,
        key_cert_sign=ca,
        crl_sign=ca,
        encipher_only=False,
        decipher_only=False,
    )


def _certificate(subject, key, issuer, issuer_key, ca: bool, path_length: int | None = 0) -> x509.Certificate:
    now = datetime.now(UTC)
    return (
        x509.CertificateBuilder()
        .subject_name(subject)
        .issuer_name(issuer)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(x509.BasicConstraints(ca=ca, path_length=path_length if ca else None), critical=True)
        .add_extension(_usage(ca), critical=True)
        .add_extension(x509.SubjectKeyIdentifier.from_public_key(key.public_key()), critical=False)
        .add_extension(
            x509.AuthorityKeyIdentifier.from_issuer_public_key(issuer_key.public_key()), critical=False
        )
        .sign(issuer_key, hashes.SHA256())
    )


def _key() -> rsa.RSAPrivateKey:
    return rsa.generate_private_key(public_exponent=65537, key_size=2048)


@dataclass(frozen=True)
class Party:
    key: rsa.RSAPrivateKey
    chain: tuple[x509.Certificate, ...]  # signing certificate first


@dataclass(frozen=True)
class Pki:
    root: x509.Certificate
    portal: Party
    cbs: Party
    stranger: Party  # under a root the portal does not trust


def make_pki() -> Pki:
    root_key, intermediate_key = _key(), _key()
    root_name = _name("DDAS Test Root", "Test PKI")
    root = _certificate(root_name, root_key, root_name, root_key, ca=True, path_length=1)
    intermediate = _certificate(
        _name("DDAS Test Intermediate", "Test PKI"), intermediate_key, root_name, root_key, ca=True
    )

    def party(organisation: str) -> Party:
        key = _key()
        leaf = _certificate(
            _name(f"{organisation} ondertekening", organisation),
            key,
            intermediate.subject,
            intermediate_key,
            False,
        )
        return Party(key, (leaf, intermediate))

    stranger_key, stranger_root_key = _key(), _key()
    stranger_root_name = _name("Other Root", "Elders")
    stranger_root = _certificate(
        stranger_root_name, stranger_root_key, stranger_root_name, stranger_root_key, True
    )
    stranger_leaf = _certificate(
        _name("Elders ondertekening", "Elders"), stranger_key, stranger_root_name, stranger_root_key, False
    )
    return Pki(
        root, party("Vroegsignalering"), party("CBS"), Party(stranger_key, (stranger_leaf, stranger_root))
    )


def _pem(*certificates: x509.Certificate) -> bytes:
    return b"".join(c.public_bytes(serialization.Encoding.PEM) for c in certificates)


def _write_private(path: Path, data: bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    path.chmod(0o600)


def install_keys(root: Path, pki: Pki) -> None:
    """The key material where config/ddas_api.yaml looks for it, mode 0600."""
    folder = root / "keys" / "ddas_api"
    key_pem = pki.portal.key.private_bytes(
        serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
    )
    _write_private(folder / "signing-key.pem", key_pem)
    _write_private(folder / "signing-chain.pem", _pem(*pki.portal.chain))
    _write_private(folder / "trust-anchors.pem", _pem(pki.root))


# --- the served portal -----------------------------------------------------------------------------


@dataclass(frozen=True)
class Site:
    url: str
    root: Path
    pki: Pki


@pytest.fixture(scope="module")
def site(portal_workspace, tmp_path_factory):
    """A copy of the portal workspace with the test PKI, served with a small per-client limit."""
    root = pristine_copy(portal_workspace, tmp_path_factory, "ddas-api-ws")
    pki = make_pki()
    install_keys(root, pki)
    config = tmp_path_factory.mktemp("ddas-api-config") / "config"
    shutil.copytree(config_dir(), config)
    settings = yaml.safe_load((config / "ddas_api.yaml").read_text(encoding="utf-8"))
    settings["rate_limits"] = {"per_client": [f"{PER_CLIENT_LIMIT}/minute"], "token_per_ip": ["200/minute"]}
    (config / "ddas_api.yaml").write_text(yaml.safe_dump(settings), encoding="utf-8")
    with pytest.MonkeyPatch.context() as patch:
        patch.setenv("VROEG_CONFIG_DIR", str(config))
        with live_portal(root) as port:
            yield Site(f"http://127.0.0.1:{port}", root, pki)


def new_client(site: Site, label: str = "CBS test") -> tuple[str, str]:
    from portal.ddas_api.clients import create_client

    con = state.open_state(site.root / "portal.sqlite")
    try:
        return create_client(con, label, by="test")
    finally:
        con.close()


def get_token(site: Site, client: tuple[str, str]) -> str:
    response = httpx.post(f"{site.url}{API}/token", data={"grant_type": "client_credentials"}, auth=client)
    assert response.status_code == 200, response.text
    token = response.json()
    assert token["token_type"] == "Bearer" and token["scope"] == "read" and token["expires_in"] > 0
    return token["access_token"]


def digest_of(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def sign(body: bytes, party: Party, digest: str | None = None) -> dict[str, str]:
    """Digest and nlgov-adr-payload-sig for a request body, made with jwcrypto."""
    digest = digest or digest_of(body)
    key = jwk.JWK.from_pem(
        party.key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    header = {
        "alg": "PS256",
        "typ": "JOSE",
        "kid": "cbs-test",
        "x5c": [base64.b64encode(c.public_bytes(serialization.Encoding.DER)).decode() for c in party.chain],
        "b64": False,
        "crit": ["sigD", "b64"],
        "sigD": SIGD,
    }
    token = jws.JWS(f"digest: {digest}".encode("ascii"), header_registry=JWS_REGISTRY)
    token.add_signature(key, None, protected=json.dumps(header))
    token.detach_payload()
    return {"Digest": digest, "nlgov-adr-payload-sig": token.serialize(compact=True)}


def post_gegevens(
    site: Site, token: str | None, request: dict | bytes, party: Party | None = None, **headers
):
    body = request if isinstance(request, bytes) else json.dumps(request).encode("utf-8")
    sent = {"Content-Type": "application/json", **sign(body, party or site.pki.cbs)}
    if token is not None:
        sent["Authorization"] = f"Bearer {token}"
    sent.update(headers)
    return httpx.post(f"{site.url}{API}/gegevens", content=body, headers=sent, timeout=120)


def verify_answer(response: httpx.Response, pki: Pki) -> dict:
    """The response's Digest and signature hold (jwcrypto, against the test certificate); its JSON."""
    assert response.headers["Digest"] == digest_of(response.content)
    compact = response.headers["nlgov-adr-payload-sig"]
    protected_segment, payload_segment, _ = compact.split(".")
    assert payload_segment == "", "the payload is detached"
    header = json.loads(base64.urlsafe_b64decode(protected_segment + "=" * (-len(protected_segment) % 4)))
    assert header["alg"] == "PS256" and header["typ"] == "JOSE" and header["kid"]
    assert header["sigD"] == SIGD and header["b64"] is False and set(header["crit"]) == {"sigD", "b64"}
    chain = [x509.load_der_x509_certificate(base64.b64decode(c)) for c in header["x5c"]]
    assert chain == list(pki.portal.chain), "x5c: the signing certificate first, then its CA"
    public = jwk.JWK.from_pem(
        chain[0]
        .public_key()
        .public_bytes(serialization.Encoding.PEM, serialization.PublicFormat.SubjectPublicKeyInfo)
    )
    checked = jws.JWS(header_registry=JWS_REGISTRY)
    checked.deserialize(compact)
    checked.verify(
        public, alg="PS256", detached_payload=f"digest: {response.headers['Digest']}".encode("ascii")
    )
    return response.json()


def v12_validator() -> Draft202012Validator:
    schema = json.loads(schema_path("1.2").read_text(encoding="utf-8"))
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def audit_lines(site: Site, since: int = 0) -> list[dict]:
    con = sqlite3.connect(site.root / "portal.sqlite")
    con.row_factory = sqlite3.Row
    try:
        rows = con.execute("select * from audit_log where audit_id > ? order by audit_id", [since]).fetchall()
        return [dict(r) for r in rows]
    finally:
        con.close()


def last_audit_id(site: Site) -> int:
    lines = audit_lines(site)
    return lines[-1]["audit_id"] if lines else 0


# --- the answer ------------------------------------------------------------------------------------


def _records(gegevens: dict) -> list[tuple[str, str]]:
    """(gemeentecode, vroegsignaal ID) of every record of a page, in order."""
    return [(lv["gemeentecode"], vs["ID"]) for lv in gegevens["leveringen"] for vs in lv["vroegsignalen"]]


def test_cbs_fetches_two_pages_signed_and_valid_against_the_v12_schema(site):
    client = new_client(site)
    token = get_token(site, client)
    since = last_audit_id(site)
    size = 3
    first = post_gegevens(site, token, {**PERIOD, "page": 1, "pageSize": size})
    assert first.status_code == 200, first.text
    assert first.headers["content-type"].startswith("application/json")
    one = verify_answer(first, site.pki)
    two = verify_answer(post_gegevens(site, token, {**PERIOD, "page": 2, "pageSize": size}), site.pki)
    whole = verify_answer(post_gegevens(site, token, {**PERIOD, "pageSize": 10_000}), site.pki)

    validator = v12_validator()
    for answer in (one, two, whole):
        errors = list(validator.iter_errors(answer["gegevens"]))
        assert not errors, errors[0].message
    total = whole["paginering"]["totalRecords"]
    assert total > 2 * size, "the tiny region should have more vroegsignalen than two small pages"
    assert one["paginering"] == {
        "pageSize": size,
        "currentPage": 1,
        "totalPages": -(-total // size),
        "totalRecords": total,
    }
    assert two["paginering"]["currentPage"] == 2 and two["paginering"]["totalRecords"] == total
    assert whole["paginering"] == {
        "pageSize": 10_000,
        "currentPage": 1,
        "totalPages": 1,
        "totalRecords": total,
    }
    assert _records(one["gegevens"]) + _records(two["gegevens"]) == _records(whole["gegevens"])[: 2 * size]

    # one levering per gemeente of config/ddas.yaml, numbered 1..n, the same header on every page
    from indicators.ddas import ddas_config

    codes = [g.gemeentecode for g in ddas_config().gemeenten]
    assert [lv["gemeentecode"] for lv in whole["gegevens"]["leveringen"]] == codes
    assert [lv["teller"] for lv in whole["gegevens"]["leveringen"]] == list(range(1, len(codes) + 1))
    header = {k: v for k, v in one["gegevens"].items() if k != "leveringen"}
    assert header == {k: v for k, v in two["gegevens"].items() if k != "leveringen"}
    assert header["startdatumLevering"] == "2026-01-01" and header["einddatumLevering"] == "2026-06-30"
    # a case travels with its first vroegsignaal
    on_page = {vs["ID"] for lv in one["gegevens"]["leveringen"] for vs in lv["vroegsignalen"]}
    for lv in one["gegevens"]["leveringen"]:
        for zaak in lv.get("vroegsignaalzaken", []):
            assert zaak["vroegsignalen"][0]["ID"] in on_page

    lines = [line for line in audit_lines(site, since) if line["action"] == "ddas_gegevens_opgehaald"]
    assert len(lines) == 3
    assert all(
        line["username"] == f"ddas:{client[0]}" and line["object"] == f"{API}/gegevens" for line in lines
    )
    assert "periode 2026-01-01 t/m 2026-06-30" in lines[0]["detail"]
    assert f"pagina 1; paginagrootte {size}" in lines[0]["detail"]
    assert (
        f"records op pagina {size}" in lines[0]["detail"] and f"totaal records {total}" in lines[0]["detail"]
    )
    assert "pagina 2;" in lines[1]["detail"]
    # never a record in the audit log: no vroegsignaal id, postcode or amount
    some_id = _records(one["gegevens"])[0][1]
    assert not any(some_id + ";" in (line["detail"] or "") for line in audit_lines(site, since))


def test_an_organisation_selects_its_gemeente_and_pages_end(site):
    token = get_token(site, new_client(site))
    answer = verify_answer(
        post_gegevens(site, token, {**PERIOD, "aanleverendeOrganisatie": "gemeente zaanstad"}), site.pki
    )
    assert [lv["gemeentecode"] for lv in answer["gegevens"]["leveringen"]] == ["0479"]
    assert answer["gegevens"]["leveringen"][0]["teller"] == 1
    by_code = post_gegevens(site, token, {**PERIOD, "aanleverendeOrganisatie": "0479"}).json()
    assert by_code["paginering"] == answer["paginering"]
    beyond = post_gegevens(
        site,
        token,
        {**PERIOD, "aanleverendeOrganisatie": "0479", "page": answer["paginering"]["totalPages"] + 1},
    )
    assert beyond.status_code == 422 and beyond.headers["content-type"] == "application/problem+json"
    verify_answer(beyond, site.pki)  # refusals are signed too


def test_the_token_endpoint_takes_client_secret_post_and_refuses_a_wrong_secret(site):
    client_id, secret = new_client(site)
    data = {
        "grant_type": "client_credentials",
        "client_id": client_id,
        "client_secret": secret,
        "scope": "read",
    }
    assert httpx.post(f"{site.url}{API}/token", data=data).status_code == 200
    since = last_audit_id(site)
    wrong = httpx.post(f"{site.url}{API}/token", data={**data, "client_secret": "geraden"})
    assert wrong.status_code == 401 and wrong.json()["error"] == "invalid_client"
    assert "geraden" not in wrong.text
    scope = httpx.post(f"{site.url}{API}/token", data={**data, "scope": "write"})
    assert scope.status_code == 400 and scope.json()["error"] == "invalid_scope"
    actions = [(line["action"], line["result"]) for line in audit_lines(site, since)]
    assert actions == [("ddas_token_geweigerd", state.REFUSED)] * 2


# --- refusals -------------------------------------------------------------------------------------


def _fsc(response: httpx.Response, status: int, code: str) -> dict:
    assert response.status_code == status, response.text
    assert response.headers["Fsc-Error-Code"] == code
    assert response.headers["content-type"] == "application/problem+json"
    body = response.json()
    assert body["code"] == code and body["domain"] == "ERROR_DOMAIN_INWAY" and body["status"] == status
    assert body["title"] and body["detail"]
    return body


def test_missing_wrong_and_expired_tokens_get_401_with_their_fsc_code(site):
    client = new_client(site)
    since = last_audit_id(site)
    missing = post_gegevens(site, None, PERIOD)
    _fsc(missing, 401, "ERROR_CODE_ACCESS_TOKEN_MISSING")
    assert missing.headers["WWW-Authenticate"].startswith("Bearer")
    _fsc(post_gegevens(site, "niet-van-ons", PERIOD), 401, "ERROR_CODE_ACCESS_TOKEN_INVALID")
    con = state.open_state(site.root / "portal.sqlite")
    try:
        state.add_ddas_token(
            con, "verlopen-token", client[0], "read", datetime.now(UTC) - timedelta(seconds=1)
        )
    finally:
        con.close()
    expired = post_gegevens(site, "verlopen-token", PERIOD)
    _fsc(expired, 401, "ERROR_CODE_ACCESS_TOKEN_EXPIRED")
    verify_answer(expired, site.pki)
    lines = audit_lines(site, since)
    assert [line["action"] for line in lines] == ["ddas_verzoek_geweigerd"] * 3
    assert all(line["result"] == state.REFUSED and "status 401" in line["detail"] for line in lines)
    assert lines[2]["username"] == "anoniem" and "verlopen access token" in lines[2]["detail"]


def test_a_revoked_client_gets_403(site):
    from portal.ddas_api.clients import revoke_client

    client = new_client(site)
    token = get_token(site, client)
    con = state.open_state(site.root / "portal.sqlite")
    try:
        revoke_client(con, client[0], by="test")
    finally:
        con.close()
    _fsc(post_gegevens(site, token, PERIOD), 403, "ERROR_CODE_WRONG_GROUP_ID_IN_TOKEN")
    refused = httpx.post(f"{site.url}{API}/token", data={"grant_type": "client_credentials"}, auth=client)
    assert refused.status_code == 401 and refused.json()["error"] == "invalid_client"


def test_wrong_method_and_unknown_path_are_fsc_errors_not_portal_pages(site):
    since = last_audit_id(site)
    got = httpx.get(f"{site.url}{API}/gegevens")
    _fsc(got, 405, "ERROR_CODE_METHOD_UNSUPPORTED")
    assert got.headers["Allow"] == "POST"
    _fsc(httpx.put(f"{site.url}{API}/gegevens", content=b"{}"), 405, "ERROR_CODE_METHOD_UNSUPPORTED")
    _fsc(httpx.get(f"{site.url}{API}/bestaat-niet"), 404, "ERROR_CODE_SERVICE_NOT_FOUND")
    lines = audit_lines(site, since)
    assert [line["action"] for line in lines] == ["ddas_verzoek_geweigerd"] * 3
    assert lines[2]["object"] == f"{API}/{{onbekend}}"
    # the portal's own pages keep their Dutch HTML error page
    assert "text/html" in httpx.get(f"{site.url}/bestaat-niet").headers["content-type"]


MARKER = "Zeeuwse-Bolus-4242"


@pytest.mark.parametrize(
    ("request_body", "status", "field"),
    [
        ({**PERIOD, "extra": MARKER}, 400, None),
        ({**PERIOD, "page": 0}, 400, "page"),
        ({**PERIOD, "pageSize": MARKER}, 400, "pageSize"),
        ({**PERIOD, "page": True}, 400, "page"),
        ({**PERIOD, "aanleverperiodeStartdatum": MARKER}, 400, "aanleverperiodeStartdatum"),
        ([MARKER], 400, None),
        (MARKER.encode() + b"{", 400, None),
        ({"aanleverperiodeStartdatum": "2026-06-30", "aanleverperiodeEinddatum": "2026-01-01"}, 422, None),
        ({**PERIOD, "aanleverendeOrganisatie": MARKER}, 422, None),
        ({"aanleverperiodeStartdatum": "2026-01-01"}, 422, None),
        ({"aanleverperiodeStartdatum": "2010-01-01", "aanleverperiodeEinddatum": "2010-12-31"}, 422, None),
    ],
)
def test_a_bad_request_is_a_dutch_problem_that_quotes_nothing(site, request_body, status, field):
    token = get_token(site, new_client(site))
    response = post_gegevens(site, token, request_body)
    assert response.status_code == status, response.text
    assert response.headers["content-type"] == "application/problem+json"
    problem = verify_answer(response, site.pki)
    assert set(problem) == {"type", "title", "status", "detail", "instance"}
    assert problem["type"].startswith("urn:") and problem["status"] == status
    assert problem["instance"] == f"{API}/gegevens"
    assert MARKER not in response.text and "2010" not in response.text
    if field:
        assert field in problem["detail"]


def test_a_request_without_a_good_digest_and_signature_is_refused(site):
    token = get_token(site, new_client(site))
    body = json.dumps(PERIOD).encode()
    cases = {
        "no signature": {"nlgov-adr-payload-sig": ""},
        "digest of another body": sign(b'{"page": 2}', site.pki.cbs),
        "signature over another digest": {
            "Digest": digest_of(body),
            "nlgov-adr-payload-sig": sign(b"{}", site.pki.cbs)["nlgov-adr-payload-sig"],
        },
        "untrusted certificate": sign(body, site.pki.stranger),
    }
    since = last_audit_id(site)
    for why, headers in cases.items():
        response = post_gegevens(site, token, body, **headers)
        assert response.status_code == 400, why
        problem = verify_answer(response, site.pki)
        assert problem["type"].endswith("ongeldige-handtekening"), why
    lines = audit_lines(site, since)
    assert len(lines) == len(cases) and all("handtekening of digest" in line["detail"] for line in lines)


def test_a_client_past_its_limit_gets_429_with_retry_after(site):
    token = get_token(site, new_client(site))
    statuses = [
        post_gegevens(site, token, {**PERIOD, "pageSize": 1}).status_code for _ in range(PER_CLIENT_LIMIT)
    ]
    assert statuses == [200] * PER_CLIENT_LIMIT
    refused = post_gegevens(site, token, {**PERIOD, "pageSize": 1})
    assert refused.status_code == 429
    assert int(refused.headers["Retry-After"]) >= 1
    assert refused.json()["type"].endswith("te-veel-verzoeken")
    # another client is not slowed down by this one
    assert (
        post_gegevens(site, get_token(site, new_client(site)), {**PERIOD, "pageSize": 1}).status_code == 200
    )


def test_without_key_material_the_api_says_so_and_the_portal_works(portal_workspace, tmp_path_factory):
    from tests.portal.conftest import make_client

    root = pristine_copy(portal_workspace, tmp_path_factory, "ddas-api-nokeys")
    client = make_client(root)
    response = client.post(f"{API}/gegevens", json=PERIOD, headers={"Authorization": "Bearer x"})
    assert response.status_code == 502
    assert response.headers["Fsc-Error-Code"] == "ERROR_CODE_SERVICE_UNREACHABLE"
    assert "Digest" not in response.headers
    assert client.get("/inloggen").status_code == 200
    # a key that others may read is refused too
    install_keys(root, make_pki())
    (root / "keys/ddas_api/signing-key.pem").chmod(0o644)
    again = make_client(root).post(f"{API}/gegevens", json=PERIOD, headers={"Authorization": "Bearer x"})
    assert again.status_code == 502


# --- the OpenAPI document ----------------------------------------------------------------------------

SEMANTIC = ("type", "format", "minimum", "maximum", "pattern", "additionalProperties")


def _resolve(node, document: dict):
    """`node` with local $refs (#/components/...) replaced by what they point at, recursively."""
    if isinstance(node, dict):
        ref = node.get("$ref")
        if isinstance(ref, str) and ref.startswith("#/"):
            target = document
            for part in ref[2:].split("/"):
                target = target[part]
            return _resolve({**target, **{k: v for k, v in node.items() if k != "$ref"}}, document)
        return {k: _resolve(v, document) for k, v in node.items()}
    if isinstance(node, list):
        return [_resolve(v, document) for v in node]
    return node


def _shape(schema) -> object:
    """What a schema says about valid values (no descriptions or examples), comparable with ==."""
    if not isinstance(schema, dict):
        return schema
    shape = {k: schema[k] for k in SEMANTIC if k in schema}
    if "$ref" in schema:
        shape["$ref"] = schema["$ref"]  # only external references are left after _resolve
    if "required" in schema:
        shape["required"] = sorted(schema["required"])
    if "enum" in schema:
        shape["enum"] = sorted(schema["enum"])
    if "properties" in schema:
        shape["properties"] = {k: _shape(v) for k, v in schema["properties"].items()}
    if "allOf" in schema:
        shape["allOf"] = [_shape(v) for v in schema["allOf"]]
    if "items" in schema:
        shape["items"] = _shape(schema["items"])
    return shape


def _response_shape(response: dict) -> dict:
    return {
        "headers": {
            name: _shape(header.get("schema", {})) for name, header in (response.get("headers") or {}).items()
        },
        "content": {
            media: _shape(c.get("schema", {})) for media, c in (response.get("content") or {}).items()
        },
    }


def _operations(document: dict) -> dict:
    return {
        (path, method): _resolve(operation, document)
        for path, item in document["paths"].items()
        for method, operation in item.items()
    }


def test_the_served_openapi_document_matches_ddas_vs(site):
    official = yaml.safe_load((schema_path("1.2").parent / "DDAS-VS.yaml").read_text(encoding="utf-8"))
    response = httpx.get(f"{site.url}{API}/openapi.json")
    assert response.status_code == 200
    ours = verify_answer(response, site.pki)

    assert ours["openapi"].startswith("3.1") and ours["servers"] == [{"url": API}]
    theirs_ops, ours_ops = _operations(official), _operations(ours)
    assert set(ours_ops) == set(theirs_ops) == {("/gegevens", "post")}
    for key, theirs in theirs_ops.items():
        mine = ours_ops[key]
        assert mine["operationId"] == theirs["operationId"]
        assert mine["security"] == theirs["security"]
        assert mine["requestBody"]["required"] is theirs["requestBody"]["required"] is True
        request_theirs = theirs["requestBody"]["content"]["application/json"]["schema"]
        request_mine = mine["requestBody"]["content"]["application/json"]["schema"]
        assert _shape(request_mine) == _shape(request_theirs)
        assert request_mine["additionalProperties"] is False
        assert set(mine["responses"]) == set(theirs["responses"])
        for code, expected in theirs["responses"].items():
            assert _response_shape(mine["responses"][code]) == _response_shape(expected), code

    components = ("Paginering", "GegevensRequest", "FscError", "ProblemDetails", "Uitwisselmodel")
    for name in components:
        assert _shape(_resolve(ours["components"]["schemas"][name], ours)) == _shape(
            _resolve(official["components"]["schemas"][name], official)
        ), name
    uitwisselmodel = json.loads(schema_path("1.2").read_text(encoding="utf-8"))
    assert ours["components"]["schemas"]["Uitwisselmodel"]["$ref"] == uitwisselmodel["$id"]
    fsc_enum = ours["components"]["headers"]["Fsc-Error-Code"]["schema"]["enum"]
    assert fsc_enum == official["components"]["headers"]["Fsc-Error-Code"]["schema"]["enum"]

    scheme, expected = (
        ours["components"]["securitySchemes"]["OAuth2"],
        official["components"]["securitySchemes"]["OAuth2"],
    )
    assert scheme["type"] == expected["type"] == "oauth2"
    assert set(scheme["flows"]) == set(expected["flows"]) == {"clientCredentials"}
    assert (
        scheme["flows"]["clientCredentials"]["scopes"].keys()
        == expected["flows"]["clientCredentials"]["scopes"].keys()
    )
    assert scheme["flows"]["clientCredentials"]["tokenUrl"] == f"{API}/token"
    assert ours["security"] == official["security"]


def test_every_refusal_code_the_api_sends_is_in_ddas_vs():
    from portal.ddas_api.problems import FSC_CODES

    official = yaml.safe_load((schema_path("1.2").parent / "DDAS-VS.yaml").read_text(encoding="utf-8"))
    assert list(FSC_CODES) == official["components"]["headers"]["Fsc-Error-Code"]["schema"]["enum"]


# --- managing clients ----------------------------------------------------------------------------


def test_the_administrator_makes_a_client_sees_its_secret_once_and_revokes_it(site):

    from tests.portal.conftest import csrf_of, login, make_client

    admin = make_client(site.root)
    assert login(admin, "admin").status_code == 303
    token = csrf_of(admin, "/beheer/ddas-clients")
    made = admin.post(
        "/beheer/ddas-clients/nieuw", data={"csrf_token": token, "omschrijving": "CBS acceptatie"}
    )
    assert made.status_code == 200
    client_id = re.search(r"Client (ddas-[0-9a-f]+) aangemaakt", made.text).group(1)
    secret = re.search(r'id="eenmalig-geheim">([^<]+)<', made.text).group(1)
    assert secret not in admin.get("/beheer/ddas-clients").text, "the secret is shown once"
    assert secret not in (site.root / "portal.sqlite").read_bytes().decode("latin-1")
    access = get_token(site, (client_id, secret))

    without_csrf = admin.post("/beheer/ddas-clients/intrekken", data={"client": client_id, "bevestigd": "ja"})
    assert without_csrf.status_code == 403
    asked = admin.post("/beheer/ddas-clients/intrekken", data={"csrf_token": token, "client": client_id})
    assert asked.status_code == 303 and asked.headers["location"].startswith(
        "/beheer/ddas-clients/intrekken?"
    )
    confirm = admin.get(asked.headers["location"])
    assert confirm.status_code == 200 and "intrekken?" in confirm.text
    done = admin.post(
        "/beheer/ddas-clients/intrekken", data={"csrf_token": token, "client": client_id, "bevestigd": "ja"}
    )
    assert done.status_code == 303
    _fsc(post_gegevens(site, access, PERIOD), 403, "ERROR_CODE_WRONG_GROUP_ID_IN_TOKEN")
    actions = {line["action"] for line in audit_lines(site) if client_id in (line["detail"] or "")}
    assert {"ddas_client_aangemaakt", "ddas_client_ingetrokken"} <= actions
    others = make_client(site.root)
    assert login(others, "coord-own").status_code == 303
    assert others.get("/beheer/ddas-clients").status_code == 403


def test_the_command_line_adds_lists_and_revokes_clients(tmp_path):
    from typer.testing import CliRunner

    from cli.main import app

    runner = CliRunner()
    added = runner.invoke(app, ["portal", "ddas-client", "add", "--label", "CBS", "-w", str(tmp_path)])
    assert added.exit_code == 0, added.output
    client_id = re.search(r"(ddas-[0-9a-f]+)", added.output).group(1)
    listed = runner.invoke(app, ["portal", "ddas-client", "list", "-w", str(tmp_path)])
    assert client_id in listed.output and "ingetrokken" not in listed.output
    assert (
        runner.invoke(app, ["portal", "ddas-client", "revoke", client_id, "-w", str(tmp_path)]).exit_code == 0
    )
    assert "ingetrokken" in runner.invoke(app, ["portal", "ddas-client", "list", "-w", str(tmp_path)]).output
    assert (
        runner.invoke(app, ["portal", "ddas-client", "revoke", client_id, "-w", str(tmp_path)]).exit_code == 1
    )


def test_every_audit_action_of_the_api_has_a_dutch_label(site):
    """The API audits through its own helpers (app.py audit_call), which the scan of
    tests/portal/test_audit_labels.py does not see: the lines written by this module's calls are
    checked here (this test runs last in the module)."""
    from portal import dutch

    actions = {line["action"] for line in audit_lines(site) if line["action"].startswith("ddas_")}
    assert {"ddas_token_uitgegeven", "ddas_gegevens_opgehaald", "ddas_verzoek_geweigerd"} <= actions
    assert actions <= set(dutch.AUDIT_ACTIONS), actions - set(dutch.AUDIT_ACTIONS)

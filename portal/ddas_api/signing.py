"""Payload integrity of the DDAS API: the `Digest` header and the `nlgov-adr-payload-sig` signature.

What is signed — our reading of "alleen digest getekend" (DDAS-VS.yaml), the Geonovum ADR module
"HTTP Message and payload signing with JAdES" (KP-APIs, signing-jades, section "Payload signing")
and the DDAS architecture's chapter on signing:

1. `Digest: SHA-256=<base64 of SHA-256(body)>` (RFC 3230) is computed over the exact body bytes.
2. The signature is a JAdES detached JWS (RFC 7515 appendix F) using the HttpHeaders mechanism of
   ETSI TS 119 182-1: the protected header holds
   `sigD = {"mId": "http://uri.etsi.org/19182/HttpHeaders", "pars": ["digest"]}`, so the JWS payload
   is built from the one HTTP header named in `pars`, the way draft-cavage HTTP signatures build
   their signing string: the lower-cased header name, ": ", the header's value without surrounding
   white space — here exactly `digest: SHA-256=<base64>` (ASCII, no newline).
3. That payload is not base64url-encoded (`"b64": false`, RFC 7797), so the JWS signing input is
   `BASE64URL(protected header) || "." || "digest: SHA-256=…"`; `crit` names `sigD` and `b64`.
4. The protected header further holds `alg: PS256`, `typ: JOSE`, `kid`, `x5c` (the signing
   certificate first, then its CA certificates, base64 DER) and `x5t#S256` (the signing
   certificate's SHA-256 thumbprint). The header value is the compact serialisation with an empty
   payload part: `BASE64URL(header)..BASE64URL(signature)`.

The body is therefore protected through its digest: whoever changes the body must change the
Digest header, and whoever changes the Digest header breaks the signature.

Verifying a request does the same in reverse: exactly one Digest and one signature header; the
Digest equals the digest of the received body; the header is the profile's (alg PS256, b64 false,
crit, sigD as above, x5c present); the x5c chain is built from the signing certificate through the
sent CA certificates to one of the configured trust anchors (cryptography's path validation, at the
current time: every certificate in its validity period, CA constraints, RSA of at least 2048 bits);
the PS256 signature verifies with the signing certificate's public key. Revocation (OCSP or CRL),
which the DDAS profile asks for, is not checked: the portal runs without outgoing connections; see
docs/ddas_api.md.

Signing uses joserfc; a refusal names no value of the request (`SignatureRefused`, Dutch).
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
import os
import re
import stat
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

from cryptography import x509
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import rsa
from cryptography.x509.verification import ExtensionPolicy, PolicyBuilder, Store, VerificationError
from joserfc import jws
from joserfc.errors import JoseError
from joserfc.jwk import RSAKey
from joserfc.registry import HeaderParameter

from portal.ddas_api.config import DdasApiConfig

DIGEST_HEADER = "Digest"
SIGNATURE_HEADER = "nlgov-adr-payload-sig"
ALGORITHM = "PS256"
HTTP_HEADERS_MECHANISM = "http://uri.etsi.org/19182/HttpHeaders"
SIGNED_HEADERS = ["digest"]
CRIT = ["sigD", "b64"]
_DIGEST = re.compile(r"^SHA-256=([A-Za-z0-9+/]{43}=)$")
# PS256 needs RSA; below this modulus a key is refused (the ADR profile; PKIoverheid uses more).
MIN_RSA_BITS = 2048
# The signing certificate and a few CA certificates fit well within this (base64 DER in x5c).
MAX_HEADER_BYTES = 64 * 1024


class KeyMaterialMissing(RuntimeError):
    """The configured key, chain or trust anchors cannot be used; the message (Dutch) says which."""


class SignatureRefused(ValueError):
    """A request's Digest or signature does not hold; the message (Dutch) names no request value."""


def digest_header(body: bytes) -> str:
    return "SHA-256=" + base64.b64encode(hashlib.sha256(body).digest()).decode("ascii")


def signed_payload(digest: str) -> bytes:
    """The JWS payload of the HttpHeaders mechanism for pars ["digest"]."""
    return f"digest: {digest.strip()}".encode("ascii")


def _validate_sigd(value: object) -> None:
    if value != {"mId": HTTP_HEADERS_MECHANISM, "pars": SIGNED_HEADERS}:
        raise ValueError("must name the HttpHeaders mechanism with pars ['digest']")


def _registry() -> jws.JWSRegistry:
    registry = jws.JWSRegistry(
        header_registry={"sigD": HeaderParameter("JAdES signed data object", _validate_sigd)},
        algorithms=[ALGORITHM],
    )
    registry.max_header_length = MAX_HEADER_BYTES
    registry.max_signature_length = MAX_HEADER_BYTES
    return registry


def _b64(der: bytes) -> str:
    return base64.b64encode(der).decode("ascii")


def _private_file(path: Path, what: str) -> bytes:
    if not path.is_file():
        raise KeyMaterialMissing(f"{what} ontbreekt (zie config/ddas_api.yaml).")
    if stat.S_IMODE(os.stat(path).st_mode) & 0o077:
        raise KeyMaterialMissing(f"{what} is leesbaar voor anderen dan de portal; zet het bestand op 0600.")
    return path.read_bytes()


def _certificates(data: bytes, what: str) -> list[x509.Certificate]:
    try:
        certificates = x509.load_pem_x509_certificates(data)
    except ValueError as error:
        raise KeyMaterialMissing(f"{what} bevat geen leesbare PEM-certificaten.") from error
    return certificates


@dataclass(frozen=True)
class Signer:
    key: RSAKey
    chain: tuple[x509.Certificate, ...]
    kid: str

    def header(self) -> dict:
        leaf = self.chain[0].public_bytes(serialization.Encoding.DER)
        thumbprint = base64.urlsafe_b64encode(hashlib.sha256(leaf).digest()).rstrip(b"=").decode("ascii")
        return {
            "alg": ALGORITHM,
            "typ": "JOSE",
            "kid": self.kid,
            "x5c": [_b64(c.public_bytes(serialization.Encoding.DER)) for c in self.chain],
            "x5t#S256": thumbprint,
            "b64": False,
            "crit": CRIT,
            "sigD": {"mId": HTTP_HEADERS_MECHANISM, "pars": SIGNED_HEADERS},
        }

    def sign(self, body: bytes) -> dict[str, str]:
        """The two headers for a message with this body."""
        digest = digest_header(body)
        compact = jws.serialize_compact(self.header(), signed_payload(digest), self.key, registry=_registry())
        header, _, signature = compact.split(".")  # the payload part is empty (RFC 7797: not URL-safe)
        return {DIGEST_HEADER: digest, SIGNATURE_HEADER: f"{header}..{signature}"}


@dataclass(frozen=True)
class KeyMaterial:
    signer: Signer
    trust_anchors: tuple[x509.Certificate, ...]


def load_key_material(config: DdasApiConfig, workspace: Path) -> KeyMaterial:
    """The signing key, its chain and the trust anchors from the workspace, checked.

    Raises KeyMaterialMissing (Dutch) when a file is missing, readable by others, unreadable, or the
    key is not an RSA key of at least MIN_RSA_BITS matching the chain's first certificate."""
    key_data = _private_file(config.path(workspace, config.signing.private_key), "De ondertekeningssleutel")
    chain = _certificates(
        _private_file(config.path(workspace, config.signing.certificate_chain), "De certificaatketen"),
        "De certificaatketen",
    )
    anchors = _certificates(
        _private_file(config.path(workspace, config.trust_anchors), "De vertrouwde rootcertificaten"),
        "De vertrouwde rootcertificaten",
    )
    try:
        private = serialization.load_pem_private_key(key_data, password=None)
    except (ValueError, TypeError) as error:
        raise KeyMaterialMissing(
            "De ondertekeningssleutel is geen leesbare PEM-sleutel zonder wachtwoord."
        ) from error
    if not isinstance(private, rsa.RSAPrivateKey) or private.key_size < MIN_RSA_BITS:
        raise KeyMaterialMissing(
            f"De ondertekeningssleutel is geen RSA-sleutel van minstens {MIN_RSA_BITS} bits."
        )
    if private.public_key().public_numbers() != chain[0].public_key().public_numbers():
        raise KeyMaterialMissing(
            "De ondertekeningssleutel hoort niet bij het eerste certificaat van de keten."
        )
    key = RSAKey.import_key(private)
    leaf = chain[0].public_bytes(serialization.Encoding.DER)
    kid = config.signing.kid or hashlib.sha256(leaf).hexdigest()
    return KeyMaterial(Signer(key, tuple(chain), kid), tuple(anchors))


# --- verifying a request ---------------------------------------------------------------------------


def _one(values: list[str], name: str) -> str:
    if not values:
        raise SignatureRefused(f"De header {name} ontbreekt.")
    if len(values) > 1:
        raise SignatureRefused(f"De header {name} komt meer dan één keer voor.")
    return values[0].strip()


def _decoded_header(segment: str) -> dict:
    try:
        padded = segment + "=" * (-len(segment) % 4)
        header = json.loads(base64.urlsafe_b64decode(padded.encode("ascii")))
    except (ValueError, UnicodeError) as error:
        raise SignatureRefused("De protected header van de handtekening is niet leesbaar.") from error
    if not isinstance(header, dict):
        raise SignatureRefused("De protected header van de handtekening is niet leesbaar.")
    return header


def _check_profile(header: dict) -> list[x509.Certificate]:
    if header.get("alg") != ALGORITHM:
        raise SignatureRefused(f"De handtekening gebruikt niet het algoritme {ALGORITHM}.")
    if header.get("b64") is not False or not set(CRIT) <= set(header.get("crit") or []):
        raise SignatureRefused("De handtekening volgt niet het DDAS-profiel (b64 false, crit sigD en b64).")
    try:
        _validate_sigd(header.get("sigD"))
    except ValueError as error:
        raise SignatureRefused(
            "De handtekening tekent niet de Digest-header (sigD HttpHeaders met pars digest)."
        ) from error
    x5c = header.get("x5c")
    if not isinstance(x5c, list) or not x5c or not all(isinstance(c, str) for c in x5c):
        raise SignatureRefused("De handtekening bevat geen certificaatketen (x5c).")
    try:
        return [x509.load_der_x509_certificate(base64.b64decode(c, validate=True)) for c in x5c]
    except ValueError as error:
        raise SignatureRefused("De certificaatketen (x5c) van de handtekening is niet leesbaar.") from error


def _check_chain(chain: list[x509.Certificate], anchors: tuple[x509.Certificate, ...], now: datetime) -> None:
    leaf = chain[0]
    public = leaf.public_key()
    if not isinstance(public, rsa.RSAPublicKey) or public.key_size < MIN_RSA_BITS:
        raise SignatureRefused(
            f"Het ondertekeningscertificaat heeft geen RSA-sleutel van minstens {MIN_RSA_BITS} bits."
        )
    try:
        usage = leaf.extensions.get_extension_for_class(x509.KeyUsage).value
    except x509.ExtensionNotFound:
        usage = None
    if usage is not None and not (usage.digital_signature or usage.content_commitment):
        raise SignatureRefused("Het ondertekeningscertificaat mag niet voor handtekeningen worden gebruikt.")
    verifier = (
        PolicyBuilder()
        .store(Store(list(anchors)))
        .time(now)
        .extension_policies(
            ca_policy=ExtensionPolicy.webpki_defaults_ca(), ee_policy=ExtensionPolicy.permit_all()
        )
        .build_client_verifier()
    )
    try:
        verifier.verify(leaf, chain[1:])
    except VerificationError as error:
        raise SignatureRefused(
            "Het ondertekeningscertificaat is niet geldig of niet uitgegeven onder een vertrouwde root."
        ) from error


def verify_request(
    body: bytes,
    digests: list[str],
    signatures: list[str],
    anchors: tuple[x509.Certificate, ...],
    now: datetime | None = None,
) -> x509.Certificate:
    """The signing certificate of a request whose Digest and signature hold; else SignatureRefused."""
    digest = _one(digests, DIGEST_HEADER)
    if not _DIGEST.match(digest):
        raise SignatureRefused("De Digest-header heeft niet de vorm SHA-256=<base64>.")
    if not hmac.compare_digest(digest, digest_header(body)):
        raise SignatureRefused("De Digest-header klopt niet bij de inhoud van het verzoek.")
    compact = _one(signatures, SIGNATURE_HEADER)
    parts = compact.split(".")
    if len(parts) != 3 or parts[1] != "" or not parts[0] or not parts[2]:
        raise SignatureRefused("De handtekening is geen JWS met losse payload (header..handtekening).")
    header = _decoded_header(parts[0])
    chain = _check_profile(header)
    _check_chain(chain, anchors, now or datetime.now(UTC))
    public = RSAKey.import_key(chain[0].public_key())
    try:
        jws.deserialize_compact(compact, public, payload=signed_payload(digest), registry=_registry())
    except (JoseError, ValueError) as error:
        raise SignatureRefused("De handtekening klopt niet bij de Digest-header.") from error
    return chain[0]


def certificate_name(certificate: x509.Certificate) -> str:
    """Who signed, for the audit log: the certificate's organisation (or common name) and serial."""
    names = certificate.subject.get_attributes_for_oid(x509.NameOID.ORGANIZATION_NAME) or (
        certificate.subject.get_attributes_for_oid(x509.NameOID.COMMON_NAME)
    )
    name = str(names[0].value) if names else "onbekend"
    return f"{name[:60]} (serienummer {certificate.serial_number:x})"[:120]


def fingerprint(certificate: x509.Certificate) -> str:
    return certificate.fingerprint(hashes.SHA256()).hex()

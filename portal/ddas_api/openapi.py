"""The API's OpenAPI document, served at /api/ddas/v1/openapi.json: the contract of DDAS-VS.yaml.

Written out here rather than generated from pydantic models, because the contract is the national
one: the request schema below is also what a request is validated against (gegevens.py), so the
document and the behaviour cannot drift apart. tests/portal/test_ddas_api.py compares this document
with DDAS-VS.yaml (paths, schemas, response codes, FSC codes, security scheme). Differences on
purpose: `servers` (this portal) and the security scheme's `tokenUrl` (our own token endpoint).
"""

from __future__ import annotations

from portal.ddas_api.problems import FSC_CODES

BASE_PATH = "/api/ddas/v1"
UITWISSELMODEL = "https://raw.githubusercontent.com/VNG-Realisatie/ddas-vroegsignalering/main/v1.2/json_schema_Uitwisselmodel.json"

GEGEVENS_REQUEST = {
    "type": "object",
    "properties": {
        "aanleverperiodeStartdatum": {"type": "string", "format": "date", "example": "2025-01-01"},
        "aanleverperiodeEinddatum": {"type": "string", "format": "date", "example": "2025-12-31"},
        "aanleverendeOrganisatie": {
            "type": "string",
            "description": "De organisatie of gemeente waarover geleverd wordt (naam of gemeentecode); "
            "zonder: alle gemeenten van deze installatie.",
            "example": "Gemeente Zaanstad",
        },
        "page": {"type": "integer", "minimum": 1, "example": 1},
        "pageSize": {"type": "integer", "minimum": 1, "example": 25000},
    },
    "additionalProperties": False,
}

PAGINERING = {
    "type": "object",
    "required": ["pageSize", "currentPage", "totalPages", "totalRecords"],
    "properties": {
        "pageSize": {"description": "Het aantal records per pagina", "type": "integer", "minimum": 1},
        "currentPage": {"description": "De huidige pagina", "type": "integer", "minimum": 1},
        "totalPages": {
            "description": "Het totaal aantal beschikbare pagina's",
            "type": "integer",
            "minimum": 1,
        },
        "totalRecords": {
            "description": "Het totaal aantal te versturen records",
            "type": "integer",
            "minimum": 0,
        },
    },
}

FSC_ERROR = {
    "type": "object",
    "required": ["code", "domain"],
    "properties": {
        "code": {"type": "string", "description": "ERROR_CODE_... uit FSC standaard"},
        "domain": {"type": "string", "enum": ["ERROR_DOMAIN_INWAY", "ERROR_DOMAIN_OUTWAY"]},
        "title": {"type": "string"},
        "detail": {"type": "string"},
        "status": {"type": "integer"},
    },
}

PROBLEM_DETAILS = {
    "type": "object",
    "description": "Probleemdetails volgens RFC 7807 / RFC 9457.",
    "required": ["type", "title", "status"],
    "properties": {
        "type": {"type": "string", "format": "uri"},
        "title": {"type": "string"},
        "status": {"type": "integer"},
        "detail": {"type": "string"},
        "instance": {"type": "string", "format": "uri-reference"},
    },
}


def _ref(name: str, kind: str = "schemas") -> dict:
    return {"$ref": f"#/components/{kind}/{name}"}


def _fsc_response(description: str, www_authenticate: bool = False) -> dict:
    headers = {"Fsc-Error-Code": _ref("Fsc-Error-Code", "headers")}
    if www_authenticate:
        headers["WWW-Authenticate"] = {"schema": {"type": "string"}, "description": "Bearer"}
    return {
        "description": description,
        "headers": headers,
        "content": {"application/problem+json": {"schema": _ref("FscError")}},
    }


def _problem_response(description: str) -> dict:
    return {
        "description": description,
        "content": {"application/problem+json": {"schema": _ref("ProblemDetails")}},
    }


def openapi_document(token_url: str = f"{BASE_PATH}/token") -> dict:
    return {
        "openapi": "3.1.0",
        "info": {
            "title": "DDAS Gegevens Uitwissel API - VS",
            "description": "Vroegsignalen voor het CBS volgens DDAS Vroegsignalering v1.2, uit dit "
            "vroegsignaleringsportaal. Zie docs/ddas_api.md.",
            "version": "1.0.0",
        },
        "servers": [{"url": BASE_PATH}],
        "security": [{"OAuth2": ["read"]}],
        "components": {
            "securitySchemes": {
                "OAuth2": {
                    "type": "oauth2",
                    "flows": {
                        "clientCredentials": {
                            "tokenUrl": token_url,
                            "scopes": {"read": "Toegang om VS-gegevens op te halen"},
                        }
                    },
                }
            },
            "headers": {
                "Digest": {
                    "description": "SHA-256 digest van de payload (conform RFC 3230).",
                    "schema": {"type": "string", "pattern": "^SHA-256=[A-Za-z0-9+/=]{43,44}$"},
                    "required": True,
                },
                "NlgovAdrPayloadSig": {
                    "description": "JAdES detached JWS (PS256, x5c, sigD HttpHeaders met pars digest).",
                    "schema": {
                        "type": "string",
                        "description": "JWS Compact Serialization (detached payload)",
                    },
                    "required": True,
                },
                "Fsc-Error-Code": {
                    "description": "FSC-foutcode (FSC Core 1.0.0).",
                    "schema": {"type": "string", "enum": list(FSC_CODES)},
                },
            },
            "schemas": {
                "Uitwisselmodel": {"$ref": UITWISSELMODEL},
                "Paginering": PAGINERING,
                "GegevensRequest": GEGEVENS_REQUEST,
                "FscError": FSC_ERROR,
                "ProblemDetails": PROBLEM_DETAILS,
            },
        },
        "paths": {
            "/gegevens": {
                "post": {
                    "summary": "Aanvragen en ontvangen van VS-gegevens",
                    "operationId": "postGegevens",
                    "security": [{"OAuth2": ["read"]}],
                    "requestBody": {
                        "required": True,
                        "content": {"application/json": {"schema": _ref("GegevensRequest")}},
                    },
                    "responses": {
                        "200": {
                            "description": "Succesvol antwoord met de gevraagde VS-gegevens",
                            "headers": {
                                "Digest": _ref("Digest", "headers"),
                                "nlgov-adr-payload-sig": _ref("NlgovAdrPayloadSig", "headers"),
                            },
                            "content": {
                                "application/json": {
                                    "schema": {
                                        "type": "object",
                                        "required": ["gegevens"],
                                        "properties": {
                                            "gegevens": _ref("Uitwisselmodel"),
                                            "paginering": {
                                                "allOf": [_ref("Paginering")],
                                                "description": "Altijd aanwezig in dit portaal.",
                                            },
                                        },
                                    }
                                }
                            },
                        },
                        "400": _problem_response(
                            "Ongeldig verzoek (syntaxis, onbekende velden, handtekening)"
                        ),
                        "401": _fsc_response("Geen of ongeldige authenticatie (FSC-compatibel)", True),
                        "403": _fsc_response("Toegang geweigerd (scope ontbreekt of client ingetrokken)"),
                        "404": _fsc_response("Service of resource niet gevonden"),
                        "405": _fsc_response("Niet-ondersteunde HTTP-methode"),
                        "422": _problem_response(
                            "Request syntactisch correct, maar inhoudelijk niet verwerkbaar"
                        ),
                        "429": {"description": "Rate limit overschreden (Retry-After)"},
                        "502": _fsc_response("Service niet bereikbaar"),
                    },
                }
            }
        },
    }

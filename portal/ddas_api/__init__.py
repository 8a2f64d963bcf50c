"""The DDAS Vroegsignalering v1.2 pull API through which CBS collects the vroegsignalen.

Mounted by portal/app.py at /api/ddas/v1 (app.py); docs/ddas_api.md describes it for
administrators and for CBS. The modules, by job: openapi.py (the contract), problems.py (refusals),
oauth.py (tokens), signing.py (Digest and payload signature), gegevens.py (request, pages),
export.py (one levering from indicators.ddas), throttle.py (rate limits), clients.py and admin.py
(client management), config.py (config/ddas_api.yaml).
"""

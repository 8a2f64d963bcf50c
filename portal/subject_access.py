"""Inzage (AVG art. 15): who viewed or changed the data of one household or address, over a period.

The administrator asks by household id, or by address (postcode, huisnummer, toevoeging): the
address gives its address keys (ref_address, the same key as everywhere: signals/addresses.py) and
the households that lived there (fct_list_entry, and the portal's own registrations). The answer is:

- every audit line about those households in the period (views, registrations, withdrawals, refusals);
- every view or export of a team's list in the period on which one of those households stood (the
  audit line names the team and the list's as-of date; fct_list_entry says who was on it);
- the registrations made for them (kind, date, by whom, team) — without the worker's name or the
  reasons typed in: those are free text.

Shown as a page, and downloadable as CSV (Dutch headers, formula-safe) and PDF (a plain table with
what was asked and when). The inzage itself is audited: one line per household (`inzage_opgevraagd`),
naming the period and the format, never the address asked for.
"""

from __future__ import annotations

import re
import sqlite3
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from urllib.parse import urlencode

import duckdb
import polars as pl
from fastapi import APIRouter, Request
from fastapi.responses import Response

from lists.export import neutralise_formulas
from portal import dutch, state
from portal.cache import reading
from portal.pages import render
from portal.security import CurrentUser, StateDB, client_ip, require_role
from signals.addresses import address_key_expr
from warehouse.workspace import Workspace

router = APIRouter()
PAGE = "/beheer/inzage"
# A household id as the lists show it (hh-…): checked, since it goes into the audit line.
_HOUSEHOLD = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
MAX_ROWS = 5_000

# Column → Dutch header, in the order of the CSV and the PDF.
HEADERS = {
    "at": "Tijdstip",
    "username": "Gebruiker",
    "role": "Rol",
    "action": "Handeling",
    "result": "Resultaat",
    "object": "Pagina of onderwerp",
    "team_code": "Team",
    "household_id": "Huishouden",
    "as_of_date": "Peildatum lijst",
    "detail": "Details",
    "ip": "IP-adres",
}
REGISTRATIONS = {
    # table: (Dutch kind, moment column, by column)
    "contact_attempt": ("contactpoging", "registered_at", "registered_by"),
    "case_result": ("eindresultaat", "registered_at", "registered_by"),
    "assignment": ("toewijzing", "assigned_at", "assigned_by"),
    "lane_override": ("baan aangepast", "overridden_at", "overridden_by"),
    "withdrawal": ("registratie ingetrokken", "withdrawn_at", "withdrawn_by"),
}
LIST_ACTIONS = ("lijst_bekeken", "lijst_geexporteerd")


@dataclass(frozen=True)
class Question:
    household_id: str
    postcode: str
    house_number: str
    suffix: str
    start: date
    end: date

    @property
    def by_address(self) -> bool:
        return bool(self.postcode or self.house_number)

    def period(self) -> tuple[str, str]:
        """[from, to) as the audit log's UTC timestamps compare."""
        return self.start.isoformat(), (self.end + timedelta(days=1)).isoformat()


def address_keys(postcode: str, house_number: str, suffix: str) -> list[str]:
    """The address keys an address can have: with the suffix given, that one; without, every suffix
    of the number is found by the caller (prefix match)."""
    frame = pl.DataFrame({"p": [postcode], "n": [house_number], "s": [suffix or None]})
    return frame.select(address_key_expr(pl.col("p"), pl.col("n"), pl.col("s"))).to_series().to_list()


def households_at(wh: duckdb.DuckDBPyConnection | None, con: sqlite3.Connection, q: Question) -> list[str]:
    """The households the question is about: the one asked for, or those at the address."""
    if not q.by_address:
        return [q.household_id] if q.household_id else []
    (key,) = address_keys(q.postcode, q.house_number, q.suffix)
    # without a toevoeging: the number itself and every toevoeging of it
    like = key if q.suffix else key + "-%"
    found: set[str] = set()
    if wh is not None:
        found |= {
            h
            for (h,) in wh.execute(
                "select distinct household_id from fct_list_entry "
                "where address_key = ? or address_key like ?",
                [key, like],
            ).fetchall()
        }
    for table in ("contact_attempt", "case_result"):
        found |= {
            r[0]
            for r in con.execute(
                f"select distinct household_id from {table} where address_key = ? or address_key like ?",  # noqa: S608
                [key, like],
            )
        }
    return sorted(found)


def _lists_with(wh: duckdb.DuckDBPyConnection | None, households: list[str]) -> set[tuple[str, str]]:
    """(team, as-of date) of every list on which one of the households stood."""
    if wh is None or not households:
        return set()
    rows = wh.execute(
        "select distinct wijkteam, cast(as_of_date as varchar) from fct_list_entry "
        "where list_contains(?, household_id)",
        [households],
    ).fetchall()
    return {(team, as_of) for team, as_of in rows}


def audit_lines(
    con: sqlite3.Connection, wh: duckdb.DuckDBPyConnection | None, households: list[str], q: Question
) -> list[dict]:
    """The audit lines about the households in the period, and the list views and exports that
    showed them; oldest first."""
    if not households:
        return []
    start, end = q.period()
    marks = ", ".join("?" for _ in households)
    own = con.execute(
        f"select * from audit_log where household_id in ({marks}) and at >= ? and at < ? "  # noqa: S608
        "order by audit_id limit ?",
        [*households, start, end, MAX_ROWS],
    ).fetchall()
    lines = [dict(r) for r in own]
    lists = _lists_with(wh, households)
    if lists:
        shown = con.execute(
            "select * from audit_log where action in (?, ?) and at >= ? and at < ? order by audit_id limit ?",
            [*LIST_ACTIONS, start, end, MAX_ROWS],
        ).fetchall()
        for r in shown:
            if (r["team_code"], r["as_of_date"]) in lists:
                lines.append(
                    {**dict(r), "detail": f"lijst met dit huishouden; {r['detail'] or ''}".strip("; ")}
                )
    return sorted(lines, key=lambda r: r["audit_id"])[:MAX_ROWS]


def registrations(con: sqlite3.Connection, households: list[str], q: Question) -> list[dict]:
    """What teams registered for the households in the period: kind, moment, by whom, team."""
    if not households:
        return []
    start, end = q.period()
    marks = ", ".join("?" for _ in households)
    found = []
    for table, (kind, moment, by) in REGISTRATIONS.items():
        rows = con.execute(
            f"select {moment} as at, {by} as username, wijkteam, household_id from {table} "  # noqa: S608
            f"where household_id in ({marks}) and {moment} >= ? and {moment} < ?",
            [*households, start, end],
        ).fetchall()
        found += [{**dict(r), "kind": kind} for r in rows]
    return sorted(found, key=lambda r: r["at"])


def _as_text(line: dict) -> dict[str, str]:
    words = {
        **line,
        "at": dutch.nl_date(line["at"]),
        "role": dutch.role_label(line.get("role")),
        "action": dutch.audit_action(line["action"]),
        "object": dutch.route_words(line.get("object")),
        "as_of_date": dutch.nl_date(line.get("as_of_date")),
    }
    return {header: str(words.get(column) or "") for column, header in HEADERS.items()}


def _registration_as_line(r: dict) -> dict:
    """A registration as a line of the CSV: what was registered, when, by whom, for which team."""
    return {
        "at": r["at"],
        "username": r["username"],
        "action": f"registratie: {r['kind']}",
        "result": "vastgelegd",
        "team_code": r["wijkteam"],
        "household_id": r["household_id"],
    }


def csv_bytes(lines: list[dict], regs: list[dict] = ()) -> bytes:
    """The audit lines, then the registrations; Dutch headers, formula-safe."""
    rows = [_as_text(line) for line in lines] + [_as_text(_registration_as_line(r)) for r in regs]
    frame = pl.DataFrame(rows, schema=list(HEADERS.values()), orient="row")
    frame = frame.cast(pl.String)
    return neutralise_formulas(frame).write_csv(separator=";").encode("utf-8-sig")


def _latin(text: str) -> str:
    """The PDF's core font writes Latin-1: Dutch letters fit, anything else becomes '?'."""
    return text.replace("—", "-").replace("–", "-").encode("latin-1", "replace").decode("latin-1")


def pdf_bytes(lines: list[dict], regs: list[dict], asked: str, asked_by: str) -> bytes:
    from fpdf import FPDF

    pdf = FPDF(orientation="L", format="A4")
    pdf.set_auto_page_break(auto=True, margin=12)
    pdf.add_page()
    pdf.set_font("Helvetica", "B", 14)
    pdf.cell(0, 8, _latin("Inzage: wie bekeek of wijzigde deze gegevens"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    made = dutch.nl_date(datetime.now(tz=UTC).isoformat(timespec="seconds"))
    pdf.multi_cell(0, 5, _latin(f"Gevraagd: {asked}\nOpgevraagd door {asked_by} op {made}."))
    pdf.ln(2)
    columns = ("Tijdstip", "Gebruiker", "Rol", "Handeling", "Resultaat", "Team", "Huishouden", "Details")
    widths = (30, 30, 22, 55, 20, 30, 40, 50)
    with pdf.table(col_widths=widths, text_align="LEFT") as table:
        table.row([_latin(c) for c in columns])
        for line in lines:
            text = _as_text(line)
            table.row([_latin(text[c][:120]) for c in columns])
    pdf.ln(4)
    pdf.set_font("Helvetica", "B", 11)
    pdf.cell(0, 7, _latin("Registraties"), new_x="LMARGIN", new_y="NEXT")
    pdf.set_font("Helvetica", size=9)
    with pdf.table(col_widths=(40, 50, 40, 50, 60), text_align="LEFT") as table:
        table.row(["Tijdstip", "Soort", "Door", "Team", "Huishouden"])
        for r in regs:
            table.row(
                [
                    _latin(str(v or ""))
                    for v in (
                        dutch.nl_date(r["at"]),
                        r["kind"],
                        r["username"],
                        r["wijkteam"],
                        r["household_id"],
                    )
                ]
            )
    return bytes(pdf.output())


def _question(params) -> tuple[Question | None, str | None]:
    """The question from the form, or (None, a Dutch sentence) when it is incomplete."""
    get = lambda name, n=40: (params.get(name) or "").strip()[:n]  # noqa: E731
    try:
        end = date.fromisoformat(get("tot")) if get("tot") else date.today()
        start = date.fromisoformat(get("van")) if get("van") else end - timedelta(days=365)
    except ValueError:
        return None, "Vul de datums in als jjjj-mm-dd."
    if start > end:
        return None, "De begindatum ligt na de einddatum."
    q = Question(
        get("huishouden", 100), get("postcode", 10), get("huisnummer", 6), get("toevoeging", 6), start, end
    )
    if not q.household_id and not q.by_address:
        return None, None
    if q.household_id and not _HOUSEHOLD.match(q.household_id):
        return None, "Een huishouden-id bestaat uit letters, cijfers en streepjes (zoals op de lijst)."
    if q.by_address and not (q.postcode and q.house_number.isdigit()):
        return None, "Vul een postcode en een huisnummer (alleen cijfers) in."
    return q, None


@router.get(PAGE)
def subject_access(request: Request, user: CurrentUser, con: StateDB, vorm: str = "html"):
    require_role(user, "administrator")
    q, error = _question(request.query_params)
    asked_params = {k: v for k, v in request.query_params.items() if k != "vorm"}
    context = {"q": q, "error": error, "params": request.query_params, "query": urlencode(asked_params)}
    if q is None:
        return render(request, "inzage.html", user, status_code=422 if error else 200, **context)
    ws: Workspace = request.app.state.workspace
    if ws.warehouse.exists():
        with reading(ws.warehouse) as wh:
            households = households_at(wh, con, q)
            lines = audit_lines(con, wh, households, q)
    else:
        households = households_at(None, con, q)
        lines = audit_lines(con, None, households, q)
    regs = registrations(con, households, q)
    fmt = vorm if vorm in ("csv", "pdf") else "html"
    asked_by = "adres" if q.by_address else "huishouden"
    detail = f"periode {q.start.isoformat()} t/m {q.end.isoformat()}, gevraagd per {asked_by}, {fmt}"
    for household in households or [None]:
        state.audit(
            con,
            "inzage_opgevraagd",
            username=user.username,
            role=user.role,
            household_id=household,
            detail=detail if household else detail + ", geen huishouden gevonden",
            ip=client_ip(request),
        )
    asked = (
        ("adres (postcode en huisnummer)" if q.by_address else f"huishouden {q.household_id}")
        + f", van {dutch.nl_date(q.start)} tot en met {dutch.nl_date(q.end)}; huishoudens: "
        + (", ".join(households) or "geen gevonden")
    )
    stamp = date.today().isoformat()
    if fmt == "csv":
        return Response(
            csv_bytes(lines, regs),
            media_type="text/csv; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="inzage_{stamp}.csv"'},
        )
    if fmt == "pdf":
        return Response(
            pdf_bytes(lines, regs, asked, user.username),
            media_type="application/pdf",
            headers={"Content-Disposition": f'attachment; filename="inzage_{stamp}.pdf"'},
        )
    return render(
        request, "inzage.html", user, lines=lines, regs=regs, households=households, asked=asked, **context
    )

"""What a team registered in the portal: contact attempts, end results, assignments, lane overrides,
and the withdrawals of mistaken ones.

Append-only: a correction is a new row; the latest assignment and the latest lane override of a
list win. A mistaken registration is withdrawn by a withdrawal row that refers to it: every reader
(household page, list marks, the nightly import in signals/registrations.py) leaves withdrawn
registrations out. Tier overrides from before the lanes are read as history only.
"""

from __future__ import annotations

import sqlite3
from datetime import date

from lists.status import REGISTRATION_IDS, team_marks
from portal.state.store import has_table, now_iso

__all__ = [
    "HISTORY_IDS",
    "REGISTRATION_IDS",
    "add_assignment",
    "add_case_result",
    "add_contact_attempt",
    "add_lane_override",
    "add_withdrawal",
    "household_registrations",
    "registration",
    "team_marks",
]

# Shown as history, never withdrawn or counted any more.
HISTORY_IDS = {"tier_override": "override_id"}


def add_contact_attempt(
    con: sqlite3.Connection,
    *,
    wijkteam: str,
    household_id: str,
    address_key: str,
    contact_date: date,
    soort: str,
    is_reached: bool,
    dagdeel: str | None,
    registered_by: str,
    follow_up_date: date | None = None,
    note: str | None = None,
) -> int:
    """One contact attempt, with its follow-up date and note (if any), in one transaction; its id."""
    registered_at = now_iso()
    con.execute("begin immediate")
    try:
        cur = con.execute(
            "insert into contact_attempt (wijkteam, household_id, address_key, contact_date, soort, "
            "is_reached, dagdeel, registered_at, registered_by, follow_up_date) "
            "values (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            [
                wijkteam,
                household_id,
                address_key,
                contact_date.isoformat(),
                soort,
                int(is_reached),
                dagdeel,
                registered_at,
                registered_by,
                follow_up_date.isoformat() if follow_up_date else None,
            ],
        )
        attempt_id = int(cur.lastrowid)
        if note:
            con.execute(
                "insert into contact_note (attempt_id, wijkteam, household_id, note, registered_at, "
                "registered_by) values (?, ?, ?, ?, ?, ?)",
                [attempt_id, wijkteam, household_id, note, registered_at, registered_by],
            )
        con.execute("commit")
    except BaseException:
        con.execute("rollback")
        raise
    return attempt_id


def add_case_result(
    con: sqlite3.Connection,
    *,
    wijkteam: str,
    household_id: str,
    address_key: str,
    result_date: date,
    eindresultaat: str,
    registered_by: str,
) -> None:
    con.execute(
        "insert into case_result (wijkteam, household_id, address_key, result_date, eindresultaat, "
        "registered_at, registered_by) values (?, ?, ?, ?, ?, ?, ?)",
        [
            wijkteam,
            household_id,
            address_key,
            result_date.isoformat(),
            eindresultaat,
            now_iso(),
            registered_by,
        ],
    )


def add_assignment(con: sqlite3.Connection, *, wijkteam: str, household_id: str, worker: str, by: str) -> int:
    """One assignment; its id (the audit line names the id, not the worker)."""
    cur = con.execute(
        "insert into assignment (wijkteam, household_id, worker, assigned_at, assigned_by) "
        "values (?, ?, ?, ?, ?)",
        [wijkteam, household_id, worker, now_iso(), by],
    )
    return int(cur.lastrowid)


def add_lane_override(
    con: sqlite3.Connection, *, wijkteam: str, household_id: str, as_of: date, lane: str, reason: str, by: str
) -> int:
    """Move a household to `lane` on the list of `as_of`; the table's CHECK refuses an unknown lane."""
    cur = con.execute(
        "insert into lane_override (wijkteam, household_id, as_of_date, lane, reason, overridden_at, "
        "overridden_by) values (?, ?, ?, ?, ?, ?, ?)",
        [wijkteam, household_id, as_of.isoformat(), lane, reason, now_iso(), by],
    )
    return int(cur.lastrowid)


_OF_HOUSEHOLD = "x.wijkteam = ? and x.household_id = ?"
_BY_ID = "x.rowid = ?"


def _with_withdrawal(kind: str, where: str) -> str:
    """The registrations of one table with the withdrawal (if any) that refers to each."""
    id_column = {**REGISTRATION_IDS, **HISTORY_IDS}[kind]
    return (
        f"select x.*, x.{id_column} as registration_id, '{kind}' as kind, "  # noqa: S608 - fixed names
        "w.reason as withdrawn_reason, w.withdrawn_at, w.withdrawn_by "
        f"from {kind} as x left join withdrawal as w "
        f"on w.kind = '{kind}' and w.registration_id = x.{id_column} "
        f"where {where}"
    )


def household_registrations(
    con: sqlite3.Connection, wijkteam: str, household_id: str
) -> dict[str, list[dict]]:
    """Everything the team registered in the portal for one household, newest first.

    Withdrawn registrations are included (the history shows them as withdrawn, with the reason):
    `withdrawn_at` is set on those. What counts (list marks, the nightly import) leaves them out.
    `tier_overrides` are the overrides from before the lanes (empty in a file without them).
    Each attempt has its `note` (None without one, or once the attempt is withdrawn).
    """
    params = [wijkteam, household_id]
    orders = {
        "attempts": ("contact_attempt", "x.contact_date desc, x.attempt_id desc"),
        "results": ("case_result", "x.result_date desc, x.result_id desc"),
        "assignments": ("assignment", "x.assignment_id desc"),
        "overrides": ("lane_override", "x.override_id desc"),
        "tier_overrides": ("tier_override", "x.override_id desc"),
    }
    found = {}
    for key, (kind, order) in orders.items():
        if kind in HISTORY_IDS and not has_table(con, kind):
            found[key] = []
            continue
        query = f"{_with_withdrawal(kind, _OF_HOUSEHOLD)} order by {order}"
        found[key] = [dict(r) for r in con.execute(query, params)]
    notes = dict(
        con.execute(
            "select attempt_id, note from contact_note where wijkteam = ? and household_id = ?", params
        )
    )
    for attempt in found["attempts"]:
        # a withdrawn attempt's note is not shown (it may be about another household); the purge deletes it
        attempt["note"] = None if attempt["withdrawn_at"] else notes.get(attempt["attempt_id"])
    return found


def registration(con: sqlite3.Connection, kind: str, registration_id: int) -> dict | None:
    """One withdrawable registration with its withdrawal, if any; None for an unknown kind or id."""
    if kind not in REGISTRATION_IDS:
        return None
    row = con.execute(_with_withdrawal(kind, _BY_ID), [registration_id]).fetchone()
    return dict(row) if row else None


def add_withdrawal(
    con: sqlite3.Connection,
    *,
    kind: str,
    registration_id: int,
    wijkteam: str,
    household_id: str,
    reason: str,
    by: str,
) -> bool:
    """Withdraw one registration of this team and household; False if it was withdrawn already.

    The registration must belong to `wijkteam` and `household_id` (a KeyError otherwise): one team
    never withdraws another's.
    """
    found = registration(con, kind, registration_id)
    if found is None or found["wijkteam"] != wijkteam or found["household_id"] != household_id:
        raise KeyError(f"{kind} {registration_id}")
    cur = con.execute(
        "insert or ignore into withdrawal (kind, registration_id, wijkteam, household_id, reason, "
        "withdrawn_at, withdrawn_by) values (?, ?, ?, ?, ?, ?, ?)",
        [kind, registration_id, wijkteam, household_id, reason, now_iso(), by],
    )
    return cur.rowcount == 1

"""Coordinators' notes on contact attempts: retention.

A note is personal data (free text about a household). It stays in portal.sqlite, is shown only on
the household page to the team's coordinators, and never leaves the portal: not in the list exports,
not in the warehouse, not in the DDAS/CBS export (those read other tables), not in the audit log
(which records that a note was saved or withdrawn and its length, never its text).

The retention purge deletes a note `notes_months` (config/retention.yaml) after it was saved, and a
note whose contact attempt was withdrawn at once: a note registered by mistake may be about another
household. The attempt itself stays (append-only); only the text goes.
"""

from __future__ import annotations

import sqlite3
from datetime import date


def note_of(con: sqlite3.Connection, attempt_id: int) -> str | None:
    row = con.execute("select note from contact_note where attempt_id = ?", [attempt_id]).fetchone()
    return row[0] if row else None


def purge_expired_notes(con: sqlite3.Connection, purge_date: date, months: int) -> int:
    """Delete the notes saved `months` or more before `purge_date`, and those of withdrawn attempts;
    returns how many (a count, never contents)."""
    cur = con.execute(
        "delete from contact_note as n "
        "where substr(n.registered_at, 1, 10) <= date(?, printf('-%d months', ?)) "
        "or exists (select 1 from withdrawal as w "
        "where w.kind = 'contact_attempt' and w.registration_id = n.attempt_id)",
        [purge_date.isoformat(), months],
    )
    return cur.rowcount

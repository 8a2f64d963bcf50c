"""Team registrations (contact attempts, end results) from the previous registration system.

The files in `registraties/` are replaced as a whole on every load (source 'import'); rows the
portal registers (source 'portal') are never touched by that import: load_portal_registrations
replaces them from the portal's own SQLite file. Values must be in the DDAS vocabulary of the
current version, read from the national schema (or, without it, the built-in copy of its value
lists: signals/ddas.py), or an older name of one of its values (signals/ddas_labels.py), which is
stored in the current words; a file with other values is refused rather than half loaded.
"""

from __future__ import annotations

import sqlite3
from pathlib import Path

import duckdb
import polars as pl

from signals.addresses import address_key_expr
from signals.ddas import vocabulary_lists
from signals.ddas_labels import accepted, to_current


def ddas_vocabulary() -> dict[str, tuple[str, ...]]:
    """EnumContactsoort, EnumDagdeel and EnumEindresultaat of the current DDAS schema (or built in)."""
    lists = vocabulary_lists()
    return {name: lists[name] for name in ("EnumContactsoort", "EnumDagdeel", "EnumEindresultaat")}


def not_picked_up_results() -> tuple[str, ...]:
    """Eindresultaten that say a signal was not taken up: those that are also a signal status
    (EnumSignaalstatus), e.g. "Niet opgepakt: herhaalde melding"."""
    lists = vocabulary_lists()
    statuses = set(lists["EnumSignaalstatus"])
    return tuple(r for r in lists["EnumEindresultaat"] if r in statuses)


class RegistrationError(ValueError):
    pass


def _check(frame: pl.DataFrame, column: str, allowed: tuple[str, ...], file: str) -> None:
    wrong = frame.filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(allowed))[column].unique()
    if wrong.len():
        raise RegistrationError(
            f"{file}: kolom {column} bevat waarden buiten de DDAS-lijst: {', '.join(wrong.head(5).to_list())}"
        )


def _checked(attempts: pl.DataFrame, results: pl.DataFrame, file: str, results_file: str):
    """Both frames checked against the DDAS lists (older names allowed) and in the current words."""
    vocab = ddas_vocabulary()
    _check(attempts, "soort", accepted("EnumContactsoort", vocab["EnumContactsoort"]), file)
    _check(attempts, "dagdeel", vocab["EnumDagdeel"], file)
    _check(results, "eindresultaat", accepted("EnumEindresultaat", vocab["EnumEindresultaat"]), results_file)
    return (
        attempts.with_columns(to_current("soort", "EnumContactsoort")),
        results.with_columns(to_current("eindresultaat", "EnumEindresultaat")),
    )


def _address(frame: pl.DataFrame) -> pl.Expr:
    return address_key_expr(pl.col("postcode"), pl.col("huisnummer"), pl.col("huisnummer_toevoeging"))


def _replace(
    con: duckdb.DuckDBPyConnection, source: str, attempts: pl.DataFrame, results: pl.DataFrame
) -> tuple[int, int]:
    """Replace the registrations of one source (import or portal); the other is never touched."""
    con.register("_attempts", attempts)
    con.register("_results", results)
    try:
        con.execute("delete from reg_contact_attempt where source = ?", [source])
        con.execute("insert into reg_contact_attempt by name select * from _attempts")
        con.execute("delete from reg_case_result where source = ?", [source])
        con.execute("insert into reg_case_result by name select * from _results")
    finally:
        con.unregister("_attempts")
        con.unregister("_results")
    return attempts.height, results.height


def load_registrations(con: duckdb.DuckDBPyConnection, folder: Path) -> tuple[int, int]:
    """Replace the imported registrations with the files in `folder`; returns (attempts, results)."""
    attempts_file, results_file = folder / "contactpogingen.csv", folder / "resultaten.csv"
    if not attempts_file.exists() and not results_file.exists():
        return 0, 0
    attempts = pl.read_csv(attempts_file, infer_schema=False)
    results = pl.read_csv(results_file, infer_schema=False)
    attempts, results = _checked(attempts, results, attempts_file.name, results_file.name)
    attempts = attempts.select(
        pl.lit("import").alias("source"),
        _address(attempts).alias("address_key"),
        "wijkteam",
        pl.col("datum").str.to_date("%Y-%m-%d").alias("contact_date"),
        "soort",
        (pl.col("bereikt").str.to_lowercase() == "ja").alias("is_reached"),
        "dagdeel",
    )
    results = results.select(
        pl.lit("import").alias("source"),
        _address(results).alias("address_key"),
        "wijkteam",
        pl.col("datum").str.to_date("%Y-%m-%d").alias("result_date"),
        "eindresultaat",
    )
    return _replace(con, "import", attempts, results)


def _withdrawn(source: sqlite3.Connection, kind: str) -> list[int]:
    """Ids of the `kind` registrations (contact_attempt, case_result) the team withdrew in the portal.

    A coordinator withdraws a mistaken registration by adding a withdrawal row (registrations are
    append-only); a withdrawn contact attempt or result does not exist for the pipeline. Portal files
    from before withdrawals existed have no such table: nothing is withdrawn there.
    """
    has_table = source.execute(
        "select count(*) from sqlite_master where type = 'table' and name = 'withdrawal'"
    ).fetchone()[0]
    if not has_table:
        return []
    return [i for (i,) in source.execute("select registration_id from withdrawal where kind = ?", [kind])]


def load_portal_registrations(con: duckdb.DuckDBPyConnection, state_path: Path) -> tuple[int, int] | None:
    """Replace the registrations with source 'portal' by what the portal holds; returns (attempts, results).

    The portal keeps its registrations in its own SQLite file (`portal.sqlite`, tables
    contact_attempt and case_result); the warehouse copy is rebuilt from it on every run, so a
    registration made while a run is in progress is taken in by the next one. Without the file (no
    portal in use) nothing is touched and None is returned. Values are checked against the DDAS
    vocabulary here too: the file is read by the pipeline, not only written by the portal.
    """
    if not Path(state_path).exists():
        return None
    source = sqlite3.connect(f"file:{Path(state_path).resolve()}?mode=ro", uri=True, timeout=30)
    try:
        # One read transaction: a withdrawal written meanwhile is seen together with what it withdraws.
        source.execute("begin")
        attempt_rows = source.execute(
            "select attempt_id, address_key, wijkteam, contact_date, soort, is_reached, dagdeel, "
            "registered_at from contact_attempt order by attempt_id"
        ).fetchall()
        result_rows = source.execute(
            "select result_id, address_key, wijkteam, result_date, eindresultaat from case_result "
            "order by result_id"
        ).fetchall()
        withdrawn_attempts = _withdrawn(source, "contact_attempt")
        withdrawn_results = _withdrawn(source, "case_result")
        source.execute("commit")
    finally:
        source.close()
    attempts = pl.DataFrame(
        attempt_rows,
        schema=[
            "attempt_id",
            "address_key",
            "wijkteam",
            "contact_date",
            "soort",
            "is_reached",
            "dagdeel",
            "registered_at",
        ],
        orient="row",
        schema_overrides={
            c: pl.String for c in ("address_key", "wijkteam", "contact_date", "soort", "dagdeel")
        }
        | {"attempt_id": pl.Int64, "is_reached": pl.Int64, "registered_at": pl.String},
    ).filter(~pl.col("attempt_id").is_in(withdrawn_attempts))
    results = pl.DataFrame(
        result_rows,
        schema=["result_id", "address_key", "wijkteam", "result_date", "eindresultaat"],
        orient="row",
        schema_overrides=dict.fromkeys(("address_key", "wijkteam", "result_date", "eindresultaat"), pl.String)
        | {"result_id": pl.Int64},
    ).filter(~pl.col("result_id").is_in(withdrawn_results))
    attempts, results = _checked(
        attempts, results, "portal.sqlite contact_attempt", "portal.sqlite case_result"
    )
    attempts = attempts.select(
        pl.lit("portal").alias("source"),
        "address_key",
        "wijkteam",
        pl.col("contact_date").str.to_date("%Y-%m-%d"),
        "soort",
        (pl.col("is_reached") == 1).alias("is_reached"),
        "dagdeel",
        pl.col("registered_at").str.to_datetime(time_zone="UTC"),
    )
    results = results.select(
        pl.lit("portal").alias("source"),
        "address_key",
        "wijkteam",
        pl.col("result_date").str.to_date("%Y-%m-%d"),
        "eindresultaat",
    )
    return _replace(con, "portal", attempts, results)

"""Team registrations (contact attempts, end results) from the previous registration system.

The files in `registraties/` are replaced as a whole on every load (source 'import'); rows the
portal registers (source 'portal') are never touched. Values must be in the DDAS vocabulary, read
from the national schema; a file with other values is refused rather than half loaded.
"""

from __future__ import annotations

import json
from functools import cache
from pathlib import Path

import duckdb
import polars as pl

from signals.addresses import address_key_expr
from signals.ddas import schema_path


@cache
def ddas_vocabulary() -> dict[str, tuple[str, ...]]:
    """EnumContactsoort, EnumDagdeel and EnumEindresultaat of the DDAS v0.9 schema."""
    defs = json.loads(schema_path().read_text(encoding="utf-8"))["$defs"]
    return {
        name: tuple(defs[name]["enum"]) for name in ("EnumContactsoort", "EnumDagdeel", "EnumEindresultaat")
    }


class RegistrationError(ValueError):
    pass


def _check(frame: pl.DataFrame, column: str, allowed: tuple[str, ...], file: str) -> None:
    wrong = frame.filter(pl.col(column).is_not_null() & ~pl.col(column).is_in(allowed))[column].unique()
    if wrong.len():
        raise RegistrationError(
            f"{file}: kolom {column} bevat waarden buiten de DDAS-lijst: {', '.join(wrong.head(5).to_list())}"
        )


def _address(frame: pl.DataFrame) -> pl.Expr:
    return address_key_expr(pl.col("postcode"), pl.col("huisnummer"), pl.col("huisnummer_toevoeging"))


def load_registrations(con: duckdb.DuckDBPyConnection, folder: Path) -> tuple[int, int]:
    """Replace the imported registrations with the files in `folder`; returns (attempts, results)."""
    vocab = ddas_vocabulary()
    attempts_file, results_file = folder / "contactpogingen.csv", folder / "resultaten.csv"
    if not attempts_file.exists() and not results_file.exists():
        return 0, 0
    attempts = pl.read_csv(attempts_file, infer_schema=False)
    results = pl.read_csv(results_file, infer_schema=False)
    _check(attempts, "soort", vocab["EnumContactsoort"], attempts_file.name)
    _check(attempts, "dagdeel", vocab["EnumDagdeel"], attempts_file.name)
    _check(results, "eindresultaat", vocab["EnumEindresultaat"], results_file.name)
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
    con.register("_attempts", attempts)
    con.register("_results", results)
    try:
        con.execute("delete from reg_contact_attempt where source = 'import'")
        con.execute("insert into reg_contact_attempt by name select * from _attempts")
        con.execute("delete from reg_case_result where source = 'import'")
        con.execute("insert into reg_case_result by name select * from _results")
    finally:
        con.unregister("_attempts")
        con.unregister("_results")
    return attempts.height, results.height

"""The Great Expectations suite of a feed, generated from its contract, and its findings per row.

Great Expectations is imported lazily (5–8 s): only intake needs it, never the portal. Validation
runs on pandas frames (GX 1.24 has no working DuckDB or polars data source). Its results contain
the offending values: findings go straight into the quarantine table, with personal fields masked,
and GX's data docs (DataDocs) are written only next to the delivery reports, under their retention.
"""

from __future__ import annotations

import datetime as dt
import math
from functools import cache
from pathlib import Path
from typing import Any

import polars as pl

from signals.contracts import Column, FeedContract, load_contract
from signals.validate import FINDINGS_SCHEMA, MASKED, RECEIVED_DATE, ROW_ID


def _range_text(c: Column) -> str:
    parts = []
    if c.min is not None:
        parts.append(f"{'meer dan' if c.min_exclusive else 'minimaal'} {c.min:g}")
    if c.max is not None:
        parts.append(f"{'minder dan' if c.max_exclusive else 'maximaal'} {c.max:g}")
    return " en ".join(parts)


def _expectations(contract: FeedContract) -> list[Any]:
    import great_expectations.expectations as gxe
    from great_expectations.expectations.row_conditions import Column as Where

    out: list[Any] = []

    def add(expectation: Any, column: Column, reason: str) -> None:
        expectation.meta = {"column": column.name, "reason_nl": reason}
        out.append(expectation)

    for c in contract.columns:
        if c.required:
            add(gxe.ExpectColumnValuesToNotBeNull(column=c.name), c, "Verplicht veld ontbreekt.")
        for other, value in (c.required_when or {}).items():
            add(
                gxe.ExpectColumnValuesToNotBeNull(column=c.name, row_condition=Where(other) == value),
                c,
                f"Verplicht als {other} '{value}' is, maar ontbreekt.",
            )
        if c.min is not None or c.max is not None:
            add(
                gxe.ExpectColumnValuesToBeBetween(
                    column=c.name,
                    min_value=c.min,
                    max_value=c.max,
                    strict_min=c.min_exclusive,
                    strict_max=c.max_exclusive,
                ),
                c,
                f"Waarde buiten het toegestane bereik ({_range_text(c)}).",
            )
        if c.values is not None:
            add(
                gxe.ExpectColumnValuesToBeInSet(column=c.name, value_set=list(c.values)),
                c,
                f"Onbekende waarde; toegestaan zijn: {', '.join(c.values)}.",
            )
        if c.type == "postcode":
            add(
                gxe.ExpectColumnValuesToMatchRegex(column=c.name, regex=r"^[1-9][0-9]{3}[A-Z]{2}$"),
                c,
                "Geen geldige postcode (verwacht vier cijfers en twee letters, zoals 1234AB).",
            )
        if c.not_after is not None:
            later = RECEIVED_DATE if c.not_after == "received" else c.not_after
            reason = (
                "Datum ligt in de toekomst (na de ontvangst van de levering)."
                if c.not_after == "received"
                else f"Datum ligt na {c.not_after}."
            )
            add(
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A=later,
                    column_B=c.name,
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                ),
                c,
                reason,
            )
        if c.not_before is not None:
            add(
                gxe.ExpectColumnPairValuesAToBeGreaterThanB(
                    column_A=c.name,
                    column_B=c.not_before,
                    or_equal=True,
                    ignore_row_if="either_value_is_missing",
                ),
                c,
                f"Datum ligt voor {c.not_before}.",
            )
    return out


@cache
def _validation_definition(feed: str) -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig

    contract = load_contract(feed)
    ctx = _context()
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    name = f"{contract.feed}_v{contract.version}"
    asset = ctx.data_sources.get("intake").add_dataframe_asset(name)
    batch = asset.add_batch_definition_whole_dataframe("delivery")
    suite = ctx.suites.add(gx.ExpectationSuite(name=name, expectations=_expectations(contract)))
    return ctx.validation_definitions.add(gx.ValidationDefinition(name=name, data=batch, suite=suite))


@cache
def _checkpoint(feed: str) -> Any:
    """A checkpoint for the feed's suite. Its results stay in the context's store for DataDocs."""
    import great_expectations as gx

    vd = _validation_definition(feed)
    return _context().checkpoints.add(
        gx.Checkpoint(
            name=vd.name,
            validation_definitions=[vd],
            result_format={"result_format": "COMPLETE", "unexpected_index_column_names": [ROW_ID]},
        )
    )


@cache
def _docs_site(docs_dir: str) -> str:
    """The name of a data docs site writing to `docs_dir`, added to the context once."""
    ctx = _context()
    site = f"intake-{abs(hash(docs_dir))}"
    ctx.add_data_docs_site(
        site_name=site,
        site_config={
            "class_name": "SiteBuilder",
            "store_backend": {"class_name": "TupleFilesystemStoreBackend", "base_directory": docs_dir},
            "site_index_builder": {"class_name": "DefaultSiteIndexBuilder"},
        },
    )
    return site


class DataDocs:
    """Great Expectations' data docs of one intake run's validations, built once when it ends.

    Every build compiles GX's page templates again (~0.5 s); building after each feed's validation
    cost a region night ~2 s (bench/, BENCHMARKS.md). The pages contain offending values: keep them
    with the delivery reports, under the same retention.
    """

    def __init__(self, docs_dir: Path) -> None:
        self.docs_dir = docs_dir
        self._resources: list[Any] = []

    def add(self, checkpoint_result: Any) -> None:
        from great_expectations.data_context.types.resource_identifiers import ExpectationSuiteIdentifier

        for identifier, result in checkpoint_result.run_results.items():
            self._resources += [identifier, ExpectationSuiteIdentifier(name=result.suite_name)]

    def build(self) -> None:
        if self._resources:
            site = _docs_site(str(self.docs_dir))
            _context().build_data_docs(site_names=[site], resource_identifiers=self._resources)
            self._resources = []


@cache
def _context() -> Any:
    import great_expectations as gx
    from great_expectations.data_context.types.base import ProgressBarsConfig
    from great_expectations.execution_engine import pandas_execution_engine

    # 2026-11 (GX 1.24): every batch under HASH_THRESHOLD bytes is md5-fingerprinted cell by cell
    # for its metadata — 1.4 s of a 1M-row intake. We never use the fingerprint.
    pandas_execution_engine.HASH_THRESHOLD = 0
    ctx = gx.get_context(mode="ephemeral")
    ctx.variables.progress_bars = ProgressBarsConfig(globally=False)
    # The default docs site of an ephemeral context is a temporary folder: we keep our own only.
    for site in list(ctx.get_site_names()):
        ctx.delete_data_docs_site(site)
    ctx.data_sources.add_pandas("intake")
    return ctx


def _checked_columns(contract: FeedContract) -> list[str]:
    names: list[str] = []
    for c in contract.columns:
        checked = (
            c.required
            or c.required_when
            or c.values
            or c.type == "postcode"
            or (c.min is not None or c.max is not None or c.not_after or c.not_before)
        )
        if checked:
            names += [c.name, *(c.required_when or {})]
            names += [x for x in (c.not_after, c.not_before) if x and x != "received"]
            if c.not_after == "received":
                names.append(RECEIVED_DATE)
    return list(dict.fromkeys(names))


def _plain(value: Any) -> str | None:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    if hasattr(value, "to_pydatetime"):
        try:
            value = value.to_pydatetime()
        except ValueError:  # NaT
            return None
    if isinstance(value, dt.datetime):
        return value.date().isoformat()
    if hasattr(value, "item"):
        value = value.item()
    return str(value)


def run_suite(typed: pl.DataFrame, contract: FeedContract, docs: DataDocs | None = None) -> pl.DataFrame:
    """Findings (row id, column, value, check, Dutch reason) of the feed's suite on `typed`.

    With `docs`, this validation goes into Great Expectations' data docs when `docs.build()` runs.
    """
    if typed.height == 0:
        return pl.DataFrame(schema=FINDINGS_SCHEMA)
    # Only the columns the suite looks at: GX hashes and scans the whole frame it is given.
    frame = typed.select(ROW_ID, *_checked_columns(contract)).to_pandas()
    checkpoint_result = _checkpoint(contract.feed).run(batch_parameters={"dataframe": frame})
    if docs is not None:
        docs.add(checkpoint_result)
    result = next(iter(checkpoint_result.run_results.values()))
    person = {c.name for c in contract.columns if c.is_person_field}
    rows: list[dict[str, Any]] = []
    for r in result.results:
        if r.success:
            continue
        meta = r.expectation_config.meta or {}
        column = meta["column"]
        if r.exception_info and r.exception_info.get("raised_exception"):
            raise RuntimeError(
                f"expectation on {contract.feed}.{column} could not run: "
                f"{r.exception_info.get('exception_message')}"
            )
        for entry in r.result.get("unexpected_index_list") or []:
            rows.append(
                {
                    ROW_ID: int(entry[ROW_ID]),
                    "column_name": column,
                    "value": MASKED if column in person else _plain(entry.get(column)),
                    "check_name": r.expectation_config.type,
                    "reason_nl": meta["reason_nl"],
                }
            )
    return pl.DataFrame(rows, schema=FINDINGS_SCHEMA)

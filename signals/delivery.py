"""What reading a delivered file produces: its rows as text, or a whole-file rejection.

Shared by the readers (`signals.parse`, `signals.ddas`, `signals.delimited`, `signals.xlsx`) and
intake, so none of them has to import another to know these types.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import polars as pl

LINE_NO = "line_no"

# Findings of the readers, keyed by the line they are on (intake turns the line into a row id).
# `column_name` is null for a defect of the whole row (a wrong number of fields): such a row is
# quarantined with that one finding, and its cells are not read.
LINE_FINDINGS_SCHEMA = {
    LINE_NO: pl.Int64,
    "column_name": pl.String,
    "value": pl.String,
    "check_name": pl.String,
    "reason_nl": pl.String,
}


class DeliveryRejected(Exception):
    """The delivery as a whole cannot be read; `reason_nl` tells the supplier why.

    The sentence comes from `signals.reasons` and never quotes delivered content, so it may be
    stored, logged and shown anywhere.
    """

    def __init__(self, reason_nl: str, rows: int = 0) -> None:
        super().__init__(reason_nl)
        self.reason_nl = reason_nl
        # Data rows counted before the rejection (0 when the file could not be read at all):
        # they are all quarantined with the delivery, so rows read = loaded + quarantined holds.
        self.rows = rows


@dataclass
class ParsedDelivery:
    """A delivery as text: one column per contract column (null where absent) plus `line_no`.

    `findings` are the row defects found while reading (wrong field count, control characters,
    a value longer than its column allows); the offending cells are already null in `frame`, so
    their content never reaches the warehouse.
    """

    frame: pl.DataFrame
    file_format: str
    warnings_nl: list[str] = field(default_factory=list)
    findings: pl.DataFrame = field(default_factory=lambda: pl.DataFrame(schema=LINE_FINDINGS_SCHEMA))

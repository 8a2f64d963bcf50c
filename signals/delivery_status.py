"""How a delivery's outcome and channel are worded for the supplier: the one place for that wording.

raw_delivery.status is `geaccepteerd` or `afgewezen` (the intake's verdict on the file); a file that
was accepted with rows rejected is shown as *gedeeltelijk geaccepteerd*, never green. A stored
upload the nightly run has not taken in yet is *wacht op verwerking*. The `tone` is a CSS class
(green, amber, red, grey); the wording always says the same in text, so colour is never the only cue.
"""

from __future__ import annotations

from dataclasses import dataclass

ACCEPTED = "geaccepteerd"
PARTLY_ACCEPTED = "gedeeltelijk geaccepteerd"
REJECTED = "afgewezen"
PENDING = "wacht op verwerking"

# raw_delivery.channel codes (warehouse/migrations/0002_deliveries.sql) as a supplier says them.
CHANNEL_WORDS = {"upload": "upload", "drop_folder": "map", "api": "API", "cli": "opdrachtregel"}


@dataclass(frozen=True)
class Outcome:
    label: str  # Dutch, shown as text
    tone: str  # CSS class: status-geaccepteerd | status-gedeeltelijk | status-afgewezen | status-wacht


def outcome(status: str | None, rows_quarantined: int | None) -> Outcome:
    """The outcome of a delivery the intake has seen (`status` from raw_delivery); `None`: pending."""
    if status is None:
        return Outcome(PENDING, "status-wacht")
    if status == REJECTED:
        return Outcome(REJECTED, "status-afgewezen")
    if rows_quarantined:
        return Outcome(PARTLY_ACCEPTED, "status-gedeeltelijk")
    return Outcome(ACCEPTED, "status-geaccepteerd")


def channel_words(channel: str | None) -> str:
    """The channel in words ('map', never 'drop_folder'); an unknown code as 'onbekend'."""
    return CHANNEL_WORDS.get(channel or "", "onbekend")

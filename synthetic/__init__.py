"""Deterministic synthetic region generator modelled on the Zaanstreek (see README.md).

There is no real data, and there must never be: every name, number and address is generated.
"""

from synthetic.calibration import CalibrationRow
from synthetic.feeds import SUPPLIERS, Supplier
from synthetic.generate import GenerationResult, generate_region
from synthetic.geography import TEAMS, Team

__all__ = [
    "SUPPLIERS",
    "TEAMS",
    "CalibrationRow",
    "GenerationResult",
    "Supplier",
    "Team",
    "generate_region",
]

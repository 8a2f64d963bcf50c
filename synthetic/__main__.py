"""`python -m synthetic --out DIR`: generate a region and print its calibration table."""

import argparse
import sys
import time
from datetime import date
from pathlib import Path

from synthetic.generate import generate_region
from synthetic.params import VARIANTS


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m synthetic", description=__doc__)
    parser.add_argument("--out", type=Path, required=True, help="output folder")
    parser.add_argument(
        "--households",
        type=int,
        default=80_000,
        help="number of households (default 80,000, the Zaanstreek)",
    )
    parser.add_argument("--seed", type=int, default=20261123, help="random seed")
    parser.add_argument("--months", type=int, default=36, help="months of delivered history")
    parser.add_argument(
        "--end-date",
        type=date.fromisoformat,
        default=date(2026, 10, 31),
        help="last delivery day, YYYY-MM-DD (default 2026-10-31)",
    )
    parser.add_argument(
        "--variant",
        choices=sorted(VARIANTS),
        default="zaanstreek",
        help="the world's parameters (params.VARIANTS); zaanstreek is the demo region",
    )
    args = parser.parse_args(argv)
    started = time.perf_counter()
    result = generate_region(
        args.out,
        households=args.households,
        seed=args.seed,
        months=args.months,
        end_date=args.end_date,
        variant=args.variant,
    )
    print(result.format_calibration())
    print(f"\n{args.out} in {time.perf_counter() - started:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())

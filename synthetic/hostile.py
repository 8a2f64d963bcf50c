"""Hostile files for the intake's tests and benchmarks: archives that inflate far beyond their size."""

from __future__ import annotations

import io
import zipfile
from functools import cache


@cache
def zip_bomb(declared_mb: int = 1024) -> bytes:
    """An XLSX-shaped archive whose sheet inflates to `declared_mb` MB of zeros (~1 MB on disk)."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED, compresslevel=9) as archive:
        archive.writestr("[Content_Types].xml", "<Types/>")
        with archive.open("xl/worksheets/sheet1.xml", "w", force_zip64=True) as part:
            block = b"\0" * (1 << 20)
            for _ in range(declared_mb):
                part.write(block)
    return buffer.getvalue()


def lying_archive() -> bytes:
    """An archive whose directory declares a 1,000-byte sheet that really inflates to 20 MB."""
    data = bytearray(zip_bomb(20))
    declared = (20 << 20).to_bytes(4, "little")
    # The sheet's size sits in its local header and in the central directory (not zip64 there).
    for _ in range(2):
        at = data.rfind(declared)
        if at < 0:
            break
        data[at : at + 4] = (1000).to_bytes(4, "little")
    return bytes(data)

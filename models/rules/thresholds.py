"""The thresholds of the ⚠ findings, read once from data/findings.toml (data, not code)."""

from __future__ import annotations

import tomllib
from pathlib import Path

THRESHOLDS: dict = tomllib.loads((Path(__file__).parent / "data" / "findings.toml")
                                 .read_text(encoding="utf-8"))

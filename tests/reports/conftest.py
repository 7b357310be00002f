"""Fixtures of the report tests."""

from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(scope="session")
def reports_dir(artifacts_dir: Path) -> Path:
    """Where the report tests keep the files they make, for a person to look at."""
    path = artifacts_dir / "reports"
    path.mkdir(exist_ok=True)
    return path

"""Fixtures for the page tests: a cookie-keeping HTTP client per person, and instances with members."""

from __future__ import annotations

import sys
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[2]))  # the repository root, for `tests.web.helpers`

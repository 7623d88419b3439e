"""Playwright over Debian's chromium, for the tests that open a page as a planner would."""

import os
import shutil

import pytest

CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
FLAGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking",
         "--disable-component-update", "--disable-sync", "--no-first-run"]  # fmt: skip


def playwright():
    """sync_playwright, where Playwright and chromium are installed; the suite requires them
    where make test installed them (CITYTWIN_REQUIRE_BROWSER=1), else skips."""
    required = os.environ.get("CITYTWIN_REQUIRE_BROWSER") == "1"
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        if required:
            raise
        pytest.skip("playwright is not installed (pip install -e '.[dev]')")
    if not os.path.exists(CHROMIUM):
        if required:
            pytest.fail(f"no chromium at {CHROMIUM}: 'make test' installs Debian's chromium")
        pytest.skip("Debian's chromium is not installed ('make test' installs it)")
    return sync_playwright

"""Headless Chromium for the browser tests: Debian's /usr/bin/chromium driven by Playwright.

The tests never skip silently: without Chromium they fail and say how to install it.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

CHROMIUM = os.environ.get("RNNLENS_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--headless",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    if not Path(CHROMIUM).exists():
        pytest.fail(
            f"Chromium is not installed at {CHROMIUM}; the browser tests need it. "
            "Run tools/setup-browser (Debian package `chromium`), or set RNNLENS_CHROMIUM."
        )
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        pytest.fail("Playwright for Python is missing: pip install -e '.[dev]'.")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


class PageProbe:
    """A page plus everything it reported: console messages, page errors, dialogs, requests."""

    def __init__(self, page: Any) -> None:
        self.page = page
        self.console: list[tuple[str, str]] = []
        self.errors: list[str] = []
        self.dialogs: list[str] = []
        self.requests: list[str] = []
        page.on("console", lambda m: self.console.append((m.type, m.text)))
        page.on("pageerror", lambda e: self.errors.append(str(e)))
        page.on("dialog", self._dialog)
        page.on("request", lambda r: self.requests.append(r.url))

    def _dialog(self, dialog: Any) -> None:
        self.dialogs.append(dialog.message)
        dialog.dismiss()

    def open(self, path: Path) -> PageProbe:
        self.page.goto(path.resolve().as_uri(), wait_until="load")
        return self

    def draw_all(self) -> None:
        """Draw every lazily drawn figure and wait until plotly has finished them all."""
        self.page.evaluate("window.rnnlensDrawAll()")
        self.page.wait_for_function(
            "document.querySelectorAll('div.fig[data-ready]').length"
            " === document.querySelectorAll('div.fig').length",
            timeout=30_000,
        )

    @property
    def problems(self) -> list[str]:
        bad = [f"{kind}: {text}" for kind, text in self.console if kind in ("error", "warning")]
        return (
            bad + [f"pageerror: {e}" for e in self.errors] + [f"dialog: {d}" for d in self.dialogs]
        )


@pytest.fixture
def probe(browser: Any) -> Iterator[PageProbe]:
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    page = context.new_page()
    yield PageProbe(page)
    context.close()

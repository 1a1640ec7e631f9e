"""Driving Debian's chromium through Playwright against pytest-django's live server.

Never `playwright install`: the browser is the system's. Screenshots go to test-output/e2e/.
"""

from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from django.db import connections
from playwright.sync_api import Browser, Page, expect, sync_playwright

from cms.demo import demo_password

SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "e2e"
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
STEP_TIMEOUT_MS = 20_000


@contextmanager
def chromium() -> Iterator[Browser]:
    """A headless chromium for one test.

    While Playwright's event loop runs, Django gives this thread other database
    connections than outside it; they are closed before the loop stops, or PostgreSQL
    would refuse to drop the test database at the end ("being accessed by other users").
    """
    SCREENSHOTS.mkdir(parents=True, exist_ok=True)
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(
            executable_path=CHROMIUM, args=CHROMIUM_ARGS, headless=True, timeout=STEP_TIMEOUT_MS
        )
        try:
            yield browser
        finally:
            browser.close()
            connections.close_all()


@contextmanager
def tab_on(browser: Browser, base_url: str) -> Iterator[Page]:
    """A tab that may only reach the live server (the admin would otherwise fetch Gravatar avatars)."""
    context = browser.new_context(viewport={"width": 1400, "height": 1000})
    context.route("**/*", lambda route: _only(route, base_url))
    context.set_default_timeout(STEP_TIMEOUT_MS)
    context.set_default_navigation_timeout(STEP_TIMEOUT_MS)
    try:
        yield context.new_page()
    finally:
        context.close()


def _only(route, base_url: str) -> None:
    if route.request.url.startswith(base_url):
        route.continue_()
    else:
        route.abort()


def shot(tab: Page, name: str) -> Path:
    path = SCREENSHOTS / f"{name}.png"
    tab.screenshot(path=path, full_page=True)
    return path


def log_in(tab: Page, base_url: str, username: str) -> None:
    """Log in through the admin's login form with the demo password."""
    tab.goto(f"{base_url}/admin/login/")
    tab.fill("#id_username", username)
    tab.fill("#id_password", demo_password(username))
    tab.click("button[type=submit]")
    expect(tab).to_have_url(f"{base_url}/admin/")

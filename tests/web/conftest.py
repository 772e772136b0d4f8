"""Browser fixtures: the real app under uvicorn, Debian's chromium driven by Playwright.

The server runs in a subprocess on a free 127.0.0.1 port for the whole session and is
stopped at the end. Each test gets a fresh page whose console errors, uncaught exceptions,
failed requests and Content-Security-Policy violations are collected and must stay empty.
"""

from __future__ import annotations

import os
import subprocess
import sys
import time
import urllib.error
import urllib.request
from collections.abc import Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import pytest
from playwright.sync_api import expect, sync_playwright

from scripts.bench import free_port

CHROMIUM = os.environ.get("CNNCALC_CHROMIUM", "/usr/bin/chromium")
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
]
ROOT = Path(__file__).resolve().parents[2]
# Generous waits: CI machines run the browser, the server and other suites at once.
expect.set_options(timeout=10_000)
SCREENSHOTS = Path(__file__).resolve().parent / "screenshots"
WATCH_CSP = """
window.__cspViolations = [];
document.addEventListener("securitypolicyviolation", (e) => {
  window.__cspViolations.push(`${e.violatedDirective} ${e.blockedURI}`);
});
"""


def wait_until_up(url: str, process: subprocess.Popen[bytes], timeout: float = 30.0) -> None:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(f"the server exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=1) as response:
                if response.status == 200:
                    return
        except (urllib.error.URLError, ConnectionError, TimeoutError):
            time.sleep(0.1)
    raise RuntimeError(f"the server did not answer at {url} within {timeout} s")


@pytest.fixture(scope="session")
def base_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """The real app (``app.main:app``) served by uvicorn on 127.0.0.1."""
    port = free_port()
    # A file, not a pipe: nobody reads the server's output while the tests run.
    log_path = tmp_path_factory.mktemp("server") / "uvicorn.log"
    log = log_path.open("wb")
    process = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "uvicorn",
            "app.main:app",
            "--host",
            "127.0.0.1",
            "--port",
            str(port),
            "--log-level",
            "warning",
        ],
        cwd=ROOT,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        try:
            wait_until_up(url, process)
        except RuntimeError as error:
            raise RuntimeError(f"{error}\n{log_path.read_text(errors='replace')}") from None
        yield url
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@pytest.fixture(scope="session")
def browser() -> Iterator[Any]:
    """Debian's chromium, headless, without network chatter of its own."""
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        try:
            yield chromium
        finally:
            chromium.close()


@dataclass
class PageProblems:
    """What went wrong on a page: console errors, exceptions, failed requests, CSP reports."""

    console: list[str] = field(default_factory=list)
    exceptions: list[str] = field(default_factory=list)
    failed: list[str] = field(default_factory=list)

    def on_console(self, message: Any) -> None:
        if console_error(message):
            self.console.append(message.text)

    def on_exception(self, error: Any) -> None:
        self.exceptions.append(str(error))

    def on_request_failed(self, request: Any) -> None:
        # A request the page cancels itself (a newer edit supersedes it) is not a failure.
        if "net::ERR_ABORTED" not in (request.failure or ""):
            self.failed.append(f"{request.url}: {request.failure}")


@dataclass
class Browse:
    """Opens pages on the app and collects their problems, checked after each test."""

    browser: Any
    base_url: str
    contexts: list[Any] = field(default_factory=list)
    pages: list[tuple[Any, PageProblems]] = field(default_factory=list)

    def open(
        self,
        path: str | None = "/",
        *,
        locale: str = "en-US",
        width: int = 1400,
        height: int = 900,
        wait: bool = True,
        **context_args: Any,
    ) -> Any:
        context = self.browser.new_context(
            locale=locale, viewport={"width": width, "height": height}, **context_args
        )
        self.contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        problems = PageProblems()
        page.on("console", problems.on_console)
        page.on("pageerror", problems.on_exception)
        page.on("requestfailed", problems.on_request_failed)
        page.add_init_script(WATCH_CSP)
        self.pages.append((page, problems))
        if path is not None:
            page.goto(self.base_url + path)
            if wait:
                settle(page)
        return page

    def check(self) -> None:
        for page, problems in self.pages:
            if page.is_closed():
                continue
            csp = page.evaluate("window.__cspViolations || []")
            assert not csp, f"CSP violations: {csp}"
            assert not problems.console, f"console errors: {problems.console}"
            assert not problems.exceptions, f"uncaught exceptions: {problems.exceptions}"
            assert not problems.failed, f"failed requests: {problems.failed}"

    def close(self) -> None:
        for context in self.contexts:
            context.close()


def console_error(message: Any) -> bool:
    """A console error, other than chromium's log line for an API's 422 answer.

    Chromium logs every 4xx response to ``fetch`` as "Failed to load resource"; a 422 from
    ``/v1/`` is how the API names a field at fault, which the page then shows on that field.
    """
    if message.type != "error":
        return False
    url = (message.location or {}).get("url", "")
    expected = message.text.startswith(
        "Failed to load resource: the server responded with a status of 422"
    )
    return not (expected and "/v1/" in url)


def settle(page: Any) -> None:
    """Wait until the page has started and its last analysis has come back."""
    page.wait_for_selector("body[data-ready='1'][data-busy='0']")
    page.wait_for_load_state("networkidle")
    page.wait_for_selector("body[data-busy='0']")


@pytest.fixture
def browse(browser: Any, base_url: str) -> Iterator[Browse]:
    session = Browse(browser, base_url)
    try:
        yield session
        session.check()
    finally:
        session.close()


@pytest.fixture(scope="session")
def screenshot_dir() -> Path:
    SCREENSHOTS.mkdir(exist_ok=True)
    return SCREENSHOTS

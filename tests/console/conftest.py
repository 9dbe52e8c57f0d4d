"""Fixtures for the browser tests: the real server with the demo data, and headless Chromium.

The browser tests need Debian's `chromium` and `chromium-driver` and the `selenium` package
(`make console-test` installs them). Without them the tests skip, except under CI=true, where
they must run and fail instead.
"""

from __future__ import annotations

import base64
import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from importlib.util import find_spec
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.servers import answers_200

IN_CI = os.environ.get("CI", "").lower() in ("1", "true", "yes")
FENGQIAO = str(Path(sys.executable).with_name("fengqiao"))
CHROMIUM = shutil.which("chromium") or "/usr/bin/chromium"
CHROMEDRIVER = shutil.which("chromedriver") or "/usr/bin/chromedriver"
SCREENSHOTS = Path(__file__).parent / "screenshots"
START_TIMEOUT = 30.0
CHROMIUM_FLAGS = [
    "--headless=new",
    "--no-sandbox",
    "--disable-gpu",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
    "--window-size=1366,900",
    "--lang=zh-CN",
]
_OWN_VARIABLES = ("FENGQIAO_DATABASE_URL", "FENGQIAO_PG_SCHEMA", "FENGQIAO_SECRET", "FENGQIAO_DATA_KEY",
                  "FENGQIAO_VAR_DIR", "FENGQIAO_MODE")
# (role, unit) -> subject; issued once the server has started.
ROLES = {
    ("auditor", None): "console-auditor",
    ("legal", None): "console-legal",
    ("taskforce", None): "console-taskforce",
    ("clerk", "hrss"): "console-clerk-hrss",
    ("clerk", "tax"): "console-clerk-tax",
}


def browser_problem() -> str | None:
    if find_spec("selenium") is None:
        return "the selenium package is not installed (pip install selenium; `make console-test` does it)"
    for path, package in ((CHROMIUM, "chromium"), (CHROMEDRIVER, "chromium-driver")):
        if not (os.path.isfile(path) and os.access(path, os.X_OK)):
            return f"{path} is missing (apt-get install {package}; `make console-test` does it)"
    return None


@pytest.fixture(scope="session")
def browser_ready() -> None:
    problem = browser_problem()
    if problem is not None:
        if IN_CI:
            pytest.fail(f"the console's browser tests must run under CI=true: {problem}")
        pytest.skip(problem)


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


class ConsoleServer:
    """`fengqiao demo`, then `fengqiao serve`, in a fresh working directory."""

    def __init__(self, cwd: Path) -> None:
        self.cwd = cwd
        self.env = {k: v for k, v in os.environ.items() if k not in _OWN_VARIABLES}
        self.log_path = cwd / "server.log"
        self.proc: subprocess.Popen[bytes] | None = None
        self.url = ""
        self.tokens: dict[tuple[str, str | None], str] = {}
        self.demo: dict[str, Any] = {}

    def run(self, *args: str) -> str:
        done = subprocess.run([FENGQIAO, *args], cwd=self.cwd, env=self.env, capture_output=True, text=True,
                              timeout=120, check=False)
        assert done.returncode == 0, f"fengqiao {' '.join(args)} failed ({done.returncode}): {done.stderr[-2000:]}"
        return done.stdout

    def start(self) -> None:
        import json

        self.demo = json.loads(self.run("demo"))
        for _attempt in range(3):
            port = _free_port()
            self.url = f"http://127.0.0.1:{port}"
            with self.log_path.open("ab") as log:
                self.proc = subprocess.Popen(  # noqa: S603 - our own entry point
                    [FENGQIAO, "serve", "--host", "127.0.0.1", "--port", str(port)],
                    cwd=self.cwd, env=self.env, stdout=log, stderr=subprocess.STDOUT,
                )
            if not self.tokens:  # while the server starts (one at a time: in parallel they are slower)
                self.tokens = {key: self._issue(subject, *key) for key, subject in ROLES.items()}
            if self._wait_ready():
                return
            if self.proc.poll() is None or "address already in use" not in self.log().lower():
                break
        self.stop()
        pytest.fail(f"fengqiao serve did not become ready:\n{self.log()[-4000:]}")

    def _issue(self, subject: str, role: str, unit: str | None) -> str:
        args = ["token", "issue", "--subject", subject, "--role", role]
        if unit:
            args += ["--unit", unit]
        return self.run(*args).strip()

    def _wait_ready(self) -> bool:
        assert self.proc is not None
        return answers_200(self.proc, f"{self.url}/ready", START_TIMEOUT, request_timeout=2.0)

    def stop(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.send_signal(signal.SIGTERM)
            try:
                self.proc.wait(timeout=10)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait(timeout=10)

    def log(self) -> str:
        return self.log_path.read_text(errors="replace") if self.log_path.exists() else ""

    # --- the API, for the ground truth ---------------------------------------------------

    def token(self, role: str, unit: str | None = None) -> str:
        return self.tokens[(role, unit)]

    def gql(self, role: str, query: str, variables: dict[str, Any] | None = None, *, unit: str | None = None,
            position: int | None = None) -> dict[str, Any]:
        headers = {"Authorization": f"Bearer {self.token(role, unit)}"}
        if position is not None:
            headers["X-Consistency-Position"] = str(position)
        r = httpx.post(f"{self.url}/graphql", json={"query": query, "variables": variables or {}}, headers=headers,
                       timeout=30)
        body = r.json()
        assert r.status_code == 200 and not body.get("errors"), body
        return body["data"]  # type: ignore[no-any-return]

    def post(self, role: str, unit: str | None, path: str, body: dict[str, Any]) -> dict[str, Any]:
        r = httpx.post(f"{self.url}/api/v1{path}", json=body, headers={"Authorization": f"Bearer {self.token(role, unit)}"},
                       timeout=30)
        assert r.status_code in (200, 201), r.text
        return r.json()  # type: ignore[no-any-return]


@pytest.fixture(scope="package")
def console_server(browser_ready: None, tmp_path_factory: pytest.TempPathFactory) -> Iterator[ConsoleServer]:
    server = ConsoleServer(tmp_path_factory.mktemp("console"))
    try:
        server.start()
        yield server
    finally:
        server.stop()


class Browser:
    """One headless Chromium (Selenium), with the steps a person takes."""

    def __init__(self, driver: Any, base: str) -> None:
        self.driver = driver
        self.base = base

    def open(self, path: str) -> None:
        self.driver.get(self.base + path)

    def by_id(self, element_id: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.ID, element_id)

    def all(self, css: str) -> list[Any]:
        from selenium.webdriver.common.by import By

        return list(self.driver.find_elements(By.CSS_SELECTOR, css))

    def one(self, css: str) -> Any:
        from selenium.webdriver.common.by import By

        return self.driver.find_element(By.CSS_SELECTOR, css)

    def exists(self, css: str) -> bool:
        return bool(self.all(css))

    def js(self, script: str, *args: Any) -> Any:
        return self.driver.execute_script(script, *args)

    @property
    def path(self) -> str:
        return str(self.driver.current_url).removeprefix(self.base)

    def click(self, element: Any) -> None:
        """Click a link or a button that loads another page, and wait until the new one has loaded."""
        from selenium.common.exceptions import WebDriverException

        before = self.js("return performance.timeOrigin")  # differs for every document
        try:
            element.click()
        except WebDriverException as e:
            # chromedriver sometimes reports on the clicked node after the next page replaced it
            if "does not belong to the document" not in str(e):
                raise
        deadline = time.monotonic() + 15
        while time.monotonic() < deadline:
            try:
                if self.js("return document.readyState === 'complete' ? performance.timeOrigin : null") not in (None, before):
                    return
            except WebDriverException:
                pass  # between two documents
            time.sleep(0.02)
        raise AssertionError(f"no new page after the click (still {self.path})")

    def sign_in(self, token: str) -> None:
        self.driver.delete_all_cookies()
        self.open("/console/sign-in")
        self.js("arguments[0].value = arguments[1]", self.by_id("token"), token)  # typing 300 characters is slow
        self.click(self.by_id("sign-in"))
        assert not self.path.startswith("/console/sign-in"), self.text("main")

    def text(self, css: str) -> str:
        return str(self.one(css).text)

    def colour(self, css: str, prop: str = "background-color") -> str:
        return str(self.js("return getComputedStyle(arguments[0]).getPropertyValue(arguments[1])", self.one(css), prop))

    def screenshot(self, name: str) -> Path:
        """The whole page, not just the window."""
        SCREENSHOTS.mkdir(exist_ok=True)
        size = self.driver.execute_cdp_cmd("Page.getLayoutMetrics", {})["cssContentSize"]
        clip = {"x": 0, "y": 0, "width": size["width"], "height": min(size["height"], 8000), "scale": 1}
        data = self.driver.execute_cdp_cmd("Page.captureScreenshot",
                                           {"format": "png", "captureBeyondViewport": True, "clip": clip})
        path = SCREENSHOTS / f"{name}.png"
        path.write_bytes(base64.b64decode(data["data"]))
        return path

    def errors(self) -> list[str]:
        """Console errors since the last call (CSP violations, failed loads, script errors)."""
        return [e["message"] for e in self.driver.get_log("browser") if e["level"] == "SEVERE"]

    def unlabelled_fields(self) -> list[str]:
        return list(self.js("""
            return Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
              .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
              .map(e => e.outerHTML);
        """))


@pytest.fixture(scope="package")
def browser(browser_ready: None, console_server: ConsoleServer) -> Iterator[Browser]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in CHROMIUM_FLAGS:
        options.add_argument(flag)
    options.add_experimental_option("prefs", {"intl.accept_languages": "zh-CN,zh"})
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    # A person in Gaoping: Chinese dates in the pickers; no chart animation half-way in a screenshot.
    driver.execute_cdp_cmd("Emulation.setLocaleOverride", {"locale": "zh-CN"})
    driver.execute_cdp_cmd("Emulation.setEmulatedMedia", {"features": [{"name": "prefers-reduced-motion", "value": "reduce"}]})
    try:
        yield Browser(driver, console_server.url)
    finally:
        driver.quit()

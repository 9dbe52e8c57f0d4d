"""GraphiQL and Swagger UI from a browser on a closed network: the real server, headless Chromium
that can resolve no host but 127.0.0.1, so anything fetched from a CDN would fail to load."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from typing import Any

import httpx
import pytest

from tests.console.conftest import CHROMEDRIVER, CHROMIUM, CHROMIUM_FLAGS, Browser, ConsoleServer

pytestmark = pytest.mark.e2e
# Every name resolves to nothing but the local server; no proxy either.
CLOSED_NETWORK = ['--host-resolver-rules=MAP * ~NOTFOUND, EXCLUDE 127.0.0.1', "--no-proxy-server"]


@pytest.fixture(scope="module")
def offline(browser_ready: None, console_server: ConsoleServer) -> Iterator[Browser]:
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for flag in [*CHROMIUM_FLAGS, *CLOSED_NETWORK]:
        options.add_argument(flag)
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(executable_path=CHROMEDRIVER), options=options)
    driver.set_page_load_timeout(30)
    try:
        yield Browser(driver, console_server.url)
    finally:
        driver.quit()


def wait_for(browser: Browser, script: str, timeout: float = 20.0) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = browser.js(script)
        if value:
            return value
        time.sleep(0.1)
    raise AssertionError(f"still false after {timeout} s: {script}\n{browser.errors()}")


def only_local(browser: Browser) -> None:
    """Everything the page loaded came from the server itself, and nothing failed to load."""
    loaded = browser.js("return performance.getEntriesByType('resource').map(e => e.name)")
    assert loaded and all(u.startswith(browser.base + "/") for u in loaded), loaded


def test_the_network_is_closed(offline: Browser) -> None:
    """The closed network is real: a public name does not load."""
    answer = offline.driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
           fetch('https://unpkg.com/react@18.2.0/umd/react.production.min.js', {mode: 'no-cors'})
             .then(() => done('loaded'), e => done('failed: ' + e));""")
    assert answer.startswith("failed"), answer


def test_graphiql_with_a_pasted_token_runs_a_query(offline: Browser, console_server: ConsoleServer) -> None:
    offline.open("/graphql")
    wait_for(offline, "return document.querySelector('.graphiql-query-editor .CodeMirror') !== null")
    assert offline.exists("#token")
    offline.errors()  # the schema fetched without a token was refused (401): that is the point of the field

    offline.by_id("token").send_keys(console_server.token("auditor"))
    offline.by_id("use-token").click()
    assert "token in use" in offline.text("#token-state")
    editor = ".graphiql-query-editor .CodeMirror"
    wait_for(offline, f"return document.querySelector('{editor}') !== null")
    offline.js(f"document.querySelector('{editor}').CodeMirror.setValue(arguments[0])", "{ disputes { totalCount } }")
    offline.one(".graphiql-execute-button").click()
    response = ".graphiql-response .CodeMirror"
    text = wait_for(offline, f"const e = document.querySelector('{response}'); "
                             "return e && e.CodeMirror.getValue().includes('totalCount') && e.CodeMirror.getValue()")
    truth = console_server.gql("auditor", "{ disputes { totalCount } }")
    assert json.loads(text) == {"data": truth}
    assert truth["disputes"]["totalCount"] > 0
    only_local(offline)
    assert not offline.errors()
    # The token stays in this tab: not in the address, not in a cookie.
    assert console_server.token("auditor") not in offline.driver.current_url
    assert offline.driver.get_cookies() == []


def test_graphiql_page_needs_no_token_but_queries_do(console_server: ConsoleServer) -> None:
    page = httpx.get(f"{console_server.url}/graphql", headers={"Accept": "text/html"}, timeout=10)
    assert page.status_code == 200 and 'id="token"' in page.text and "unpkg" not in page.text
    assert "script-src 'self'" in page.headers["content-security-policy"]
    query = httpx.get(f"{console_server.url}/graphql", params={"query": "{ disputes { totalCount } }"},
                      headers={"Accept": "text/html"}, timeout=10)
    assert query.status_code == 401
    assert httpx.post(f"{console_server.url}/graphql", json={"query": "{ disputes { totalCount } }"},
                      timeout=10).status_code == 401


def test_swagger_ui_renders_the_operations_offline(offline: Browser) -> None:
    offline.open("/schema/swagger")
    count = wait_for(offline, "const n = document.querySelectorAll('.opblock').length; return n > 0 && n")
    operations = offline.js("return Array.from(document.querySelectorAll('.opblock-summary-path'))"
                            ".map(e => e.getAttribute('data-path'))")
    assert "/api/v1/disputes" in operations and count >= 10, operations
    only_local(offline)
    assert not offline.errors()

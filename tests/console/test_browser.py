"""The console end to end: the real `fengqiao serve` with the demo data, in headless Chromium.

Signs in as an auditor (masked), legal staff (unmasked) and a clerk of one unit (its cases only),
opens queues, cases (time travel changes the status shown), search and the supervision dashboard,
and checks what is shown and what is not against the API's own answers. Screenshots of every page
are saved under tests/console/screenshots/ for a person to look at.
"""

from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest

from tests.console.conftest import Browser, ConsoleServer

pytestmark = pytest.mark.e2e
SHANGHAI = ZoneInfo("Asia/Shanghai")
RED, YELLOW, BLUE = "rgb(185, 28, 28)", "rgb(250, 204, 21)", "rgb(29, 78, 216)"
PARTY = "payer { name idNumber phone unmasked }"


def registration(unit: str, received: datetime, ref: str) -> dict[str, Any]:
    return {
        "channel": "service_window",
        "received_at": received.isoformat(),
        "at": (received + timedelta(minutes=5)).isoformat(),
        "accepting_unit": unit,
        "payer": {"kind": "individual", "name": "郭晓燕", "id_number": "140581198503121027", "phone": "13934567890"},
        "category": "benefit",
        "summary": "养老保险缴费年限与记录不一致（控制台测试）",
        "external_ref": ref,
        "township": "140581101",
    }


@pytest.fixture(autouse=True)
def fresh_log(browser: Browser) -> None:
    browser.errors()  # what an earlier test left in the browser's log is not this test's


def no_errors(browser: Browser, *expected: int) -> None:
    """No script error, CSP violation or failed load, but the refusals the test asked for."""
    allowed = [f"the server responded with a status of {code}" for code in expected]
    errors = [e for e in browser.errors() if "/console/static/" in e or not any(a in e for a in allowed)]
    assert not errors, errors


def test_sign_in_page_cookie_and_sign_out(browser: Browser, console_server: ConsoleServer) -> None:
    browser.driver.delete_all_cookies()
    browser.open("/console/supervision")
    assert browser.path.startswith("/console/sign-in?next=%2Fconsole%2Fsupervision")
    assert browser.text("#sign-in-notice") == "请先登录。"
    assert browser.unlabelled_fields() == []
    browser.by_id("token").send_keys("eyJ.not.a-token")
    browser.click(browser.by_id("sign-in"))
    assert "令牌无效" in browser.text("#sign-in-problem")
    browser.screenshot("sign-in-refused")

    browser.by_id("token").send_keys(console_server.token("auditor"))
    browser.click(browser.by_id("sign-in"))
    assert browser.path == "/console/supervision"  # back where the person wanted to go
    cookie = browser.driver.get_cookie("fengqiao_console")
    assert cookie is not None and cookie["httpOnly"] is True and cookie["sameSite"] == "Strict"
    assert cookie["path"] == "/console"
    assert "fengqiao_console" not in browser.js("return document.cookie")  # out of reach of scripts

    browser.click(browser.by_id("sign-out"))
    assert browser.path == "/console/sign-in?signed_out=1"
    assert browser.driver.get_cookie("fengqiao_console") is None
    browser.open("/console/")
    assert browser.path.startswith("/console/sign-in")
    no_errors(browser, 401)


def test_auditor_sees_every_queue_and_personal_data_masked(browser: Browser, console_server: ConsoleServer) -> None:
    browser.sign_in(console_server.token("auditor"))
    browser.open("/console/")
    assert browser.text("h1") == "工作队列"
    rows = [r.get_attribute("data-unit") for r in browser.all("#queue-counts tbody tr")]
    assert {"tax", "hrss", "petition", "court", "taskforce"} <= set(rows)
    # Counts per queue are the API's own.
    answer = console_server.gql("auditor", 'query { queue(unit: "tax", kind: IN_HANDLING) { totalCount edges { node { caseNumber } } } }')
    cell = browser.one('tr[data-unit="tax"] td[data-kind="IN_HANDLING"]')
    assert int(cell.get_attribute("data-count")) == answer["queue"]["totalCount"]
    assert browser.colour(".legend .s-overdue") == RED
    assert browser.colour(".legend .s-today") == YELLOW
    assert browser.colour(".legend .s-soon") == BLUE
    assert browser.text("#who").startswith("当前用户：console-auditor")
    no_errors(browser)
    browser.screenshot("auditor-overview")

    # Open a queue, then a case from it.
    browser.click(cell.find_element("css selector", "a"))
    assert browser.path == "/console/queues/tax/IN_HANDLING"
    shown = [r.get_attribute("data-case") for r in browser.all("table.cases tbody tr")]
    assert shown == [e["node"]["caseNumber"] for e in answer["queue"]["edges"]]  # in the API's order: earliest deadline first
    browser.screenshot("auditor-queue-tax-in-handling")
    number = shown[0]
    browser.click(browser.one(f'tr[data-case="{number}"] a'))
    assert browser.path == f"/console/cases/{number}"

    truth = console_server.gql("auditor", f'query {{ dispute(caseNumber: "{number}") {{ status {PARTY} }} }}')["dispute"]
    assert browser.one("#case-status").get_attribute("data-status") == truth["status"]
    assert truth["payer"]["unmasked"] is False
    assert browser.text("#payer-id") == truth["payer"]["idNumber"] and "*" in truth["payer"]["idNumber"]
    assert browser.text("#payer-phone") == truth["payer"]["phone"] and "*" in truth["payer"]["phone"]
    assert browser.text("#payer-name") == truth["payer"]["name"]
    assert browser.one("#pii-note").get_attribute("data-unmasked") == "false"
    # The registration's data in the timeline is masked too.
    details = browser.one('#timeline tr[data-seq="1"] pre.data').get_attribute("textContent")
    assert truth["payer"]["idNumber"] in details
    assert browser.one("#verification").get_attribute("data-valid") == "true"
    # Every deadline has its derivation on hover and in a details element.
    due = browser.one("#deadlines .due")
    assert "计算规则：起算日后第" in due.get_attribute("title")  # the derivation, in the page's language
    assert browser.all("#deadlines details ol.derivation li")
    no_errors(browser)
    browser.screenshot("auditor-case")


def test_legal_sees_personal_data_whole_and_the_view_is_logged(browser: Browser, console_server: ConsoleServer) -> None:
    number = console_server.demo["examples"]["OBJECTED"]
    browser.sign_in(console_server.token("legal"))
    browser.open(f"/console/cases/{number}")
    truth = console_server.gql("legal", f'query {{ dispute(caseNumber: "{number}") {{ {PARTY} }} }}')["dispute"]["payer"]
    assert truth["unmasked"] is True and "*" not in truth["idNumber"]
    assert browser.text("#payer-id") == truth["idNumber"]
    assert browser.text("#payer-phone") == truth["phone"]
    assert browser.text("#payer-name") == truth["name"]
    assert browser.one("#pii-note").get_attribute("data-unmasked") == "true"
    log = console_server.gql("auditor", f'query {{ accessLog(caseNumber: "{number}") {{ subject fields }} }}')["accessLog"]
    assert any(e["subject"] == "console-legal" and "idNumber" in e["fields"] for e in log)
    no_errors(browser)
    browser.screenshot("legal-case-unmasked")

    # The dossier link sends the cookie-authenticated request (the API itself wants a Bearer token).
    href = browser.by_id("dossier-link").get_attribute("href")
    answer = browser.driver.execute_async_script(
        """const done = arguments[arguments.length - 1];
           fetch(arguments[0]).then(async r => {
             const bytes = new Uint8Array(await r.arrayBuffer());
             done({status: r.status, type: r.headers.get('content-type'),
                   disposition: r.headers.get('content-disposition'), magic: String.fromCharCode(bytes[0], bytes[1])});
           }).catch(e => done({error: String(e)}));""",
        href,
    )
    assert answer.get("status") == 200, answer
    assert answer["type"] == "application/zip" and answer["magic"] == "PK"
    assert f"{number}-dossier.zip" in answer["disposition"]


def test_clerk_of_one_unit_sees_only_its_cases(browser: Browser, console_server: ConsoleServer) -> None:
    browser.sign_in(console_server.token("clerk", "hrss"))
    browser.open("/console/")
    assert [r.get_attribute("data-unit") for r in browser.all("#queue-counts tbody tr")] == ["hrss"]
    assert not browser.exists('a[href="/console/supervision"]')  # not in the navigation for a clerk
    browser.screenshot("clerk-hrss-overview")

    for kind in ("TO_TRANSFER", "IN_HANDLING", "OVERDUE"):
        browser.open(f"/console/queues/hrss/{kind}")
        shown = [r.get_attribute("data-case") for r in browser.all("table.cases tbody tr")]
        truth = console_server.gql(
            "clerk", f'query {{ queue(unit: "hrss", kind: {kind}) {{ edges {{ node {{ caseNumber }} }} }} }}', unit="hrss"
        )
        assert shown == [e["node"]["caseNumber"] for e in truth["queue"]["edges"]], kind
    browser.open("/console/queues/hrss/IN_HANDLING")
    browser.screenshot("clerk-hrss-queue")

    # A case of other units: not found, exactly like one that does not exist.
    everything = console_server.gql("legal", 'query { disputes(filter: {unit: "tax"}, first: 200) { edges { node { caseNumber } } } }')
    hidden = None
    for edge in everything["disputes"]["edges"]:
        n = edge["node"]["caseNumber"]
        if console_server.gql("clerk", f'query {{ dispute(caseNumber: "{n}") {{ caseNumber }} }}', unit="hrss")["dispute"] is None:
            hidden = n
            break
    assert hidden is not None
    browser.open(f"/console/cases/{hidden}")
    assert browser.text("#error-message") == "未找到该案件，或不在您的查阅范围内。"
    hidden_text = browser.text("main").replace(hidden, "X")
    browser.open("/console/cases/GP-2020-999999")
    assert browser.text("main").replace("GP-2020-999999", "X") == hidden_text
    # Search cannot find it either, and the clerk may not see the supervision figures.
    browser.open("/console/search")
    browser.by_id("f-case_number").send_keys(hidden)
    browser.click(browser.by_id("search-go"))
    assert browser.text("#search-problem") == "未找到该案件，或不在您的查阅范围内。"
    browser.open("/console/supervision")
    assert "督办统计仅供" in browser.text("#error-message")
    no_errors(browser, 403, 404)


def test_time_travel_and_back_dated_acts(browser: Browser, console_server: ConsoleServer) -> None:
    now = datetime.now(UTC)
    case = console_server.post("clerk", "tax", "/disputes", registration("tax", now - timedelta(hours=3), "CONSOLE-TT-1"))
    time.sleep(1.2)  # the transfer is recorded in a later second than the registration
    moved = console_server.post("clerk", "tax", f"/disputes/{case['id']}/transfer",
                                {"to_unit": "hrss", "note": "属待遇核定事项", "at": (now - timedelta(hours=2)).isoformat()})
    events = console_server.gql("auditor", f'query {{ timeline(caseNumber: "{case["case_number"]}") {{ events {{ recordedAt }} }} }}',
                                position=moved["position"])["timeline"]["events"]
    registered = datetime.fromisoformat(events[0]["recordedAt"])
    transferred = datetime.fromisoformat(events[1]["recordedAt"])
    moment = (registered + timedelta(seconds=1)).replace(microsecond=0)
    assert registered < moment <= transferred

    browser.sign_in(console_server.token("auditor"))
    browser.open(f"/console/cases/{case['case_number']}")
    assert browser.one("#case-status").get_attribute("data-status") == "TRANSFERRED"
    assert browser.text("#handling-unit") == "市人社局"
    # Both acts were recorded later than they happened: marked as back-dated.
    assert len(browser.all("#timeline tr.backdated .backdated-mark")) == 2
    mark = browser.one('#timeline tr[data-seq="2"] .backdated-mark')
    assert browser.text('#timeline tr[data-seq="2"] .backdated-mark') == "补录"
    assert "记录于" in mark.get_attribute("title")
    browser.screenshot("case-now")

    # The date-time picker (Asia/Shanghai wall-clock time, to the second).
    browser.js("arguments[0].value = arguments[1]", browser.by_id("at"), moment.astimezone(SHANGHAI).strftime("%Y-%m-%dT%H:%M:%S"))
    browser.click(browser.by_id("time-travel-go"))
    assert browser.one("#case-status").get_attribute("data-status") == "ACCEPTED"
    assert "当前状态：已转交" in browser.text("#as-of-banner")
    assert browser.text("#handling-unit") == "—"
    assert [r.get_attribute("data-seq") for r in browser.all("#timeline tbody tr")] == ["1"]
    browser.screenshot("case-time-travel")
    browser.click(browser.by_id("back-to-now"))
    assert browser.one("#case-status").get_attribute("data-status") == "TRANSFERRED"
    # Or straight from an entry of the timeline.
    browser.click(browser.one('#timeline tr[data-seq="1"] a.asof-link'))
    assert browser.one("#case-status").get_attribute("data-status") == "ACCEPTED"
    no_errors(browser)


def test_an_overdue_case_shows_red_in_its_queue(browser: Browser, console_server: ConsoleServer) -> None:
    received = datetime.now(UTC) - timedelta(days=12)
    case = console_server.post("clerk", "hrss", "/disputes", registration("hrss", received, "CONSOLE-LATE-1"))
    console_server.gql("auditor", "query { projections { name } }", position=case["position"])
    browser.sign_in(console_server.token("clerk", "hrss"))
    browser.open("/console/queues/hrss/TO_TRANSFER")
    row = f'tr[data-case="{case["case_number"]}"]'
    assert browser.one(f"{row} .badge").get_attribute("data-state") == "overdue"
    assert browser.text(f"{row} .badge") == "已超期"
    assert browser.colour(f"{row} .badge") == RED
    assert "rgb(185, 28, 28)" in browser.colour(f"{row} > th", "box-shadow")
    browser.open("/console/")
    assert int(browser.text('tr[data-unit="hrss"] td[data-kind="TO_TRANSFER"] .s-overdue').split()[0]) >= 1
    no_errors(browser)


def test_search(browser: Browser, console_server: ConsoleServer) -> None:
    case = console_server.post("clerk", "tax", "/disputes", registration("tax", datetime.now(UTC) - timedelta(hours=1), "CONSOLE-SEARCH-1"))
    console_server.gql("auditor", "query { projections { name } }", position=case["position"])
    browser.sign_in(console_server.token("legal"))
    browser.open("/console/search")
    assert browser.unlabelled_fields() == []
    browser.by_id("f-payer_id_number").send_keys("140581198503121027")
    browser.click(browser.by_id("search-go"))
    found = [r.get_attribute("data-case") for r in browser.all("table.cases tbody tr")]
    assert case["case_number"] in found
    assert "140581198503121027" not in browser.driver.current_url  # personal data stays out of URLs
    browser.screenshot("legal-search-by-id-number")
    browser.open("/console/search")
    browser.by_id("f-external_ref").send_keys("CONSOLE-SEARCH-1")
    browser.click(browser.by_id("search-go"))
    assert [r.get_attribute("data-case") for r in browser.all("table.cases tbody tr")] == [case["case_number"]]
    browser.open("/console/search")
    browser.by_id("f-case_number").send_keys(case["case_number"].lower())
    browser.click(browser.by_id("search-go"))
    assert browser.path == f"/console/cases/{case['case_number']}"

    browser.sign_in(console_server.token("auditor"))
    browser.open("/console/search")
    assert not browser.exists("#f-payer_id_number") and not browser.exists("#f-payer_name")
    no_errors(browser)


def test_supervision_dashboard(browser: Browser, console_server: ConsoleServer) -> None:
    today = datetime.now(UTC).astimezone(SHANGHAI).date().isoformat()
    browser.sign_in(console_server.token("auditor"))
    browser.open("/console/")
    browser.click(browser.one('a[href="/console/supervision"]'))
    browser.js("arguments[0].value = '2024-01-01'", browser.by_id("from"))
    browser.js("arguments[0].value = arguments[1]", browser.by_id("to"), today)
    browser.click(browser.by_id("period-go"))
    truth = console_server.gql("auditor", f"""query {{ supervision(from: "2024-01-01", to: "{today}") {{
        received unitsWithMissedDeadlines settledOnSpotShare settledInOneVisitShare
        units {{ unit received concluded overdueNow missedDeadlines onTimeRate }} }} }}""")["supervision"]
    assert int(browser.text("#kpi-received")) == truth["received"]
    assert browser.text("#kpi-on-spot") == f"{truth['settledOnSpotShare'] * 100:.1f}%"
    assert browser.text("#kpi-one-visit") == f"{truth['settledInOneVisitShare'] * 100:.1f}%"
    assert [li.get_attribute("data-unit") for li in browser.all("#late-units li")] == truth["unitsWithMissedDeadlines"]
    assert truth["unitsWithMissedDeadlines"], "the demo misses deadlines on purpose"
    shown = {r.get_attribute("data-unit"): r.text for r in browser.all("#unit-stats tbody tr")}
    assert set(shown) == {u["unit"] for u in truth["units"]}
    # The charts are drawn by the bundled Chart.js from the same figures.
    units_chart = browser.js("const c = Chart.getChart('units-chart'); return c && c.data.datasets.map(d => d.data);")
    by_unit = {u["unit"]: u for u in truth["units"]}
    order = [r.get_attribute("data-unit") for r in browser.all("#unit-stats tbody tr")]
    assert units_chart == [[by_unit[u][k] for u in order] for k in ("received", "concluded", "overdueNow")]
    weeks = browser.js("const c = Chart.getChart('trend-chart'); return c && c.data.labels.length;")
    assert weeks and weeks >= 100  # weekly points over almost three years
    assert browser.js("return Chart.version").startswith("4.")
    no_errors(browser)
    browser.screenshot("auditor-supervision")

    # The CSV export, with the same cookie.
    href = browser.by_id("export-units").get_attribute("href")
    cookie = browser.driver.get_cookie("fengqiao_console")["value"]
    r = httpx.get(href, cookies={"fengqiao_console": cookie}, timeout=30)
    assert r.status_code == 200 and r.headers["content-type"].startswith("text/csv")
    lines = r.content.decode("utf-8").splitlines()
    assert lines[0].startswith("\ufeff统计期间,单位代码,单位名称,受理,承办,办结,当前超期,超期次数,按期率,列入通报")
    assert len(lines) == 1 + len(truth["units"])
    first_late = truth["unitsWithMissedDeadlines"][0]
    # 列入通报 and its rank stand after the on-time rate, before the returned and designated counts.
    assert any(line.split(",")[1] == first_late and line.split(",")[9:11] == ["是", "1"] for line in lines[1:])


def test_english_and_keyboard(browser: Browser, console_server: ConsoleServer) -> None:
    browser.sign_in(console_server.token("taskforce"))
    browser.open("/console/")
    browser.click(browser.by_id("lang-switch"))
    assert browser.js("return document.documentElement.lang") == "en"
    assert browser.text("h1") == "Work queues"
    number = console_server.demo["examples"]["DELIBERATED"]
    browser.open(f"/console/cases/{number}")  # the choice is remembered
    assert browser.text("#ledger-h") == "Ledger entry"
    assert browser.text("#case-status") == "Deliberated"
    browser.screenshot("taskforce-case-english")
    browser.click(browser.by_id("lang-switch"))
    assert browser.js("return document.documentElement.lang") == "zh-CN"
    assert browser.text("#ledger-h") == "台账信息"

    # Keyboard: the first Tab reaches the skip link, Enter moves to the main content.
    from selenium.webdriver.common.action_chains import ActionChains
    from selenium.webdriver.common.keys import Keys

    browser.open("/console/")
    browser.js("document.activeElement && document.activeElement.blur()")
    ActionChains(browser.driver).send_keys(Keys.TAB).perform()
    assert browser.js("return document.activeElement.className") == "skip"
    assert browser.js("return getComputedStyle(document.activeElement).left") != "-9999px"  # visible when focused
    ActionChains(browser.driver).send_keys(Keys.ENTER).perform()
    assert browser.js("return location.hash") == "#main"
    ActionChains(browser.driver).send_keys(Keys.TAB).perform()
    assert browser.js("return document.activeElement.closest('main') !== null")
    # Every queue count is a link reachable by Tab, and says what it counts.
    links = browser.all("#queue-counts a.count")
    assert links and all(a.get_attribute("aria-label") for a in links)
    no_errors(browser)

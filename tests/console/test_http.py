"""The console over HTTP, in process (no browser): signing in, the cookie, reach and masking.

These run everywhere, fast; test_browser.py drives the real server in headless Chromium.
"""

from __future__ import annotations

import re
import time
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import jwt
import pytest
from litestar.testing import TestClient

from domain.values import Role
from infrastructure.settings import Settings, StoreConfig
from interfaces.auth import issue_token
from interfaces.runtime import build_runtime
from tests.conftest import FakeClock

NAME, ID_NUMBER, PHONE = "张三", "11010519491231002X", "13812345678"
ID_MASKED = "110105********002X"


@pytest.fixture
def clock() -> FakeClock:
    return FakeClock(datetime(2026, 11, 26, 2, 0, tzinfo=UTC))  # Thursday 10:00 in Gaoping


@pytest.fixture
def runtime(tmp_path: Path, clock: FakeClock) -> Iterator[Any]:
    settings = Settings(
        var_dir=tmp_path,
        store=StoreConfig(kind="sqlite", sqlite_path=tmp_path / "events.sqlite"),
        secret=b"console-test-secret-of-32-bytes-or-more",
        data_key=b"console-test-data-key-of-32-bytes-or-more",
        signing_key=bytes(range(32)),
        checkpoint_dir=tmp_path / "checkpoints",
    )
    rt = build_runtime(settings, clock=clock)
    try:
        yield rt
    finally:
        rt.close()


@pytest.fixture
def client(runtime: Any) -> Iterator[TestClient[Any]]:
    with TestClient(runtime.http, base_url="http://testserver.local") as c:
        yield c


def token(runtime: Any, role: str, unit: str | None = None, ttl: int = 3600) -> str:
    return issue_token(runtime.settings.secret, subject=f"{role}-{unit or 'all'}", role=Role(role), unit=unit, ttl=ttl)


def bearer(value: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {value}"}


def register(client: TestClient[Any], runtime: Any, unit: str = "tax", **extra: Any) -> dict[str, Any]:
    body = {
        "channel": "hotline_12366",
        "received_at": "2026-11-25T02:00:00+00:00",
        "accepting_unit": unit,
        "payer": {"kind": "individual", "name": NAME, "id_number": ID_NUMBER, "phone": PHONE},
        "category": "late_fee",
        "summary": "对滞纳金加收有异议",
        **extra,
    }
    r = client.post("/api/v1/disputes", json=body, headers=bearer(token(runtime, "clerk", unit)))
    assert r.status_code == 201, r.text
    runtime.reads.runner.catch_up()
    return r.json()  # type: ignore[no-any-return]


def page(client: TestClient[Any], path: str, value: str | None, **kw: Any) -> Any:
    client.cookies.clear()
    if value is not None:
        client.cookies.set("fengqiao_console", value, domain="testserver.local", path="/console")
    return client.get(path, follow_redirects=False, **kw)


def test_pages_redirect_to_sign_in_and_only_sign_in_and_static_are_public(client: TestClient[Any]) -> None:
    r = page(client, "/console/search?x=1", None)
    assert r.status_code == 303
    assert r.headers["location"] == "/console/sign-in?next=%2Fconsole%2Fsearch%3Fx%3D1"
    for path in ("/console/sign-in", "/console/static/console.css", "/console/static/vendor/chart.umd.min.js"):
        assert page(client, path, None).status_code == 200, path
    for path in ("/console/", "/console/supervision", "/console/cases/GP-2026-000001", "/console/queues/tax/OVERDUE",
                 "/console/supervision/csv", "/console/cases/GP-2026-000001/dossier"):
        assert page(client, path, None).status_code == 303, path
    assert client.post("/console/search", data={"case_number": "x"}, follow_redirects=False).status_code == 401


def test_sign_in_sets_an_http_only_strict_cookie_and_sign_out_clears_it(client: TestClient[Any], runtime: Any) -> None:
    value = token(runtime, "auditor")
    client.cookies.clear()
    r = client.post("/console/sign-in", data={"token": f"Bearer {value}\n", "next": "/console/search"},
                    follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/console/search"
    cookie = r.headers["set-cookie"]
    assert cookie.startswith(f"fengqiao_console={value};")
    assert "httponly" in cookie.lower() and "samesite=strict" in cookie.lower() and "Path=/console" in cookie
    max_age = int(re.search(r"Max-Age=(\d+)", cookie).group(1))  # type: ignore[union-attr]
    assert 3500 < max_age <= 3600  # no longer than the token lives
    assert page(client, "/console/search", value).status_code == 200
    out = client.post("/console/sign-out", follow_redirects=False)
    assert out.status_code == 303 and out.headers["location"] == "/console/sign-in?signed_out=1"
    assert 'fengqiao_console="";' in out.headers["set-cookie"] or "fengqiao_console=;" in out.headers["set-cookie"]
    assert "Max-Age=0" in out.headers["set-cookie"]


def test_a_bad_or_expired_token_is_refused(client: TestClient[Any], runtime: Any) -> None:
    client.cookies.clear()
    r = client.post("/console/sign-in", data={"token": "not-a-token"}, follow_redirects=False)
    assert r.status_code == 401 and "令牌无效" in r.text and "set-cookie" not in r.headers
    now = int(time.time())
    expired = jwt.encode({"iss": "fengqiao", "sub": "old", "role": "auditor", "iat": now - 7200, "exp": now - 60},
                         runtime.settings.secret, algorithm="HS256")
    forged = issue_token(b"another-secret-of-32-bytes-or-more", subject="x", role=Role.LEGAL, unit=None)
    for bad in (forged, expired):
        r = page(client, "/console/", bad)
        assert r.status_code == 303
        assert r.headers["location"].endswith("&expired=1")
        assert "Max-Age=0" in r.headers["set-cookie"]


def test_sign_in_never_redirects_off_the_console(client: TestClient[Any], runtime: Any) -> None:
    value = token(runtime, "auditor")
    for target in ("//evil.example/x", "https://evil.example/", "/api/v1/units", "/console/sign-in", "/\\evil"):
        client.cookies.clear()
        r = client.post("/console/sign-in", data={"token": value, "next": target}, follow_redirects=False)
        assert r.headers["location"] == "/console/", target


def test_forms_from_other_sites_are_refused(client: TestClient[Any], runtime: Any) -> None:
    value = token(runtime, "legal")
    client.cookies.set("fengqiao_console", value, domain="testserver.local", path="/console")
    r = client.post("/console/search", data={"external_ref": "x"}, headers={"Sec-Fetch-Site": "cross-site"})
    assert r.status_code == 403
    r = client.post("/console/search", data={"external_ref": "x"}, headers={"Sec-Fetch-Site": "same-origin"})
    assert r.status_code == 200


def test_the_cookie_opens_the_console_only_not_the_api(client: TestClient[Any], runtime: Any) -> None:
    value = token(runtime, "legal")
    client.cookies.clear()
    client.cookies.set("fengqiao_console", value, domain="testserver.local", path="/")
    assert client.post("/graphql", json={"query": "{ projections { name } }"}).status_code == 401
    assert client.get("/api/v1/units").status_code == 401


def test_pages_carry_a_strict_content_security_policy(client: TestClient[Any], runtime: Any) -> None:
    r = page(client, "/console/", token(runtime, "auditor"))
    assert r.status_code == 200
    assert "script-src 'self'" in r.headers["content-security-policy"]
    assert r.headers["cache-control"] == "no-store"
    assert "<script>" not in r.text  # no inline script anywhere


def test_masking_and_reach_follow_the_api(client: TestClient[Any], runtime: Any) -> None:
    case = register(client, runtime, "tax")
    other = register(client, runtime, "hrss", payer={"kind": "individual", "name": "李四", "id_number": ID_NUMBER, "phone": PHONE})
    path = f"/console/cases/{case['case_number']}"

    auditor = page(client, path, token(runtime, "auditor"))
    assert auditor.status_code == 200
    assert ID_MASKED in auditor.text and ID_NUMBER not in auditor.text and "张*" in auditor.text
    assert PHONE not in auditor.text and 'data-unmasked="false"' in auditor.text

    legal = page(client, path, token(runtime, "legal"))
    assert ID_NUMBER in legal.text and PHONE in legal.text and 'data-unmasked="true"' in legal.text
    log = runtime.reads.access.entries(start=None, end=None, case_number=case["case_number"], limit=1000)
    assert any(e.subject == "legal-all" for e in log)

    clerk = page(client, path, token(runtime, "clerk", "tax"))
    assert ID_NUMBER in clerk.text  # the accepting unit sees its own case whole
    assert page(client, f"/console/cases/{other['case_number']}", token(runtime, "clerk", "tax")).status_code == 404
    unknown = page(client, "/console/cases/GP-2026-999999", token(runtime, "clerk", "tax"))
    hidden = page(client, f"/console/cases/{other['case_number']}", token(runtime, "clerk", "tax"))
    assert unknown.status_code == hidden.status_code == 404
    assert unknown.text.replace("GP-2026-999999", "X") == hidden.text.replace(other["case_number"], "X")

    overview = page(client, "/console/", token(runtime, "clerk", "tax"))
    assert 'data-unit="tax"' in overview.text and 'data-unit="hrss"' not in overview.text
    everything = page(client, "/console/", token(runtime, "auditor"))
    assert 'data-unit="tax"' in everything.text and 'data-unit="hrss"' in everything.text


def test_time_travel_shows_the_case_as_it_stood(client: TestClient[Any], runtime: Any, clock: FakeClock) -> None:
    case = register(client, runtime, "tax")
    clock.set(datetime(2026, 11, 26, 3, 0, tzinfo=UTC))
    r = client.post(f"/api/v1/disputes/{case['id']}/transfer", json={"to_unit": "hrss", "note": "属人社局职责"}, headers=bearer(token(runtime, "clerk", "tax")))
    assert r.status_code == 200, r.text
    runtime.reads.runner.catch_up()
    value = token(runtime, "auditor")
    now = page(client, f"/console/cases/{case['case_number']}", value)
    assert 'data-status="TRANSFERRED"' in now.text
    # The picker's value is Asia/Shanghai wall-clock time; the registration was recorded at 10:00 there.
    then = page(client, f"/console/cases/{case['case_number']}?at=2026-11-26T10:30:00", value)
    assert 'data-status="ACCEPTED"' in then.text and 'id="as-of-banner"' in then.text
    before = page(client, f"/console/cases/{case['case_number']}?at=2026-11-26T09:59", value)
    assert 'id="not-yet"' in before.text
    bad = page(client, f"/console/cases/{case['case_number']}?at=yesterday", value)
    assert bad.status_code == 200 and "时间点格式不正确" in bad.text


def test_supervision_is_for_the_roles_the_api_allows(client: TestClient[Any], runtime: Any) -> None:
    register(client, runtime, "tax")
    ok = page(client, "/console/supervision?from=2026-11-01&to=2026-11-30", token(runtime, "auditor"))
    assert ok.status_code == 200 and 'id="kpi-received">1<' in ok.text
    denied = page(client, "/console/supervision?from=2026-11-01&to=2026-11-30", token(runtime, "clerk", "tax"))
    assert denied.status_code == 403
    assert page(client, "/console/supervision?from=2026-11-30&to=2026-11-01", token(runtime, "auditor")).status_code == 400
    csv = page(client, "/console/supervision/csv?from=2026-11-01&to=2026-11-30&table=units", token(runtime, "auditor"))
    assert csv.status_code == 200 and csv.headers["content-type"].startswith("text/csv")
    text = csv.content.decode("utf-8")
    assert text.startswith("\ufeff统计期间,单位代码,单位名称,受理")
    assert "2026-11-01~2026-11-30,tax,国家税务总局高平市税务局,1," in text
    assert text.splitlines()[0].endswith(",退回,指定承办")  # issue 12: returns and designations per unit
    assert '<th scope="col" class="num">退回</th><th scope="col" class="num">指定承办</th>' in ok.text
    weekly = page(client, "/console/supervision/csv?from=2026-11-01&to=2026-11-30&table=weekly&lang=en", token(runtime, "auditor"))
    assert weekly.content.decode("utf-8").splitlines()[0] == "\ufeffPeriod,Week starting,To,Received,Settled,Missed deadlines,Overdue now"
    assert len(weekly.content.decode("utf-8").splitlines()) == 1 + 6  # 1 Nov 2026 is a Sunday: 6 weeks touch November


def test_search_by_personal_data_only_for_roles_that_may(client: TestClient[Any], runtime: Any) -> None:
    case = register(client, runtime, "tax", external_ref="12366-WO-77")
    legal = token(runtime, "legal")
    client.cookies.set("fengqiao_console", legal, domain="testserver.local", path="/console")
    found = client.post("/console/search", data={"payer_id_number": ID_NUMBER.lower()})
    assert found.status_code == 200 and f'data-case="{case["case_number"]}"' in found.text
    by_name = client.post("/console/search", data={"payer_name": NAME})
    assert f'data-case="{case["case_number"]}"' in by_name.text
    assert 'data-total="0"' in client.post("/console/search", data={"payer_name": "张"}).text  # exact match only
    jump = client.post("/console/search", data={"case_number": case["case_number"].lower()}, follow_redirects=False)
    assert jump.status_code == 303 and jump.headers["location"] == f"/console/cases/{case['case_number']}"
    client.cookies.set("fengqiao_console", token(runtime, "auditor"), domain="testserver.local", path="/console")
    form = client.get("/console/search")
    assert 'name="payer_id_number"' not in form.text
    assert client.post("/console/search", data={"payer_name": NAME}).status_code == 403
    ref = client.post("/console/search", data={"external_ref": "12366-WO-77"})
    assert f'data-case="{case["case_number"]}"' in ref.text


def test_english_on_request_and_remembered(client: TestClient[Any], runtime: Any) -> None:
    value = token(runtime, "auditor")
    client.cookies.set("fengqiao_console", value, domain="testserver.local", path="/console")
    zh = client.get("/console/")
    assert '<html lang="zh-CN">' in zh.text and "工作队列" in zh.text
    en = client.get("/console/?lang=en")
    assert '<html lang="en">' in en.text and "Work queues" in en.text
    assert "fengqiao_lang=en" in en.headers["set-cookie"]
    assert "Work queues" in client.get("/console/search").text  # the cookie remembers


def test_root_leads_to_the_console(client: TestClient[Any]) -> None:
    r = client.get("/", follow_redirects=False)
    assert r.status_code == 302 and r.headers["location"] == "/console/"


def test_the_case_page_says_each_derivation_in_the_pages_language(client: TestClient[Any], runtime: Any) -> None:
    case = register(client, runtime, "tax")
    lists = re.compile(r'<ol class="derivation">(.*?)</ol>', re.S)
    zh = "".join(lists.findall(page(client, f"/console/cases/{case['case_number']}", token(runtime, "auditor")).text))
    assert "起算日" in zh and "《民法典》第二百零一条" in zh
    assert "not counted" not in zh  # (the event's stored data, shown as stored, stays as it is)
    en = "".join(lists.findall(page(client, f"/console/cases/{case['case_number']}?lang=en", token(runtime, "auditor")).text))
    assert "not counted (Civil Code art. 201)" in en


# --- both parties answered, no objection, remedy windows (issue 12) ----------------------------

OTHER = {"name": "高平市某某煤业有限公司", "kind": "employer"}


def act(client: TestClient[Any], runtime: Any, case: str, action: str, role: str, unit: str | None, **body: Any) -> None:
    r = client.post(f"/api/v1/disputes/{case}/{action}", json=body, headers=bearer(token(runtime, role, unit)))
    assert r.status_code == 200, r.text
    runtime.reads.runner.catch_up()


def test_the_case_page_names_the_party_still_to_be_told_then_the_archive_basis(
    client: TestClient[Any], runtime: Any, clock: FakeClock
) -> None:
    case = register(client, runtime, "tax", other_party=OTHER)["case_number"]
    act(client, runtime, case, "transfer", "clerk", "tax", to_unit="tax")
    act(client, runtime, case, "conclude", "handler", "tax", outcome="explained", result="已解释")
    act(client, runtime, case, "feedback", "clerk", "tax", party="payer", method="phone", content="电话告知")
    auditor = token(runtime, "auditor")

    waiting = page(client, f"/console/cases/{case}", auditor).text
    assert 'id="feedback-pending">争议对方<' in waiting

    act(client, runtime, case, "feedback", "clerk", "tax", party="other_party", method="letter", content="书面告知")
    act(client, runtime, case, "no-objection", "clerk", "tax", party="other_party", note="单位确认无异议")
    clock.set(datetime(2026, 12, 4, 2, 0, tzinfo=UTC))  # past the payer's quiet period (end of Thu 3 Dec)
    act(client, runtime, case, "archive", "clerk", "tax")

    archived = page(client, f"/console/cases/{case}", auditor).text
    assert 'id="feedback-pending"' not in archived
    assert 'id="no-objection">争议对方<' in archived
    assert "缴费人：异议期届满（异议期至 2026-12-03）；争议对方：无异议确认" in archived
    assert "无异议确认" in archived  # the event's name in the timeline too


def test_the_case_page_lists_each_remedy_window_with_its_body(client: TestClient[Any], runtime: Any) -> None:
    case = register(client, runtime, "tax")["case_number"]
    act(client, runtime, case, "transfer", "clerk", "tax", to_unit="tax")
    act(client, runtime, case, "conclude", "handler", "tax", outcome="not_supported", result="不予支持")
    act(client, runtime, case, "feedback", "clerk", "tax", party="payer", method="phone", content="电话告知")
    act(client, runtime, case, "objection", "clerk", "tax", party="payer", content="不服")
    act(client, runtime, case, "remedy-guidance", "legal", None, remedy="reconsideration", content="可申请复议",
        act_known_on="2026-11-26")

    text = page(client, f"/console/cases/{case}", token(runtime, "auditor")).text

    # Both last days fall in 2027, whose holiday notice is not loaded: provisional, and said so.
    assert "缴费人申请行政复议：2026-11-27起至2027-01-25（暂定），向国家税务总局晋城市税务局（上一级税务机关）" in text
    assert "缴费人申请行政诉讼：2026-11-27起至2027-05-26（暂定），向" in text



# --- time travel on both axes (issue 12, item 15) --------------------------------------------


def test_time_travel_offers_both_axes_and_a_back_dated_case_shows_as_it_stood_by_act_time(
    client: TestClient[Any], runtime: Any, clock: FakeClock
) -> None:
    # Called in on Mon 23 Nov 2026 (10:00 in Gaoping) and transferred that day; all recorded on Thu 26 Nov.
    case = register(client, runtime, "tax", received_at="2026-11-23T02:00:00+00:00", at="2026-11-23T02:10:00+00:00")
    act(client, runtime, case["case_number"], "transfer", "clerk", "tax", to_unit="hrss", note="属人社局职责",
        at="2026-11-23T05:00:00+00:00")
    auditor = token(runtime, "auditor")
    path = f"/console/cases/{case['case_number']}"

    picker = page(client, path, auditor).text
    assert '<option value="recorded" selected>按记录时间</option><option value="acted">按办理时间</option>' in picker

    acted = page(client, f"{path}?at=2026-11-23T12:00:00&axis=acted", auditor).text
    assert 'data-axis="acted"' in acted and "按办理时间：您正在查看案件在 2026-11-23 12:00:00（北京时间）时的办理状态" in acted
    assert 'data-status="ACCEPTED"' in acted and 'id="not-yet"' not in acted
    assert 'data-status="TRANSFERRED"' in page(client, f"{path}?at=2026-11-23T14:00:00&axis=acted", auditor).text

    # By recording time nothing of it existed on 23 Nov: said so, not "not yet registered".
    recorded = page(client, f"{path}?at=2026-11-23T12:00:00&axis=recorded", auditor).text
    assert 'data-axis="recorded"' in recorded and 'data-status=' not in recorded.split('id="as-of-banner"')[0]
    assert "截至该时刻系统中尚无本案记录。本案首次记录于 2026-11-26 10:00:00，其受理登记时间为 2026-11-23 10:10:00" in recorded
    assert "尚未受理登记" not in recorded

    before = page(client, f"{path}?at=2026-11-23T10:05:00&axis=acted", auditor).text
    assert "该时刻本案尚未受理登记；受理登记时间为 2026-11-23 10:10:00。" in before
    assert page(client, f"{path}?at=2026-11-23T12:00:00&axis=sideways", auditor).text.count("时间点格式不正确") == 1

"""Drives a whole case through the Python client that openapi-python-client generated from the
live OpenAPI description (run in the generators' own environment, by test_generated_clients.py).

argv: base URL, tokens as JSON ({clerk, handler}), an external reference. Prints what it saw, as JSON.
"""

import json
import sys
from datetime import datetime, timedelta, timezone

from fengqiao_rest import AuthenticatedClient
from fengqiao_rest.api.commands import (
    archive_dispute,
    conclude_dispute,
    confirm_no_objection_dispute,
    get_dispute,
    give_feedback_dispute,
    register_dispute,
    sign_for_dispute,
    transfer_dispute,
)
from fengqiao_rest.models import (
    Archive,
    Category,
    Channel,
    Conclude,
    FeedbackMethod,
    GiveFeedback,
    NoObjection,
    Outcome,
    PartyRole,
    PayerInput,
    PayerKind,
    RegisterDispute,
    SignFor,
    Transfer,
)

url, tokens, ref = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
clerk = AuthenticatedClient(base_url=url, token=tokens["clerk"], raise_on_unexpected_status=True)
handler = AuthenticatedClient(base_url=url, token=tokens["handler"], raise_on_unexpected_status=True)
seen = []


def step(name, response):
    parsed = response.parsed
    seen.append({
        "step": name,
        "http": int(response.status_code),
        "type": type(parsed).__name__,
        "status": getattr(parsed, "status", None),
        "location": response.headers.get("location"),
        "replayed": response.headers.get("idempotent-replayed"),
    })
    return parsed


received = datetime.now(timezone(timedelta(hours=8))) - timedelta(minutes=5)
body = RegisterDispute(
    channel=Channel.HOTLINE_12366, received_at=received, accepting_unit="tax",
    payer=PayerInput(kind=PayerKind.INDIVIDUAL, name="张三", id_number="11010519491231002X", phone="13812345678"),
    category=Category.LATE_FEE, summary="对滞纳金加收有异议", external_ref=ref,
)
case = step("register", register_dispute.sync_detailed(client=clerk, body=body, idempotency_key=ref))
step("register again", register_dispute.sync_detailed(client=clerk, body=body, idempotency_key=ref))
number = case.case_number
step("transfer", transfer_dispute.sync_detailed(number, client=clerk, body=Transfer(to_unit="hrss", note="转人社局")))
step("sign for", sign_for_dispute.sync_detailed(number, client=handler, body=SignFor()))
step("conclude", conclude_dispute.sync_detailed(number, client=handler, body=Conclude(outcome=Outcome.EXPLAINED, result="已解释")))
step("feedback", give_feedback_dispute.sync_detailed(
    number, client=clerk, body=GiveFeedback(party=PartyRole.PAYER, method=FeedbackMethod.PHONE, content="电话告知")))
step("no objection", confirm_no_objection_dispute.sync_detailed(
    number, client=clerk, body=NoObjection(party=PartyRole.PAYER, note="电话确认无异议")))
step("archive", archive_dispute.sync_detailed(number, client=clerk, body=Archive()))
step("archive again", archive_dispute.sync_detailed(number, client=clerk, body=Archive()))
step("read back", get_dispute.sync_detailed(case.id, client=clerk))
print(json.dumps({"case_number": number, "steps": seen}, ensure_ascii=False))

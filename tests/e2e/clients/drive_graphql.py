"""Drives a whole case through the typed GraphQL client that ariadne-codegen generated from
schema.graphql (run in the generators' own environment, by test_generated_clients.py).

argv: the /graphql URL, tokens as JSON ({clerk, handler}), an external reference. Prints what it
saw, as JSON.
"""

import json
import sys
import time
from datetime import datetime, timedelta, timezone

from fengqiao_graphql.client import Client
from fengqiao_graphql.enums import Category, Channel, FeedbackMethod, InsuranceType, Outcome, PartyRole, PayerKind
from fengqiao_graphql.input_types import (
    ConcludeInput,
    ConfirmNoObjectionInput,
    GiveFeedbackInput,
    PayerInput,
    RegisterInput,
    TransferInput,
)

url, tokens, ref = sys.argv[1], json.loads(sys.argv[2]), sys.argv[3]
clerk = Client(url=url, headers={"Authorization": f"Bearer {tokens['clerk']}"})
handler = Client(url=url, headers={"Authorization": f"Bearer {tokens['handler']}"})
seen = []


def step(name, answer):
    outcome = next(iter(answer.model_dump(by_alias=True, mode="json").values()))
    seen.append({"step": name, **outcome})
    return outcome


received = (datetime.now(timezone(timedelta(hours=8))) - timedelta(minutes=5)).isoformat()
registration = RegisterInput(
    channel=Channel.HOTLINE_12366, received_at=received, accepting_unit="tax",
    payer=PayerInput(kind=PayerKind.INDIVIDUAL, name="张三", id_number="11010519491231002X", phone="13812345678"),
    category=Category.LATE_FEE, summary="对滞纳金加收有异议", external_ref=ref, insurance_types=[InsuranceType.PENSION],
)
case = step("register", clerk.register(input=registration, key=ref))
step("register again", clerk.register(input=registration, key=ref))
number = case["caseNumber"]
step("transfer", clerk.transfer(case_number=number, input=TransferInput(to_unit="hrss", note="转人社局")))
step("sign for", handler.sign_for(case_number=number))
step("conclude", handler.conclude(case_number=number, input=ConcludeInput(outcome=Outcome.EXPLAINED, result="已解释")))
queue = None
for _ in range(100):  # the read models follow the commands within moments
    queue = clerk.queue(unit="tax", first=500).model_dump(by_alias=True, mode="json")["queue"]
    if number in [edge["node"]["caseNumber"] for edge in queue["edges"]]:
        break
    time.sleep(0.05)
step("feedback", clerk.give_feedback(case_number=number, input=GiveFeedbackInput(
    party=PartyRole.PAYER, method=FeedbackMethod.PHONE, content="电话告知")))
step("no objection", clerk.confirm_no_objection(case_number=number, input=ConfirmNoObjectionInput(
    party=PartyRole.PAYER, note="电话确认无异议")))
step("archive", clerk.archive(case_number=number))
step("archive again", clerk.archive(case_number=number))
read = None
for _ in range(100):  # the read models follow the commands within moments
    read = clerk.read_back(case_number=number).model_dump(by_alias=True, mode="json")["dispute"]
    if read is not None and read["status"] == "ARCHIVED":
        break
    time.sleep(0.05)
print(json.dumps({"case_number": number, "steps": seen, "read": read, "queue": queue}, ensure_ascii=False))

"""The demo's people and employers: names, resident ID numbers, credit codes and phones, each
valid by its check character and used once in a run."""

from __future__ import annotations

import random
from datetime import date, timedelta

from domain.identifiers import credit_code_check_char, resident_id_check_char
from interfaces.demo.material import People

_CREDIT_ALPHABET = "0123456789ABCDEFGHJKLMNPQRTUWXY"
_ORG_WEIGHTS = (3, 7, 9, 10, 5, 8, 4, 2)
GAOPING = "140581"


def org_check(body: str) -> str:
    """GB 11714 check character of a 9-character organisation code."""
    total = sum((int(c) if c.isdigit() else ord(c) - 55) * w for c, w in zip(body, _ORG_WEIGHTS, strict=True))
    value = 11 - total % 11
    return "X" if value == 10 else "0" if value == 11 else str(value)


class Identities:
    """Hands out names, identifiers and phones not used before in the run."""

    def __init__(self, people: People) -> None:
        self.people = people
        self.used: set[str] = set()

    def person(self, rng: random.Random, age: tuple[int, int], on: date) -> tuple[str, str, str]:
        """A resident of Gaoping aged within `age` on `on`: name, resident ID number, mobile."""
        people = self.people
        while True:
            female = rng.random() < 0.45
            given = rng.choice(people.female_given if female else people.male_given)
            name = rng.choice(people.surnames) + given
            if name not in self.used:
                break
        self.used.add(name)
        years = rng.randint(*age)
        birth = on - timedelta(days=years * 365 + rng.randint(0, 364))
        while True:
            sequence = rng.randrange(0, 100) * 10 + rng.choice((0, 2, 4, 6, 8) if female else (1, 3, 5, 7, 9))
            first17 = f"{GAOPING}{birth:%Y%m%d}{sequence:03d}"
            id_number = first17 + resident_id_check_char(first17)
            if id_number not in self.used:
                break
        self.used.add(id_number)
        return name, id_number, self.mobile(rng)

    def mobile(self, rng: random.Random) -> str:
        while True:
            phone = rng.choice(self.people.mobile_prefixes) + f"{rng.randrange(10**8):08d}"
            if phone not in self.used:
                self.used.add(phone)
                return phone

    def company(self, rng: random.Random, trade: str | None = None) -> tuple[str, str]:
        """A company registered in Gaoping: name and unified social credit code."""
        people = self.people
        while True:
            name = people.company.format(place=rng.choice(people.company_places), word=rng.choice(people.company_words),
                                         trade=trade or rng.choice(people.company_trades))
            if name not in self.used:
                break
        self.used.add(name)
        if rng.random() < 0.6:
            body = "MA0" + "".join(rng.choice(_CREDIT_ALPHABET) for _ in range(5))
        else:
            body = "".join(rng.choice("0123456789") for _ in range(8))
        first17 = f"91{GAOPING}" + body + org_check(body)
        return name, first17 + credit_code_check_char(first17)

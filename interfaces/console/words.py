"""What a template says, in one language: the console's own words (i18n) and the names of coded
values (domain.vocabulary), with "—" for a value that is not there."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import timedelta

from domain import vocabulary as v
from domain.derivations import derivation
from interfaces.console import present as p
from interfaces.console.i18n import DATA_FIELDS, DEFAULT_LANG, HTML_LANG, TEXT, TOKEN_PROBLEMS_ZH


class Words:
    """The `t` of the templates: `t("key")` for a word of the page, `t.status(code)` for a code."""

    def __init__(self, lang: str, units: Mapping[str, str]) -> None:
        self.lang = lang if lang in v.LANGS else DEFAULT_LANG
        self.html_lang = HTML_LANG[self.lang]
        self._text = TEXT[self.lang]
        self._units = units

    def __call__(self, key: str, **values: object) -> str:
        text = self._text.get(key) or TEXT[DEFAULT_LANG].get(key) or key
        return text.format(**values) if values else text

    def _name(self, codes: v.Codes, code: str | None) -> str:
        return codes.name(code, self.lang) if code else self._text["none"]

    def _names(self, codes: v.Codes, values: list[str] | None) -> str:
        if not values:
            return self._text["none"]
        return ("、" if self.lang == v.ZH else ", ").join(codes.name(c, self.lang) for c in values)

    def token_problem(self, message: str) -> str:
        if self.lang != v.ZH:
            return message
        if message.endswith("token must name a unit"):
            return "该角色的令牌须指定单位"
        return TOKEN_PROBLEMS_ZH.get(message, message)

    def role(self, code: str | None) -> str:
        return self._name(v.ROLE, code)

    def queue(self, code: str) -> str:
        return self._name(v.QUEUE, code)

    def status(self, code: str | None) -> str:
        return self._name(v.STATUS, code)

    def level(self, code: str | None) -> str:
        return self._name(v.LEVEL, code)

    def deadline(self, code: str) -> str:
        """The deadline's name with the notice's rule: 转交期限（受理后1个工作日内）."""
        rule = v.DEADLINE_RULE.get(code)
        if rule is None:
            return self._name(v.DEADLINE_KIND, code)
        template = "{}（{}）" if self.lang == v.ZH else "{} ({})"
        return template.format(self._name(v.DEADLINE_KIND, code), rule.say(self.lang))

    def derivation(self, lines: Iterable[str]) -> list[str]:
        """A stored derivation in the page's language."""
        return derivation(lines, self.lang)

    def deadline_short(self, code: str) -> str:
        return self._name(v.DEADLINE_KIND, code)

    def party(self, code: str | None) -> str:
        return self._name(v.PARTY, code)

    def parties(self, codes: list[str] | None) -> str:
        return self._names(v.PARTY, codes)

    def axis(self, code: str) -> str:
        return self._name(v.TIMELINE_AXIS, code)

    def as_of(self, key: str, **values: object) -> str:
        """The time-travel banner's sentence for `key` (an axis, or an axis with `_empty`)."""
        label = v.AS_OF.get(key)
        assert label is not None, key
        return label.say(self.lang).format(**values)

    def answers(self, key: str) -> str:
        return self._name(v.ANSWERS, key)

    def basis(self, item: Mapping[str, str | None]) -> str:
        """One party's archive basis: 缴费人：无异议确认."""
        zh = self.lang == v.ZH
        said = f"{self.party(item['party'])}{'：' if zh else ': '}{self._name(v.ARCHIVE_BASIS, item['basis'])}"
        quiet = p.parse_instant(item.get("quietUntil") or item.get("quiet_until"))  # the API's or the event's spelling
        if quiet is not None:
            # The period ends at 24:00 of its last day: name that day, not the next one's 00:00.
            last_day = p.local(quiet - timedelta(microseconds=1))[:10]
            note = f"{self.answers('quiet_until')} {last_day}"
            said += f"（{note}）" if zh else f" ({note})"
        return said

    def window(self, w: Mapping[str, object]) -> str:
        """A remedy window in a sentence; a provisional last day is marked as such."""
        last = str(w["lastDay"]) + (self.answers("provisional") if w.get("provisional") else "")
        template = v.ANSWERS.get("window")
        assert template is not None
        return template.say(self.lang).format(party=self.party(str(w["party"])), kind=self._name(v.REMEDY, str(w["kind"])),
                                              starts=w["startsOn"], last=last, body=w["body"])

    def method(self, code: str | None) -> str:
        return self._name(v.FEEDBACK_METHOD, code)

    def channel(self, code: str | None) -> str:
        return self._name(v.CHANNEL, code)

    def category(self, code: str | None) -> str:
        return self._name(v.CATEGORY, code)

    def payer_kind(self, code: str | None) -> str:
        return self._name(v.PAYER_KIND, code)

    def insurance(self, codes: list[str] | None) -> str:
        return self._names(v.INSURANCE, codes)

    def outcome(self, code: str | None) -> str:
        return self._name(v.OUTCOME, code)

    def remedies(self, codes: list[str] | None) -> str:
        return self._names(v.REMEDY, codes)

    def risk(self, code: str | None) -> str:
        return self._name(v.RISK_LEVEL, code)

    def risk_kind(self, code: str | None) -> str:
        return self._name(v.RISK_KIND, code)

    def event(self, code: str) -> str:
        return self._name(v.EVENT, code)

    def data_field(self, key: str) -> str:
        names = DATA_FIELDS.get(key)
        if names is None:
            # Acts named by the vocabulary's steps (designation: 指定承办) label their own flag.
            return v.STEP.name(key, self.lang) if key in v.STEP else key
        return names[self.lang == v.EN]

    def township(self, code: str | None) -> str:
        return self._name(v.TOWNSHIP, code)

    def unit(self, code: str | None) -> str:
        return v.unit_name(code, self.lang, self._units) if code else self._text["none"]

    def yes_no(self, value: bool | None) -> str:
        if value is None:
            return self._text["none"]
        return self._text["yes"] if value else self._text["no"]

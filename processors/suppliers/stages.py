"""A supplier's stage (S1) from what is recorded, in the seed's order: each stage stands only on the one before.

询价 asked in a sent inquiry · 估价 a quote recorded · 比价 an item it quoted went to a price decision · 议价
chosen in a decision · 商务条款评审 the buyer signed that decision's terms review · 定价 the general manager
approved the price · 打样 sample passed · 小批量试样 trial batch passed · 纳入供应商体系 listed (S6). A supplier
that worked with the company before sheetflow (「已合作供应商」 = 是) starts at the trial-passed stage.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from ..sourcing import INQUIRY, PRICE, QUALIFIED, QUOTE, STAGES, day
from ..store.db import Record, Store
from .inquiry import asked_of


@dataclass(frozen=True)
class Stage:
    state: str
    evidence: str = ""       # the record that carries it (RFQ-…, QT-…, PA-…, QS-…), for the row's message
    held: str = ""           # a result recorded too early: the message key saying what must come first


@dataclass
class Facts:
    """Everything the stages of all suppliers need, read once per pass (not once per supplier)."""

    asked: dict[str, str]
    quoted: dict[str, str]
    compared: dict[str, str]
    chosen: dict[str, Record]
    listed: dict[str, list[Record]]

    @classmethod
    def read(cls, store: Store) -> Facts:
        asked: dict[str, str] = {}
        for rfq in store.records(INQUIRY):
            if rfq.state == "sent":
                for key in asked_of(rfq):
                    asked.setdefault(key, rfq.key)
        quoted: dict[str, str] = {}
        quoted_items: dict[tuple[str, str], set[str]] = {}
        for q in store.records(QUOTE):
            if q.state == "recorded":
                quoted.setdefault(q.data.get("supplier_key", ""), q.key)
                quoted_items.setdefault((q.data.get("rfq", ""), q.data.get("item_no", "")), set()).add(
                    q.data.get("supplier_key", ""))
        compared: dict[str, str] = {}
        chosen: dict[str, Record] = {}
        for p in store.records(PRICE):
            if p.state in ("invalid", "rejected"):
                continue
            for key in quoted_items.get((p.data.get("rfq", ""), p.data.get("item_no", "")), ()):
                compared.setdefault(key, p.key)
            key = p.data.get("supplier_key", "")
            if key and (key not in chosen or _rank(p) > _rank(chosen[key])):
                chosen[key] = p
        listed: dict[str, list[Record]] = {}
        for e in store.records(QUALIFIED):
            if e.state in ("listed", "lapsed"):
                listed.setdefault(e.data.get("supplier_key", ""), []).append(e)
        return cls(asked, quoted, compared, chosen, listed)


class KnowsFacts:
    """Mixed into a kind: the facts read once per kind object (it lives for one sync or stage), not per row."""

    store: Store
    _facts: Facts | None = None

    def facts(self) -> Facts:
        if self._facts is None:
            self._facts = Facts.read(self.store)
        return self._facts


def _rank(price: Record) -> int:
    if price.state in ("approved", "expired"):
        return 3
    return 2 if price.state.startswith("awaiting:") and not price.state.endswith("buyer_sign") else 1


def stage_of(supplier: Record, facts: Facts, today: dt.date) -> Stage:
    key, d = supplier.key, supplier.data
    entries = facts.listed.get(key, [])
    live = [e for e in entries if e.state == "listed" and (day(e.data.get("valid_until")) or today) >= today]
    if live:
        return Stage("qualified", live[0].key)
    if entries:
        return Stage("lapsed", entries[-1].key)
    if d.get("existing") == "yes":
        return Stage("trialled")
    stage = Stage("registered")
    for state, found in (("inquiry", facts.asked.get(key)), ("quoted", facts.quoted.get(key)),
                         ("compared", facts.compared.get(key))):
        if not found:
            break
        stage = Stage(state, found)
    price = facts.chosen.get(key)
    if stage.state == "compared" and price is not None:
        rank = _rank(price)
        stage = Stage(("negotiating", "terms_reviewed", "priced")[rank - 1], price.key)
    sample, trial = d.get("sample_result", ""), d.get("trial_result", "")
    if stage.state != "priced":
        return Stage(stage.state, stage.evidence, "suppliers.held_sample" if sample or trial else "")
    if sample == "fail":
        return Stage("not_passed", stage.evidence)
    if sample != "pass":
        return Stage(stage.state, stage.evidence, "suppliers.held_trial" if trial else "")
    if trial == "fail":
        return Stage("not_passed", stage.evidence)
    return Stage("trialled" if trial == "pass" else "sampled", stage.evidence)


def order_of(state: str) -> int:
    return STAGES.index(state) if state in STAGES else -1

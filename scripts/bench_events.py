#!/usr/bin/env python3
"""Reproducible event streams for the contextd benchmark (issue 6), Python standard library only.

Three streams, each a JSON Lines file of CloudEvents 1.0 in time order:

- ``stock``: the mix the stock rules are written for (SPEC §6, rules/*.yaml, rules/events.yaml),
  over many entities: fraud (a location.checkin or a located card, then a card.transaction;
  about one pair in ten an impossible trip as in fixtures/fraud-paris-after-new-york.jsonl,
  some online cards without a location), rent (account.balance updates, payment.scheduled for
  rent and other bills 6 to 14 days ahead so the rule's timer at due - 5 d fires inside the
  stream, payment.executed / payment.cancelled), leads (lead.visit to /pricing and other pages,
  each lead owned by one user-*), sessions (session.started with a form_factor, then most of the
  time session.ended), noise (event types no rule triggers on) and duplicates (about 1 % of the
  lines resend an earlier line: same source and id). About 230 bytes per event.
- ``entities``: one event per subject, every subject distinct (location.checkin,
  account.balance, lead.visit to a page that is not pricing, session.started): N entities with
  context and (almost) no task, for the memory measurement.
- ``latency``: made on the fly by scripts/bench (see :func:`latency_event`).

Event times start at 2030-01-01T00:00:00Z by default: later than the wall clock, so a daemon
fed the stream never moves its clock to the wall clock in between (SPEC §2) and must produce
exactly the tasks ``contextd replay`` produces, which the benchmark checks.

Same arguments, same bytes: ``random.Random(seed)`` is the only source of variation.

Usage: scripts/bench_events.py --events 1000000 --seed 1 [--entities E] [--kind stock|entities] -o FILE
"""

from __future__ import annotations

import argparse
import heapq
import json
import math
import random
import sys
from collections import deque
from datetime import datetime, timezone

DEFAULT_START = "2030-01-01T00:00:00Z"
DEFAULT_DAYS = 28
RESEND_HORIZON = 86_400  # seconds: resends are of lines at most a day older

# (name, lat, lon): homes of customers, and far-away places for impossible trips.
CITIES = [
    ("New York", 40.7128, -74.0060), ("Paris", 48.8566, 2.3522), ("Berlin", 52.5200, 13.4050),
    ("Rome", 41.9028, 12.4964), ("Sydney", -33.8688, 151.2093), ("London", 51.5074, -0.1278),
    ("Tokyo", 35.6762, 139.6503), ("Madrid", 40.4168, -3.7038), ("Singapore", 1.3521, 103.8198),
    ("Dubai", 25.2048, 55.2708), ("Lisbon", 38.7223, -9.1393), ("Chicago", 41.8781, -87.6298),
    ("Sao Paulo", -23.5505, -46.6333), ("Toronto", 43.6532, -79.3832), ("Mumbai", 19.0760, 72.8777),
    ("Cape Town", -33.9249, 18.4241), ("Mexico City", 19.4326, -99.1332), ("Seoul", 37.5665, 126.9780),
    ("Warsaw", 52.2297, 21.0122), ("Stockholm", 59.3293, 18.0686),
]
MERCHANTS = ["Galeries Lafayette", "Corner Bakery", "City Pharmacy", "Fuel Station 24", "Book Nook",
             "Electro Markt", "Cafe Central", "Grocery Express", "Metro Tickets", "Hotel Lobby Bar"]
ONLINE_MERCHANTS = ["music-streaming.example", "shop.example", "tickets.example", "cloud-storage.example"]
PAYEES = {"rent": ["Oakwood Property Management", "Lindenhof eG", "Hafenblick GmbH", "City Homes Ltd"],
          "telecom": ["Telekom", "Vodafone"], "utilities": ["Stadtwerke", "Green Energy Co"],
          "insurance": ["Allianz", "Helvetia"]}
PAGES = ["/features", "/blog/how-teams-use-us", "/careers", "/about", "/docs/getting-started",
         "/blog/why-pricing-matters", "/customers", "/integrations", "/security", "/contact"]
PRICING_PAGES = ["/pricing", "/pricing", "/pricing", "/en/pricing/enterprise", "/pricing/compare"]
DEVICES = {"mobile": ["iPhone 15", "Pixel 8", "Galaxy S24"], "desktop": ["MacBook / Safari",
           "ThinkPad / Firefox", "Windows 11 / Edge"], "tablet": ["iPad Air", "Galaxy Tab S9"]}
NOISE = [("web", "page.view"), ("crm", "account.updated"), ("marketing", "email.opened"),
         ("mobile-app", "app.crashed"), ("support", "ticket.created"), ("web", "search.performed")]


def haversine_km(a: tuple[float, float], b: tuple[float, float]) -> float:
    lat1, lon1, lat2, lon2 = map(math.radians, (a[0], a[1], b[0], b[1]))
    h = math.sin((lat2 - lat1) / 2) ** 2 + math.cos(lat1) * math.cos(lat2) * math.sin((lon2 - lon1) / 2) ** 2
    return 2 * 6371.0088 * math.asin(math.sqrt(h))


# For each city, the cities at least 4,000 km away: a trip there in at most 3 h is impossible.
FAR = {c[0]: [d for d in CITIES if haversine_km(c[1:], d[1:]) >= 4000] for c in CITIES}


def parse_time(text: str) -> int:
    return int(datetime.strptime(text, "%Y-%m-%dT%H:%M:%SZ").replace(tzinfo=timezone.utc).timestamp())


def format_time(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%dT%H:%M:%SZ")


def format_date(seconds: int) -> str:
    return datetime.fromtimestamp(seconds, timezone.utc).strftime("%Y-%m-%d")


def default_entities(events: int) -> int:
    """Entities for a stream of `events` when not given: one per ten events, at least 1,000."""
    return max(1000, events // 10)


class StockMix:
    """The stock mix as scenarios (a few related events each) whose events are merged in time order."""

    def __init__(self, events: int, seed: int, entities: int, start: int, days: int):
        self.rng = random.Random(seed)
        self.events = events
        self.start = start
        self.spacing = days * 86400 / max(1, events)
        self.customers = max(1, int(entities * 0.60))
        self.leads = max(1, int(entities * 0.39))
        self.users = max(5, entities - self.customers - self.leads)
        self.pending: list[tuple[int, int, str]] = []  # (time, sequence, line)
        self.sequence = 0
        self.ids = 0
        # (time, line) of the last 2,000 lines, none older than RESEND_HORIZON: a producer resends
        # what it sent lately, not weeks ago (contextd sets an event older than its clock minus
        # limits.allowed_lateness aside as late). In a large stream 2,000 lines span far less than
        # the horizon, so its resends are the ones it always had.
        self.recent: deque[tuple[int, str]] = deque(maxlen=2000)

    # -- events ---------------------------------------------------------------------------------

    def add(self, time: int, source: str, type_: str, subject: str, data: dict | None) -> None:
        self.ids += 1
        event = {"specversion": "1.0", "id": f"evt-{self.ids:09d}", "source": source, "type": type_,
                 "subject": subject, "time": format_time(time)}
        if data is not None:
            event["data"] = data
        self.sequence += 1
        heapq.heappush(self.pending, (time, self.sequence, json.dumps(event, ensure_ascii=False)))

    def customer(self) -> tuple[str, tuple[str, float, float]]:
        index = self.rng.randrange(self.customers)
        return f"cust-{index:07d}", CITIES[(index * 7919) % len(CITIES)]

    def near(self, place: tuple[str, float, float]) -> dict:
        """A point within a few km of a city."""
        return {"lat": round(place[1] + self.rng.uniform(-0.05, 0.05), 4),
                "lon": round(place[2] + self.rng.uniform(-0.05, 0.05), 4), "city": place[0]}

    def card(self, time: int, subject: str, place: tuple[str, float, float] | None) -> None:
        if place is None:
            data = {"amount": round(self.rng.uniform(2, 120), 2), "currency": "EUR",
                    "merchant": self.rng.choice(ONLINE_MERCHANTS), "card_present": False}
        else:
            data = {"amount": round(self.rng.uniform(2, 900), 2), "currency": "EUR",
                    "merchant": self.rng.choice(MERCHANTS), **self.near(place),
                    "card_present": self.rng.random() < 0.9}
        self.add(time, "cards", "card.transaction", subject, data)

    # -- scenarios ------------------------------------------------------------------------------

    def fraud(self, t: int) -> None:
        """An observation at home, then a card: at home (most), far away (an impossible trip), or online."""
        subject, home = self.customer()
        if self.rng.random() < 0.5:
            self.add(t, "checkins", "location.checkin", subject, self.near(home))
        else:
            self.card(t, subject, home)
        later = t + self.rng.randint(5 * 60, 180 * 60)
        roll = self.rng.random()
        if roll < 0.10:
            self.card(later, subject, self.rng.choice(FAR[home[0]]))
        elif roll < 0.25:
            self.card(later, subject, None)
        else:
            self.card(later, subject, home)

    def balance(self, t: int) -> None:
        subject, _ = self.customer()
        self.add(t, "core-banking", "account.balance", subject,
                 {"balance": round(self.rng.uniform(50, 6000), 2), "currency": "EUR"})

    def payment(self, t: int, subject: str, category: str, amount: float, due: int) -> str:
        payment_id = f"pay-{self.ids + 1:09d}"
        self.add(t, "payments", "payment.scheduled", subject, {
            "payment_id": payment_id, "payee": self.rng.choice(PAYEES[category]), "category": category,
            "amount": amount, "currency": "EUR", "due": format_date(due)})
        roll = self.rng.random()
        if roll < 0.55:  # paid on its due date (after the rule's window)
            self.add(due + self.rng.randint(0, 6 * 3600), "payments", "payment.executed", subject,
                     {"payment_id": payment_id})
        elif roll < 0.62:  # cancelled before the due date
            self.add(self.rng.randint(t + 60, due - 60), "payments", "payment.cancelled", subject,
                     {"payment_id": payment_id})
        return payment_id

    def rent(self, t: int) -> None:
        """A rent 6 to 14 days ahead (so its timer at due - 5 d fires later), maybe another bill,
        and a balance that covers it or not."""
        subject, _ = self.customer()
        due = (t // 86400 + self.rng.randint(6, 14)) * 86400
        rent = round(self.rng.uniform(500, 2000), 2)
        self.payment(t, subject, "rent", rent, due)
        if self.rng.random() < 0.4:
            other = self.rng.choice(["telecom", "utilities", "insurance"])
            self.payment(t + self.rng.randint(30, 3600), subject, other, round(self.rng.uniform(20, 300), 2),
                         due - self.rng.randint(1, 4) * 86400)
        low = self.rng.random() < 0.3
        balance = rent * (self.rng.uniform(0.2, 0.95) if low else self.rng.uniform(1.6, 4.0))
        self.add(t + self.rng.randint(60, 86400), "core-banking", "account.balance", subject,
                 {"balance": round(balance, 2), "currency": "EUR"})

    def lead(self, t: int) -> None:
        """One to three page visits of a lead within an hour; about a quarter of the visits to pricing."""
        index = self.rng.randrange(self.leads)
        subject, owner = f"lead-{index:07d}", f"user-{index % self.users:05d}"
        for visit in range(self.rng.choice([1, 1, 2, 3])):
            page = self.rng.choice(PRICING_PAGES) if self.rng.random() < 0.25 else self.rng.choice(PAGES)
            self.add(t + visit * self.rng.randint(30, 1200), "web", "lead.visit", subject,
                     {"page": page, "owner": owner})

    def session(self, t: int) -> None:
        """A customer's app session or a CRM user's session, mostly ended within two hours."""
        if self.rng.random() < 0.5:
            subject, source = f"user-{self.rng.randrange(self.users):05d}", "crm"
        else:
            subject, source = self.customer()[0], "mobile-app"
        form_factor = self.rng.choices(["mobile", "desktop", "tablet"], weights=[5, 4, 1])[0]
        self.add(t, source, "session.started", subject,
                 {"device": self.rng.choice(DEVICES[form_factor]), "form_factor": form_factor})
        if self.rng.random() < 0.7:
            self.add(t + self.rng.randint(120, 7200), source, "session.ended", subject, None)

    def noise(self, t: int) -> None:
        source, type_ = self.rng.choice(NOISE)
        subject = self.customer()[0] if self.rng.random() < 0.7 else f"lead-{self.rng.randrange(self.leads):07d}"
        self.add(t, source, type_, subject, {"page": self.rng.choice(PAGES), "channel": source,
                                             "note": "no rule reads this event type"})

    # -- the stream -----------------------------------------------------------------------------

    # (scenario, weight, mean events per scenario): about 25 % fraud, 18 % rent, 25 % leads,
    # 15 % sessions and 14 % noise of the events, plus 1 % duplicates.
    SCENARIOS = [("fraud", 12.5, 2.0), ("balance", 6.0, 1.0), ("rent", 4.0, 3.4), ("lead", 14.3, 1.75),
                 ("session", 8.8, 1.7), ("noise", 14.0, 1.0)]

    def lines(self):
        names = [s[0] for s in self.SCENARIOS]
        weights = [s[1] for s in self.SCENARIOS]
        mean = {s[0]: s[2] for s in self.SCENARIOS}
        cursor = float(self.start)
        emitted = 0
        while emitted < self.events:
            if len(self.pending) + emitted < self.events * 1.02:
                name = self.rng.choices(names, weights)[0]
                getattr(self, name)(int(cursor))
                cursor += self.spacing * mean[name] * self.rng.uniform(0.5, 1.5)
            # Everything due up to the cursor goes out, in time order.
            while self.pending and emitted < self.events and (
                    self.pending[0][0] <= cursor or len(self.pending) + emitted >= self.events * 1.02):
                time, _, line = heapq.heappop(self.pending)
                while self.recent and self.recent[0][0] < time - RESEND_HORIZON:
                    self.recent.popleft()
                if self.recent and self.rng.random() < 0.01:
                    yield self.rng.choice(self.recent)[1]  # a resend: same source and id
                    emitted += 1
                    if emitted >= self.events:
                        break
                self.recent.append((time, line))
                yield line
                emitted += 1


def entity_lines(events: int, start: int, days: int, seed: int):
    """One event per distinct subject, of the types that give an entity context."""
    rng = random.Random(seed)
    spacing = days * 86400 / max(1, events)
    for i in range(events):
        time = format_time(start + int(i * spacing))
        kind = i % 4
        if kind == 0:
            place = CITIES[rng.randrange(len(CITIES))]
            type_, source, data = "location.checkin", "checkins", {"lat": place[1], "lon": place[2], "city": place[0]}
        elif kind == 1:
            type_, source, data = "account.balance", "core-banking", {"balance": round(rng.uniform(50, 6000), 2),
                                                                      "currency": "EUR"}
        elif kind == 2:
            type_, source, data = "lead.visit", "web", {"page": rng.choice(PAGES), "owner": f"user-{i % 1000:05d}"}
        else:
            type_, source, data = "session.started", "mobile-app", {"device": "iPhone 15", "form_factor": "mobile"}
        yield json.dumps({"specversion": "1.0", "id": f"ent-{i:09d}", "source": source, "type": type_,
                          "subject": f"entity-{i:08d}", "time": time, "data": data})


def latency_event(index: int, run: int, time_text: str) -> str:
    """A one-event file's content that makes exactly one task at once: a pricing visit of a lead
    nobody has seen, owned by a user nobody has seen (so neither the rule's dedup, the contact cap
    nor defer-on-mobile holds it back). Its id is found again in the task's evidence."""
    return json.dumps({"specversion": "1.0", "id": f"lat-{run}-{index:08d}", "source": "web", "type": "lead.visit",
                       "subject": f"lead-lat-{run}-{index:08d}", "time": time_text,
                       "data": {"page": "/pricing", "owner": f"user-lat-{run}-{index:08d}"}}) + "\n"


def write(path: str, kind: str, events: int, seed: int, entities: int | None = None,
          start: str = DEFAULT_START, days: int = DEFAULT_DAYS) -> int:
    """Writes the stream to `path`; returns the number of bytes."""
    first = parse_time(start)
    if kind == "stock":
        lines = StockMix(events, seed, entities or default_entities(events), first, days).lines()
    elif kind == "entities":
        lines = entity_lines(events, first, days, seed)
    else:
        raise ValueError(f"unknown stream kind {kind!r}")
    size = 0
    with open(path, "w", encoding="utf-8") as out:
        buffer = []

        def flush() -> int:
            text = "\n".join(buffer) + "\n"
            out.write(text)
            buffer.clear()
            return len(text.encode())

        for line in lines:
            buffer.append(line)
            if len(buffer) >= 10000:
                size += flush()
        if buffer:
            size += flush()
    return size


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--entities", type=int, help="default: events / 10, at least 1,000")
    parser.add_argument("--kind", choices=["stock", "entities"], default="stock")
    parser.add_argument("--start", default=DEFAULT_START, help="time of the first event (RFC 3339, UTC, seconds)")
    parser.add_argument("--days", type=int, default=DEFAULT_DAYS, help="event-time span of the stream")
    parser.add_argument("-o", "--output", required=True)
    args = parser.parse_args()
    size = write(args.output, args.kind, args.events, args.seed, args.entities, args.start, args.days)
    print(f"{args.output}: {args.events} events, {size} bytes ({size / max(1, args.events):.0f} bytes/event)",
          file=sys.stderr)
    return 0


if __name__ == "__main__":
    sys.exit(main())

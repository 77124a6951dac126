#!/usr/bin/env python3
"""Generate a ticket history with planted findings, and the truth about it.

Writes, next to this script:
  history.csv  generic CSV event log (docs/metrics.md definitions apply)
  truth.csv    ticket,kind: the exact multiset of findings of the compared
               kinds (reassignment, bounce, ping_pong, misroute, waiting_gap,
               starts_high, skips_tier, moves_down, late_security_escalation)
  config.json  tiers and security groups for `handoff analyze --config`

Every ticket follows one scenario. Scenarios plant findings on purpose and
write the expected findings themselves; everything else is kept clean by
construction: every holding gets an agent in the row that hands it over
(work, so no misroute), consecutive events of an open ticket are at most
40 minutes apart inside one business day (no waiting gap), the security
group has no tier and is reached within the hour unless planted late.

Edge cases in the file: equal timestamps (an assignment and a note in the
same second), rows out of order (some tickets written newest first, and
all rows interleaved across tickets by time), tickets still open at the end
of the data, reopen after resolution, paused states across a weekend, and
gaps across a weekend that count only business time.

Deterministic: fixed seed, no clock. Run: python3 gen.py
"""
import csv
import datetime as dt
import json
import os
import random

SEED = 20260302
HERE = os.path.dirname(os.path.abspath(__file__))

SD = "Service Desk"
NET2, APP2 = "Network L2", "Apps L2"
DB3, APP3 = "Database L3", "Apps L3"
FAC, PROC, HR = "Facilities", "Procurement", "HR Systems"  # no tier
SOC = "SOC"  # security, no tier

CONFIG = {
    "calendar": {
        "zone": "UTC",
        "hours": {d: ["08:00-18:00"] for d in ("mon", "tue", "wed", "thu", "fri")},
    },
    "groups": {
        SD: {"tier": 1},
        NET2: {"tier": 2},
        APP2: {"tier": 2},
        DB3: {"tier": 3},
        APP3: {"tier": 3},
        SOC: {"security": True},
    },
    "waiting_gap": "4h",
    "late_security": "1h",
}

AGENTS = {
    SD: ["ada", "ben", "cyd"],
    NET2: ["dan", "eve"],
    APP2: ["fay", "gus"],
    DB3: ["hal"],
    APP3: ["ivy", "jon"],
    FAC: ["kim"],
    PROC: ["lee"],
    HR: ["max"],
    SOC: ["nia", "oli"],
}

MIN = dt.timedelta(minutes=1)


class Ticket:
    """Rows of one ticket, built forward in time."""

    def __init__(self, key, start, prio):
        self.key = key
        self.t = start
        self.rows = []
        self.truth = []
        self.group = None
        self.row("opened", priority=prio)

    def row(self, kind, **kw):
        r = {"ticket": self.key, "time": self.t, "kind": kind}
        r.update(kw)
        self.rows.append(r)

    def step(self, rng, lo=5, hi=40):
        self.t += rng.randint(lo, hi) * MIN

    def note(self, rng, text="working on it", public="false"):
        self.step(rng)
        self.row("note", note=text, public=public)

    def hand(self, rng, group, work=True, note=True):
        """Hand the ticket to `group`; with work, an agent takes it in the same row."""
        self.step(rng)
        agent = rng.choice(AGENTS[group]) if work else ""
        self.row("assigned", group=group, agent=agent)
        if note:
            if rng.random() < 0.5:
                self.t += MIN  # else the note ties with the assignment
            self.row("note", note="handing over to " + group, public="false")
        if self.group is not None and group != self.group:
            self.truth.append("reassignment")
        self.group = group

    def state(self, rng, st):
        self.step(rng)
        self.row("state", state=st)

    def resolve(self, rng, close=True):
        self.state(rng, "in_progress")
        self.note(rng, "fixed", "true")
        self.state(rng, "resolved")
        if close and rng.random() < 0.5:
            self.t += dt.timedelta(days=2)  # no gap counted while done
            self.row("state", state="closed")


def push_to_front(tiers):
    """Expected push-to-front findings of a tier sequence (0 = unknown)."""
    out, last = [], 0
    for t in tiers:
        if not t or t == last:
            continue
        if not last and t > 1:
            out.append("starts_high")
        elif last and t > last + 1:
            out.append("skips_tier")
        elif last and t < last:
            out.append("moves_down")
        last = t
    return out


# Each scenario builds one ticket from an opened row in Service Desk (or as
# stated) and appends its expected findings to tk.truth.


def sc_clean(rng, tk):
    path = rng.choice([[SD], [SD, NET2], [SD, APP2], [SD, APP2, APP3], [SD, NET2, DB3]])
    for g in path:
        tk.hand(rng, g)
        tk.note(rng)
    tk.resolve(rng)


def sc_clean_unassigned_spell(rng, tk):
    tk.hand(rng, SD)
    tk.step(rng)
    tk.row("assigned", group="-")  # back to nobody, then the same group
    tk.note(rng)
    tk.hand(rng, SD)
    tk.resolve(rng)


def sc_clean_reopen(rng, tk):
    tk.hand(rng, SD)
    tk.resolve(rng, close=False)
    tk.t += dt.timedelta(days=1)  # the gap while resolved is not a waiting gap
    tk.row("state", state="reopened")
    tk.note(rng, "still broken", "true")
    tk.resolve(rng)


def sc_clean_paused_weekend(rng, tk):
    tk.hand(rng, SD)
    tk.state(rng, "awaiting_user")
    tk.t = friday_of(tk.t).replace(hour=15) + dt.timedelta(days=4)  # next Tuesday 15:00
    tk.row("state", state="in_progress")
    tk.note(rng, "user replied", "true")
    tk.resolve(rng)


def sc_clean_weekend_four_hours(rng, tk):
    """Friday 16:00 -> Monday 10:00 is 4 business hours: not above the threshold."""
    tk.hand(rng, SD)
    tk.t = friday_of(tk.t).replace(hour=16, minute=0)
    tk.row("note", note="will look on Monday", public="false")
    tk.t += dt.timedelta(days=2, hours=18)
    tk.row("note", note="back on it", public="false")
    tk.resolve(rng)


def sc_clean_security_fast(rng, tk):
    tk.hand(rng, SD)
    tk.t += rng.randint(5, 15) * MIN
    tk.row("escalated", target="security")
    tk.note(rng)
    tk.hand(rng, SOC)  # late by the clock, but TTE came from the escalation
    tk.t += dt.timedelta(minutes=40)
    tk.row("note", note="contained", public="false")
    tk.resolve(rng)


def sc_bounce(rng, tk):
    a, b, c = rng.sample([FAC, PROC, HR], 3)
    for g in (SD, a, b, c, a):
        tk.hand(rng, g)
        tk.note(rng)
    tk.truth.append("bounce")
    tk.resolve(rng)


def sc_ping_pong(rng, tk):
    a, b = rng.sample([FAC, PROC, HR], 2)
    for g in (SD, a, b, a):
        tk.hand(rng, g)
        tk.note(rng)
    tk.truth += ["ping_pong", "bounce"]
    tk.resolve(rng)


def sc_ping_pong_tiers(rng, tk):
    """Service Desk <-> L2 twice: two ping-pongs, two bounces, one step down."""
    l2 = rng.choice([NET2, APP2])
    for g in (SD, l2, SD, l2):
        tk.hand(rng, g)
        tk.note(rng)
    tk.truth += ["ping_pong", "bounce", "ping_pong", "bounce", "moves_down"]
    tk.resolve(rng)


def sc_misroute(rng, tk):
    a, b = rng.sample([FAC, PROC, HR], 2)
    tk.hand(rng, SD)
    tk.note(rng)
    tk.hand(rng, a, work=False, note=False)  # nobody in a touches it
    tk.hand(rng, b)
    tk.truth.append("misroute")
    tk.resolve(rng)


def sc_misroute_first(rng, tk):
    """Opened into the Service Desk queue and passed on untouched."""
    l2 = rng.choice([NET2, APP2])
    tk.group = SD
    tk.rows[0]["group"] = SD
    tk.hand(rng, l2)
    tk.truth.append("misroute")
    tk.resolve(rng)


def sc_worked_by_note_only(rng, tk):
    """A holding with a note but no agent is worked: no misroute."""
    a, b = rng.sample([FAC, PROC, HR], 2)
    tk.hand(rng, SD)
    tk.hand(rng, a, work=False, note=True)
    tk.hand(rng, b)
    tk.resolve(rng)


def sc_waiting_gap(rng, tk):
    tk.hand(rng, SD)
    tk.state(rng, "in_progress")
    tk.t += dt.timedelta(hours=rng.randint(5, 7))  # same day or next: over 4 business hours
    tk.row("note", note="sorry for the wait", public="true")
    tk.truth.append("waiting_gap")
    tk.resolve(rng)


def sc_waiting_gap_weekend(rng, tk):
    """Friday 15:00 -> Monday 12:00: 3h + 4h business."""
    tk.hand(rng, SD)
    tk.t = friday_of(tk.t).replace(hour=15, minute=0)
    tk.row("note", note="later", public="false")
    tk.t += dt.timedelta(days=2, hours=21)
    tk.row("note", note="back", public="false")
    tk.truth.append("waiting_gap")
    tk.resolve(rng)


def sc_open_at_end(rng, tk):
    tk.hand(rng, SD)
    tk.note(rng)
    tk.truth.append("waiting_gap")  # to the end of the data, which is weeks later


def sc_starts_high(rng, tk):
    first = rng.choice([NET2, APP3, DB3])
    tk.hand(rng, first)
    tk.truth += push_to_front([CONFIG["groups"][first]["tier"]])
    tk.resolve(rng)


def sc_skips_tier(rng, tk):
    l3 = rng.choice([DB3, APP3])
    tk.hand(rng, SD)
    tk.hand(rng, rng.choice([FAC, PROC]))  # unknown tiers are skipped
    tk.hand(rng, l3)
    tk.truth.append("skips_tier")
    tk.resolve(rng)


def sc_moves_down(rng, tk):
    tk.hand(rng, SD)
    tk.hand(rng, NET2)
    tk.hand(rng, rng.choice([DB3, APP3]))
    tk.hand(rng, APP2)
    tk.truth.append("moves_down")
    tk.resolve(rng)


def sc_late_security(rng, tk):
    tk.hand(rng, SD)
    end = tk.t + rng.randint(70, 150) * MIN
    while tk.t + 40 * MIN < end:
        tk.note(rng)
    tk.t = end
    tk.row("assigned", group=SOC, agent=rng.choice(AGENTS[SOC]))
    tk.row("note", note="security incident", public="false")
    tk.group = SOC
    tk.truth += ["reassignment", "late_security_escalation"]
    tk.resolve(rng)


def sc_late_security_escalated(rng, tk):
    """Escalated to security late; the later assignment to SOC adds nothing."""
    tk.hand(rng, SD)
    end = tk.t + rng.randint(70, 110) * MIN
    while tk.t + 40 * MIN < end:
        tk.note(rng)
    tk.t = end
    tk.row("escalated", target="security")
    tk.note(rng)
    tk.hand(rng, SOC)
    tk.truth.append("late_security_escalation")
    tk.resolve(rng)


SCENARIOS = [
    (sc_clean, 30),
    (sc_clean_unassigned_spell, 4),
    (sc_clean_reopen, 4),
    (sc_clean_paused_weekend, 4),
    (sc_clean_weekend_four_hours, 4),
    (sc_clean_security_fast, 4),
    (sc_worked_by_note_only, 4),
    (sc_bounce, 6),
    (sc_ping_pong, 6),
    (sc_ping_pong_tiers, 4),
    (sc_misroute, 6),
    (sc_misroute_first, 4),
    (sc_waiting_gap, 6),
    (sc_waiting_gap_weekend, 4),
    (sc_open_at_end, 3),
    (sc_starts_high, 5),
    (sc_skips_tier, 5),
    (sc_moves_down, 5),
    (sc_late_security, 5),
    (sc_late_security_escalated, 3),
]


FRIDAY = {sc_clean_paused_weekend, sc_clean_weekend_four_hours, sc_waiting_gap_weekend}


def friday_of(t):
    return (t + dt.timedelta(days=4 - t.weekday())).replace(second=0)


def fmt(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def main():
    rng = random.Random(SEED)
    monday = dt.datetime(2026, 3, 2)
    plan = [fn for fn, n in SCENARIOS for _ in range(n)]
    rng.shuffle(plan)
    tickets = []
    for i, fn in enumerate(plan):
        if fn in FRIDAY:
            day = monday + dt.timedelta(weeks=i % 6, days=4)
            start = day.replace(hour=13, minute=rng.randint(0, 59))
        else:
            day = monday + dt.timedelta(weeks=i % 6, days=rng.randint(0, 3))
            start = day.replace(hour=rng.randint(8, 9), minute=rng.randint(0, 59))
        tk = Ticket("PLT-%04d" % (1001 + i), start, "P%d" % rng.randint(2, 4))
        tk.rows[0]["title"] = fn.__name__[3:]
        fn(rng, tk)
        tickets.append(tk)

    # The last row is far after every ticket, so open tickets gap to it.
    last = max(r["time"] for tk in tickets for r in tk.rows)
    tail = Ticket("PLT-9999", last + dt.timedelta(days=7), "P4")
    tail.hand(rng, SD)
    tail.resolve(rng, close=False)
    tickets.append(tail)

    # Rows interleaved across tickets by time (a stable sort keeps ties in
    # ticket order); some tickets written newest first at the end of the
    # file, which is only safe when no two of their rows tie.
    rows, backwards = [], []
    for tk in tickets:
        times = [r["time"] for r in tk.rows]
        if len(set(times)) == len(times) and rng.random() < 0.3:
            backwards += reversed(tk.rows)
        else:
            rows += tk.rows
    rows.sort(key=lambda r: r["time"])
    rows += backwards
    cols = ["ticket", "time", "kind", "group", "agent", "state", "priority", "title",
            "note", "public", "target"]
    with open(os.path.join(HERE, "history.csv"), "w", newline="") as f:
        w = csv.DictWriter(f, fieldnames=cols, lineterminator="\n")
        w.writeheader()
        for r in rows:
            r = dict(r)
            r["time"] = fmt(r["time"])
            w.writerow(r)

    truth = sorted((tk.key, k) for tk in tickets for k in tk.truth)
    with open(os.path.join(HERE, "truth.csv"), "w", newline="") as f:
        f.write("ticket,kind\n")
        for key, kind in truth:
            f.write("%s,%s\n" % (key, kind))
    with open(os.path.join(HERE, "config.json"), "w") as f:
        json.dump(CONFIG, f, indent=2)
        f.write("\n")


if __name__ == "__main__":
    main()

#!/usr/bin/env python3
"""Generate a realistic event log in handoff's generic CSV format.

    bench/gen_events.py N [--out FILE] [--seed S]

Writes exactly N data rows (one event each) to FILE (default
bench/data/generic-N.csv). Deterministic: the same N and seed always give
the same bytes. Standard library only.

Each ticket has about 8 to 15 events: opened (priority, category, title,
requester, channel), assigned to a first group (sometimes the wrong one), an
agent taking it, state changes (in_progress, awaiting_user, on_hold,
resolved, closed, sometimes reopened), notes (internal and public), priority
and category changes, reassignments to other groups including bounces and
ping-pong (A -> B -> A), and now and then an escalation to security. Rows
are written in time order across tickets, as an export would be.
"""

import argparse
import csv
import heapq
import os
import random
import sys
import time

HEADER = ["ticket", "time", "kind", "group", "agent", "state", "priority", "category",
          "subcategory", "title", "requester", "channel", "note", "public", "target"]

GROUPS = ["Service Desk", "Desktop Support", "Network", "Identity & Access", "Applications",
          "Database", "Messaging", "Field Services", "Vendor Liaison", "Security Operations"]
# Where tickets go after the desk, by weight.
SECOND_LINE = [("Desktop Support", 25), ("Network", 15), ("Identity & Access", 15),
               ("Applications", 20), ("Database", 6), ("Messaging", 8),
               ("Field Services", 6), ("Vendor Liaison", 5)]
AGENTS = {g: ["%s.%02d" % (g.split()[0].lower(), i) for i in range(1, 16 if g == "Service Desk" else 9)]
          for g in GROUPS}

CATEGORIES = {
    "Hardware": ["Laptop", "Monitor", "Printer", "Docking station", "Phone"],
    "Software": ["Office", "Browser", "ERP client", "Install request", "License"],
    "Network": ["VPN", "Wi-Fi", "LAN port", "DNS", "Proxy"],
    "Access": ["Password reset", "MFA", "New account", "Group membership", "Locked out"],
    "Email": ["Mailbox full", "Delivery failure", "Shared mailbox", "Calendar"],
    "Security": ["Phishing", "Malware", "Suspicious login", "Data leak"],
    "Database": ["Slow query", "Backup", "Access request"],
    "Application": ["Error message", "Performance", "Report", "Integration"],
}
CAT_WEIGHTS = [("Hardware", 16), ("Software", 18), ("Network", 12), ("Access", 22),
               ("Email", 10), ("Security", 5), ("Database", 4), ("Application", 13)]
# The group that should own each category (misroutes go elsewhere first).
OWNER = {"Hardware": "Desktop Support", "Software": "Applications", "Network": "Network",
         "Access": "Identity & Access", "Email": "Messaging", "Security": "Security Operations",
         "Database": "Database", "Application": "Applications"}

TITLES = ["%s not working", "%s: error after update", "Cannot use %s, urgent",
          "%s slow since Monday", "Request: %s", "\"%s\" keeps failing", "%s issue, see attached"]
NOTES_INTERNAL = ["Checked logs, nothing obvious.", "Asked vendor for status.",
                  "Reproduced on a test machine.", "Waiting for change window, CHG scheduled.",
                  "Escalating: needs admin rights.", "Known issue, linked to problem record.",
                  "Remote session done; rebooted, cleared cache, retested."]
NOTES_PUBLIC = ["We are looking into this.", "Could you send a screenshot, please?",
                "A technician will call you today.", "Fixed on our side, please confirm.",
                "Thanks, we have what we need.", "Update: the vendor is working on a fix."]
CHANNELS = [("portal", 40), ("email", 30), ("phone", 20), ("chat", 8), ("walk-in", 2)]
PRIORITIES = [("P1", 2), ("P2", 8), ("P3", 50), ("P4", 30), ("P5", 10)]

START = 1704067200  # 2024-01-01T00:00:00Z


def wchoice(rng, pairs):
    total = sum(w for _, w in pairs)
    x = rng.random() * total
    for v, w in pairs:
        x -= w
        if x < 0:
            return v
    return pairs[-1][0]


def iso(t):
    return time.strftime("%Y-%m-%dT%H:%M:%SZ", time.gmtime(t))


class Ticket:
    """Builds one ticket's events as (t, row) with strictly increasing t."""

    def __init__(self, rng, key, t0):
        self.rng, self.key, self.t = rng, key, t0
        self.rows = []

    def gap(self, mean_s, floor=1):
        self.t += max(floor, int(self.rng.expovariate(1.0 / mean_s)))

    def add(self, kind, **f):
        row = [self.key, iso(self.t), kind] + [f.get(h, "") for h in HEADER[3:]]
        self.rows.append((self.t, row))

    def assign(self, group, agent=""):
        self.add("assigned", group=group, agent=agent)

    def note(self):
        if self.rng.random() < 0.4:
            self.add("note", note=self.rng.choice(NOTES_PUBLIC), public="true")
        else:
            self.add("note", note=self.rng.choice(NOTES_INTERNAL), public="false")


def make_ticket(rng, key, t0):
    tk = Ticket(rng, key, t0)
    cat = wchoice(rng, CAT_WEIGHTS)
    sub = rng.choice(CATEGORIES[cat])
    prio = wchoice(rng, PRIORITIES)
    title = rng.choice(TITLES) % sub
    tk.add("opened", priority=prio, category=cat, subcategory=sub, title=title,
           requester="user%05d" % rng.randrange(1, 20000), channel=wchoice(rng, CHANNELS))
    target_len = rng.randint(8, 15)
    owner = OWNER[cat]

    # First assignment: usually the desk; sometimes straight to a (maybe wrong) second line.
    tk.gap(300)
    r = rng.random()
    if r < 0.7:
        first = "Service Desk"
    elif r < 0.85:
        first = owner
    else:
        first = wchoice(rng, SECOND_LINE)  # may be a misroute
    tk.assign(first)
    tk.gap(600)
    tk.assign(first, rng.choice(AGENTS[first]))
    tk.gap(300)
    tk.add("state", state="in_progress")
    path = [first]
    if first != owner:
        # Hand-offs towards the owner, with bounces and ping-pong on the way.
        hops = 1 if rng.random() < 0.6 else 2
        for _ in range(hops):
            if rng.random() < 0.5:
                tk.gap(1800)
                tk.note()
            nxt = owner if _ == hops - 1 else wchoice(rng, SECOND_LINE)
            if nxt == path[-1]:
                nxt = owner if owner != path[-1] else "Service Desk"
            tk.gap(3600)
            tk.assign(nxt)
            path.append(nxt)
            if rng.random() < 0.18 and len(path) >= 2:
                back = path[-2]  # ping-pong: sent straight back
                tk.gap(1200)
                tk.assign(back)
                tk.gap(2400)
                tk.assign(nxt)
                path += [back, nxt]
            tk.gap(900)
            tk.assign(nxt, rng.choice(AGENTS[nxt]))
    if cat == "Security" or rng.random() < 0.01:
        tk.gap(900)
        tk.add("escalated", target="security")
        tk.gap(300)
        tk.assign("Security Operations", rng.choice(AGENTS["Security Operations"]))
    if rng.random() < 0.1:
        tk.gap(3600)
        cur = int(prio[1])
        new = max(1, cur - 1) if rng.random() < 0.7 else min(5, cur + 1)
        if new != cur:
            tk.add("priority", priority="P%d" % new)
    if rng.random() < 0.05:
        tk.gap(1800)
        cat2 = wchoice(rng, CAT_WEIGHTS)
        tk.add("category", category=cat2, subcategory=rng.choice(CATEGORIES[cat2]))
    # Work, waiting and notes until near the target length.
    while len(tk.rows) < target_len - 2:
        r = rng.random()
        if r < 0.2:
            tk.gap(3600)
            tk.add("state", state="awaiting_user")
            tk.gap(6 * 3600)
            tk.add("state", state="in_progress")
        elif r < 0.25:
            tk.gap(3600)
            tk.add("state", state="on_hold")
            tk.gap(12 * 3600)
            tk.add("state", state="in_progress")
        else:
            tk.gap(2 * 3600)
            tk.note()
    tk.gap(4 * 3600)
    tk.add("state", state="resolved")
    if rng.random() < 0.05:
        tk.gap(24 * 3600)
        tk.add("state", state="reopened")
        tk.gap(1800)
        tk.add("state", state="in_progress")
        tk.gap(4 * 3600)
        tk.add("state", state="resolved")
    if rng.random() < 0.92:
        tk.gap(3 * 86400, floor=3600)
        tk.add("state", state="closed")
    return tk.rows


def generate(n, out, seed):
    rng = random.Random(seed)
    heap = []  # (t, ticket seq, event index, rows)
    seq = 0
    budget = n
    next_open = START
    written = 0
    with open(out + ".tmp", "w", newline="", encoding="utf-8") as f:
        w = csv.writer(f, lineterminator="\n")
        w.writerow(HEADER)
        while budget > 0 or heap:
            # Open every ticket that starts before the earliest pending event.
            while budget > 0 and (not heap or next_open <= heap[0][0]):
                seq += 1
                rows = make_ticket(rng, "INC%07d" % seq, next_open)[:budget]
                budget -= len(rows)
                heapq.heappush(heap, (next_open, seq, 0, rows))
                next_open += 1 + int(rng.expovariate(1.0 / 330))
            _, s, i, rows = heapq.heappop(heap)
            w.writerow(rows[i][1])
            written += 1
            if i + 1 < len(rows):
                heapq.heappush(heap, (rows[i + 1][0], s, i + 1, rows))
    os.replace(out + ".tmp", out)
    return written, seq


def main():
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("n", type=int, help="number of events (data rows)")
    ap.add_argument("--out", help="output file (default bench/data/generic-N.csv)")
    ap.add_argument("--seed", type=int, default=20240101)
    a = ap.parse_args()
    if a.n < 1:
        ap.error("N must be positive")
    out = a.out or os.path.join(os.path.dirname(os.path.abspath(__file__)), "data",
                                "generic-%d.csv" % a.n)
    os.makedirs(os.path.dirname(os.path.abspath(out)), exist_ok=True)
    rows, tickets = generate(a.n, out, a.seed)
    print("%s: %d events, %d tickets" % (out, rows, tickets), file=sys.stderr)


if __name__ == "__main__":
    main()

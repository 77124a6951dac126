#!/usr/bin/env python3
"""Generate handoff's sample ticket histories (deterministic; stdlib only).

    python3 samples/tickets/gen.py            write the files next to this script
    python3 samples/tickets/gen.py --check    exit 1 if the committed files differ

Writes, in the `generic` event format (docs/schema.md):
  acme.csv         client "acme", CSV, rows in time order
  globex.ndjson    client "globex", NDJSON, rows grouped by ticket
and a Jira REST export with changelog (docs/profiles.md, "jira"):
  jira-sample.json

Two clients of one MSP, October to December 2026. The groups are those of
samples/analysis.json: "Service Desk" (tier 1), "Network L2", "Identity L2",
"Apps L3", "SOC" (security). The histories contain what the analyzer and the
policy audit look for: MFA resets, account lockouts (some repeated within
24 h by one requester), payment and bank-detail changes, privileged
requesters, unusual device behaviour, phishing reports; bounces, ping-pong,
misroutes, waits in awaiting_user, late escalations to the SOC, reopens,
public and private notes. Tickets opened late in December are still open at
the end of the data. Nothing here is random at run time: one fixed seed.
"""

import csv
import io
import json
import os
import random
import sys
from datetime import datetime, timedelta, timezone

SEED = 20261001
START = datetime(2026, 10, 1, tzinfo=timezone.utc)
END = datetime(2026, 12, 31, 23, 59, tzinfo=timezone.utc)  # the export is made after this

COLUMNS = [
    "ticket", "time", "kind", "group", "agent", "state", "priority", "category",
    "subcategory", "title", "description", "note", "public", "client", "requester",
    "requester_tier", "asset", "asset_class", "channel", "linked", "target",
]

SD, NET, IDN, APP, SOC = "Service Desk", "Network L2", "Identity L2", "Apps L3", "SOC"
AGENTS = {
    SD: ["Ana Lima", "Ben Okafor", "Chloe Martin", "Dev Patel", "Ewa Nowak"],
    NET: ["Farid Haddad", "Grace Kim"],
    IDN: ["Hugo Silva", "Ines Duarte"],
    APP: ["Jonas Berg", "Kira Ivanova"],
    SOC: ["Liam O'Neill", "Maya Cohen"],
}

FIRST = ["Alex", "Bea", "Carlos", "Dana", "Eli", "Fatima", "George", "Hana", "Ivan", "Julia",
         "Kofi", "Lena", "Marek", "Nora", "Omar", "Pia", "Quinn", "Rosa", "Sam", "Tariq",
         "Uma", "Victor", "Wen", "Yara", "Zoe"]
LAST = ["Abbott", "Brennan", "Castillo", "Dubois", "Eriksen", "Fischer", "Garcia", "Horvat",
        "Ito", "Jensen", "Kowalski", "Lindqvist", "Moreau", "Nakamura", "Oduya", "Petrov",
        "Quispe", "Rossi", "Schmidt", "Tanaka"]

CLIENTS = {
    "acme": {"prefix": "ACME", "first_no": 1001, "tickets": 190, "people": 46,
             "privileged": ["CFO", "CEO", "Head of Finance", "Domain Admin", "IT Director"]},
    "globex": {"prefix": "GLX", "first_no": 5001, "tickets": 140, "people": 34,
               "privileged": ["Managing Director", "Finance Controller", "Cloud Admin"]},
}


def iso(t):
    return t.strftime("%Y-%m-%dT%H:%M:%SZ")


def business(t, rng):
    """Move t into desk hours (Mon-Fri 08:00-18:00 UTC), keeping it if inside."""
    while True:
        if t.weekday() >= 5:
            t = (t + timedelta(days=7 - t.weekday())).replace(hour=8, minute=rng.randint(0, 40))
            continue
        if t.hour < 8:
            return t.replace(hour=8, minute=rng.randint(0, 40))
        if t.hour >= 18:
            t = (t + timedelta(days=1)).replace(hour=8, minute=rng.randint(0, 40))
            continue
        return t


class People:
    def __init__(self, rng, client, spec):
        self.people = []
        names = set()
        while len(self.people) < spec["people"]:
            name = "%s %s" % (rng.choice(FIRST), rng.choice(LAST))
            if name in names:
                continue
            names.add(name)
            n = len(self.people) + 1
            self.people.append({
                "name": name,
                "tier": "standard",
                "asset": "%s-LT-%03d" % (spec["prefix"], 100 + n),
                "asset_class": "laptop",
            })
        for i, role in enumerate(spec["privileged"]):
            p = self.people[i]
            p["tier"] = "privileged"
            p["name"] = "%s (%s)" % (p["name"], role)
        self.rng = rng

    def any(self):
        return self.rng.choice(self.people)

    def standard(self):
        return self.rng.choice([p for p in self.people if p["tier"] == "standard"])

    def privileged(self):
        return self.rng.choice([p for p in self.people if p["tier"] == "privileged"])


class Ticket:
    """One ticket's rows; time moves forward with wait()/work()."""

    def __init__(self, client, key, t, rng):
        self.client, self.key, self.t, self.rng = client, key, t, rng
        self.rows = []
        self.group = None
        self.closed = False

    def row(self, kind, **kw):
        if self.t > END:
            return  # after the export: the ticket is still open in the data
        # The client is part of the ticket's identity: every row states it.
        r = {"ticket": self.key, "time": self.t, "kind": kind, "client": self.client}
        r.update({k: v for k, v in kw.items() if v not in (None, "")})
        self.rows.append(r)

    def wait(self, lo, hi, desk=True):
        """Let lo..hi minutes pass; with desk=True land inside desk hours."""
        self.t += timedelta(minutes=self.rng.randint(lo, hi))
        if desk:
            self.t = business(self.t, self.rng)

    def open(self, person, title, desc, category, sub, prio, channel, group=SD, asset=None,
             asset_class=None):
        self.group = group
        self.row("opened", group=group, priority=prio, category=category, subcategory=sub,
                 title=title, description=desc, requester=person["name"],
                 requester_tier=person["tier"], asset=asset or person["asset"],
                 asset_class=asset_class or person["asset_class"], channel=channel)

    def take(self, agent=None):
        """An agent of the current group accepts the ticket."""
        self.row("assigned", agent=agent or self.rng.choice(AGENTS[self.group]))

    def to(self, group, agent=None):
        """Reassign to a group (its queue, or straight to an agent)."""
        self.group = group
        self.row("assigned", group=group, agent=agent)

    def state(self, s):
        self.row("state", state=s)

    def note(self, text, public=False):
        self.row("note", note=text, public="true" if public else "false")

    def escalate(self, target):
        self.row("escalated", target=target)

    def resolve(self, text, reopen_p=0.0):
        self.state("resolved")
        self.note(text, public=True)
        if self.rng.random() < reopen_p:
            self.wait(600, 2400)
            self.note("Customer replied: the problem is back.", public=True)
            self.state("reopened")
            self.wait(20, 180)
            self.take()
            self.state("in_progress")
            self.wait(30, 240)
            self.state("resolved")
            self.note("Fixed again; root cause noted in the knowledge base.", public=True)
        self.wait(60 * 24 * 3, 60 * 24 * 3 + 120, desk=False)  # auto-close after 3 days
        self.state("closed")


# ---- scenarios ------------------------------------------------------------
# Each takes (ticket, people, rng, ctx) and writes the ticket's history.

def routine(tk, ppl, rng, ctx):
    p = ppl.standard()
    kind = rng.choice([
        ("Password reset", "Forgot password after holiday, cannot log in to Windows.",
         "Account", "Password", "P4"),
        ("Outlook not syncing", "Mailbox stuck on 'Updating folders' since this morning.",
         "Software", "Email", "P3"),
        ("Printer on 3rd floor jammed", "Paper jam error 13.B2; tray 2 keeps jamming.",
         "Hardware", "Printer", "P4"),
        ("Teams camera not detected", "Built-in camera not found in Teams, works in Zoom.",
         "Software", "Collaboration", "P4"),
        ("Laptop battery drains fast", "Battery lasts an hour; laptop gets hot.",
         "Hardware", "Laptop", "P3"),
        ("Access request: shared drive Marketing", "Need read access to \\\\files\\marketing.",
         "Access", "Permissions", "P4"),
    ])
    title, desc, cat, sub, prio = kind
    tk.open(p, title, desc, cat, sub, prio, rng.choice(["phone", "portal", "email", "chat"]))
    tk.wait(3, 90)
    tk.take()
    tk.state("in_progress")
    if rng.random() < 0.3:
        tk.wait(5, 40)
        tk.note("Asked the user to confirm the exact error text.", public=True)
        tk.state("awaiting_user")
        tk.wait(120, 60 * 26)
        tk.note("User replied with a screenshot.", public=True)
        tk.state("in_progress")
    tk.wait(10, 120)
    tk.resolve(rng.choice(["Done, please try again.", "Fixed; the user confirmed.",
                           "Resolved remotely via Quick Assist."]), reopen_p=0.08)


def network(tk, ppl, rng, ctx):
    p = ppl.standard()
    title, desc, sub = rng.choice([
        ("VPN keeps disconnecting", "VPN drops every 5 minutes, \"reconnecting...\" loop.", "VPN"),
        ("Wi-Fi drops in meeting room Orion", "Wi-Fi drops during calls, other rooms fine.",
         "Wireless"),
        ("Cannot reach file server from branch office", "Timeouts to files01 from Leeds.", "LAN"),
    ])
    tk.open(p, title, desc, "Network", sub, rng.choice(["P3", "P3", "P2"]),
            rng.choice(["phone", "portal", "email"]))
    tk.wait(5, 60)
    tk.take()
    tk.note("Triage: reproduced; not a client issue. Passing to network team.")
    tk.wait(5, 30)
    tk.to(NET)
    tk.wait(15, 240)
    shape = rng.random()
    if shape < 0.25:
        # Ping-pong: network thinks it is the application, apps send it back.
        tk.note("Network path is clean; looks like the VPN client app. Sending to apps.")
        tk.to(APP)
        tk.wait(60, 300)
        tk.take()
        tk.note("VPN client is current and healthy; this is the firewall profile. Back to network.")
        tk.to(NET)
        tk.wait(30, 200)
    elif shape < 0.35:
        # Context loss: reassigned with no note anywhere near it.
        tk.to(APP)
        tk.wait(60, 400)
        tk.to(NET)
        tk.wait(30, 120)
    tk.take()
    tk.state("in_progress")
    if rng.random() < 0.4:
        tk.note("Please run the diagnostics tool and send us the log.", public=True)
        tk.state("awaiting_user")
        tk.wait(200, 60 * 30)
        tk.state("in_progress")
    tk.wait(30, 300)
    tk.resolve("Firmware updated on the access point; stable since.", reopen_p=0.12)


def application(tk, ppl, rng, ctx):
    p = ppl.standard()
    title, desc, sub = rng.choice([
        ("Payroll app error when exporting", "Export to CSV fails with 'HTTP 500'.", "Payroll"),
        ("CRM shows wrong customer address", "Address reverts after saving.", "CRM"),
        ("Expense tool rejects receipts", "Uploading a PDF receipt gives 'file too large'.",
         "Expenses"),
    ])
    tk.open(p, title, desc, "Application", sub, rng.choice(["P3", "P3", "P2", "P4"]),
            rng.choice(["portal", "email"]))
    tk.wait(5, 120)
    tk.take()
    shape = rng.random()
    if shape < 0.3:
        # Misroute: Identity holds it and passes it on without doing anything.
        tk.to(IDN)
        tk.wait(90, 400)
        tk.to(APP)
    elif shape < 0.5:
        # Bounce: apps send it back to the desk, the desk sends it back again.
        tk.to(APP)
        tk.wait(60, 300)
        tk.note("Need the user's exact steps; returning to the desk.")
        tk.to(SD)
        tk.wait(30, 200)
        tk.take()
        tk.note("Steps attached: Reports > Export > CSV, any month.", public=False)
        tk.to(APP)
    else:
        tk.note("Logs attached; application issue.")
        tk.to(APP)
    tk.wait(30, 600)
    tk.take()
    tk.state("in_progress")
    tk.wait(60, 60 * 20)
    tk.resolve("Patched the export template; vendor fix scheduled.", reopen_p=0.1)


def mfa_reset(tk, ppl, rng, ctx):
    privileged = rng.random() < 0.35
    p = ppl.privileged() if privileged else ppl.standard()
    title = rng.choice(["MFA reset - new phone", "Lost phone, need MFA reset",
                        "Authenticator app not working after phone change"])
    tk.open(p, title, "Got a new phone; the authenticator codes no longer work.", "Account",
            "MFA", "P2" if privileged else "P3", rng.choice(["phone", "chat"]))
    tk.wait(3, 45)
    tk.take()
    tk.note("Caller verified by call-back to the number on file.")
    tk.to(IDN)
    tk.wait(10, 120)
    tk.take()
    tk.state("in_progress")
    if privileged and rng.random() < 0.5:
        # Late escalation: a privileged MFA reset reaches the SOC hours later.
        tk.wait(120, 480)
        tk.note("Second MFA reset request for this executive this month; asking SOC to review.")
        tk.escalate("security")
        tk.to(SOC)
        tk.wait(10, 90, desk=False)
        tk.take()
        tk.note("Sign-in logs reviewed: one failed attempt from an unknown device abroad. "
                "Sessions revoked.")
    tk.wait(10, 60)
    tk.resolve("MFA re-registered; user signed in.")


def lockout(tk, ppl, rng, ctx, person=None, nth=1, first=None):
    p = person or ppl.standard()
    tk.open(p, "Locked out of account" if nth == 1 else "Account locked again (%s time)" %
            ("second" if nth == 2 else "third"),
            "Account locked after a few attempts; the user says they typed it right.",
            "Account", "Lockout", "P3", rng.choice(["phone", "chat"]))
    if first:
        tk.row("linked", linked=first)
    tk.wait(2, 30)
    tk.take()
    tk.state("in_progress")
    if nth >= 3 and rng.random() < 0.6:
        # The third lockout in a day: finally the SOC, late.
        tk.note("Third lockout today. Sending to SOC in case of password spraying.")
        tk.escalate("security")
        tk.to(SOC)
        tk.wait(20, 120, desk=False)
        tk.take()
        tk.note("Spraying from 3 IPs against this account; blocked at the IdP.")
        tk.wait(20, 90, desk=False)
        tk.resolve("Account unlocked after password change; SOC monitoring.")
    else:
        tk.wait(3, 20)
        tk.resolve("Unlocked; reminded the user about the self-service portal.")


def payment_change(tk, ppl, rng, ctx):
    p = ppl.any()
    title, desc = rng.choice([
        ("Please update bank details for supplier Northwind",
         "Supplier emailed new IBAN, please change in the finance system before Friday's run."),
        ("Change payroll direct deposit account",
         "Employee asks to move salary to a new bank account from next month."),
        ("Vendor bank account change request", "New remittance details attached (PDF)."),
    ])
    tk.open(p, title, desc, "Application", "Finance", "P3", "email")
    tk.wait(10, 180)
    tk.take()
    tk.note("Finance system change; passing to apps.")
    tk.to(APP)
    tk.wait(60, 600)
    tk.take()
    tk.state("in_progress")
    r = rng.random()
    if r < 0.6:
        # Late escalation: somebody notices the sender domain days later.
        tk.wait(600, 60 * 48)
        tk.note("Sender domain northwind-payments.co is not the supplier's. Escalating.")
        tk.row("priority", priority="P2")
        tk.escalate("security")
        tk.to(SOC)
        tk.wait(15, 120, desk=False)
        tk.take()
        tk.note("Business email compromise attempt. Change blocked; finance warned.",
                public=True)
        tk.wait(30, 240)
        tk.resolve("No payment left; supplier contacted on a known number.")
    else:
        # Never escalated: the change was made.
        tk.wait(60, 300)
        tk.note("Bank details updated as requested.", public=True)
        tk.resolve("Done.")


def phishing(tk, ppl, rng, ctx):
    p = ppl.any()
    subject = rng.choice(["Invoice overdue", "Your mailbox is full", "DocuSign: please review",
                          "Payroll update required", "Shared file: Q4 bonus"])
    tk.open(p, "Suspicious email - possible phishing: \"%s\"" % subject,
            "Got an email with a link asking for my password. Did not click. Or maybe once.",
            "Security", "Phishing", rng.choice(["P2", "P3"]), "email")
    if rng.random() < 0.3:
        tk.wait(240, 480)  # late: the report sits in the desk's queue for hours
    else:
        tk.wait(2, 25)
    tk.take()
    tk.note("Headers checked: external sender, spoofed display name.")
    tk.escalate("security")
    tk.to(SOC)
    tk.wait(5, 60, desk=False)
    tk.take()
    tk.state("in_progress")
    tk.note("Message purged from 23 mailboxes; URL blocked at the proxy.")
    if rng.random() < 0.3:
        tk.note("The user clicked: password reset and sessions revoked.", public=True)
    tk.wait(20, 180, desk=False)
    tk.resolve("Thanks for reporting. The email was malicious and has been removed.")


def unusual_device(tk, ppl, rng, ctx):
    p = ppl.any()
    title, desc, cat, sub, ch, group = rng.choice([
        ("Laptop acting strangely - pop ups and mouse moving",
         "Pop ups appear and the mouse moves on its own.", "Hardware", "Laptop", "phone", SD),
        ("Unusual sign in from unknown device", "Got an alert about a new device in Lisbon.",
         "Account", "Sign-in", "email", SD),
        ("EDR alert: suspicious PowerShell on workstation",
         "Encoded PowerShell spawned by WINWORD.EXE.", "EDR", "Alert", "monitoring", SOC),
    ])
    tk.open(p, title, desc, cat, sub, "P2", ch, group=group)
    if group == SOC:
        tk.wait(5, 40, desk=False)
        tk.take()
        tk.state("in_progress")
        tk.note("Host isolated; collecting triage package.")
        tk.wait(60, 300, desk=False)
        tk.resolve("Macro from a phishing attachment; host reimaged.")
        return
    tk.wait(5, 60)
    tk.take()
    if rng.random() < 0.5:
        # Misroute: network holds it and passes it on without work.
        tk.to(NET)
        tk.wait(120, 360)
        tk.note("Not a network issue.")
    tk.escalate("security")
    tk.to(SOC)
    tk.wait(5, 60, desk=False)
    tk.take()
    tk.state("in_progress")
    tk.note("Remote session found (unapproved RMM tool). Host isolated.", public=True)
    tk.wait(60, 400, desk=False)
    tk.resolve("Tool removed, credentials rotated; user briefed.")


def outage_p1(tk, ppl, rng, ctx):
    p = ppl.privileged()
    tk.open(p, "Whole office cannot print or reach the ERP",
            "Nobody at HQ can reach ERP or print since 09:10.", "Network", "LAN", "P1", "phone")
    tk.wait(2, 10)
    tk.take()
    tk.to(NET)
    tk.wait(5, 20)
    tk.take()
    tk.state("in_progress")
    tk.note("We are investigating a network outage at HQ.", public=True)
    gap = rng.choice([40, 50, 150, 200])  # some updates come too late for a P1
    tk.wait(gap, gap + 10)
    tk.note("Core switch rebooting after a failed update.", public=True)
    tk.wait(20, 60)
    tk.resolve("Service restored; post-incident review scheduled.")


SCENARIOS = [
    (routine, 38), (network, 13), (application, 11), (mfa_reset, 9), (lockout, 9),
    (payment_change, 4), (phishing, 9), (unusual_device, 5), (outage_p1, 1),
]


def gen_client(name, spec, rng):
    ppl = People(rng, name, spec)
    tickets = []
    no = spec["first_no"]
    span = (END - START).total_seconds()
    total = sum(w for _, w in SCENARIOS)

    def new_ticket(t):
        nonlocal no
        tk = Ticket(name, "%s-%d" % (spec["prefix"], no), t, rng)
        no += 1
        tickets.append(tk)
        return tk

    opens = sorted(START + timedelta(seconds=rng.randint(0, int(span) - 3600))
                   for _ in range(spec["tickets"]))
    for t0 in opens:
        t0 = business(t0, rng)
        pick = rng.randint(1, total)
        for fn, w in SCENARIOS:
            pick -= w
            if pick <= 0:
                break
        if fn is lockout and rng.random() < 0.35:
            # Repeat lockouts: the same requester three times within 24 hours.
            person = ppl.standard() if rng.random() < 0.6 else ppl.privileged()
            first = None
            t = t0
            for nth in (1, 2, 3):
                tk = new_ticket(t)
                lockout(tk, ppl, rng, None, person=person, nth=nth, first=first)
                first = first or tk.key
                t = business(t + timedelta(minutes=rng.randint(90, 420)), rng)
            continue
        fn(new_ticket(t0), ppl, rng, None)
    return tickets


def csv_text(rows):
    out = io.StringIO()
    w = csv.DictWriter(out, fieldnames=COLUMNS, lineterminator="\n")
    w.writeheader()
    for r in rows:
        w.writerow({k: (iso(v) if k == "time" else v) for k, v in r.items()})
    return out.getvalue()


def ndjson_text(rows):
    lines = []
    for r in rows:
        o = {}
        for k in COLUMNS:
            if k in r:
                v = r[k]
                if k == "time":
                    v = iso(v)
                elif k == "public":
                    v = v == "true"
                o[k] = v
        lines.append(json.dumps(o, ensure_ascii=False, separators=(",", ":")))
    return "\n".join(lines) + "\n"


def jira_text():
    """A handful of Jira Service Management issues with their changelogs.

    As in a real export, `fields` hold the values at export time; the
    changelog says how they got there.
    """
    def hist(hid, when, author, items):
        return {"id": str(hid), "author": {"displayName": author},
                "created": when + ".000+0000",
                "items": [{"field": f, "fieldtype": "jira", "fromString": a, "toString": b}
                          for f, a, b in items]}

    def issue(n, created, summary, reporter, itype, prio, status, histories):
        return {"id": str(10000 + n), "key": "HD-%d" % n,
                "fields": {"summary": summary, "created": created + ".000+0000",
                           "reporter": {"displayName": reporter},
                           "issuetype": {"name": itype}, "priority": {"name": prio},
                           "status": {"name": status}},
                "changelog": {"startAt": 0, "maxResults": len(histories),
                              "total": len(histories), "histories": histories}}

    issues = [
        issue(101, "2026-11-02T08:14:00", "MFA reset - new phone", "Dana Brennan (CFO)",
              "Service Request", "High", "Done", [
                  hist(1, "2026-11-02T08:20:00", "Ana Lima",
                       [("Team", None, "Service Desk"), ("assignee", None, "Ana Lima")]),
                  hist(2, "2026-11-02T08:31:00", "Ana Lima",
                       [("Team", "Service Desk", "Identity L2"), ("assignee", "Ana Lima", None)]),
                  hist(3, "2026-11-02T09:05:00", "Hugo Silva",
                       [("assignee", None, "Hugo Silva"),
                        ("status", "Open", "In Progress")]),
                  hist(4, "2026-11-02T09:40:00", "Hugo Silva", [("status", "In Progress", "Done")]),
              ]),
        issue(102, "2026-11-03T10:02:00", "Suspicious email - possible phishing",
              "Kofi Oduya", "Incident", "High", "Closed", [
                  hist(5, "2026-11-03T10:05:00", "Ben Okafor",
                       [("Team", None, "Service Desk"), ("assignee", None, "Ben Okafor")]),
                  hist(6, "2026-11-03T14:50:00", "Ben Okafor",
                       [("Team", "Service Desk", "SOC"), ("priority", "Medium", "High")]),
                  hist(7, "2026-11-03T15:02:00", "Maya Cohen",
                       [("assignee", "Ben Okafor", "Maya Cohen"),
                        ("status", "Open", "In Progress")]),
                  hist(8, "2026-11-03T16:30:00", "Maya Cohen",
                       [("status", "In Progress", "Resolved")]),
                  hist(9, "2026-11-06T16:30:00", "automation", [("status", "Resolved", "Closed")]),
              ]),
        issue(103, "2026-11-04T09:30:00", "VPN keeps disconnecting", "Lena Moreau", "Incident",
              "Medium", "Done", [
                  hist(10, "2026-11-04T09:41:00", "Chloe Martin",
                       [("Team", None, "Service Desk"), ("assignee", None, "Chloe Martin")]),
                  hist(11, "2026-11-04T10:15:00", "Chloe Martin",
                       [("Team", "Service Desk", "Network L2")]),
                  hist(12, "2026-11-04T13:00:00", "Grace Kim",
                       [("Team", "Network L2", "Apps L3")]),
                  hist(13, "2026-11-04T16:10:00", "Jonas Berg",
                       [("Team", "Apps L3", "Network L2")]),
                  hist(14, "2026-11-05T09:20:00", "Grace Kim",
                       [("assignee", "Chloe Martin", "Grace Kim"),
                        ("status", "Open", "In Progress")]),
                  hist(15, "2026-11-05T10:00:00", "Grace Kim",
                       [("status", "In Progress", "Waiting for customer")]),
                  hist(16, "2026-11-06T08:45:00", "Lena Moreau",
                       [("status", "Waiting for customer", "In Progress")]),
                  hist(17, "2026-11-06T11:00:00", "Grace Kim", [("status", "In Progress", "Done")]),
              ]),
        issue(104, "2026-11-05T11:11:00", "Please update bank details for supplier Northwind",
              "Omar Petrov", "Service Request", "Highest", "Canceled", [
                  hist(18, "2026-11-05T11:30:00", "Dev Patel",
                       [("Team", None, "Apps L3"), ("assignee", None, "Kira Ivanova")]),
                  hist(19, "2026-11-09T15:00:00", "Kira Ivanova",
                       [("Team", "Apps L3", "SOC"), ("priority", "Low", "Highest"),
                        ("labels", "", "bec")]),
                  hist(20, "2026-11-09T15:20:00", "Liam O'Neill",
                       [("assignee", "Kira Ivanova", "Liam O'Neill"),
                        ("status", "Open", "Canceled")]),
              ]),
        issue(105, "2026-11-06T07:55:00", "Locked out of account", "Quinn Tanaka", "Incident",
              "Medium", "Reopened", [
                  hist(21, "2026-11-06T08:02:00", "Ewa Nowak",
                       [("Team", None, "Service Desk"), ("assignee", None, "Ewa Nowak")]),
                  hist(22, "2026-11-06T08:06:00", "Ewa Nowak", [("status", "Open", "Resolved")]),
                  hist(23, "2026-11-06T12:40:00", "Quinn Tanaka",
                       [("status", "Resolved", "Reopened")]),
              ]),
        issue(106, "2026-11-09T13:00:00", "Printer on 3rd floor jammed", "Pia Rossi",
              "Incident", "Lowest", "Open", []),
    ]
    doc = {"expand": "schema,names", "startAt": 0, "maxResults": 50, "total": len(issues),
           "issues": issues}
    return json.dumps(doc, indent=2, ensure_ascii=False) + "\n"


def build():
    rng = random.Random(SEED)
    out = {}
    for name in ("acme", "globex"):
        tickets = gen_client(name, CLIENTS[name], rng)
        rows = [r for tk in tickets for r in tk.rows]
        if name == "acme":
            # An export sorted by time; a ticket's same-minute rows keep their order.
            rows.sort(key=lambda r: r["time"])
            out["acme.csv"] = csv_text(rows)
        else:
            out["globex.ndjson"] = ndjson_text(rows)
    out["jira-sample.json"] = jira_text()
    return out


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    check = "--check" in sys.argv[1:]
    bad = 0
    for fname, text in build().items():
        path = os.path.join(here, fname)
        if check:
            with open(path, encoding="utf-8", newline="") as f:
                if f.read() != text:
                    print("gen.py: %s differs from its generator" % fname, file=sys.stderr)
                    bad = 1
        else:
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(text)
    return bad


if __name__ == "__main__":
    sys.exit(main())

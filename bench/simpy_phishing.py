#!/usr/bin/python3
"""The phishing-wave scenario in SimPy 2 (Debian's python3-simpy, classic
API), the same model handoff runs under the resolver routing (every ticket
to its type's resolver team; bench/sim_bench runs the C side that way):
hour-of-week Poisson arrivals plus the spike's extra mix, ticket types by
share, weekly shifts (an off-duty agent is held by a blocker with top
priority, so the change is non-preemptive, as in handoff), non-preemptive
priority queues, lognormal / empirical / exponential / fixed service, a
wrong team that may recognise an incident and pass it to the SOC or handle
it as routine (then found later), authorisation by an approver on their own
calendar, and containment.
Replications re-initialise SimPy and rebuild the teams each time, as handoff
starts each replication afresh (seeds 1, 2, ...).
Usage: /usr/bin/python3 bench/simpy_phishing.py SCENARIO.json [HORIZON_WEEKS [REPLICATIONS]]"""
import json
import math
import random
import sys
import time

from SimPy.Simulation import (PriorityQ, Process, Resource, activate, hold, initialize, now,
                              release, request, simulate)

UNITS = {"ms": 1 / 60000.0, "s": 1 / 60.0, "m": 1.0, "h": 60.0, "d": 1440.0, "w": 10080.0}


def dur(s):
    """Minutes in a duration such as '1h30m'."""
    if isinstance(s, (int, float)):
        return float(s)
    total, num, i = 0.0, "", 0
    while i < len(s):
        c = s[i]
        if c.isdigit() or c == ".":
            num += c
            i += 1
            continue
        u = "ms" if s[i:i + 2] == "ms" else c
        total += float(num) * UNITS[u]
        num = ""
        i += len(u)
    return total + (float(num) if num else 0.0)


def sampler(d):
    if isinstance(d, str):
        v = dur(d)
        return lambda: v
    kind = d["dist"]
    if kind == "fixed":
        v = dur(d.get("value", d.get("mean")))
        return lambda: v
    if kind == "exponential":
        m = dur(d["mean"])
        return lambda: random.expovariate(1.0 / m)
    if kind == "lognormal":
        m, sd = dur(d["mean"]), dur(d["sd"])
        sigma = math.sqrt(math.log(1 + sd * sd / (m * m)))
        mu = math.log(m) - sigma * sigma / 2
        return lambda: random.lognormvariate(mu, sigma)
    if kind == "empirical":
        vals = sorted(d["minutes"]) if "minutes" in d else sorted(dur(x) for x in d["values"])
        n = len(vals)
        if d.get("interpolate") and n > 1:
            def f():
                x = random.random() * (n - 1)
                i = int(x)
                return vals[i] + (vals[min(i + 1, n - 1)] - vals[i]) * (x - i)
            return f
        return lambda: random.choice(vals)
    raise ValueError(kind)


DAYS = {"mon": [0], "tue": [1], "wed": [2], "thu": [3], "fri": [4], "sat": [5], "sun": [6],
        "weekdays": [0, 1, 2, 3, 4], "weekend": [5, 6], "daily": list(range(7))}


def week_steps(shifts, count=True):
    """[(minute_of_week, value)] breakpoints of a weekly schedule."""
    diff = [0] * (10080 + 1)
    if shifts == "24x7":
        return [(0, 1)]
    for sh in shifts:
        days = sh["days"] if isinstance(sh["days"], list) else [sh["days"]]
        a = sum(([d] if d in DAYS else [] for d in days), [])
        s = int(sh["start"][:2]) * 60 + int(sh["start"][3:])
        e = int(sh["end"][:2]) * 60 + int(sh["end"][3:])
        n = sh.get("agents", 1) if count else 1
        for name in a:
            for d in DAYS[name]:
                lo, hi = d * 1440 + s, d * 1440 + e + (1440 if e < s else 0)
                for m in range(lo, hi):
                    diff[m % 10080] += n
                    diff[(m % 10080) + 1] -= n
    steps, cur = [], None
    level = 0
    for m in range(10080):
        level += diff[m]
        if level != cur:
            steps.append((m, level))
            cur = level
    return steps


class Team:
    def __init__(self, t):
        self.name = t["name"]
        self.steps = week_steps(t["shifts"]) if "shifts" in t else [(0, t["agents"])]
        self.max = max(v for _, v in self.steps)
        self.res = Resource(capacity=max(self.max, 1), qType=PriorityQ, preemptable=False)
        self.service = sampler(t["service"])


class Blocker(Process):
    """Holds one agent off duty until released."""
    def run(self, team, until):
        yield request, self, team.res, 10 ** 9
        yield hold, self, max(0.0, until - now())
        yield release, self, team.res


class Shifts(Process):
    def run(self, team, horizon):
        t = 0.0
        while t < horizon:
            mow = t % 10080
            idx = max(i for i, (m, _) in enumerate(team.steps) if m <= mow)
            on = team.steps[idx][1]
            nxt = team.steps[idx + 1][0] if idx + 1 < len(team.steps) else 10080
            end = t + (nxt - mow)
            for _ in range(team.max - on):
                b = Blocker()
                activate(b, b.run(team, end))
            yield hold, self, end - t
            t = end


class Stats:
    tickets = 0
    ttc = []
    waits = 0.0


class Ticket(Process):
    def run(self, sc, ty, prio, is_sec):
        arrive = now()
        team = sc["teams"][ty["resolver"]]
        soc = sc["teams"][sc["security"]["team"]]
        while True:
            t0 = now()
            yield request, self, team.res, 10 - prio
            Stats.waits += now() - t0
            if is_sec and team is not soc:
                if random.random() < sc["security"]["recognise"]:
                    yield hold, self, sc["triage"]()
                    yield release, self, team.res
                    team = soc
                    continue
                yield hold, self, ty["service"]() if ty["service"] else team.service()
                yield release, self, team.res
                yield hold, self, sc["late"]()
                team = soc
                continue
            yield hold, self, (ty["service"] or team.service)() if not is_sec else team.service()
            yield release, self, team.res
            break
        if is_sec:
            if ty["severity"]() >= sc["auth_min"]:
                t = now()
                mow = t % 10080
                steps = sc["approver"]
                wait = 0.0
                # next open minute of the approver's week
                for k in range(2 * len(steps) + 2):
                    m = (mow + wait) % 10080
                    idx = max(i for i, (mm, _) in enumerate(steps) if mm <= m)
                    if steps[idx][1] > 0:
                        break
                    nxt = steps[idx + 1][0] if idx + 1 < len(steps) else 10080
                    wait += nxt - m
                yield hold, self, wait + sc["approver_response"]()
            yield hold, self, sc["contain"]()
            Stats.ttc.append(now() - arrive)


SEV = {"low": 1, "medium": 2, "high": 3, "critical": 4}


def choice(d, conv):
    if not isinstance(d, dict):
        v = conv(d)
        return lambda: v
    keys = [conv(k) for k in d]
    w = list(d.values())
    return lambda: random.choices(keys, w)[0]


class Source(Process):
    def run(self, sc, horizon):
        types, how, spikes = sc["types"], sc["how"], sc["spikes"]
        t = 0.0
        while True:
            e = random.expovariate(1.0)
            while True:
                mow = t % 10080
                hour = int(mow // 60)
                seg_end = t + (60 - mow % 60)
                base = how[hour] / 60.0
                rates = [base * ty["share"] / sc["share_total"] for ty in types]
                for sp in spikes:
                    if sp["start"] <= t < sp["end"]:
                        for k, ty in enumerate(types):
                            rates[k] += (sp["mult"] - 1) * base * sp["mix"].get(ty["name"], 0)
                    if t < sp["start"] < seg_end:
                        seg_end = sp["start"]
                    if t < sp["end"] < seg_end:
                        seg_end = sp["end"]
                total = sum(rates)
                if total > 0 and t + e / total < seg_end:
                    t += e / total
                    break
                e -= (seg_end - t) * total
                t = seg_end
                if t >= horizon:
                    return
            yield hold, self, t - now()
            ty = random.choices(types, rates)[0]
            prio = ty["priority"]()
            is_sec = random.random() < ty["p_sec"]
            Stats.tickets += 1
            tk = Ticket()
            activate(tk, tk.run(sc, ty, prio, is_sec))


def main():
    doc = json.load(open(sys.argv[1]))
    weeks = float(sys.argv[2]) if len(sys.argv) > 2 else dur(doc["horizon"]) / 10080
    reps = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    horizon = weeks * 10080
    t0 = time.perf_counter()
    for rep in range(reps):
        random.seed(1 + rep)
        initialize()
        teams = {t["name"]: Team(t) for t in doc["teams"]}
        how = [0.0] * 168
        h = doc["arrivals"]["hour_of_week"]
        for key in ("daily", "weekdays", "weekend", "mon", "tue", "wed", "thu", "fri", "sat", "sun"):
            if key in h:
                for d in DAYS[key]:
                    how[d * 24:(d + 1) * 24] = h[key]
        types = []
        for ty in doc["types"]:
            sec = ty.get("security", {})
            types.append({"name": ty["name"], "share": ty["share"], "resolver": ty["resolver"],
                          "priority": choice(ty.get("priority", "P3"), lambda s: int(s[1:])),
                          "p_sec": sec.get("probability", 0.0),
                          "severity": choice(sec.get("severity", "medium"), lambda s: SEV[s]),
                          "service": sampler(ty["service"]) if "service" in ty else None})
        s = doc["security"]
        auth = s["authorisation"]
        sc = {"teams": teams, "types": types, "how": how,
              "share_total": sum(t["share"] for t in types),
              "spikes": [{"start": dur(sp["start"]), "end": dur(sp["start"]) + dur(sp["duration"]),
                          "mult": sp["multiplier"], "mix": sp["mix"]}
                         for sp in doc["arrivals"].get("spikes", [])],
              "security": s, "triage": sampler(doc["misroute"]["triage"]),
              "late": sampler(s["late_detection"]), "contain": sampler(s["containment"]),
              "auth_min": SEV[auth["min_severity"]],
              "approver": week_steps(auth["approvers"][0]["availability"], count=False),
              "approver_response": sampler(auth["approvers"][0]["response"])}
        for team in teams.values():
            p = Shifts()
            activate(p, p.run(team, horizon + dur(doc.get("drain", "2w"))))
        src = Source()
        activate(src, src.run(sc, horizon))
        simulate(until=horizon + dur(doc.get("drain", "2w")))
    t1 = time.perf_counter()
    ttc = sorted(Stats.ttc)
    print("tickets %d replications %d seconds %.3f incidents_contained %d ttc_mean_min %.1f" %
          (Stats.tickets, reps, t1 - t0, len(ttc), sum(ttc) / max(1, len(ttc))))


if __name__ == "__main__":
    main()

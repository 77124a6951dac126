#!/usr/bin/python3
"""pandas peer for bench/ingest.sh: the load `handoff ingest` does, in pandas.

    peer_pandas.py --profile generic|servicenow FILE [--db DB --schema SCHEMA.sql]

read_csv, then the same normalisation as handoff and the sqlite3 peer
(bench/peer_sqlite_*.sql): times parsed to epoch ms, kinds/states/priorities
validated (bad rows dropped; handoff keeps them as rejects), tickets in order
of first appearance with their attributes, events in ticket order. For the
ServiceNow snapshot log: snapshots sorted by (ticket, sys_updated_at, file
order) and diffed with shift() into opened/assigned/state/priority/category
events. Without --db it stops there (parse + normalise only); with --db it
writes `tickets` and `events` into DB, created with SCHEMA (handoff's schema)
and the same pragmas handoff uses, with executemany in one transaction.

Prints one line: rows=.. events=.. tickets=.. parse_s=.. [write_s=..]; the
times are measured inside the process, after `import pandas`.
Run with Debian's /usr/bin/python3 (python3-pandas).
"""

import argparse
import sqlite3
import sys
import time

import numpy as np
import pandas as pd

KINDS = ["opened", "assigned", "state", "priority", "category", "note", "linked", "escalated"]
STATES = ["new", "in_progress", "on_hold", "awaiting_user", "awaiting_vendor", "resolved",
          "closed", "cancelled", "reopened"]
SN_STATES = {"New": "new", "Active": "in_progress", "Awaiting User Info": "awaiting_user",
             "Awaiting Evidence": "awaiting_user", "Awaiting Vendor": "awaiting_vendor",
             "Awaiting Problem": "on_hold", "Resolved": "resolved", "Closed": "closed",
             "Cancelled": "cancelled"}
SN_NONE = {"-100"}  # mapped to "none": the state is unknown, keep the last one
NOT_BEFORE_MS = 631152000000  # 1990-01-01


def prio_value(s):
    """P1..P5, 1..5, '1 - Critical' -> 1..5; anything else -> -1."""
    if len(s) == 2 and s[0] in "Pp" and s[1] in "12345":
        return int(s[1])
    if len(s) == 1 and s in "12345":
        return int(s)
    if len(s) > 4 and s[0] in "12345" and s[1:4] == " - ":
        return int(s[0])
    return -1


def priorities(col):
    """Vectorised over the distinct values: float (NaN = empty, -1 = bad)."""
    u = col.dropna().unique()
    return col.map({v: prio_value(v) for v in u}).astype("float64")


def differs(a, b):
    """a IS NOT b, NaN-aware."""
    return ~((a == b) | (a.isna() & b.isna()))


def not_after_ms():
    return (int(time.time()) + 86400) * 1000


def generic(path):
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=[""])
    nrows = len(df)
    for col in ("group", "agent", "state", "priority", "category", "subcategory", "title",
                "requester", "channel", "note", "public", "target", "linked"):
        if col not in df:
            df[col] = np.nan
    df["line"] = np.arange(2, nrows + 2, dtype=np.int64)
    t = pd.to_datetime(df["time"], utc=True, errors="coerce")
    df["t_ms"] = t.values.astype("datetime64[ms]").astype(np.int64)
    df["kind"] = df["kind"].str.lower()
    df["state"] = df["state"].str.lower()
    df["prio"] = priorities(df["priority"])
    k = df["kind"]
    ok = (df["ticket"].notna() & t.notna() & (df["t_ms"] >= NOT_BEFORE_MS) &
          (df["t_ms"] <= not_after_ms()) & k.isin(KINDS) &
          (df["state"].isna() | df["state"].isin(STATES)) &
          (df["prio"].isna() | (df["prio"] > 0)) &
          ((k != "assigned") | df["group"].notna() | df["agent"].notna()) &
          ((k != "state") | df["state"].notna()) &
          ((k != "priority") | df["prio"].notna()) &
          ((k != "category") | df["category"].notna()) &
          ((k != "note") | df["note"].notna()) &
          ((k != "linked") | df["linked"].notna()) &
          ((k != "escalated") | df["target"].notna()))
    ev = df[ok].copy()
    codes, keys = pd.factorize(ev["ticket"])  # order of first appearance
    ev["tid"] = codes + 1
    g = ev.groupby("tid", sort=True)
    tk = pd.DataFrame({"key": keys})
    tk.index = np.arange(1, len(keys) + 1)
    for col in ("title", "requester", "channel"):
        tk[col] = g[col].first()  # first non-empty value in file order
    tk["priority"] = g["prio"].last()  # latest known
    cat = ev.loc[ev["category"].notna(), ["tid", "category", "subcategory"]]
    cat = cat.drop_duplicates("tid", keep="last").set_index("tid")
    tk["category"] = cat["category"]
    tk["subcategory"] = cat["subcategory"]
    tk["opened_ms"] = ev.loc[k[ok] == "opened"].groupby("tid")["t_ms"].min()

    ev["ord"] = g.cumcount()
    kind = ev["kind"]
    out = pd.DataFrame({
        "ticket_id": ev["tid"], "t_ms": ev["t_ms"], "kind": kind,
        "grp": ev["group"].where(kind == "assigned"),
        "agent": ev["agent"].where(kind == "assigned"),
        "state": ev["state"].where(kind == "state"),
        "priority": ev["prio"], "category": ev["category"], "subcategory": ev["subcategory"],
        "note": ev["note"].where(kind == "note"),
        "public": ev["public"].str.lower().isin(["1", "y", "true", "yes"]).astype(float)
        .where(kind == "note"),
        "linked": ev["linked"].where(kind == "linked"),
        "target": ev["target"].where(kind == "escalated"),
        "line": ev["line"], "ord": ev["ord"], "ident": ev["line"]})
    stated = (kind == "assigned") & ev["group"].notna()
    out.loc[stated, "agent"] = out.loc[stated, "agent"].fillna("")
    out = out.sort_values(["ticket_id", "t_ms", "line"], kind="stable")
    return nrows, out, tk


def dmy_ms(col):
    t = pd.to_datetime(col, format="%d/%m/%Y %H:%M", errors="coerce", utc=True)
    return t, t.values.astype("datetime64[ms]").astype(np.int64)


def intfield(col):
    m = {"true": 1, "false": 0}
    for v in col.dropna().unique():
        if v not in m:
            m[v] = int(v) if v.isdigit() else np.nan
    return col.map(m).astype("float64")


def servicenow(path):
    df = pd.read_csv(path, dtype=str, keep_default_na=False, na_values=["", "?"])
    nrows = len(df)
    s = pd.DataFrame({"row": np.arange(nrows, dtype=np.int64),
                      "line": np.arange(2, nrows + 2, dtype=np.int64),
                      "ticket": df["number"]})
    t, s["t_ms"] = dmy_ms(df["sys_updated_at"])
    o, s["opened_ms"] = dmy_ms(df["opened_at"])
    s["opened_ms"] = s["opened_ms"].where(o.notna())
    st = df["incident_state"]
    s["state"] = st.map(SN_STATES)
    bad_state = st.notna() & s["state"].isna() & ~st.isin(SN_NONE)
    s["prio"] = priorities(df["priority"])
    s["grp"] = df["assignment_group"]
    s["agent"] = df["assigned_to"]
    s["category"] = df["category"]
    s["subcategory"] = df["subcategory"]
    s["requester"] = df["caller_id"]
    s["channel"] = df["contact_type"]
    s["asset"] = df["cmdb_ci"]
    s["src_reassign"] = intfield(df["reassignment_count"])
    s["src_reopen"] = intfield(df["reopen_count"])
    s["src_made_sla"] = intfield(df["made_sla"])
    ok = (s["ticket"].notna() & t.notna() & (s["t_ms"] >= NOT_BEFORE_MS) &
          (s["t_ms"] <= not_after_ms()) & ~bad_state & (s["prio"].isna() | (s["prio"] > 0)))
    s = s[ok]
    codes, keys = pd.factorize(s["ticket"])
    s = s.assign(tid=codes + 1)
    tk = pd.DataFrame({"key": keys})
    tk.index = np.arange(1, len(keys) + 1)
    g = s.groupby("tid", sort=True)
    for col in ("requester", "channel", "asset"):
        tk[col] = g[col].first()  # first non-empty value in file order

    s = s.sort_values(["tid", "t_ms", "row"], kind="stable")
    k = s.groupby("tid", sort=False).cumcount().to_numpy()
    first = pd.Series(k == 0, index=s.index)
    prev = s.shift(1)
    eff = s.groupby("tid", sort=False)["state"].ffill()  # a NaN state keeps the last one
    pstate = eff.shift(1).where(~first)
    s["k"] = k

    op_t = s["opened_ms"].where(s["opened_ms"] <= s["t_ms"], s["t_ms"]).astype(np.int64)
    parts = []
    f = s[first]
    parts.append(pd.DataFrame({"ticket_id": f["tid"], "k": f["k"], "sub": 0, "line": f["line"],
                               "kind": "opened", "t_ms": op_t[first], "priority": f["prio"],
                               "category": f["category"], "subcategory": f["subcategory"]}))
    m = np.where(first, s["grp"].notna() | s["agent"].notna(),
                 differs(s["grp"], prev["grp"]) | differs(s["agent"], prev["agent"]))
    a = s[m]
    parts.append(pd.DataFrame({"ticket_id": a["tid"], "k": a["k"], "sub": 1, "line": a["line"],
                               "kind": "assigned", "t_ms": a["t_ms"],
                               "grp": a["grp"].fillna(""), "agent": a["agent"].fillna("")}))
    m = s["state"].notna() & (first | differs(s["state"], pstate))
    a = s[m]
    parts.append(pd.DataFrame({"ticket_id": a["tid"], "k": a["k"], "sub": 2, "line": a["line"],
                               "kind": "state", "t_ms": a["t_ms"], "state": a["state"]}))
    m = ~first & s["prio"].notna() & differs(s["prio"], prev["prio"])
    a = s[m]
    parts.append(pd.DataFrame({"ticket_id": a["tid"], "k": a["k"], "sub": 3, "line": a["line"],
                               "kind": "priority", "t_ms": a["t_ms"], "priority": a["prio"]}))
    m = ~first & (differs(s["category"], prev["category"]) |
                  differs(s["subcategory"], prev["subcategory"]))
    a = s[m]
    parts.append(pd.DataFrame({"ticket_id": a["tid"], "k": a["k"], "sub": 4, "line": a["line"],
                               "kind": "category", "t_ms": a["t_ms"],
                               "category": a["category"], "subcategory": a["subcategory"]}))
    ev = pd.concat(parts, ignore_index=True)
    ev = ev.sort_values(["ticket_id", "k", "sub"], kind="stable")
    ev["ord"] = ev.groupby("ticket_id", sort=False).cumcount()
    ev = ev.sort_values(["ticket_id", "t_ms", "k", "sub"], kind="stable")
    ev["ident"] = ev["line"] * 8 + ev["sub"]
    for col in ("note", "public", "linked", "target"):
        ev[col] = np.nan
    for col in ("grp", "agent", "state"):
        if col not in ev:
            ev[col] = np.nan

    last = s.drop_duplicates("tid", keep="last").set_index("tid")
    tk["category"] = last["category"]
    tk["subcategory"] = last["subcategory"]
    tk["priority"] = last["prio"]
    tk["src_reassignment_count"] = last["src_reassign"]
    tk["src_reopen_count"] = last["src_reopen"]
    tk["src_made_sla"] = last["src_made_sla"]
    tk["opened_ms"] = op_t[first].set_axis(s.loc[first, "tid"])
    return nrows, ev, tk


EV_COLS = ["ticket_id", "t_ms", "kind", "grp", "agent", "state", "priority", "category",
           "subcategory", "note", "public", "linked", "target", "line", "ord", "ident"]
INT_COLS = {"ticket_id", "t_ms", "priority", "public", "line", "ord", "ident",
            "opened_ms", "src_reassignment_count", "src_reopen_count", "src_made_sla", "id"}


def records(df, cols):
    """Rows as tuples of Python values, NaN -> None, numbers as int."""
    arrays = []
    for c in cols:
        col = df[c]
        if c in INT_COLS:
            v = col.to_numpy(dtype="float64", na_value=np.nan)
            arrays.append([None if x != x else int(x) for x in v.tolist()])
        else:
            arrays.append(col.astype(object).where(col.notna(), None).tolist())
    return zip(*arrays)


def write(db, schema, profile, path, nrows, ev, tk):
    con = sqlite3.connect(db, isolation_level=None)
    with open(schema) as f:
        con.executescript(f.read())
    con.execute("PRAGMA journal_mode=WAL")
    con.execute("PRAGMA synchronous=NORMAL")
    con.execute("PRAGMA foreign_keys=ON")
    con.execute("BEGIN")
    con.execute("INSERT INTO sources(id, path, digest, bytes, profile, client)"
                " VALUES (1, ?, 'pandas-peer', 0, ?, '')", (path, profile))
    tk = tk.assign(id=tk.index)
    tcols = ["id", "key"] + [c for c in ("title", "category", "subcategory", "priority",
                                         "requester", "channel", "asset", "opened_ms",
                                         "src_reassignment_count", "src_reopen_count",
                                         "src_made_sla") if c in tk]
    con.executemany("INSERT INTO tickets(client, %s) VALUES ('', %s)"
                    % (", ".join(tcols), ", ".join("?" * len(tcols))), records(tk, tcols))
    con.executemany("INSERT INTO events(source_id, %s) VALUES (1, %s)"
                    % (", ".join(EV_COLS), ", ".join("?" * len(EV_COLS))), records(ev, EV_COLS))
    con.execute("UPDATE sources SET rows_read = ?, events_new = ?, tickets = ?, complete = 1"
                " WHERE id = 1", (nrows, len(ev), len(tk)))
    con.execute("COMMIT")
    con.close()


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--profile", choices=["generic", "servicenow"], default="generic")
    ap.add_argument("--db")
    ap.add_argument("--schema")
    ap.add_argument("file")
    a = ap.parse_args()
    if a.db and not a.schema:
        ap.error("--db needs --schema")
    t0 = time.perf_counter()
    nrows, ev, tk = (generic if a.profile == "generic" else servicenow)(a.file)
    t1 = time.perf_counter()
    line = "rows=%d events=%d tickets=%d parse_s=%.4f" % (nrows, len(ev), len(tk), t1 - t0)
    if a.db:
        write(a.db, a.schema, a.profile, a.file, nrows, ev, tk)
        line += " write_s=%.4f" % (time.perf_counter() - t1)
    print(line)
    sys.stdout.flush()


if __name__ == "__main__":
    main()

"""pandas peer for bench/analyze.sh: read a generic event CSV and compute, per
ticket, reassignments (group changes after the first, consecutive duplicates
merged), bounces (returns to a group left earlier), ping-pongs (A->B->A) and
case duration (opened -> first resolved/closed/cancelled); then totals.
Run with Debian's /usr/bin/python3 (python3-pandas). Prints one summary line."""
import sys

import pandas as pd

path = sys.argv[1]
df = pd.read_csv(path, dtype=str, keep_default_na=False)
df["t"] = pd.to_datetime(df["time"], utc=True)
df["row"] = range(len(df))
df = df.sort_values(["ticket", "t", "row"], kind="stable")

# Group sequence: assigned rows with a group, consecutive duplicates merged.
g = df[(df["kind"].isin(["assigned", "opened"])) & (df["group"] != "")][["ticket", "group"]]
prev = g.groupby("ticket")["group"].shift(1)
g = g[g["group"] != prev]
g["pos"] = g.groupby("ticket").cumcount()
reassign = (g.groupby("ticket")["pos"].max()).sum()
prev2 = g.groupby("ticket")["group"].shift(2)
ping_pong = int((g["group"] == prev2).sum())
# Bounce: the group appeared earlier in the ticket's merged sequence, not just before.
g["seen_before"] = g.duplicated(["ticket", "group"], keep="first")
prev1 = g.groupby("ticket")["group"].shift(1)
bounces = int((g["seen_before"] & (g["group"] != prev1)).sum())

opened = df[df["kind"] == "opened"].groupby("ticket")["t"].min()
done = df[(df["kind"] == "state") & (df["state"].isin(["resolved", "closed", "cancelled"]))]
first_done = done.groupby("ticket")["t"].min()
dur = (first_done - opened.reindex(first_done.index)).dt.total_seconds()
print(
    "tickets %d reassignments %d bounces %d ping_pongs %d resolved %d ttr_p50_s %.0f"
    % (df["ticket"].nunique(), reassign, bounces, ping_pong, dur.notna().sum(), dur.median())
)

#!/usr/bin/python3
"""M/M/c in SimPy 2 (Debian's python3-simpy, classic API): the same model as
bench/mmc.json. Arrivals 200/h, exponential service with mean 3 min, 14
servers, FIFO. Usage: /usr/bin/python3 bench/simpy_mmc.py [CUSTOMERS]
Prints customers, wall seconds and the mean wait (minutes)."""
import random
import sys
import time

from SimPy.Simulation import Process, Resource, activate, hold, initialize, now, release, request, simulate

LAMBDA = 200.0 / 60.0  # per minute
MEAN_SERVICE = 3.0
SERVERS = 14


class Stats:
    n = 0
    wait_sum = 0.0


class Customer(Process):
    def run(self, desk):
        arrive = now()
        yield request, self, desk
        Stats.wait_sum += now() - arrive
        Stats.n += 1
        yield hold, self, random.expovariate(1.0 / MEAN_SERVICE)
        yield release, self, desk


class Source(Process):
    def run(self, n, desk):
        for _ in range(n):
            c = Customer()
            activate(c, c.run(desk))
            yield hold, self, random.expovariate(LAMBDA)


def main():
    n = int(sys.argv[1]) if len(sys.argv) > 1 else 1000000
    random.seed(1)
    t0 = time.perf_counter()
    initialize()
    desk = Resource(capacity=SERVERS)
    s = Source()
    activate(s, s.run(n, desk))
    simulate(until=1e12)
    t1 = time.perf_counter()
    print("customers %d seconds %.3f mean_wait_min %.4f" % (Stats.n, t1 - t0, Stats.wait_sum / Stats.n))


if __name__ == "__main__":
    main()

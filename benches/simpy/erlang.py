"""The open Erlang loss model of benches/scenarios/erlang-2000d.toml, in SimPy.

One pool of 30 connections, Poisson arrivals at 20 per hour, exponential sessions with a mean of
one hour; an arrival that finds every connection busy is refused and leaves. Like `cvpnsim run`,
it writes a five-minute time series (live connections, attempts, successes, refusals) and a
summary, so the comparison covers the whole run, not just the event loop.

    python3 erlang.py DAYS OUT_DIR [SEED]
"""

import json
import os
import random
import sys

import simpy

LIMIT = 30
PER_HOUR = 20.0
MEAN_SESSION_H = 1.0
HOUR_MS = 3_600_000
SAMPLE_MS = 5 * 60_000


def main():
    days = int(sys.argv[1])
    out = sys.argv[2]
    seed = int(sys.argv[3]) if len(sys.argv) > 3 else 1
    os.makedirs(out, exist_ok=True)
    rng = random.Random(seed)
    env = simpy.Environment()
    pool = simpy.Resource(env, capacity=LIMIT)
    duration = days * 24 * HOUR_MS
    counts = {"attempts": 0, "successes": 0, "refused": 0}
    peak = [0]

    def session(req, length):
        yield env.timeout(length)
        pool.release(req)

    def arrivals():
        while True:
            yield env.timeout(rng.expovariate(PER_HOUR / HOUR_MS))
            counts["attempts"] += 1
            if pool.count >= LIMIT:
                counts["refused"] += 1
                continue
            req = pool.request()
            yield req
            counts["successes"] += 1
            peak[0] = max(peak[0], pool.count)
            env.process(session(req, rng.expovariate(1.0 / (MEAN_SESSION_H * HOUR_MS))))

    rows = open(os.path.join(out, "timeseries.csv"), "w")
    rows.write("start_ms,end_ms,active_total,attempts,successes,refused\n")

    def sampler():
        prev = dict(counts)
        start = 0
        while start < duration:
            yield env.timeout(SAMPLE_MS)
            now = int(env.now)
            rows.write(
                f"{start},{now},{pool.count},{counts['attempts'] - prev['attempts']},"
                f"{counts['successes'] - prev['successes']},{counts['refused'] - prev['refused']}\n"
            )
            prev = dict(counts)
            start = now

    env.process(arrivals())
    env.process(sampler())
    env.run(until=duration)
    rows.close()
    summary = dict(counts, peak_concurrency=peak[0],
                   blocking_probability=counts["refused"] / max(counts["attempts"], 1))
    with open(os.path.join(out, "summary.json"), "w") as f:
        json.dump(summary, f, indent=2)
    print(json.dumps(summary))


if __name__ == "__main__":
    main()

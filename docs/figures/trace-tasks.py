#!/usr/bin/env python3
"""trace-tasks.py: prepares a --trace file for the charts of docs/01-spinner.md and
docs/03-pool.md (scripts/plot-trace draws one row per thread).

  docs/figures/trace-tasks.py [--split-tasks] < TRACE.json > CHART.json

Always leaves out lib/primes.c's "computes" spans (cat "compute"): in procs they repeat
each "job" span, and in spinner_uring one covers the whole check, naps and all. With
--split-tasks (spinner_uring), puts each task on a row of its own, as the tasks share
one thread: "task supervisor" (its running spans, naps, cancel, join), "task spin" (its
running spans, frames, clear); the "loop" row keeps what loop_base.c saw. The numbers
are copied exactly (jq would round those above 2^53).
"""
import json
import sys

TASK_ROWS = {"supervisor": 1, "nap": 1, "cancel": 1, "join": 1, "spin": 2}


def main(argv):
    split = argv == ["--split-tasks"]
    if argv and not split:
        print(__doc__.strip(), file=sys.stderr)
        return 2
    trace = json.load(sys.stdin)
    events = [e for e in trace["traceEvents"] if e.get("cat") != "compute"]
    if split:
        pid = events[0]["pid"]
        for e in events:
            if e["ph"] == "M":
                continue
            if e["name"] in TASK_ROWS:
                e["tid"] = TASK_ROWS[e["name"]]
            elif e.get("cat") == "spinner":
                e["tid"] = 2
        events = [e for e in events if e["name"] != "sleep"]  # whose: not in the mark
        events += [{"name": "thread_name", "ph": "M", "pid": pid, "tid": tid,
                    "args": {"name": f"task {name}"}}
                   for name, tid in (("supervisor", 1), ("spin", 2))]
    trace["traceEvents"] = events
    json.dump(trace, sys.stdout, separators=(",", ":"))
    sys.stdout.write("\n")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))

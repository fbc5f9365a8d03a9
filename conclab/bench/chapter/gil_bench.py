"""gil_bench: the CPython side of scripts/gil-compare.

Runs, on the interpreter that executes it, the two experiments of lab 02-gil:
  cpu  a countdown done in one thread, then split over T threads: the ratio of times;
  io   one thread sleeping 1 ms K times while C threads count down: the latency of each
       sleep, from the call until the thread runs Python code again.
Prints one JSON object on stdout. Standard library only.
"""

import argparse
import json
import statistics
import sys
import threading
import time


def countdown(n):
    while n > 0:
        n -= 1


def cpu_experiment(work, threads):
    countdown(work // 10)  # warm up: let the interpreter specialise the loop first
    cpu_start, start = time.process_time(), time.perf_counter()
    countdown(work)
    sequential = time.perf_counter() - start
    sequential_cpu = time.process_time() - cpu_start

    share = work // threads
    workers = [threading.Thread(target=countdown, args=(share,)) for _ in range(threads)]
    cpu_start, start = time.process_time(), time.perf_counter()
    for w in workers:
        w.start()
    for w in workers:
        w.join()
    threaded = time.perf_counter() - start
    threaded_cpu = time.process_time() - cpu_start
    # The CPU-time ratio: what the wall-time ratio is on a quiet machine when at most one
    # core is busy (as under the GIL), and much less sensitive to other load.
    return {"sequential_s": sequential, "threaded_s": threaded, "ratio": threaded / sequential,
            "cpu_ratio": threaded_cpu / sequential_cpu}


def spin(stop):
    # The CPU-bound thread: pure bytecode, no call that releases the GIL.
    while not stop.is_set():
        countdown(10_000)


def io_experiment(iterations, sleep_s, cpu_threads):
    stop = threading.Event()
    spinners = [threading.Thread(target=spin, args=(stop,)) for _ in range(cpu_threads)]
    for s in spinners:
        s.start()
    time.sleep(0.02)  # let the CPU threads get going, as in gil_io
    latencies = []
    for _ in range(iterations):
        start = time.perf_counter()
        time.sleep(sleep_s)
        latencies.append(time.perf_counter() - start)
    stop.set()
    for s in spinners:
        s.join()
    latencies.sort()
    rank99 = max(1, min(len(latencies), int(0.99 * len(latencies) + 0.999999)))
    return {
        "median_ms": statistics.median_low(latencies) * 1000,
        "p99_ms": latencies[rank99 - 1] * 1000,
        "max_ms": latencies[-1] * 1000,
    }


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("experiment", choices=["cpu", "io"])
    parser.add_argument("--work", type=int, default=20_000_000, help="countdown length")
    parser.add_argument("--threads", type=int, default=2)
    parser.add_argument("--iterations", type=int, default=200)
    parser.add_argument("--sleep-us", type=int, default=1000)
    parser.add_argument("--cpu-threads", type=int, default=1)
    parser.add_argument("--interval-us", type=int, default=5000)
    args = parser.parse_args()
    sys.setswitchinterval(args.interval_us / 1e6)
    if args.experiment == "cpu":
        result = cpu_experiment(args.work, args.threads)
    else:
        result = io_experiment(args.iterations, args.sleep_us / 1e6, args.cpu_threads)
    result["python"] = sys.version.split()[0]
    result["switchinterval_s"] = sys.getswitchinterval()
    print(json.dumps(result))


if __name__ == "__main__":
    main()

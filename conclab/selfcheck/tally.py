"""How the self-check counts and prints its checks."""


class Tally:
    def __init__(self):
        self.passed = self.failed = self.skipped = 0
        self.failures = []

    def ok(self, what):
        self.passed += 1
        print(f"  ok    {what}", flush=True)

    def fail(self, what, detail=""):
        self.failed += 1
        self.failures.append(what)
        print(f"  FAIL  {what}", flush=True)
        for line in detail.strip().splitlines()[:15]:
            print(f"          {line}", flush=True)

    def skip(self, what, why):
        self.skipped += 1
        print(f"  skip  {what}: {why}", flush=True)


def section(title):
    print(f"\n== {title}", flush=True)

"""The self-check's grading checks: the reference scores full marks, the starter passes
no graded test, and every known-wrong submission is caught with a hint that names its
cause."""
import os
import threading
import time

from conclab import grading as g
from conclab import kit
from conclab.selfcheck import mutants

KIT = kit.ROOT
REFERENCE_BUDGET_S = 300

# The test binaries (the checker) hold only the kit's files, so every grading of the
# self-check shares one build of them (grade(checker_out=...)): the reference's, the
# starter's and each mutant's, one after the other.
CHECKER = os.path.join(KIT, "build", "selfcheck", "checker")


def check_solutions(t, labs):
    t.section("solutions/ scores full marks")
    started, load = time.monotonic(), os.getloadavg()[1]
    report = g.grade("solutions", labs=labs, checker_out=CHECKER)
    for lab in labs:
        outcomes = [o for o in report.outcomes if o.entry.lab == lab]
        bad = [o for o in outcomes if o.status in ("FAIL", "ERROR")]
        skipped = [o for o in outcomes if o.status == "SKIP"]
        for o in skipped:
            t.skip(f"{lab}: {o.entry.test}", o.message)
        if bad:
            t.fail(f"{lab}: the reference fails {len(bad)} test(s)",
                   "\n".join(f"{o.entry.test}: {o.message}" for o in bad))
        else:
            secs = sum(o.seconds for o in outcomes)
            t.ok(f"{lab}: reference {g.format_points(report.score(lab))}/"
                 f"{g.format_points(report.max_score(lab))} in {secs:.1f} s")
    elapsed = time.monotonic() - started
    # A budget for the whole reference grading (88 tests, each alone, under a timeout):
    # far above what a quiet 2-core machine needs, so that only a test
    # that waits out its timeout on correct code can break it. On a machine shared with
    # other jobs every test takes longer: the budget grows with the contention, the
    # 5-minute load average per CPU (the higher of before and after), so that the
    # verdict does not depend on the load.
    contention = max(1.0, max(load, os.getloadavg()[1]) / (os.cpu_count() or 1))
    budget = REFERENCE_BUDGET_S * contention
    (t.ok if elapsed <= budget else t.fail)(
        f"all labs graded in {elapsed:.0f} s (budget {REFERENCE_BUDGET_S} s"
        + (f" x {contention:.1f}, the load average per CPU)" if contention > 1 else ")"))
    return report


def check_starter(t, labs, checker_ready=None):
    t.section("the starter (labs/) passes no graded test")
    # Its own build folders: phase 1 builds build/labs (the gcc builds) at the same time.
    # Its tests mostly wait for what the starter never does, and fail whatever the load:
    # the labs are graded side by side, one uid each. Each lab builds (one at a time:
    # they share the support library's build) while the shared checker is built
    # (checker_ready: set once it is); the lab whose tests may take longest first.
    work = os.path.join(KIT, "build", "selfcheck", "starter")
    out, tsan_out = os.path.join(work, "out"), os.path.join(work, "tsan")
    build_lock = threading.Lock()
    reports = {}

    def grade_lab(lab):
        with build_lock:
            g.build_lab(kit.path("labs"), out, tsan_out, lab,
                        any(e.tsan for e in g.read_rubric(lab)), "labs", CHECKER,
                        checker_prebuilt=True)  # the student's side only
        if checker_ready is not None:
            checker_ready.wait()
        reports[lab] = g.grade("labs", labs=[lab], checker_out=CHECKER, out=out,
                               tsan_out=tsan_out, build_lock=build_lock)
    longest_first = sorted(labs, key=lambda lab: -sum(e.timeout for e in g.read_rubric(lab)))
    threads = []
    for lab in longest_first:
        threads.append(threading.Thread(target=grade_lab, args=(lab,)))
        threads[-1].start()
        time.sleep(0.1)  # in that order at the build lock
    for thread in threads:
        thread.join()
    for lab in labs:
        report = reports.get(lab)
        if report is None:
            t.fail(f"{lab}: the starter's grading failed (see the error above)")
            continue
        passed = [o for o in report.outcomes if o.status == "PASS"]
        if passed:
            t.fail(f"{lab}: the starter passes {len(passed)} graded test(s): they assert "
                   f"nothing the student has to write",
                   "\n".join(o.entry.test for o in passed))
        else:
            t.ok(f"{lab}: starter scores 0/{g.format_points(report.max_score(lab))}")


def check_mutants(t, labs, only=None):
    """Each mutant is built in its lab's one workspace (build/selfcheck/mutants/<lab>), which
    the overlay updates file by file: make recompiles only what differs from the mutant
    before (the patched file, and the one the previous patch had changed)."""
    t.section(f"known-wrong submissions are caught: {', '.join(labs)}")
    for lab in labs:
        found = mutants.all_mutants(lab)
        if not found and not only:
            t.fail(f"{lab}: no known-wrong submission in tests/mutants/{lab}/: nothing shows "
                   f"that its tests can catch a mistake")
        rubric = {e.test for e in g.read_rubric(lab)}
        for m in found:
            if only and only not in (m.name, m.label):
                continue
            if m.must_pass:
                check_must_pass(t, m, rubric)
                continue
            if not m.must_fail:
                t.fail(f"{m.label}: its patch names no must-fail test (nor must-pass)")
                continue
            unknown = [x for x in m.must_fail if x not in rubric]
            if unknown:
                t.fail(f"{m.label}: must-fail names tests not in the rubric: {unknown}")
                continue
            base = os.path.join(KIT, "build", "mutants", lab, m.name)
            try:
                impl = mutants.make_impl(m, os.path.join(base, "impl"))
            except mutants.StaleMutant as e:
                t.fail(f"{m.label}: STALE: the patch no longer applies", str(e))
                continue
            work = os.path.join(KIT, "build", "selfcheck", "mutants", lab)
            report = g.grade(impl, labs=[lab], tests=set(m.must_fail),
                             out=os.path.join(work, "out"),
                             tsan_out=os.path.join(work, "tsan"), checker_out=CHECKER)
            outcomes = {o.entry.test: o for o in report.outcomes}
            if any("does not build" in o.message for o in outcomes.values()):
                t.fail(f"{m.label}: the mutant does not compile (a mutant must build)",
                       next(iter(outcomes.values())).message)
                continue
            passed = [x for x in m.must_fail if outcomes[x].status == "PASS"]
            skipped = [x for x in m.must_fail if outcomes[x].status == "SKIP"]
            caught = [x for x in m.must_fail if outcomes[x].status == "FAIL"]
            if passed:
                t.fail(f"{m.label} ({m.what}) NOT caught by: {', '.join(passed)}")
            elif not caught and not skipped:
                t.fail(f"{m.label}: no must-fail test failed (grader errors?)",
                       "\n".join(f"{o.entry.test}: {o.status} {o.message}"
                                 for o in outcomes.values()))
            elif skipped and not caught:
                t.skip(m.label, "its tests are skipped on this machine: "
                       + outcomes[skipped[0]].message)
            elif not m.hint:
                t.fail(f"{m.label}: caught, but its patch names no hint words (hint: ...): "
                       f"nothing checks that the student is told the cause",
                       "what the student reads:\n" + "\n".join(
                           f"{o.entry.test}: {o.message}" for o in outcomes.values()
                           if o.status == "FAIL"))
            elif mutants.missing_hint_words(m, outcomes.values()):
                t.fail(f"{m.label}: caught, but the hint a student reads does not name "
                       f"{', '.join(repr(w) for w in mutants.missing_hint_words(m, outcomes.values()))}",
                       "\n".join(f"{o.entry.test}: {o.message}" for o in outcomes.values()
                                 if o.status == "FAIL"))
            else:
                t.ok(f"{m.label}: caught by {len(caught)} test(s), hint names "
                     f"{', '.join(m.hint)} ({m.what})")


def check_must_pass(t, m, rubric):
    """A design the handout accepts (must-pass: tests, or all) scores full marks on them."""
    lab = m.lab
    if m.must_fail:
        t.fail(f"{m.label}: a patch has must-pass or must-fail, not both")
        return
    wanted = sorted(rubric) if m.must_pass == ["all"] else m.must_pass
    unknown = [x for x in wanted if x not in rubric]
    if unknown:
        t.fail(f"{m.label}: must-pass names tests not in the rubric: {unknown}")
        return
    base = os.path.join(KIT, "build", "mutants", lab, m.name)
    try:
        impl = mutants.make_impl(m, os.path.join(base, "impl"))
    except mutants.StaleMutant as e:
        t.fail(f"{m.label}: STALE: the patch no longer applies", str(e))
        return
    report = g.Report()
    for test in ([None] if m.must_pass == ["all"] else wanted):
        report.outcomes += g.grade(impl, labs=[lab], test_filter=test,
                                   out=os.path.join(base, "out"),
                                   tsan_out=os.path.join(base, "tsan")).outcomes
    outcomes = {o.entry.test: o for o in report.outcomes if o.entry.test in wanted}
    lost = [x for x in wanted if x not in outcomes or outcomes[x].status in ("FAIL", "ERROR")]
    skipped = [x for x in wanted if x in outcomes and outcomes[x].status == "SKIP"]
    if lost:
        t.fail(f"{m.label} ({m.what}): a design the handout accepts loses marks in: "
               f"{', '.join(lost)}", "\n".join(f"{x}: {outcomes[x].message}" for x in lost
                                                if x in outcomes))
    elif skipped:
        t.skip(m.label, "its tests are skipped on this machine: " + outcomes[skipped[0]].message)
    else:
        t.ok(f"{m.label}: an accepted design passes all {len(wanted)} test(s) it must "
             f"({m.what})")

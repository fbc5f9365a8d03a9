"""Where a test binary runs: its uid and its resource limits (see Sandbox)."""

import fcntl
import glob
import os
import resource
import signal
import threading
import time

# Limits of one test binary and everything it starts (see Sandbox below).
MAX_PROCS = int(os.environ.get("CONCLAB_MAX_PROCS", "512"))  # tasks: processes + threads
FILE_CAP = 64 << 20  # RLIMIT_FSIZE: bytes in any one file it writes (its log included)
SANDBOX_UID_BASE = 64000  # root only: tests run as one of these uids, one per grader
SANDBOX_UID_COUNT = 200
SANDBOX_LOCKS = "/tmp/conclab-sandbox"


def switches_uid():
    """Whether graders run tests as a sandbox uid: as root, unless CONCLAB_SANDBOX=off."""
    return os.geteuid() == 0 and os.environ.get("CONCLAB_SANDBOX", "auto") != "off"


class Sandbox:
    """Where a test binary runs: its uid and its resource limits.

    RLIMIT_NPROC is what stops a fork bomb, but it never applies to root. So when the
    grader runs as root (CI, Gradescope, these machines), each test binary runs as an
    unprivileged uid of its own (64000 + n, taken with a lock file so that concurrent
    graders never share one): RLIMIT_NPROC then caps its tasks, and afterwards every
    process of that uid is killed (kill(-1) as that uid), whatever session or process
    group it escaped into. The build stays root's and read-only to that uid, so the code
    under test cannot touch the test binary or the grader's files.
    Not root: the limits apply to the user's own uid (its current task count plus
    MAX_PROCS), and the process-group kill cleans up.
    CONCLAB_SANDBOX=off turns the uid switch off; CONCLAB_SANDBOX_UID=n forces a uid.
    """

    def __init__(self):
        self.uid = None
        self._lock = None
        if not switches_uid():
            return
        forced = os.environ.get("CONCLAB_SANDBOX_UID")
        candidates = ([int(forced)] if forced else
                      range(SANDBOX_UID_BASE, SANDBOX_UID_BASE + SANDBOX_UID_COUNT))
        try:
            os.makedirs(SANDBOX_LOCKS, mode=0o755, exist_ok=True)
        except OSError:
            return
        for uid in candidates:
            fd = os.open(os.path.join(SANDBOX_LOCKS, f"uid-{uid}.lock"),
                         os.O_RDWR | os.O_CREAT | os.O_CLOEXEC, 0o600)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except OSError:
                os.close(fd)
                continue
            self.uid, self._lock = uid, fd
            self.kill_all()  # whatever a crashed grader left behind
            return

    def clear_stale_criterion_sockets(self):
        """Removes /tmp/criterion_<pid>.sock files whose runner is gone. Criterion 2.4.1
        names its message server's socket after the runner's pid, in /tmp whatever TMPDIR
        says: a socket left by a killed runner of another uid makes a later runner with
        the same pid fail to start. Root may remove any of them; others, their own."""
        for path in glob.glob("/tmp/criterion_*.sock"):
            pid = os.path.basename(path)[len("criterion_"):-len(".sock")]
            if pid.isdigit() and os.path.exists(f"/proc/{pid}"):
                continue
            try:
                os.unlink(path)
            except OSError:
                pass

    def describe(self):
        if self.uid is None:
            return f"limits only (uid {os.geteuid()}), at most {MAX_PROCS} tasks"
        return f"uid {self.uid}, at most {MAX_PROCS} tasks"

    def popen_args(self, timeout_s, as_student=True):
        """Keyword arguments for subprocess.Popen that apply the sandbox: its limits, and
        its uid unless as_student is False (a trusted process: a checker, which runs
        student programs as that uid itself)."""
        cpus = os.cpu_count() or 1
        cpu_s = int(timeout_s * cpus) + 10
        uid = self.uid
        switch = uid is not None and as_student

        def limits():
            nproc = MAX_PROCS if uid is not None else _task_count(os.getuid()) + MAX_PROCS
            for what, soft, hard in ((resource.RLIMIT_NPROC, nproc, nproc),
                                     (resource.RLIMIT_CPU, cpu_s, cpu_s + 5),
                                     (resource.RLIMIT_FSIZE, FILE_CAP, FILE_CAP),
                                     (resource.RLIMIT_CORE, 0, 0)):
                _, old_hard = resource.getrlimit(what)
                if old_hard != resource.RLIM_INFINITY:
                    soft, hard = min(soft, old_hard), min(hard, old_hard)
                try:
                    resource.setrlimit(what, (soft, hard))
                except (ValueError, OSError):
                    pass

        args = {"preexec_fn": limits}
        if switch:
            args.update(user=uid, group=uid, extra_groups=[])
        return args

    def own(self, *folders):
        """Makes folders (created if missing) and all they hold the sandbox uid's, so
        that a build run as that uid can write there."""
        for top in folders:
            os.makedirs(top, exist_ok=True)
            if self.uid is None:
                continue
            for folder, dirs, files in os.walk(top):
                for name in [folder] + [os.path.join(folder, n) for n in dirs + files]:
                    try:
                        os.lchown(name, self.uid, self.uid)
                    except OSError:
                        pass

    def student_env(self):
        """What a trusted checker needs to run the student's programs as the sandbox uid
        (tests/common/harness.c: harness_become_student)."""
        if self.uid is None:
            return {}
        return {"CONCLAB_STUDENT_UID": str(self.uid), "CONCLAB_STUDENT_NPROC": str(MAX_PROCS)}

    def give(self, path):
        """Lets the sandbox uid write in the folder path."""
        if self.uid is not None:
            os.chown(path, self.uid, self.uid)

    def kill_all(self):
        """Kills every process of the sandbox uid (none escapes by setsid or setpgid)."""
        if self.uid is None:
            return
        for _ in range(20):
            pid = os.fork()
            if pid == 0:
                try:
                    os.setgroups([])
                    os.setgid(self.uid)
                    os.setuid(self.uid)
                    os.kill(-1, signal.SIGKILL)  # every process this uid may signal
                except OSError:
                    pass
                os._exit(0)
            os.waitpid(pid, 0)
            if _task_count(self.uid, processes_only=True) == 0:
                return
            time.sleep(0.01)


def _task_count(uid, processes_only=False):
    """Tasks (threads, or processes) whose real uid is uid, zombies excluded."""
    count = 0
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/status", encoding="ascii", errors="replace") as f:
                status = dict(line.split(":", 1) for line in f if ":" in line)
        except OSError:
            continue
        if int(status.get("Uid", "-1").split()[0]) != uid:
            continue
        if status.get("State", "").strip().startswith("Z"):
            continue
        count += 1 if processes_only else int(status.get("Threads", "1"))
    return count


_LOCAL = threading.local()


def sandbox():
    """The grader's sandbox: one per thread, made on its first use and kept for the
    process's life. Two threads that grade side by side (the self-check's lanes) so
    have two uids, and the kill_all of one never reaches the other's tests."""
    box = getattr(_LOCAL, "box", None)
    if box is None:
        box = _LOCAL.box = Sandbox()
    return box

"""How far grading kernels can be isolated on this machine, and the sandbox spec for each kernel.

Three levels, tried from the strongest down (``docs/grading.md`` says what each guarantees):

``full``
    Root with namespaces: each kernel gets its own root file system holding only system
    folders, the Python environment and the kit's ``widgets/`` and ``datasets/`` (read-only)
    and its scratch folder; no network; its own process and IPC namespaces; an unprivileged
    grading user; resource limits.
``user``
    Root without namespaces (e.g. a container without ``CAP_SYS_ADMIN``): an unprivileged
    grading user per kernel slot and resource limits. The runner makes its own files
    (gradebook, submissions, autograded, feedback, reports) private, and warns about anything
    else that other users can read.
``none``
    Not root: kernels run as you, with resource limits only. The runner says so plainly.

The level is chosen by actually starting Python in the sandbox (a probe), so a level is only
used where it works.
"""

from __future__ import annotations

import os
import pwd
import shutil
import stat
import subprocess
import sys
import sysconfig
import tempfile
from dataclasses import dataclass, field
from enum import Enum
from pathlib import Path

from widgets import course


class Level(str, Enum):
    FULL = "full"
    USER = "user"
    NONE = "none"


class IsolationUnavailable(RuntimeError):
    """The isolation level that was asked for cannot be set up here; the message says why."""


#: Paths inside a course root that a grading kernel must never see.
SECRET_NAMES = ("solutions", "submitted", "autograded", "feedback", "reports", "gradebook.db",
                "gradebook.db-journal", "source_with_tests", ".git", "nbgrader_config.py")
#: Of those, the ones the runner creates and may therefore make private (chmod o-rwx).
RUNNER_MANAGED = ("submitted", "autograded", "feedback", "reports", "gradebook.db",
                  "gradebook.db-journal")
#: What a grading kernel may read from the kit (it imports ``widgets`` and loads ``datasets``).
KERNEL_READABLE = ("widgets", "datasets")
SYSTEM_DIRS = ("/usr", "/etc", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
DEVICES = ("null", "zero", "full", "random", "urandom")

GUARANTEES = {
    Level.FULL: [
        "Each kernel runs as an unprivileged grading user with no supplementary groups and "
        "no way to gain privileges (no_new_privs).",
        "Each kernel sees its own root file system: system folders, the Python environment and "
        "the kit's widgets/ and datasets/ read-only, and its own scratch folder. The gradebook, "
        "solutions/, hidden tests, submitted/, autograded/, feedback/, other learners' scratch "
        "folders and everything else on the machine are not there.",
        "No network: the kernel talks to the grader over Unix sockets in its scratch folder.",
        "Own process, IPC and host-name namespaces: a kernel cannot see or signal other "
        "kernels or the grader, and every process it starts dies with it.",
        "Limits per kernel: address space, CPU time, file size, open files, processes; a "
        "size-capped scratch folder and /tmp.",
    ],
    Level.USER: [
        "Each kernel slot runs as its own unprivileged grading user (no_new_privs), so kernels "
        "running side by side cannot read each other's scratch folders or signal each other.",
        "The gradebook, submitted/, autograded/, feedback/ and reports/ are made private to "
        "their owner before grading.",
        "Limits per kernel: address space, CPU time, file size, open files, processes.",
    ],
    Level.NONE: [
        "Limits per kernel: address space, CPU time, file size, open files.",
        "Kernels start in a scratch folder with a minimal environment (no inherited variables).",
    ],
}

GAPS = {
    Level.FULL: [
        "A submission can still change what its own tests see (for example by patching the "
        "Python interpreter its tests run in): isolation protects the instructor and other "
        "learners, not a learner's grade from their own code. Spot-check surprising full marks.",
        "Files under the bound system and Python folders that are world-readable stay readable.",
    ],
    Level.USER: [
        "Kernels can read every world-readable file on the machine, including other copies of "
        "the course (check the warnings below) and can use the network.",
        "A submission can still change what its own tests see (see the full level).",
    ],
    Level.NONE: [
        "Kernels run as you: a submission can read and change anything you can, including the "
        "gradebook, the solutions and other learners' submissions, and can use the network.",
    ],
}


@dataclass
class Isolation:
    """The isolation level in use and what it means."""

    level: Level
    users: list[tuple[str, int, int]] = field(default_factory=list)  # (name, uid, gid)
    reasons: list[str] = field(default_factory=list)  # why a stronger level is not used
    warnings: list[str] = field(default_factory=list)  # readable secrets and the like

    @property
    def namespaces(self) -> bool:
        return self.level is Level.FULL

    def user(self, slot: int) -> tuple[str, int, int] | None:
        return self.users[slot % len(self.users)] if self.users else None

    def summary(self) -> str:
        """One plain sentence for the console and the report."""
        if self.level is Level.FULL:
            head = "Isolation: full (own file system view, no network, unprivileged user)."
        elif self.level is Level.USER:
            head = ("Isolation: partial (unprivileged users, no private file system view: "
                    "kernels can read world-readable files).")
        else:
            head = ("Isolation: NONE. Kernels run as you and can read and change the gradebook, "
                    "the solutions and other submissions.")
        why = f" Why: {'; '.join(self.reasons)}." if self.reasons else ""
        return head + why

    def to_dict(self) -> dict:
        return {"level": self.level.value, "users": self.users, "reasons": self.reasons,
                "warnings": self.warnings}

    @classmethod
    def from_dict(cls, data: dict) -> Isolation:
        return cls(Level(data["level"]), [tuple(u) for u in data["users"]], data["reasons"],
                   data["warnings"])


# ----------------------------------------------------------------------------- users
def ensure_users(prefix: str, count: int) -> list[tuple[str, int, int]]:
    """The grading users ``<prefix>1`` .. ``<prefix><count>``, created as system users if needed.

    Raises
    ------
    IsolationUnavailable
        If a user is missing and cannot be created (no ``useradd`` or it failed).
    """
    users = []
    for i in range(1, count + 1):
        name = f"{prefix}{i}"
        try:
            entry = pwd.getpwnam(name)
        except KeyError:
            useradd = shutil.which("useradd") or "/usr/sbin/useradd"
            if not os.path.exists(useradd):
                raise IsolationUnavailable("no 'useradd' to create the grading users") from None
            done = subprocess.run(
                [useradd, "--system", "--no-create-home", "--home-dir", "/nonexistent",
                 "--shell", "/usr/sbin/nologin", "--user-group", name],
                capture_output=True, text=True, check=False)
            try:  # another grading run may have created it a moment ago
                entry = pwd.getpwnam(name)
            except KeyError:
                raise IsolationUnavailable(f"could not create the grading user {name}: "
                                           f"{done.stderr.strip()}") from None
        users.append((name, entry.pw_uid, entry.pw_gid))
    return users


# ----------------------------------------------------------------------------- paths
def kit_root() -> Path:
    """The folder holding the importable ``widgets`` package (what kernels import)."""
    return Path(course.__file__).resolve().parent.parent


def _python_dirs() -> list[str]:
    """Folders the kernel's Python needs: its prefixes and their library folders.

    Only ``sys.path`` entries inside a prefix are kept: the script's folder or the current
    folder (``sys.path[0]``) may be a course root, which must never be bound.
    """
    prefixes = {os.path.realpath(p) for p in (sys.prefix, sys.base_prefix, sys.exec_prefix,
                                               sys.base_exec_prefix)}
    dirs = set(prefixes) | {os.path.realpath(p) for p in sysconfig.get_paths().values()}
    dirs.update(os.path.realpath(p) for p in sys.path
                if p and any(_inside(os.path.realpath(p), pre) for pre in prefixes))
    return sorted(d for d in dirs if os.path.isdir(d))


def _inside(path: str, parent: str) -> bool:
    return path == parent or path.startswith(parent.rstrip("/") + "/")


def secret_paths(*roots: Path) -> list[str]:
    """Paths under each course root that kernels must not see (existing or not)."""
    return [str(Path(r).resolve() / name) for r in roots for name in SECRET_NAMES]


def mounts_for(job_dir: Path, *, tmp_mb: int, secrets: list[str],
               extra_hidden: list[str] = ()) -> list[dict]:
    """The mount list for a ``full`` sandbox whose only writable folder is ``job_dir``."""
    mounts: list[dict] = [{"kind": "tmpfs", "path": "/tmp", "size_mb": tmp_mb, "mode": 0o1777}]
    bound: list[str] = []
    for top in SYSTEM_DIRS:
        if os.path.islink(top):
            mounts.insert(0, {"kind": "symlink", "path": top, "target": os.readlink(top)})
        elif os.path.isdir(top):
            bound.append(top)
    kit = kit_root()
    wanted = _python_dirs() + [str(kit / name) for name in KERNEL_READABLE]
    protected = [str(kit)] + [os.path.dirname(s) for s in secrets]
    for d in sorted(set(wanted)):
        if any(_inside(d, b) for b in bound):
            continue
        # Never bind a folder that holds a course root: that would expose everything in it.
        if any(_inside(p, d) for p in protected) and d not in (str(kit / n)
                                                              for n in KERNEL_READABLE):
            continue
        bound.append(d)
    mounts += [{"kind": "ro", "path": d} for d in sorted(bound)]
    # Belt and braces: if a secret lies under something bound, cover it with nothing.
    for s in [*secrets, *extra_hidden]:
        if os.path.lexists(s) and any(_inside(s, b) for b in bound):
            mounts.append({"kind": "hide", "path": s})
    mounts.append({"kind": "tmpfs", "path": "/dev", "size_mb": 1, "mode": 0o755})
    mounts += [{"kind": "dev", "path": f"/dev/{d}"} for d in DEVICES if os.path.exists(f"/dev/{d}")]
    mounts += [{"kind": "symlink", "path": f"/dev/{name}", "target": target} for name, target in
               (("fd", "/proc/self/fd"), ("stdin", "/proc/self/fd/0"),
                ("stdout", "/proc/self/fd/1"), ("stderr", "/proc/self/fd/2"))]
    mounts.append({"kind": "tmpfs", "path": "/dev/shm", "size_mb": 16, "mode": 0o1777})
    mounts.append({"kind": "rw", "path": str(job_dir)})
    return mounts


def readable_by_others(path: Path) -> bool:
    """Whether a user who is neither the owner nor in the group can read ``path``."""
    path = Path(path).resolve()
    try:
        for parent in reversed(path.parents):
            if not os.stat(parent).st_mode & stat.S_IXOTH:
                return False
        mode = os.stat(path).st_mode
    except OSError:
        return False
    need = stat.S_IROTH | (stat.S_IXOTH if stat.S_ISDIR(mode) else 0)
    return mode & need == need


def make_private(root: Path) -> list[str]:
    """Remove "other" permissions from the runner's own folders and files under ``root``."""
    changed = []
    for name in RUNNER_MANAGED:
        p = Path(root) / name
        if p.exists():
            mode = p.stat().st_mode
            if mode & 0o007:
                p.chmod(stat.S_IMODE(mode) & ~0o007)
                changed.append(str(p))
    return changed


def exposure_warnings(*roots: Path) -> list[str]:
    """Secrets other users can read (they stay readable to kernels at the ``user`` level)."""
    warnings = []
    for s in secret_paths(*roots):
        if os.path.exists(s) and readable_by_others(Path(s)):
            warnings.append(f"{s} is readable by other users, so grading kernels can read it: "
                            f"run 'chmod -R o-rwx {s}'")
    return warnings


# ----------------------------------------------------------------------------- specs
def kernel_env(*, home: Path, tmp: str, user: str | None, grading: bool = True) -> dict:
    """The whole environment of a grading kernel: nothing is inherited from the instructor."""
    env = {
        "PATH": os.pathsep.join([str(Path(sys.executable).parent), "/usr/local/bin", "/usr/bin",
                                 "/bin"]),
        "HOME": str(home),
        "TMPDIR": tmp,
        "LANG": "C.UTF-8",
        "PYTHONIOENCODING": "utf-8",
        "PYTHONNOUSERSITE": "1",
        "IPYTHONDIR": str(home / ".ipython"),
        "MPLCONFIGDIR": str(home / ".config" / "matplotlib"),
        "JUPYTER_CONFIG_DIR": str(home / ".jupyter"),
        "JUPYTER_DATA_DIR": str(home / ".local" / "share" / "jupyter"),
        "JUPYTER_RUNTIME_DIR": str(home / ".local" / "share" / "jupyter" / "runtime"),
        # One thread per library: kernels share the cores fairly and use less address space.
        "OPENBLAS_NUM_THREADS": "1",
        "OMP_NUM_THREADS": "1",
        "MKL_NUM_THREADS": "1",
        "MALLOC_ARENA_MAX": "2",
        "PYDEVD_DISABLE_FILE_VALIDATION": "1",
    }
    if grading:
        env["NBGRADER_EXECUTION"] = "autograde"
    if user:
        env["USER"] = env["LOGNAME"] = user
    return env


@dataclass
class Limits:
    """Resource limits for one kernel (bytes, seconds, counts)."""

    memory_bytes: int
    cpu_seconds: int
    file_bytes: int = 64 * 2**20
    processes: int = 64
    open_files: int = 1024

    def rlimits(self) -> dict:
        return {"as": self.memory_bytes, "cpu": self.cpu_seconds, "fsize": self.file_bytes,
                "nproc": self.processes, "nofile": self.open_files, "core": 0}


def spec_for(iso: Isolation, *, slot: int, job_dir: Path, cwd: Path, env: dict, limits: Limits,
             newroot: Path, tmp_mb: int, secrets: list[str], chown: list[str] = (),
             extra_hidden: list[str] = ()) -> dict:
    """The JSON spec :mod:`widgets.grading.sandbox` carries out for one kernel."""
    user = iso.user(slot) if iso.level is not Level.NONE else None
    spec = {
        "uid": user[1] if user else None,
        "gid": user[2] if user else None,
        "namespaces": iso.namespaces,
        "cwd": str(cwd),
        "env": env,
        "limits": limits.rlimits(),
        "chown": list(chown),
    }
    if iso.namespaces:
        spec["newroot"] = str(newroot)
        spec["mounts"] = mounts_for(job_dir, tmp_mb=tmp_mb, secrets=secrets,
                                    extra_hidden=list(extra_hidden))
    return spec


def launcher() -> list[str]:
    """The command prefix that starts something in a sandbox (followed by SPEC, ``--``, cmd)."""
    return [sys.executable, "-m", "widgets.grading.sandbox"]


# ----------------------------------------------------------------------------- probe
PROBE_CODE = "import ipykernel, widgets.course as c; print(c.root())"


def _try_level(level: Level, users: list[tuple[str, int, int]], run_dir: Path,
               secrets: list[str]) -> str | None:
    """Start Python at ``level``; return None if it works, else the reason it does not."""
    iso = Isolation(level, users)
    job = Path(tempfile.mkdtemp(prefix="probe-", dir=run_dir))
    home = job / "home"
    home.mkdir()
    newroot = run_dir / "newroot"
    newroot.mkdir(exist_ok=True)
    user = iso.user(0)
    if user and level is not Level.NONE:
        for p in (job, home):
            os.chown(p, user[1], user[2])
    job.chmod(0o700)
    env = kernel_env(home=home, tmp="/tmp" if iso.namespaces else str(job),
                     user=user[0] if user else None, grading=False)
    spec = spec_for(iso, slot=0, job_dir=job, cwd=home, env=env,
                    limits=Limits(memory_bytes=2 * 2**30, cpu_seconds=60), newroot=newroot,
                    tmp_mb=16, secrets=secrets)
    spec_file = run_dir / f"probe-{level.value}.json"
    spec_file.write_text(__import__("json").dumps(spec))
    try:
        done = subprocess.run([*launcher(), str(spec_file), "--", sys.executable, "-c",
                               PROBE_CODE], capture_output=True, text=True, timeout=120,
                              check=False)
    except subprocess.TimeoutExpired:
        return "the sandbox probe did not finish within 120 s"
    finally:
        shutil.rmtree(job, ignore_errors=True)
    if done.returncode == 0 and done.stdout.strip() == str(kit_root()):
        return None
    err = (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]
    return f"Python does not start at level '{level.value}' ({err})"


def probe(run_dir: Path, *, slots: int, course_roots: list[Path], requested: str = "auto",
          user_prefix: str = "genai-grader") -> Isolation:
    """Find the strongest isolation that works here (or check the ``requested`` one).

    Raises
    ------
    IsolationUnavailable
        If a specific level was requested and cannot be set up.
    """
    requested = Level(requested) if requested != "auto" else None
    secrets = secret_paths(*course_roots, kit_root())
    if requested is Level.NONE:
        return Isolation(Level.NONE, reasons=["isolation was switched off (--isolation none)"])
    reasons: list[str] = []
    users: list[tuple[str, int, int]] = []
    if os.geteuid() != 0:
        reasons.append("the grader is not running as root, so it cannot switch kernels to an "
                       "unprivileged user (run it as root, or in a container, to isolate)")
    else:
        try:
            users = ensure_users(user_prefix, slots)
        except IsolationUnavailable as err:
            reasons.append(str(err))
    if users:
        for level in (Level.FULL, Level.USER):
            if requested is not None and level is not requested:
                continue
            why = _try_level(level, users, run_dir, secrets)
            if why is None:
                iso = Isolation(level, users, reasons)
                if level is Level.USER:
                    iso.warnings = exposure_warnings(*course_roots, kit_root())
                return iso
            reasons.append(why)
    if requested is not None:
        raise IsolationUnavailable(f"isolation '{requested.value}' is not available here: "
                                   + "; ".join(reasons))
    return Isolation(Level.NONE, reasons=reasons)

"""Start one grading kernel inside a sandbox.

The grading worker runs ``python -m widgets.grading.sandbox SPEC.json -- KERNEL COMMAND...``
as the kernel command. ``SPEC.json`` (written by :mod:`widgets.grading.isolation`) says what
to set up; this module only carries it out, so it stays small and imports nothing heavy:

1. With ``namespaces``: new mount, PID, network, IPC and UTS namespaces; a fresh root file
   system holding only the bind mounts listed in the spec (system folders and the Python
   environment read-only, the kit's ``widgets/`` and ``datasets/`` read-only, the job's scratch
   folder read-write, a private ``/tmp`` and ``/dev``); no network at all (the kernel talks to
   the worker over Unix sockets in its scratch folder).
2. A supervisor process that stays root, reaps orphans and, when the kernel exits, takes every
   process the submission left behind with it (as PID 1 of the namespace, or as a
   "child subreaper" without namespaces).
3. The kernel process: resource limits (address space, file size, CPU, processes), then the
   unprivileged grading user (``uid``/``gid``) with no supplementary groups and
   ``no_new_privs``, then ``exec`` of the kernel with the spec's minimal environment.

Every process in the chain dies with its parent (``PR_SET_PDEATHSIG``), so killing the
launcher, or the worker that started it, removes the whole sandbox.
"""

from __future__ import annotations

import ctypes
import json
import os
import resource
import signal
import socket
import sys

CLONE_NEWNS = 0x00020000
CLONE_NEWUTS = 0x04000000
CLONE_NEWIPC = 0x08000000
CLONE_NEWPID = 0x20000000
CLONE_NEWNET = 0x40000000
NAMESPACES = CLONE_NEWNS | CLONE_NEWUTS | CLONE_NEWIPC | CLONE_NEWPID | CLONE_NEWNET

MS_RDONLY, MS_NOSUID, MS_NODEV, MS_NOEXEC = 1, 2, 4, 8
MS_REMOUNT, MS_BIND, MS_REC, MS_PRIVATE = 32, 4096, 16384, 1 << 18
PR_SET_PDEATHSIG, PR_SET_CHILD_SUBREAPER, PR_SET_NO_NEW_PRIVS = 1, 36, 38

LIMITS = {
    "as": resource.RLIMIT_AS,
    "fsize": resource.RLIMIT_FSIZE,
    "cpu": resource.RLIMIT_CPU,
    "nproc": resource.RLIMIT_NPROC,
    "nofile": resource.RLIMIT_NOFILE,
    "core": resource.RLIMIT_CORE,
}

_libc = ctypes.CDLL(None, use_errno=True)
_libc.mount.argtypes = [ctypes.c_char_p, ctypes.c_char_p, ctypes.c_char_p, ctypes.c_ulong,
                        ctypes.c_char_p]
_libc.unshare.argtypes = [ctypes.c_int]
_libc.prctl.argtypes = [ctypes.c_int, ctypes.c_ulong, ctypes.c_ulong, ctypes.c_ulong,
                        ctypes.c_ulong]
_libc.umount2.argtypes = [ctypes.c_char_p, ctypes.c_int]
MNT_DETACH = 2


class SandboxError(OSError):
    """A step of the sandbox set-up failed; the message names the step."""


def _check(ret: int, what: str) -> None:
    if ret != 0:
        err = ctypes.get_errno()
        raise SandboxError(err, f"{what}: {os.strerror(err)}")


def _b(text: str | None) -> bytes | None:
    return None if text is None else os.fsencode(text)


def unshare(flags: int) -> None:
    _check(_libc.unshare(flags), "unshare")


def mount(source: str | None, target: str, fstype: str | None, flags: int,
          data: str | None = None) -> None:
    _check(_libc.mount(_b(source), _b(target), _b(fstype), flags, _b(data)),
           f"mount {target}")


def umount(target: str) -> None:
    """Detach the mount at ``target`` (it disappears once nothing uses it)."""
    _check(_libc.umount2(_b(target), MNT_DETACH), f"umount {target}")


def prctl(option: int, arg: int) -> None:
    _check(_libc.prctl(option, arg, 0, 0, 0), f"prctl {option}")


def _mkpoint(path: str, *, directory: bool) -> None:
    if directory:
        os.makedirs(path, exist_ok=True)
    else:
        os.makedirs(os.path.dirname(path), exist_ok=True)
        if not os.path.lexists(path):
            with open(path, "a"):
                pass


def build_root(newroot: str, mounts: list[dict]) -> None:
    """Assemble the kernel's root file system at ``newroot`` (in a new mount namespace)."""
    mount(None, "/", None, MS_REC | MS_PRIVATE)
    mount("tmpfs", newroot, "tmpfs", MS_NOSUID | MS_NODEV, "size=16m,mode=755")
    for m in mounts:
        kind, path = m["kind"], m["path"]
        dst = newroot + path
        if kind == "symlink":
            os.makedirs(os.path.dirname(dst), exist_ok=True)
            os.symlink(m["target"], dst)
        elif kind == "tmpfs":
            _mkpoint(dst, directory=True)
            mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV,
                  f"size={int(m['size_mb'])}m,mode={int(m['mode']):o}")
        elif kind == "hide":
            if os.path.isdir(dst):
                mount("tmpfs", dst, "tmpfs", MS_NOSUID | MS_NODEV | MS_RDONLY, "size=1k,mode=0")
            elif os.path.lexists(dst):
                mount("/dev/null", dst, None, MS_BIND)
        elif kind in ("ro", "rw", "dev"):
            _mkpoint(dst, directory=os.path.isdir(path))
            mount(path, dst, None, MS_BIND | MS_REC)
            flags = MS_REMOUNT | MS_BIND | MS_NOSUID
            if kind == "ro":
                flags |= MS_RDONLY | MS_NODEV
            elif kind == "rw":
                flags |= MS_NODEV
            mount(None, dst, None, flags)
        else:
            raise SandboxError(0, f"unknown mount kind {kind!r}")
    os.makedirs(newroot + "/proc", exist_ok=True)


def _children(pid: int) -> list[int]:
    kids = []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            with open(f"/proc/{entry}/stat") as f:
                stat = f.read()
        except OSError:
            continue
        if int(stat.rsplit(")", 1)[1].split()[1]) == pid:
            kids.append(int(entry))
    return kids


def reap_children() -> list[int]:
    """Collect every child that has exited, without blocking; return their pids."""
    gone = []
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return gone
        if pid == 0:
            return gone
        gone.append(pid)


def _kill_leftovers() -> None:
    """Kill what the kernel left behind (orphans are re-parented to us, the subreaper)."""
    me = os.getpid()
    for _ in range(200):
        kids = _children(me)
        if not kids:
            return
        for kid in kids:
            try:
                os.kill(kid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        reap_children()


def _exit_code(status: int) -> int:
    if os.WIFSIGNALED(status):
        return 128 + os.WTERMSIG(status)
    return os.WEXITSTATUS(status)


def _become_kernel(spec: dict, cmd: list[str], start=None) -> None:
    """In the kernel process: limits, unprivileged user, then exec the kernel (never returns).

    With ``start`` (the pre-loaded template of :mod:`widgets.grading.zygote`), call it instead
    of exec: the kernel then runs in this already-initialised process.
    """
    signal.signal(signal.SIGINT, signal.SIG_DFL)
    signal.signal(signal.SIGTERM, signal.SIG_DFL)
    uid, gid = spec.get("uid"), spec.get("gid")
    for name, value in spec.get("limits", {}).items():
        if name == "nproc" and uid is None:
            continue  # counts every process of the user: only meaningful for the grading user
        resource.setrlimit(LIMITS[name], (int(value), int(value)))
    if uid is not None:
        os.setgroups([])
        os.setgid(gid)
        os.setuid(uid)
    prctl(PR_SET_NO_NEW_PRIVS, 1)
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    os.umask(0o077)
    os.chdir(spec["cwd"])
    if start is not None:
        start(spec, cmd)
        os._exit(0)
    os.execve(cmd[0], cmd, spec["env"])


def _supervise(spec: dict, cmd: list[str], *, namespace_init: bool, start=None) -> None:
    """Fork the kernel, reap orphans until it exits, clean up, exit with its status."""
    kernel = os.fork()
    if kernel == 0:
        try:
            _become_kernel(spec, cmd, start)
        except SystemExit as done:  # the in-process kernel finished
            os._exit(done.code if isinstance(done.code, int) else 0)
        except BaseException as err:  # the kernel never started: say why in the kernel log
            print(f"sandbox: could not start the kernel: {err}", file=sys.stderr, flush=True)
        os._exit(70)

    def stop(signum, frame):
        os.kill(kernel, signal.SIGKILL)

    signal.signal(signal.SIGTERM, stop)
    status = 0
    while True:
        try:
            pid, st = os.waitpid(-1, 0)
        except ChildProcessError:
            break
        except InterruptedError:
            continue
        if pid == kernel:
            status = st
            break
    if not namespace_init:
        _kill_leftovers()
    # As PID 1 of the namespace, exiting kills every process still in it.
    os._exit(_exit_code(status))


def run(spec: dict, cmd: list[str], start=None) -> None:
    """Carry out ``spec`` and exec ``cmd`` as the sandboxed kernel (never returns).

    ``start(spec, cmd)``, when given, runs the kernel in-process instead of exec.
    """
    signal.signal(signal.SIGINT, signal.SIG_IGN)  # interrupts are for the kernel, not for us
    prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
    # The grader runs with umask 077; the folders built for the new root must stay traversable.
    os.umask(0o022)
    for path in spec.get("chown", []):
        if spec.get("uid") is not None:
            os.chown(path, spec["uid"], spec["gid"])
    if not spec.get("namespaces"):
        prctl(PR_SET_CHILD_SUBREAPER, 1)
        _supervise(spec, cmd, namespace_init=False, start=start)
    unshare(NAMESPACES)
    build_root(spec["newroot"], spec["mounts"])
    init = os.fork()
    if init == 0:
        try:
            prctl(PR_SET_PDEATHSIG, signal.SIGKILL)
            mount("proc", spec["newroot"] + "/proc", "proc", MS_NOSUID | MS_NODEV | MS_NOEXEC)
            socket.sethostname("grader")
            os.chroot(spec["newroot"])
            os.chdir("/")
        except BaseException as err:
            print(f"sandbox: could not enter the sandbox: {err}", file=sys.stderr, flush=True)
            os._exit(71)
        _supervise(spec, cmd, namespace_init=True, start=start)

    def stop(signum, frame):
        os.kill(init, signal.SIGKILL)

    signal.signal(signal.SIGTERM, stop)
    while True:
        try:
            _, status = os.waitpid(init, 0)
            break
        except InterruptedError:
            continue
    os._exit(_exit_code(status))


def main(argv: list[str]) -> None:
    if len(argv) < 3 or argv[1] != "--":
        print("usage: python -m widgets.grading.sandbox SPEC.json -- COMMAND...", file=sys.stderr)
        sys.exit(2)
    with open(argv[0]) as f:
        spec = json.load(f)
    try:
        run(spec, argv[2:])
    except SandboxError as err:
        print(f"sandbox: {err}", file=sys.stderr, flush=True)
        sys.exit(72)


if __name__ == "__main__":
    main(sys.argv[1:])

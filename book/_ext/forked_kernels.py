"""IPython kernels started by forking one process that has already imported what notebooks use.

A kernel that jupyter_client launches is a new Python process: about 0.7 s to start ipykernel,
then each notebook spends 1-3 s importing pandas, matplotlib, seaborn, statsmodels and `analysis`
before its first line of work. Paid by every notebook of every build, that is a third of the
book's execution time on two cores.

Here one helper process (the "zygote", this file run as a script) imports ipykernel and the
modules the book's notebooks import, once per build. Each kernel is then a fork of it, which
runs ipykernel's own launcher (`IPKernelApp.launch_instance`) with the connection file, working
directory and environment jupyter_client gives it: a real ipykernel, talking to nbclient over
ZeroMQ exactly as a launched one does, so notebooks' outputs are the same. The notebook's own
`import` statements still run in the kernel; they find the modules already loaded.

What keeps this equivalent to a launched kernel:
- nothing in the zygote starts a thread, opens a ZeroMQ context, creates a figure or picks
  matplotlib's backend: those happen in each kernel after the fork, as after a launch (the zygote
  checks there is one thread and that matplotlib's inline backend is not loaded yet, or it
  refuses to fork and kernels are launched as usual);
- MPLBACKEND is set before matplotlib is imported, to the value ipykernel itself sets;
- each kernel gets its own session (setsid), working directory and environment, and signals,
  polling and waiting go to its pid, as jupyter_client does with a launched process;
- a kernel command that is not this interpreter's `-m ipykernel_launcher` is launched as usual.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import Any

MPLBACKEND = "module://matplotlib_inline.backend_inline"  # what ipykernel's kernelapp sets
# What ipykernel's kernel app imports, but not ipykernel.kernelapp itself, whose settings'
# defaults are read from the environment (JPY_PARENT_PID) when it is imported, in the kernel.
KERNEL_MODULES = [
    "ipykernel",
    "ipykernel.connect",
    "ipykernel.heartbeat",
    "ipykernel.iostream",
    "ipykernel.ipkernel",
    "ipykernel.parentpoller",
    "ipykernel.zmqshell",
]


# ---------------------------------------------------------------------------------------------
# The zygote (this file run as a script)


def _reap(signum: int, frame: object) -> None:
    """Collect the exit status of finished kernels so that none stays a zombie."""
    while True:
        try:
            pid, _ = os.waitpid(-1, os.WNOHANG)
        except ChildProcessError:
            return
        if pid == 0:
            return


def preload(modules: list[str]) -> list[str]:
    """Import the modules (a module that fails to import is left to the notebook that imports
    it, which reports the error); returns the ones imported."""
    import importlib

    loaded = []
    for name in modules:
        try:
            importlib.import_module(name)
        except Exception:  # noqa: BLE001 - the notebook's own import will raise it
            continue
        loaded.append(name)
    return loaded


def fork_safe() -> str | None:
    """Why forking would not give a kernel like a launched one, or None when it would."""
    if threading.active_count() != 1:
        return f"{threading.active_count()} threads are running"
    if "matplotlib_inline.backend_inline" in sys.modules:
        return "matplotlib's inline backend was loaded before any kernel existed"
    if "ipykernel.kernelapp" in sys.modules:  # its defaults read the kernel's environment
        return "ipykernel.kernelapp was imported before any kernel's environment was set"
    return None


def run_kernel(request: dict[str, Any], fds: tuple[int, int]) -> None:
    """In the forked child: become the kernel jupyter_client asked for, then exit."""
    code = 1
    try:
        for fd in fds:
            os.close(fd)
        signal.signal(signal.SIGCHLD, signal.SIG_DFL)
        os.setsid()
        os.chdir(request["cwd"])
        os.environ.clear()
        os.environ.update(request["env"])
        # As jupyter_client's launcher sets it for the process it starts: the kernel stops if
        # its parent (here the zygote) goes away.
        os.environ["JPY_PARENT_PID"] = str(os.getppid())
        sys.argv = [request["cmd"][2], *request["cmd"][3:]]
        if sys.path and sys.path[0] == str(Path(__file__).resolve().parent):
            del sys.path[0]  # as ipykernel_launcher removes its own folder; init_path adds ''
        from ipykernel import kernelapp

        kernelapp.launch_new_instance(argv=request["cmd"][3:])
        code = 0
    except SystemExit as exit_:
        code = exit_.code if isinstance(exit_.code, int) else 1
    except BaseException:  # noqa: BLE001 - printed, then the kernel's exit status says it
        import traceback

        traceback.print_exc()
    finally:
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)


def zygote(read_fd: int, write_fd: int) -> None:
    """Serve fork requests: the first line lists modules to import, each later line is a
    kernel to start; every line gets one JSON line in reply."""
    requests = os.fdopen(read_fd, "r", encoding="utf-8")
    replies = os.fdopen(write_fd, "w", encoding="utf-8")
    del sys.path[0]  # this file's folder, which a kernel would not have
    os.environ.setdefault("MPLBACKEND", MPLBACKEND)
    modules = json.loads(requests.readline())
    loaded = preload([*KERNEL_MODULES, *modules])
    unsafe = fork_safe()
    replies.write(json.dumps({"loaded": loaded, "unsafe": unsafe}) + "\n")
    replies.flush()
    if unsafe:
        return
    signal.signal(signal.SIGCHLD, _reap)
    for line in requests:
        request = json.loads(line)
        pid = os.fork()
        if pid == 0:
            run_kernel(request, (read_fd, write_fd))
        replies.write(json.dumps({"pid": pid}) + "\n")
        replies.flush()


# ---------------------------------------------------------------------------------------------
# The build's side: start the zygote, and a kernel manager whose kernels it forks


class Zygote:
    """The helper process, seen from the build: `start` it, then `launch` kernels."""

    def __init__(self, modules: list[str]) -> None:
        self.modules = modules
        self.process: subprocess.Popen | None = None
        self.unsafe: str | None = None
        self.loaded: list[str] = []
        self._ready = False
        self._lock = threading.Lock()

    def start(self) -> None:
        """Start importing in the background (the build goes on meanwhile)."""
        to_zygote_r, to_zygote_w = os.pipe()
        from_zygote_r, from_zygote_w = os.pipe()
        self.process = subprocess.Popen(
            [sys.executable, __file__, str(to_zygote_r), str(from_zygote_w)],
            pass_fds=(to_zygote_r, from_zygote_w),
            stdin=subprocess.DEVNULL,
            close_fds=True,
        )
        os.close(to_zygote_r)
        os.close(from_zygote_w)
        self._requests = os.fdopen(to_zygote_w, "w", encoding="utf-8")
        self._replies = os.fdopen(from_zygote_r, "r", encoding="utf-8")
        self._requests.write(json.dumps(self.modules) + "\n")
        self._requests.flush()

    def ready(self) -> bool:
        """Wait for the imports; False (with `unsafe` saying why) when kernels cannot be forked."""
        if not self._ready:
            self._ready = True
            line = self._replies.readline() if self.process else ""
            if not line:
                self.unsafe = self.unsafe or "the zygote did not start"
            else:
                reply = json.loads(line)
                self.unsafe, self.loaded = reply["unsafe"], reply["loaded"]
        return self.unsafe is None

    def launch(self, cmd: list[str], cwd: str, env: dict[str, str]) -> int:
        """Fork a kernel running `cmd` in `cwd` with `env`; its pid."""
        with self._lock:
            self._requests.write(json.dumps({"cmd": cmd, "cwd": cwd, "env": env}) + "\n")
            self._requests.flush()
            line = self._replies.readline()
        if not line:
            raise RuntimeError("the kernel zygote stopped")
        return int(json.loads(line)["pid"])

    def stop(self) -> None:
        """Stop the zygote: at once if it was never used (a build with nothing to execute does
        not wait for its imports), else once it has read the end of its requests."""
        if self.process is None:
            return
        if not self._ready:
            self.process.kill()
        for stream in (self._requests, self._replies):
            stream.close()
        self.process.wait(timeout=30)
        self.process = None


class ForkedProcess:
    """What jupyter_client's LocalProvisioner uses of a Popen, for a kernel that the zygote
    forked (so its parent is the zygote, which collects its exit status)."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int) -> None:
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0  # gone; its status went to the zygote
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        import time

        deadline = None if timeout is None else time.monotonic() + timeout
        while self.poll() is None:
            if deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout or 0)
            time.sleep(0.01)
        return self.returncode or 0

    def send_signal(self, signum: int) -> None:
        os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


_zygote: Zygote | None = None


def use_zygote(zygote_: Zygote | None) -> None:
    """The zygote that kernel managers of ForkingKernelManager use (None: launch as usual)."""
    global _zygote
    _zygote = zygote_


def forkable(cmd: list[str]) -> bool:
    """Whether `cmd` is this interpreter's ipykernel launcher, which the zygote can stand for."""
    return (
        len(cmd) >= 3
        and os.path.realpath(cmd[0]) == os.path.realpath(sys.executable)
        and cmd[1:3] == ["-m", "ipykernel_launcher"]
    )


def _provisioner_class() -> type:
    from jupyter_client.provisioning.local_provisioner import LocalProvisioner

    class ForkingProvisioner(LocalProvisioner):
        """LocalProvisioner whose kernel is forked from the zygote when it can be."""

        async def launch_kernel(self, cmd: list[str], **kwargs: Any):
            zygote_ = _zygote
            if zygote_ is None or not forkable(cmd) or not zygote_.ready():
                return await super().launch_kernel(cmd, **kwargs)
            cwd = str(kwargs.get("cwd") or Path.cwd())
            env = {str(k): str(v) for k, v in (kwargs.get("env") or os.environ).items()}
            pid = await asyncio.get_running_loop().run_in_executor(
                None, zygote_.launch, cmd, cwd, env
            )
            self.process = ForkedProcess(pid)
            self.pid = self.pgid = pid
            self.cwd = cwd
            return self.connection_info

    return ForkingProvisioner


def kernel_manager_class() -> type:
    """An AsyncKernelManager whose kernels come from the zygote set with `use_zygote`."""
    import uuid

    from jupyter_client.manager import AsyncKernelManager

    provisioner = _provisioner_class()

    class ForkingKernelManager(AsyncKernelManager):
        async def _async_pre_start_kernel(self, **kw: Any):
            self.kernel_id = self.kernel_id or kw.pop("kernel_id", str(uuid.uuid4()))
            if self.provisioner is None:
                self.provisioner = provisioner(
                    kernel_id=self.kernel_id, kernel_spec=self.kernel_spec, parent=self
                )
            return await super()._async_pre_start_kernel(**kw)

    return ForkingKernelManager


if __name__ == "__main__":
    zygote(int(sys.argv[1]), int(sys.argv[2]))

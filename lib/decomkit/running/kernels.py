"""Warm kernels for batch runs: each notebook gets a fresh kernel that starts in milliseconds.

A fork server — one process per batch worker — imports ipykernel and the stages' modules once;
every kernel is a fork of it, so a notebook's imports cell finds its modules loaded, while each
notebook still has a process (and a namespace) of its own. The next kernel is forked while the
current notebook runs. Where ``os.fork`` does not exist, kernels start the ordinary way.
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import os
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
import uuid

from jupyter_client.manager import AsyncKernelManager
from jupyter_client.provisioning import LocalProvisioner

from decomkit.core.lifeline import die_with_parent, kill_with_parent

INLINE_BACKEND = "module://matplotlib_inline.backend_inline"  # what ipykernel would set
PARENT_ENV = "DECOMKIT_FORK_SERVER_PARENT"  # the pid the fork server must end with


class _Forked:
    """The Popen surface jupyter_client uses, for a kernel forked (and reaped) by the server."""

    stdin = stdout = stderr = None

    def __init__(self, pid: int):
        self.pid = pid
        self.returncode: int | None = None

    def poll(self) -> int | None:
        if self.returncode is None:
            try:
                os.kill(self.pid, 0)
            except ProcessLookupError:
                self.returncode = 0
        return self.returncode

    def wait(self, timeout: float | None = None) -> int:
        deadline = None if timeout is None else time.monotonic() + timeout
        while (code := self.poll()) is None:
            if timeout is not None and deadline is not None and time.monotonic() > deadline:
                raise subprocess.TimeoutExpired(str(self.pid), timeout)
            time.sleep(0.02)
        return code

    def send_signal(self, signum: int) -> None:
        with contextlib.suppress(ProcessLookupError):
            os.kill(self.pid, signum)

    def kill(self) -> None:
        self.send_signal(signal.SIGKILL)

    def terminate(self) -> None:
        self.send_signal(signal.SIGTERM)


class ForkServer:
    """A process with the kernel's modules imported that forks a kernel on request."""

    def __init__(self, warmup: str = ""):
        self._proc = subprocess.Popen(
            [sys.executable, "-m", "decomkit.running.kernels"], stdin=subprocess.PIPE,
            stdout=subprocess.PIPE, text=True, env={**os.environ, "MPLBACKEND": INLINE_BACKEND,
                                                    PARENT_ENV: str(os.getpid())})
        if self._proc.stdin is None or self._proc.stdout is None:  # never: both are pipes
            raise RuntimeError("the kernel fork server has no pipes")
        self._stdin, self._stdout = self._proc.stdin, self._proc.stdout
        self._lock = threading.Lock()
        self._request({"warmup": warmup})

    def _request(self, message: dict) -> dict:
        with self._lock:
            self._stdin.write(json.dumps(message) + "\n")
            self._stdin.flush()
            line = self._stdout.readline()
        if not line:
            raise RuntimeError("the kernel fork server stopped")
        return json.loads(line)

    def fork(self, connection_file: str, cwd: str, env: dict) -> _Forked:
        return _Forked(self._request({"connection_file": connection_file, "cwd": cwd,
                                      "env": env})["pid"])

    def close(self) -> None:
        self._stdin.close()
        self._proc.wait(timeout=10)


class ForkProvisioner(LocalProvisioner):
    """Launches the kernel as a fork of the server instead of a new interpreter."""

    server: ForkServer | None = None

    async def launch_kernel(self, cmd: list[str], **kwargs):
        connection_file = cmd[cmd.index("-f") + 1]
        cwd = str(kwargs.get("cwd") or os.getcwd())
        if self.server is None:  # never: the pool sets it before it starts the kernel
            raise RuntimeError("the fork provisioner has no fork server")
        forked = self.server.fork(connection_file, cwd, dict(kwargs.get("env") or {}))
        # A stand-in for the Popen: it has the surface jupyter_client uses (poll, wait, kill, …).
        self.process = forked  # type: ignore[assignment]
        self.pid = self.pgid = forked.pid  # the kernel leads its own process group
        self.cwd = cwd
        return self.connection_info


def _serve() -> None:
    """The fork server's loop: read requests on stdin, answer on stdout, until stdin closes."""
    signal.signal(signal.SIGCHLD, signal.SIG_IGN)  # kernels are reaped as they exit
    # The server ends with its worker (and at the end of its stdin); no thread: it forks.
    die_with_parent(int(os.environ.pop(PARENT_ENV, "0")) or None, watch=False)
    from ipykernel.kernelapp import IPKernelApp

    protocol = sys.stdout
    for line in sys.stdin:
        request = json.loads(line)
        if "warmup" in request:
            with contextlib.suppress(Exception):  # the notebook will report what is missing
                exec(request["warmup"], {})  # the stage notebooks' own import statements
            protocol.write("{}\n")
            protocol.flush()
            continue
        pid = os.fork()
        if pid == 0:
            _become_kernel(IPKernelApp, request)
        protocol.write(json.dumps({"pid": pid}) + "\n")
        protocol.flush()
    os._exit(0)  # the batch is gone; do not wait for threads the imports started


def _become_kernel(app_class, request: dict) -> None:
    try:
        server = os.getppid()
        kill_with_parent()  # the kernel ends with the server, hence with the batch
        if os.getppid() != server:
            os._exit(1)
        os.setpgid(0, 0)
        for signum in (signal.SIGCHLD, signal.SIGINT, signal.SIGTERM):
            signal.signal(signum, signal.SIG_DFL)
        devnull = os.open(os.devnull, os.O_RDWR)
        os.dup2(devnull, 0)
        os.dup2(devnull, 1)  # stdout is the server's protocol pipe
        os.environ.clear()
        os.environ.update(request["env"])
        os.environ["JPY_PARENT_PID"] = str(os.getppid())  # exit with the fork server
        os.chdir(request["cwd"])
        sys.argv = [sys.executable, "-f", request["connection_file"]]
        app_class.launch_instance(argv=["-f", request["connection_file"]])
    finally:
        os._exit(0)


class KernelPool:
    """Kernels started ahead of need, each used by one notebook.

    ``take()`` hands out a started kernel and starts the next one at once, so its start overlaps
    the notebook that runs now. Kernel lifecycles run on the pool's own event-loop thread.
    """

    def __init__(self, kernel_name: str, warmup: str = ""):
        self.kernel_name = kernel_name
        self._server = ForkServer(warmup) if hasattr(os, "fork") else None
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(target=self._loop.run_forever, daemon=True,
                                        name="decomkit-kernels")
        self._thread.start()
        self._next = None
        self._sockets = tempfile.mkdtemp(prefix="decomkit-kernels-")

    async def _start(self) -> AsyncKernelManager:
        # Local sockets in a private folder: no TCP port to find, nothing reachable from outside.
        km = AsyncKernelManager(kernel_name=self.kernel_name, transport="ipc",
                                ip=os.path.join(self._sockets, uuid.uuid4().hex[:12]))
        if self._server is not None:
            km.kernel_id = str(uuid.uuid4())
            km.provisioner = ForkProvisioner(kernel_id=km.kernel_id, kernel_spec=km.kernel_spec,
                                             parent=km)
            km.provisioner.server = self._server
        await km.start_kernel()
        return km

    def _submit(self, coroutine):
        return asyncio.run_coroutine_threadsafe(coroutine, self._loop)

    def take(self) -> AsyncKernelManager:
        pending, self._next = self._next or self._submit(self._start()), None
        try:
            return pending.result(timeout=180)
        finally:
            self._next = self._submit(self._start())

    def release(self, km: AsyncKernelManager) -> None:
        self._submit(km.shutdown_kernel(now=True)).result(timeout=60)

    def close(self) -> None:
        pending, self._next = self._next, None
        try:
            if pending is not None:
                self.release(pending.result(timeout=180))
        except Exception:
            pass
        self._loop.call_soon_threadsafe(self._loop.stop)
        self._thread.join(timeout=10)
        if self._server is not None:
            self._server.close()
        shutil.rmtree(self._sockets, ignore_errors=True)


if __name__ == "__main__":
    _serve()

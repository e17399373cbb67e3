"""Real servers on 127.0.0.1 for the benchmarks (and the tests): the app and `chroma run`.

Each start waits for the server to answer, bounded in time, and says why when it does not.
"""

from __future__ import annotations

import os
import socket
import subprocess
import sys
import time
import urllib.error
import urllib.request
from pathlib import Path


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def start_app(home: Path, *flags: str, env: dict | None = None, log: Path | None = None,
              cli: bool = False, wrapper: tuple[str, ...] = ()) -> tuple[subprocess.Popen, str]:
    """`python -m newsdesk.app` (with `cli`: `newsdesk serve`, as `make run` starts it) over the
    index at `home`; returns the process and its URL. `wrapper` goes before the command.

    Its output goes to `log` (default: `home/server-PORT.log`).
    """
    port = free_port()
    log = log or home / f"server-{port}.log"
    environment = {**os.environ, "NEWSDESK_HOME": str(home), "HF_HUB_OFFLINE": "1",
                   "ANONYMIZED_TELEMETRY": "False", "GRADIO_ANALYTICS_ENABLED": "False", **(env or {})}
    command = ["newsdesk.cli", "serve"] if cli else ["newsdesk.app"]
    with open(log, "w") as out:
        process = subprocess.Popen([*wrapper, sys.executable, "-m", *command, "--port", str(port),
                                    *flags], env=environment, stdout=out, stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_for(process, f"{url}/gradio_api/info", 180, log)
    return process, url


def start_chroma(folder: Path, port: int | None = None) -> tuple[subprocess.Popen, str]:
    """A `chroma run` server over `folder/db` on 127.0.0.1; returns the process and its URL."""
    port = port or free_port()
    log = folder / f"chroma-{port}.log"
    chroma = Path(sys.executable).with_name("chroma")
    with open(log, "w") as out:
        process = subprocess.Popen([str(chroma), "run", "--path", str(folder / "db"), "--host",
                                    "127.0.0.1", "--port", str(port)], stdout=out,
                                   stderr=subprocess.STDOUT)
    url = f"http://127.0.0.1:{port}"
    wait_for(process, f"{url}/api/v2/heartbeat", 60, log)
    return process, url


def without_root(command: list[str]) -> list[str]:
    """`command`, run so that file permissions bind it as they bind any user: as root, without
    the capabilities that let root pass them (util-linux's `setpriv`)."""
    if os.geteuid() != 0:
        return command
    caps = "-dac_override,-dac_read_search,-fowner"
    return ["setpriv", f"--inh-caps={caps}", f"--bounding-set={caps}", *command]


def stop(process: subprocess.Popen) -> None:
    process.terminate()
    try:
        process.wait(timeout=20)
    except subprocess.TimeoutExpired:
        process.kill()
        process.wait(timeout=20)


def wait_for(process: subprocess.Popen, url: str, seconds: float, log: Path) -> None:
    """Until `url` answers (any HTTP status counts: a login page is an answer); raises, with
    the end of `log`, when `process` exits first or `seconds` pass."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            command = str(process.args[0] if isinstance(process.args, list) else process.args)
            raise RuntimeError(f"{command} exited:\n{log.read_text()[-3000:]}")
        try:
            urllib.request.urlopen(url, timeout=2)
            return
        except urllib.error.HTTPError:
            return
        except OSError:
            time.sleep(0.2)  # poll interval; the wait itself is bounded by the deadline
    process.kill()
    raise RuntimeError(f"{url} did not answer within {seconds:g} s:\n{log.read_text()[-3000:]}")

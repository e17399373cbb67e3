"""The web server around the chat page: who may use it (`RequireLogin`, HTTP Basic on every
route, MCP too), what it may store (`UploadGate`), and the signals and log of its process.

ASGI middleware, with no Gradio in it: app.py puts it in front of the page when it serves.
"""

from __future__ import annotations

import base64
import faulthandler
import hmac
import logging
import signal
import threading
from pathlib import Path

from newsdesk.index.upload import MAX_UPLOADS_MB

log = logging.getLogger("newsdesk.app")  # the app's log lines, under the app's name


class RequireLogin:
    """Every request, on every route (the page and its files, the API, MCP), must carry the
    login (HTTP Basic), or gets 401 and the browser asks for it.

    One route is open: Gradio's startup check, which the server calls on itself at launch and
    which only starts the queue.
    """

    OPEN = {"/gradio_api/startup-events"}

    def __init__(self, app, user: str, password: str):
        self.app = app
        self.expected = "Basic " + base64.b64encode(f"{user}:{password}".encode()).decode()

    async def __call__(self, scope, receive, send):
        if scope["type"] in ("http", "websocket") and not self.allows(scope):
            if scope["type"] == "websocket":
                await send({"type": "websocket.close", "code": 1008})
                return
            await send({"type": "http.response.start", "status": 401, "headers": [
                (b"www-authenticate", b'Basic realm="newsdesk", charset="UTF-8"'),
                (b"content-type", b"text/plain; charset=utf-8")]})
            await send({"type": "http.response.body", "body": b"Log in to use newsdesk.\n"})
            return
        await self.app(scope, receive, send)

    def allows(self, scope) -> bool:
        if scope.get("path") in self.OPEN:
            return True
        given = dict(scope.get("headers", [])).get(b"authorization", b"").decode("latin-1")
        return hmac.compare_digest(given.encode(), self.expected.encode())


class UploadGate:
    """What Gradio's file routes may store: nothing in read-only mode (403), and, all uploads
    together, at most MAX_UPLOADS_MB (413): the files waiting in the server's upload folder
    and those kept in the index's uploads/. A request must say its length (411).

    The page hides the upload box in read-only mode, but Gradio's upload route stores any file
    posted to it; this gate is what keeps the disk out of reach.
    """

    ROUTES = ("/upload", "/process_recording")

    def __init__(self, app, read_only: bool, folders: tuple[Path, ...]):
        self.app = app
        self.read_only = read_only
        self.folders = folders

    async def __call__(self, scope, receive, send):
        if scope["type"] == "http" and scope["method"] == "POST" and \
                scope["path"].rstrip("/").endswith(self.ROUTES):
            refusal = self.refusal(dict(scope.get("headers", [])))
            if refusal:
                log.warning("upload refused: %s", refusal[1])
                await _plain_response(send, *refusal)
                return
        await self.app(scope, receive, send)

    def refusal(self, headers: dict) -> tuple[int, str] | None:
        """(HTTP status, reason) when the upload may not be stored; None when it may."""
        if self.read_only:
            return 403, "This newsdesk is read-only: nothing can be uploaded to it."
        length = headers.get(b"content-length", b"")
        if not length.isdigit():
            return 411, "Say the upload's length (Content-Length)."
        held = sum(_bytes_under(folder) for folder in self.folders)
        if held + int(length) > MAX_UPLOADS_MB * 1024 * 1024:
            return 413, (f"Uploads are limited to {MAX_UPLOADS_MB} MB in all, and "
                         f"{held / 2**20:.0f} MB are held; this one does not fit.")
        return None


def _bytes_under(folder: Path) -> int:
    return sum(f.stat().st_size for f in folder.rglob("*") if f.is_file()) if folder.is_dir() else 0


async def _plain_response(send, status: int, text: str) -> None:
    await send({"type": "http.response.start", "status": status,
                "headers": [(b"content-type", b"text/plain; charset=utf-8")]})
    await send({"type": "http.response.body", "body": text.encode() + b"\n"})


def keep_serving() -> None:
    """The signals of a server process, set here only (`newsdesk serve` and `python app.py`
    both come here): a client that goes away is an error on its own connection (SIGPIPE
    ignored: its write fails with EPIPE), never the end of the server; SIGTERM and SIGHUP stop
    it with a log line that says so; a crash prints where it happened (faulthandler)."""
    if threading.current_thread() is not threading.main_thread():
        return  # signals belong to the main thread (a test may serve from another)
    signal.signal(signal.SIGPIPE, signal.SIG_IGN)
    faulthandler.enable()
    for stop in (signal.SIGTERM, signal.SIGHUP):
        signal.signal(stop, _stopped)


def _stopped(number: int, frame) -> None:
    log.warning("stopping: %s received", signal.Signals(number).name)
    raise SystemExit(128 + number)


def log_to_stderr() -> None:
    """newsdesk's own log lines (one per refused request) on stderr, without tracebacks."""
    logger = logging.getLogger("newsdesk")
    if not logger.handlers:
        handler = logging.StreamHandler()
        handler.setFormatter(logging.Formatter("newsdesk: %(name)s: %(message)s"))
        logger.addHandler(handler)
        logger.setLevel(logging.INFO)
        logger.propagate = False  # once, not again through a root handler Gradio set up

"""A hostile server: the trustee tool refuses its answers clearly and posts nothing.

A tiny HTTP server on 127.0.0.1 signs the trustee in, then answers the ceremony
status, the tally or the board with hostile bodies (deep nesting, a huge integer, a
gzip bomb, non-UTF-8, an impossible length, a list for an object).  The real command
runs in its own process, so a traceback or a memory blow-up would show.
"""

from __future__ import annotations

import contextlib
import functools
import os
import sys
import tempfile
import threading
import zlib
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest

from ballot.crypto.ceremony import local_ceremony
from ballot.crypto.keyfile import Argon2Params, seal_key
from tests.support.peak import run_measured

BALLOT = Path(sys.executable).with_name("ballot")
ELECTION = "e1"
PASSPHRASE = "a long trustee passphrase"
PEAK_LIMIT_KB = 300 * 1024
TALLY = b'{"round":1,"seq":7,"submitted":[],"tally":{"ballots":1}}'


@functools.cache
def _gzip_bomb() -> bytes:
    """1 GiB of spaces as a gzip body of about 1 MB."""
    packer = zlib.compressobj(9, zlib.DEFLATED, 31)
    piece = b" " * (64 * 1024**2)
    return b"".join(packer.compress(piece) for _ in range(16)) + packer.flush()


#: Stands for the bomb in BODIES; built on first use (seconds of work), not at import.
BOMB = b"<gzip bomb>"
BODIES: dict[str, tuple[bytes, dict[str, str], str]] = {
    # name: (body, extra headers, words the refusal must hold)
    "deep": (b"[" * 100_000 + b"]" * 100_000, {}, "nested deeper than 64 levels"),
    "huge integer": (b'{"round":' + b"1" * 100_000 + b"}", {}, "integer of 100000 characters"),
    "gzip bomb": (BOMB, {"Content-Encoding": "gzip"}, "a compression bomb"),
    "non-UTF-8": (b'{"round":"\xff\xfe"}', {}, "not JSON"),
    "too long": (b"{}", {"Content-Length": str(10 * 1024**3)}, "larger than"),
    "not an object": (b"[1,2,3]", {}, "not a JSON object"),
}


class FakeServer:
    """Answers sign-in normally and ``hostile`` at ``target``; remembers every POST."""

    def __init__(self) -> None:
        self.posts: list[str] = []
        self.hostile: tuple[bytes, dict[str, str], str] = BODIES["deep"]
        self.target = ""
        fake = self

        class Handler(BaseHTTPRequestHandler):
            def log_message(self, *args: Any) -> None:
                pass

            def _answer(self, body: bytes, headers: dict[str, str] | None = None) -> None:
                headers = {"Content-Type": "application/json", **(headers or {})}
                self.send_response(200)
                headers.setdefault("Content-Length", str(len(body)))
                for key, value in headers.items():
                    self.send_header(key, value)
                self.end_headers()
                with contextlib.suppress(BrokenPipeError, ConnectionResetError):
                    self.wfile.write(body)

            def do_GET(self) -> None:
                if self.path == "/login":
                    self.send_response(200)
                    self.send_header("Set-Cookie", "csrftoken=t0ken; Path=/")
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                elif self.path == fake.target:
                    body, headers, _ = fake.hostile
                    body = _gzip_bomb() if body is BOMB else body
                    self._answer(body, headers)
                elif self.path.endswith("/tally"):
                    self._answer(TALLY)
                else:
                    self._answer(b'{"error":"not here"}')

            def do_POST(self) -> None:
                self.rfile.read(int(self.headers.get("Content-Length", "0")))
                fake.posts.append(self.path)
                self._answer(b'{"ok":true}')

        self.httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.httpd.server_address[1]}"
        self.thread = threading.Thread(target=self.httpd.serve_forever, daemon=True)
        self.thread.start()

    def close(self) -> None:
        self.httpd.shutdown()
        self.httpd.server_close()


@pytest.fixture(scope="module")
def server() -> Iterator[FakeServer]:
    fake = FakeServer()
    yield fake
    fake.close()


@pytest.fixture(scope="module")
def files(tmp_path_factory: pytest.TempPathFactory) -> dict[str, Path]:
    tmp = tmp_path_factory.mktemp("trustee")
    _, blobs = local_ceremony(2, 3, b"\x07" * 32)
    key = tmp / "trustee2.key"
    key.write_bytes(seal_key(blobs[1], PASSPHRASE, label="t2", params=Argon2Params(1, 64, 1)))
    (tmp / "password").write_text("secret password\n")
    (tmp / "passphrase").write_text(PASSPHRASE + "\n")
    return {"key": key, "password": tmp / "password", "passphrase": tmp / "passphrase"}


def run_trustee(args: list[str]) -> tuple[int, str, int]:
    with tempfile.TemporaryFile() as sink:
        code, peak_kb = run_measured(
            [str(BALLOT), "trustee", *args], stdout=sink, env={**os.environ, "COLUMNS": "400"}
        )
        sink.seek(0)
        output = sink.read().decode(errors="replace")
    return code, output, peak_kb


ROUTES = {
    "ceremony status": f"/api/elections/{ELECTION}/ceremony/remote",
    "tally": f"/api/elections/{ELECTION}/tally",
    "board": f"/api/elections/{ELECTION}/board",
}


@pytest.mark.parametrize("body", list(BODIES))
@pytest.mark.parametrize("route", list(ROUTES))
def test_a_hostile_answer_is_refused_and_nothing_is_posted(
    route: str, body: str, server: FakeServer, files: dict[str, Path], tmp_path: Path
) -> None:
    server.target, server.hostile, server.posts[:] = ROUTES[route], BODIES[body], []
    common = ["--server", server.url, "--election", ELECTION, "--email", "t2@example.org"]
    common += ["--password-file", str(files["password"])]
    common += ["--passphrase-file", str(files["passphrase"])]
    if route == "ceremony status":
        args = ["ceremony", *common, "--key-file", str(tmp_path / "new.key")]
        args += ["--state", str(tmp_path / "state"), "--timeout", "5"]
    else:
        args = ["tally", *common, "--key-file", str(files["key"])]
    code, output, peak_kb = run_trustee(args)
    assert code == 1, output
    assert "Traceback" not in output, output
    assert f"the server's answer to {ROUTES[route]}" in output, output
    assert BODIES[body][2] in output, output
    assert server.posts == ["/api/login"], "only the sign-in may be posted"
    assert peak_kb < PEAK_LIMIT_KB, f"peak memory {peak_kb} kB"
    assert not (tmp_path / "new.key").exists()


@pytest.mark.parametrize(
    "status",
    [b'{"position":1}', b'{"position":1,"round":"dealing","state":"key_ceremony","k":[]}'],
)
def test_a_ceremony_status_missing_its_fields_is_refused(
    status: bytes, server: FakeServer, files: dict[str, Path], tmp_path: Path
) -> None:
    server.target, server.posts[:] = ROUTES["ceremony status"], []
    server.hostile = (status, {}, "")
    args = ["ceremony", "--server", server.url, "--election", ELECTION]
    args += ["--email", "t2@example.org", "--password-file", str(files["password"])]
    args += ["--passphrase-file", str(files["passphrase"]), "--key-file", str(tmp_path / "k")]
    args += ["--state", str(tmp_path / "state"), "--timeout", "5"]
    code, output, _ = run_trustee(args)
    assert code == 1, output
    assert "Traceback" not in output and "ceremony data is malformed" in output, output
    assert server.posts == ["/api/login"]


@pytest.mark.parametrize(
    "answer",
    [
        b"{}",
        b'{"round":"1","seq":7,"submitted":[],"tally":{"ballots":1}}',
        b'{"round":1,"seq":7,"submitted":"all","tally":{"ballots":1}}',
        b'{"round":1,"seq":7,"submitted":[],"tally":[]}',
        b'{"round":true,"seq":-1,"submitted":[],"tally":{"ballots":1}}',
    ],
)
def test_a_tally_answer_missing_its_fields_is_refused(
    answer: bytes, server: FakeServer, files: dict[str, Path]
) -> None:
    server.target, server.posts[:] = ROUTES["tally"], []
    server.hostile = (answer, {}, "")
    args = ["tally", "--server", server.url, "--election", ELECTION]
    args += ["--email", "t2@example.org", "--password-file", str(files["password"])]
    args += ["--passphrase-file", str(files["passphrase"]), "--key-file", str(files["key"])]
    code, output, _ = run_trustee(args)
    assert code != 0, output
    assert "Traceback" not in output and "tally answer is malformed" in output, output
    assert server.posts == ["/api/login"]

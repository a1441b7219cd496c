"""The deployment files stay consistent with the code: the environment template names
only real settings and holds no secret, the units start what exists and are hardened,
the uvicorn log config loads, and nginx accepts the site (where nginx is installed)."""

from __future__ import annotations

import importlib
import logging
import re
import shutil
import subprocess
from pathlib import Path

import pytest

from ballot.config import Settings

DEPLOY = Path(__file__).parents[2] / "deploy"
HARDENING = (
    "NoNewPrivileges=yes",
    "ProtectSystem=strict",
    "PrivateTmp=yes",
    "ProtectHome=yes",
    "CapabilityBoundingSet=",
    "User=ballot",
)


def _settings_fields() -> set[str]:
    return {f"BALLOT_{name.upper()}" for name in Settings.__dataclass_fields__}


UNITS = (
    "ballot-web.service",
    "ballot-worker.service",
    "ballot-migrate.service",
    "ballot-bounces.service",
)


@pytest.mark.parametrize("name", ["ballot.env.example", "migrate.env.example"])
def test_env_templates_name_real_settings_and_no_secret(name: str) -> None:
    text = (DEPLOY / name).read_text()
    pairs = re.findall(r"^(BALLOT_\w+)=(.*)$", text, flags=re.MULTILINE)
    assert pairs
    assert {k for k, _ in pairs} <= _settings_fields()
    for key, value in pairs:
        if "PASSWORD" in key or "USER" in key:
            assert re.fullmatch(r"<[^>]+>", value), key
        if key == "BALLOT_DATABASE_URL":
            assert re.search(r":<[^>]+>@", value), "the database password must be a placeholder"


def test_every_setting_is_documented_in_the_template() -> None:
    text = (DEPLOY / "ballot.env.example").read_text()
    missing = {k for k in _settings_fields() if k not in text} - {"BALLOT_HOST", "BALLOT_PORT"}
    assert missing == set()


@pytest.mark.parametrize("unit", [*UNITS])
def test_units_are_hardened_and_start_what_exists(unit: str) -> None:
    text = (DEPLOY / unit).read_text()
    for directive in HARDENING:
        assert directive in text, (unit, directive)
    if unit != "ballot-migrate.service":
        assert "Restart=" in text and "Requires=ballot-migrate.service" in text
    if unit == "ballot-web.service":
        factory = re.search(r"--factory ([\w.]+):(\w+)", text)
        assert factory is not None
        module = importlib.import_module(factory.group(1))
        assert callable(getattr(module, factory.group(2)))
        assert "--forwarded-allow-ips=127.0.0.1" in text and "--workers" in text
        assert "migrate.env" not in text  # the app never sees the owner's URL


def test_uvicorn_log_config_loads(monkeypatch: pytest.MonkeyPatch) -> None:
    import json
    import logging.config

    root = logging.getLogger()
    saved = list(root.handlers), root.level
    try:
        logging.config.dictConfig(json.loads((DEPLOY / "uvicorn-logging.json").read_text()))
        assert any(h.formatter.__class__.__name__ == "JsonFormatter" for h in root.handlers)
    finally:
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])


def test_nginx_accepts_the_site(tmp_path: Path) -> None:
    nginx = shutil.which("nginx") or (
        "/usr/sbin/nginx" if Path("/usr/sbin/nginx").exists() else None
    )
    openssl = shutil.which("openssl")
    if nginx is None or openssl is None:
        pytest.skip("nginx is not installed (optional: the check runs where it is)")
    subprocess.run(
        [
            *(openssl, "req", "-x509", "-newkey", "rsa:2048", "-nodes", "-days", "1"),
            *("-keyout", str(tmp_path / "k.pem"), "-out", str(tmp_path / "c.pem")),
            *("-subj", "/CN=vote.example.org"),
        ],
        check=True,
        capture_output=True,
    )
    site = (
        (DEPLOY / "nginx-ballot.conf")
        .read_text()
        .replace("/etc/letsencrypt/live/vote.example.org/fullchain.pem", str(tmp_path / "c.pem"))
        .replace("/etc/letsencrypt/live/vote.example.org/privkey.pem", str(tmp_path / "k.pem"))
        .replace("/var/log/nginx/ballot.access.log", str(tmp_path / "access.log"))
    )
    (tmp_path / "site.conf").write_text(site)
    (tmp_path / "nginx.conf").write_text(
        f"pid {tmp_path}/nginx.pid;\nerror_log {tmp_path}/error.log;\nevents {{}}\n"
        f"http {{ access_log {tmp_path}/a.log; include {tmp_path}/site.conf; }}\n"
    )
    done = subprocess.run(
        [nginx, "-t", "-c", str(tmp_path / "nginx.conf")], capture_output=True, text=True
    )
    assert done.returncode == 0, done.stderr
    assert "/v/" not in re.search(r"log_format ballot_notoken[^;]*;", site, re.S).group(0)  # type: ignore[union-attr]


def test_the_logging_module_is_importable_by_name() -> None:
    """deploy/uvicorn-logging.json names these classes by import path."""
    logs = importlib.import_module("ballot.logs")
    assert issubclass(logs.RedactingFilter, logging.Filter)
    assert issubclass(logs.JsonFormatter, logging.Formatter)


@pytest.mark.parametrize("unit", [*UNITS])
def test_systemd_accepts_the_units(unit: str, tmp_path: Path) -> None:
    analyze = shutil.which("systemd-analyze")
    if analyze is None:
        pytest.skip("systemd-analyze is not installed (optional: the check runs where it is)")
    for name in UNITS:
        (tmp_path / name).write_text((DEPLOY / name).read_text())
    done = subprocess.run(
        [analyze, "verify", str(tmp_path / unit)], capture_output=True, text=True, timeout=60
    )
    # /opt/ballot does not exist on a test machine; anything else is a real problem.
    problems = [
        line
        for line in (done.stdout + done.stderr).splitlines()
        if line.strip() and "is not executable" not in line
    ]
    assert problems == []


def test_nginx_static_files_get_the_app_headers() -> None:
    """nginx serves /static/ itself, so it must send exactly the app's headers there."""
    from ballot.web.security import headers_for

    site = (DEPLOY / "nginx-ballot.conf").read_text()
    static = site[site.index("location /static/") :]
    static = static[: static.index("}")]
    sent = dict(re.findall(r'add_header ([\w-]+) "([^"]*)" always;', static))
    assert sent == headers_for(hsts=True)

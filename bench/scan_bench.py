"""``batchscout scan`` over a generated repository of 5,000 files, against ``ast.parse`` alone
over the same Python files, in the same run.

    python bench/scan_bench.py [--files 5000] [--repeat 3]

The repository (in a temporary folder) is mostly Python packages that import each other, some
with OpenAI or Anthropic calls, plus TypeScript and Go files, GitHub Actions workflows, a
crontab and a Kubernetes CronJob that run some of the scripts. The baseline reads each Python
file and parses it with :func:`ast.parse`, nothing else; the scan reads every file, finds the
calls and the schedules and connects them. Best of ``--repeat`` runs each. It prints files
per second for both and the ratio (the scan's time over the baseline's).
"""

from __future__ import annotations

import argparse
import ast
import tempfile
import time
from pathlib import Path

from batchscout.scan import scan

PY_PLAIN = '''"""Module {i}: helpers."""

from pkg{p}.mod{prev} import helper_{prev}


def helper_{i}(values: list[int]) -> int:
    total = 0
    for value in values:
        total += helper_{prev}([value]) if value > {i} else value
    return total


class Worker{i}:
    def __init__(self) -> None:
        self.seen: dict[str, int] = {{}}

    def run(self, items: list[str]) -> int:
        for item in items:
            self.seen[item] = self.seen.get(item, 0) + 1
        return len(self.seen)
'''
PY_CALL = '''"""Module {i}: summaries."""

from openai import OpenAI

from pkg{p}.mod{prev} import helper_{prev}

client = OpenAI()
MODEL = "gpt-4o-mini"


def helper_{i}(values: list[int]) -> int:
    return helper_{prev}(values)


def summarize_{i}(text: str) -> str:
    answer = client.chat.completions.create(
        model=MODEL,
        messages=[{{"role": "user", "content": "Summarize: " + text}}],
        max_tokens=300,
    )
    return answer.choices[0].message.content


if __name__ == "__main__":
    print(summarize_{i}("hello"))
'''
TS = """import Anthropic from "@anthropic-ai/sdk";
import {{ format }} from "./util{prev}";

const client = new Anthropic();

export async function draft{i}(text: string): Promise<string> {{
  const message = await client.messages.create({{
    model: "claude-haiku-4-5",
    max_tokens: 200,
    messages: [{{ role: "user", content: format(text) }}],
  }});
  return message.content[0].type === "text" ? message.content[0].text : "";
}}

export function format{i}(value: string): string {{
  return value.trim().toLowerCase();
}}
"""
GO = """package jobs{i}

import (
\t"context"

\t"github.com/openai/openai-go"
)

var client = openai.NewClient()

func Run{i}(ctx context.Context) error {{
\t_, err := client.Chat.Completions.New(ctx, openai.ChatCompletionNewParams{{Model: "gpt-4o-mini"}})
\treturn err
}}
"""
WORKFLOW = """name: nightly {i}
on:
  schedule:
    - cron: "{minute} 2 * * *"
jobs:
  run:
    runs-on: ubuntu-latest
    steps:
      - run: python pkg{p}/mod{m}.py
"""


def generate(root: Path, count: int) -> list[Path]:
    """Write ``count`` files under ``root`` (packages of 50 modules); return the Python ones."""
    python: list[Path] = []
    counters = {"py": 0, "ts": 0, "go": 0, "yml": 0}
    (root / "crontab").write_text("*/30 * * * * python pkg0/mod0.py\n")
    written = 1
    while written < count:
        kind = written % 20
        if kind < 15:
            index = counters["py"]
            counters["py"] += 1
            p, m = divmod(index, 50)
            folder = root / f"pkg{p}"
            if m == 0:
                folder.mkdir(parents=True)
                (folder / "__init__.py").write_text("")
                written += 1
            template = PY_CALL if m % 5 == 0 else PY_PLAIN
            path = folder / f"mod{m}.py"
            path.write_text(template.format(i=m, p=p, prev=max(m - 1, 0)))
            python.append(path)
        elif kind < 18:
            index = counters["ts"]
            counters["ts"] += 1
            p, m = divmod(index, 50)
            folder = root / "web" / f"app{p}"
            folder.mkdir(parents=True, exist_ok=True)
            (folder / f"util{m}.ts").write_text(TS.format(i=m, prev=max(m - 1, 0)))
        elif kind == 18:
            index = counters["go"]
            counters["go"] += 1
            folder = root / "go" / f"jobs{index}"
            folder.mkdir(parents=True)
            (folder / "run.go").write_text(GO.format(i=index))
        else:
            index = counters["yml"]
            counters["yml"] += 1
            folder = root / ".github" / "workflows"
            folder.mkdir(parents=True, exist_ok=True)
            p, m = divmod(counters["py"], 50)
            (folder / f"nightly{index}.yml").write_text(
                WORKFLOW.format(i=index, minute=index % 60, p=max(p - 1, 0), m=(m // 5) * 5)
            )
        written += 1
    return python


def count_files(root: Path) -> int:
    return sum(1 for p in root.rglob("*") if p.is_file())


def best(seconds: list[float]) -> float:
    return min(seconds)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--files", type=int, default=5000)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        root = Path(folder)
        python = generate(root, args.files)
        total = count_files(root)
        baseline: list[float] = []
        scanned: list[float] = []
        findings = 0
        for _ in range(args.repeat):
            start = time.perf_counter()
            for path in python:
                ast.parse(path.read_text(encoding="utf-8"), filename=str(path))
            baseline.append(time.perf_counter() - start)
            start = time.perf_counter()
            result = scan(root)
            scanned.append(time.perf_counter() - start)
            findings = len(result.findings)
        base, took = best(baseline), best(scanned)
        scheduled = sum(1 for f in result.findings if f.context.value == "scheduled")
        print(
            f"repository: {total:,} files ({len(python):,} Python), {findings:,} findings, "
            f"{scheduled:,} scheduled"
        )
        print(
            f"ast.parse alone (Python files only): {len(python) / base:,.0f} files/s ({base:.2f} s)"
        )
        print(f"batchscout scan (every file):       {total / took:,.0f} files/s ({took:.2f} s)")
        print(
            f"ratio: the scan takes {took / base:.1f}x the time of ast.parse over the Python files"
        )


if __name__ == "__main__":
    main()

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


def test_a_fifo_is_listed_never_read(tmp_path: Path) -> None:
    """Opening a named pipe would wait for a writer forever."""
    write(tmp_path, "app/real.py", CALL)
    os.mkfifo(tmp_path / "app" / "pipe.py")

    result = scan(tmp_path)

    assert [(s.path, s.reason) for s in result.skipped] == [("app/pipe.py", "not a regular file")]
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


@pytest.mark.parametrize(
    ("source", "already_batch"),
    [
        (  # Bedrock batch inference beside a synchronous call
            "import boto3\n"
            "runtime = boto3.client('bedrock-runtime')\n"
            "control = boto3.client('bedrock')\n"
            "runtime.converse(modelId='amazon.nova-lite-v1:0', messages=[])\n"
            "control.create_model_invocation_job(jobName='j', roleArn='r', modelId='m',"
            " inputDataConfig={}, outputDataConfig={})\n",
            True,
        ),
        (  # Vertex AI batch prediction
            "from google.cloud.aiplatform import BatchPredictionJob\n"
            "from vertexai.generative_models import GenerativeModel\n"
            "GenerativeModel('gemini-1.5-pro').generate_content('hi')\n"
            "BatchPredictionJob.submit(source_model='gemini-1.5-pro', input_dataset='gs://x')\n",
            True,
        ),
        (  # LiteLLM's batch API
            "import litellm\n"
            "litellm.completion(model='gpt-4o-mini', messages=[])\n"
            "litellm.create_batch(completion_window='24h', endpoint='/v1/chat/completions',"
            " input_file_id='f')\n",
            True,
        ),
        (  # LangChain's .batch() is not one
            "from langchain_openai import ChatOpenAI\n"
            "ChatOpenAI(model='gpt-4o-mini').batch(['a', 'b'])\n",
            False,
        ),
    ],
)
def test_each_providers_batch_api_marks_the_module_already_batch(
    tmp_path: Path, source: str, already_batch: bool
) -> None:
    write(tmp_path, "job.py", source)

    (finding,) = scan(tmp_path).findings

    assert finding.call.already_batch is already_batch


def test_typescript_langchain_vertex_and_bedrock_shapes(tmp_path: Path) -> None:
    write(
        tmp_path,
        "src/calls.ts",
        'import { ChatOpenAI } from "@langchain/openai";\n'
        'import { VertexAI } from "@google-cloud/vertexai";\n'
        'import { BedrockRuntimeClient, ConverseCommand } from "@aws-sdk/client-bedrock-runtime";\n'
        'const llm = new ChatOpenAI({ model: "gpt-4o-mini" });\n'
        'const vertex = new VertexAI({ project: "p", location: "us-central1" });\n'
        'const gemini = vertex.getGenerativeModel({ model: "gemini-1.5-pro" });\n'
        "const bedrock = new BedrockRuntimeClient({});\n"
        "export async function run(): Promise<void> {\n"
        '  await llm.invoke("hi");\n'
        '  await gemini.generateContent("hi");\n'
        '  await bedrock.send(new ConverseCommand({ modelId: "amazon.nova-lite-v1:0", messages: [] }));\n'
        "}\n",
    )

    found = [
        (f.call.line, f.call.provider, f.call.call, f.call.model) for f in scan(tmp_path).findings
    ]

    assert found == [
        (9, "langchain", "invoke", "gpt-4o-mini"),
        (10, "google", "GenerativeModel.generate_content", "gemini-1.5-pro"),
        (11, "bedrock", "converse", "amazon.nova-lite-v1:0"),
    ]


def test_a_client_passed_as_an_annotated_parameter_and_the_legacy_module_functions(
    tmp_path: Path,
) -> None:
    write(
        tmp_path,
        "app/calls.py",
        "import openai\n"
        "from anthropic import Anthropic\n"
        "def summarize(client: Anthropic, text: str) -> str:\n"
        "    return client.messages.create(model='claude-haiku-4-5', max_tokens=9, messages=[])\n"
        "def legacy() -> None:\n"
        "    openai.ChatCompletion.create(model='gpt-3.5-turbo', messages=[])\n",
    )

    found = [(f.call.line, f.call.provider, f.call.call) for f in scan(tmp_path).findings]

    assert found == [(4, "anthropic", "messages.create"), (6, "openai", "ChatCompletion.create")]


def test_a_project_in_a_subfolder_imports_by_its_own_package_names(tmp_path: Path) -> None:
    write(
        tmp_path,
        ".github/workflows/job.yml",
        "on:\n  schedule:\n    - cron: '0 4 * * *'\njobs:\n  nightly:\n"
        "    defaults:\n      run:\n        working-directory: backend\n"
        "    steps:\n      - run: python -m proj.job\n",
    )
    write(tmp_path, "backend/proj/__init__.py", "")
    write(tmp_path, "backend/proj/job.py", "from proj.llm import ask\nask()\n")
    write(
        tmp_path,
        "backend/proj/llm.py",
        "from openai import OpenAI\nclient = OpenAI()\n"
        "def ask():\n    return client.responses.create(model='gpt-4o-mini', input='x')\n",
    )

    (finding,) = scan(tmp_path).findings

    assert (finding.call.path, finding.context.value, finding.advice.value) == (
        "backend/proj/llm.py",
        "scheduled",
        "batch",
    )


def test_reconfigured_clients_are_the_same_client(tmp_path: Path) -> None:
    write(
        tmp_path,
        "app/calls.py",
        "from openai import OpenAI\n"
        "client = OpenAI()\n"
        "client.with_options(timeout=900).batches.create(input_file_id='f', endpoint='/v1/x',"
        " completion_window='24h')\n"
        "client.with_raw_response.chat.completions.create(model='gpt-4o', messages=[])\n",
    )

    (finding,) = scan(tmp_path).findings

    assert (finding.call.line, finding.call.call, finding.call.already_batch) == (
        4,
        "chat.completions.create",
        True,
    )


def test_a_vercel_cron_calling_a_python_function(tmp_path: Path) -> None:
    write(tmp_path, "vercel.json", '{"crons": [{"path": "/api/nightly", "schedule": "0 3 * * *"}]}')
    write(
        tmp_path,
        "api/nightly.py",
        "from http.server import BaseHTTPRequestHandler\n"
        "from openai import OpenAI\n"
        "class handler(BaseHTTPRequestHandler):\n"
        "    def do_GET(self):\n"
        "        OpenAI().responses.create(model='gpt-4o-mini', input='nightly')\n",
    )

    (finding,) = scan(tmp_path).findings

    assert (finding.context.value, finding.schedule.where) == ("scheduled", "vercel.json:1")  # type: ignore[union-attr]

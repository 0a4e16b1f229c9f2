"""What an operator deploys says what the code does: the compose file's commands, variables and
health checks, the Dockerfile's user and entry point, and the lock file's pins."""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from packaging.markers import Marker
from packaging.requirements import Requirement
from packaging.utils import canonicalize_name
from packaging.version import Version

from batchscout.cli import COMMANDS
from batchscout.settings import Settings

ROOT = Path(__file__).resolve().parents[1]
COMPOSE = ROOT / "compose.yaml"
DOCKERFILE = ROOT / "Dockerfile"
LOCK = ROOT / "deploy" / "requirements.lock"
APP_SERVICES = ("serve", "worker")
SETTINGS = {name.upper() for name in Settings.model_fields}


@pytest.fixture(scope="module")
def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text(encoding="utf-8"))
    assert isinstance(data, dict)
    return data


def check_command(args: list[str]) -> None:
    """``batchscout ARGS`` names a command in the CLI's table and parses (no unknown option,
    no bad value); raises otherwise."""
    name, *rest = args
    assert name in COMMANDS, f"{name!r} is not a batchscout command"
    command = COMMANDS[name].load(name)
    command.make_context(name, list(rest))  # parses and validates without running


def interpolated(text: str) -> set[str]:
    """The ``${NAME...}`` variables compose substitutes from the shell or .env."""
    return set(re.findall(r"\$\{([A-Z_][A-Z0-9_]*)", text))


def test_every_app_service_runs_a_real_command_and_probes_itself(
    compose: dict[str, Any],
) -> None:
    services = compose["services"]
    assert set(services) == {"postgres", *APP_SERVICES}
    for name in APP_SERVICES:
        service = services[name]
        check_command(service["command"])
        probe = service["healthcheck"]["test"]
        assert probe[:2] == ["CMD", "batchscout"], probe
        check_command(probe[2:])
        assert probe[2:4] == ["health", "--role"] and probe[4] == service["command"][0]
        assert service["restart"] in ("always", "unless-stopped")
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"
        assert service["stop_grace_period"]
    assert "--no-worker" in services["serve"]["command"]  # the worker service runs the scheduler
    assert "--http" in services["serve"]["command"] and services["serve"]["ports"]


def test_every_variable_an_app_service_sets_is_a_setting(compose: dict[str, Any]) -> None:
    for name in APP_SERVICES:
        environment = compose["services"][name]["environment"]
        assert set(environment) <= SETTINGS, set(environment) - SETTINGS
        assert environment["DATABASE_URL"].startswith("postgresql://")
        assert "@postgres:5432/" in environment["DATABASE_URL"]


def test_postgres_is_checked_and_kept(compose: dict[str, Any]) -> None:
    postgres = compose["services"]["postgres"]
    assert postgres["healthcheck"]["test"][:2] == ["CMD", "pg_isready"]
    assert postgres["restart"] in ("always", "unless-stopped")
    assert any(volume.endswith(":/var/lib/postgresql/data") for volume in postgres["volumes"])


def test_the_variables_compose_needs_are_in_the_env_example() -> None:
    """Besides the settings, .env.example lists the compose file's own variables, and no other."""
    example = (ROOT / ".env.example").read_text(encoding="utf-8")
    listed = set(re.findall(r"^#?([A-Z][A-Z0-9_]+)=", example, re.M))
    wanted = interpolated(COMPOSE.read_text(encoding="utf-8"))
    assert wanted == {"POSTGRES_PASSWORD"}
    assert listed - SETTINGS == wanted


def dockerfile_instructions() -> list[tuple[str, str]]:
    text = DOCKERFILE.read_text(encoding="utf-8").replace("\\\n", " ")
    lines = [line.strip() for line in text.splitlines()]
    return [
        (line.split(None, 1)[0].upper(), line.split(None, 1)[1] if " " in line else "")
        for line in lines
        if line and not line.startswith("#")
    ]


def test_the_image_installs_through_the_script_runs_as_no_one_and_probes_itself() -> None:
    instructions = dockerfile_instructions()
    stages = [argument for keyword, argument in instructions if keyword == "FROM"]
    assert all(re.match(r"python:3\.11-slim-\w+", stage) for stage in stages), stages
    runs = [argument for keyword, argument in instructions if keyword == "RUN"]
    assert any("deploy/install.sh" in run for run in runs)
    assert not any("pip install" in run for run in runs)  # one install path: the script
    [user] = [argument for keyword, argument in instructions if keyword == "USER"]
    assert user.split(":")[0] not in ("root", "0") and user.split(":")[0].isdigit()
    last_stage = instructions[max(i for i, (k, _) in enumerate(instructions) if k == "FROM") :]
    assert ("USER", user) in last_stage
    entrypoint = json.loads(dict(last_stage)["ENTRYPOINT"])
    command = json.loads(dict(last_stage)["CMD"])
    assert entrypoint == ["batchscout"]
    check_command(command)
    health = dict(last_stage)["HEALTHCHECK"]
    probe = json.loads(health.split("CMD", 1)[1].strip())
    assert probe[0] == "batchscout"
    check_command(probe[1:])
    ignored = (ROOT / ".dockerignore").read_text(encoding="utf-8").split()
    assert {".env", ".venv", ".git", "*.db"} <= set(ignored)


def lock_pins() -> dict[str, Version]:
    """Name → version pinned for Python 3.11 on Linux (the image's platform)."""
    environment = {"python_version": "3.11", "python_full_version": "3.11.7",
                   "sys_platform": "linux", "platform_system": "Linux",
                   "platform_machine": "x86_64", "implementation_name": "cpython",
                   "platform_python_implementation": "CPython"}  # fmt: skip
    pins: dict[str, Version] = {}
    for line in LOCK.read_text(encoding="utf-8").splitlines():
        if not line or line[0] in "# ":
            continue
        requirement, _, marker = line.partition(";")
        if marker.strip() and not Marker(marker.strip()).evaluate(environment):
            continue
        name, _, version = requirement.strip().partition("==")
        pins[canonicalize_name(name.split("[")[0])] = Version(version)
    return pins


def test_the_lock_pins_every_dependency_within_pyproject() -> None:
    project = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))["project"]
    extras = project["optional-dependencies"]
    wanted = [
        Requirement(r) for r in [*project["dependencies"], *extras["postgres"], *extras["chart"]]
    ]
    pins = lock_pins()
    for requirement in wanted:
        name = canonicalize_name(requirement.name)
        assert name in pins, f"{name} is not in deploy/requirements.lock: run deploy/lock.sh"
        assert requirement.specifier.contains(pins[name], prereleases=True), (
            f"{name}=={pins[name]} in the lock is outside {requirement.specifier}: run deploy/lock.sh"
        )


def test_install_script_and_ci_use_the_lock() -> None:
    script = (ROOT / "deploy" / "install.sh").read_text(encoding="utf-8")
    assert "deploy/requirements.lock" in script and "--constraint" in script
    ci = (ROOT / ".ci" / "run").read_text(encoding="utf-8")
    assert "deploy/install.sh" in ci and "hadolint" in ci and "lowest" in ci


@pytest.mark.parametrize("unit", ["batchscout-serve.service", "batchscout-worker.service"])
def test_the_systemd_units_run_real_commands_and_stop_with_sigterm(unit: str) -> None:
    text = (ROOT / "deploy" / "systemd" / unit).read_text(encoding="utf-8")
    entries = dict(
        line.split("=", 1) for line in text.splitlines() if "=" in line and line[0].isalpha()
    )
    executable, *args = entries["ExecStart"].split()
    assert executable == "/opt/batchscout/bin/batchscout"
    check_command(args)
    assert entries["KillSignal"] == "SIGTERM" and entries["Restart"] == "on-failure"
    assert int(entries["TimeoutStopSec"]) >= 30

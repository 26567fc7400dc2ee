"""The deployment files agree with the code: docker-compose.yml parses and runs commands the CLI
has, nginx upgrades websockets, the image runs as a non-root user.

There is no Docker engine here, so these read the files rather than start containers."""

from __future__ import annotations

import json
import re
import shlex
from pathlib import Path
from typing import Any

import click
import pytest
from click.testing import CliRunner

from hall.cli import main

yaml = pytest.importorskip("yaml")

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = ROOT / "docker-compose.yml"
DOCKERFILE = ROOT / "Dockerfile"
DOCKERIGNORE = ROOT / ".dockerignore"
NGINX = ROOT / "deploy" / "nginx.conf"
HUBS = ("hub1", "hub2")


def compose() -> dict[str, Any]:
    data = yaml.safe_load(COMPOSE.read_text())
    assert isinstance(data, dict)
    return data


def dockerfile_instructions() -> list[tuple[str, str]]:
    """(INSTRUCTION, arguments) per instruction, continuation lines joined, comments dropped."""
    text = re.sub(r"\\\n", " ", DOCKERFILE.read_text())
    out = []
    for line in text.splitlines():
        line = line.strip()
        if line and not line.startswith("#"):
            word, _, rest = line.partition(" ")
            out.append((word.upper(), rest.strip()))
    return out


def dockerfile_cmd() -> list[str]:
    cmds = [args for word, args in dockerfile_instructions() if word == "CMD"]
    assert cmds, "the Dockerfile has no CMD"
    argv = json.loads(cmds[-1])  # exec form: a JSON array
    assert isinstance(argv, list) and all(isinstance(a, str) for a in argv)
    return argv


def argv_of(command: str | list[str]) -> list[str]:
    return shlex.split(command) if isinstance(command, str) else list(command)


def hub_commands() -> list[list[str]]:
    """Every command line a hub container runs: each hub's `command:`, else the image's CMD."""
    services = compose()["services"]
    return [
        argv_of(services[hub]["command"]) if "command" in services[hub] else dockerfile_cmd()
        for hub in HUBS
    ]


def env_of(service: dict[str, Any]) -> dict[str, str]:
    env = service.get("environment", {})
    if isinstance(env, list):
        return dict(item.partition("=")[::2] for item in env)
    return {str(k): str(v) for k, v in env.items()}


def healthcheck_text(service: dict[str, Any]) -> str:
    test = service.get("healthcheck", {}).get("test", [])
    return " ".join(test) if isinstance(test, list) else str(test)


def test_compose_parses_with_redis_two_hubs_and_a_proxy() -> None:
    data = compose()
    services = data["services"]
    assert {"redis", *HUBS} <= set(services)
    proxies = [s for s in services.values() if "nginx" in str(s.get("image", ""))]
    assert len(proxies) == 1, "one nginx service in front of the hubs"

    redis = services["redis"]
    assert str(redis["image"]).split(":")[0] == "redis"
    assert str(redis["image"]).split(":")[1].startswith("7")
    redis_argv = " ".join(argv_of(redis["command"]))
    assert "--appendonly yes" in redis_argv
    assert "--appendfsync always" in redis_argv
    volume = redis["volumes"][0].split(":")
    assert volume[1] == "/data"
    assert volume[0] in (data.get("volumes") or {}), "a named volume, declared at the top"


def test_hubs_are_built_here_and_talk_to_the_compose_redis() -> None:
    services = compose()["services"]
    for hub in HUBS:
        service = services[hub]
        assert "build" in service, f"{hub} is built from the Dockerfile"
        env = env_of(service)
        assert env["REDIS_URL"] == "redis://redis:6379/0"
        assert "HALL_ADMIN_TOKEN" in env and "${HALL_ADMIN_TOKEN" in env["HALL_ADMIN_TOKEN"]
        assert "/healthz" in healthcheck_text(service)
        assert service["depends_on"]["redis"]["condition"] == "service_healthy"


def test_hubs_keep_their_records_in_the_compose_postgres() -> None:
    data = compose()
    services = data["services"]
    postgres = services["postgres"]
    assert str(postgres["image"]).split(":")[0] == "postgres"
    volume = postgres["volumes"][0].split(":")
    assert volume[1] == "/var/lib/postgresql/data"
    assert volume[0] in (data.get("volumes") or {}), "a named volume, declared at the top"
    assert "pg_isready" in healthcheck_text(postgres)
    db = env_of(postgres)
    for hub in HUBS:
        service = services[hub]
        url = env_of(service)["DATABASE_URL"]
        assert url.startswith(f"postgresql://{db['POSTGRES_USER']}:${{POSTGRES_PASSWORD")
        assert url.endswith(f"@postgres:5432/{db['POSTGRES_DB']}")
        assert service["depends_on"]["postgres"]["condition"] == "service_healthy"


def test_hub_environment_names_only_variables_something_reads() -> None:
    settings_source = (ROOT / "hall" / "settings.py").read_text()
    cli_source = (ROOT / "hall" / "cli.py").read_text()
    known = set(re.findall(r"os\.environ\.get\(\s*\"([A-Z_]+)\"", settings_source))
    known |= set(re.findall(r"envvar=\"([A-Z_]+)\"", cli_source))
    known |= {"FORWARDED_ALLOW_IPS"}  # uvicorn's own
    assert {"HALL_ADMIN_TOKEN", "REDIS_URL"} <= known
    services = compose()["services"]
    for hub in HUBS:
        unknown = set(env_of(services[hub])) - known
        assert not unknown, f"{hub} sets variables nothing reads (a typo?): {unknown}"


@pytest.mark.parametrize("argv", hub_commands(), ids=HUBS)
def test_every_hub_command_exists_in_the_cli(argv: list[str]) -> None:
    assert argv[0] == "hall"
    assert isinstance(main, click.Group)
    name = argv[1]
    command = main.commands.get(name)
    assert command is not None, f"`hall {name}` is not a command"
    result = CliRunner().invoke(main, [name, "--help"])
    assert result.exit_code == 0, result.output
    known = {opt for param in command.params for opt in param.opts}
    used = {arg.split("=")[0] for arg in argv[2:] if arg.startswith("--")}
    assert used <= known, f"options `hall {name}` does not have: {used - known}"
    if name == "serve":
        assert argv[argv.index("--host") + 1] == "0.0.0.0", "reachable from the proxy"
        assert argv[argv.index("--port") + 1] == "8000"


def test_dockerfile_builds_the_package_and_runs_as_a_user() -> None:
    instructions = dockerfile_instructions()
    assert instructions[0] == ("FROM", "python:3.11-slim")
    assert any(word == "RUN" and "pip install ." in args for word, args in instructions)
    assert ("EXPOSE", "8000") in instructions
    users = [args.split(":")[0] for word, args in instructions if word == "USER"]
    assert users, "the image must not run as root"
    assert users[-1] not in ("root", "0")
    assert dockerfile_cmd()[:2] == ["hall", "serve"]


def test_dockerfile_copies_what_the_wheel_needs_and_dockerignore_keeps_it() -> None:
    copied = []
    for word, args in dockerfile_instructions():
        if word == "COPY" and not args.startswith("--from"):
            copied += args.split()[:-1]
    for needed in ("pyproject.toml", "README.md", "hall", "templates", "static"):
        assert needed in copied, f"the wheel needs {needed}"
    ignored = {
        line.strip().rstrip("/")
        for line in DOCKERIGNORE.read_text().splitlines()
        if line.strip() and not line.startswith("#")
    }
    for path in copied:
        assert (ROOT / path).exists(), f"COPY {path}: no such file"
        assert path not in ignored, f".dockerignore leaves {path} out of the build context"


def test_nginx_balances_both_hubs_and_upgrades_websockets() -> None:
    services = compose()["services"]
    proxy = next(s for s in services.values() if "nginx" in str(s.get("image", "")))
    mounted = [v.split(":")[0] for v in proxy["volumes"]]
    assert "./deploy/nginx.conf" in mounted
    assert "/healthz" in healthcheck_text(proxy)

    conf = re.sub(r"#.*", "", NGINX.read_text())
    directives = {" ".join(d.split()) for d in conf.split(";")}

    def has(directive: str) -> bool:
        return any(d.endswith(directive) for d in directives)

    assert has("server hub1:8000") or any("server hub1:8000 " in d for d in directives)
    assert has("server hub2:8000") or any("server hub2:8000 " in d for d in directives)
    assert has("proxy_http_version 1.1")
    assert has("proxy_set_header Upgrade $http_upgrade")
    connection = [d for d in directives if "proxy_set_header Connection" in d]
    assert connection, "the Connection header must be passed for the upgrade"
    assert "upgrade" in connection[0] or "$connection_upgrade" in connection[0]
    timeouts = re.findall(r"proxy_read_timeout\s+(\d+)(s|m|h)?", conf)
    assert timeouts, "websockets need a long read timeout"
    seconds = int(timeouts[0][0]) * {"": 1, "s": 1, "m": 60, "h": 3600}[timeouts[0][1]]
    assert seconds >= 600

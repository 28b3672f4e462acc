"""Settings fail loudly on bad values; production passes Django's deployment checks."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from django.core.exceptions import ImproperlyConfigured

from config.settings.env import env_bool, env_int, env_list, env_str

ROOT = Path(__file__).resolve().parents[1]


def test_env_helpers_read_values_and_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    secret = tmp_path / "secret"
    secret.write_text("from-a-file\n")
    monkeypatch.setenv("TIPLINE_X_FILE", str(secret))
    monkeypatch.setenv("TIPLINE_FLAG", "yes")
    monkeypatch.setenv("TIPLINE_N", "42")
    monkeypatch.setenv("TIPLINE_L", "en, es,,fr")
    assert env_str("TIPLINE_X") == "from-a-file"
    assert env_bool("TIPLINE_FLAG", False) is True
    assert env_int("TIPLINE_N", 1) == 42
    assert env_list("TIPLINE_L", []) == ["en", "es", "fr"]
    assert env_str("TIPLINE_MISSING", "fallback") == "fallback"


@pytest.mark.parametrize(
    ("call", "value"),
    [
        (lambda: env_bool("TIPLINE_BAD", False), "maybe"),
        (lambda: env_int("TIPLINE_BAD", 1), "ten"),
        (lambda: env_int("TIPLINE_BAD", 1, minimum=5), "2"),
        (lambda: env_str("TIPLINE_BAD"), ""),
    ],
)
def test_env_helpers_fail_loudly(monkeypatch: pytest.MonkeyPatch, call, value: str) -> None:  # noqa: ANN001
    monkeypatch.setenv("TIPLINE_BAD", value)
    with pytest.raises(ImproperlyConfigured):
        call()


def _production_env(**overrides: str) -> dict[str, str]:
    keep = {k: v for k, v in os.environ.items() if not k.startswith(("DJANGO_", "TIPLINE_", "DATABASE_", "REDIS_", "CELERY_"))}
    return {
        **keep,
        "DJANGO_SETTINGS_MODULE": "config.settings.production",
        "DJANGO_SECRET_KEY": Fernet.generate_key().decode() * 2,
        "DJANGO_ALLOWED_HOSTS": "tips.example.org",
        "DATABASE_URL": "postgres://postgres@127.0.0.1:5432/postgres",
        "REDIS_URL": "redis://127.0.0.1:6379/14",
        "CELERY_BROKER_URL": "redis://127.0.0.1:6379/15",
        "TIPLINE_HMAC_KEY": "a-long-random-production-key",
        "TIPLINE_HANDLE_KEYS": Fernet.generate_key().decode(),
        **overrides,
    }


def _manage(*args: str, env: dict[str, str]) -> subprocess.CompletedProcess[str]:
    return subprocess.run([sys.executable, "manage.py", *args], cwd=ROOT, env=env, capture_output=True, text=True, timeout=120)


def test_production_settings_pass_the_deployment_checks() -> None:
    result = _manage("check", "--deploy", "--fail-level", "WARNING", env=_production_env())
    assert result.returncode == 0, result.stderr
    assert "no issues" in result.stdout


@pytest.mark.parametrize("missing", ["DJANGO_SECRET_KEY", "TIPLINE_HMAC_KEY", "TIPLINE_HANDLE_KEYS", "DATABASE_URL", "DJANGO_ALLOWED_HOSTS"])
def test_production_refuses_to_start_without_a_secret_or_setting(missing: str) -> None:
    env = _production_env()
    del env[missing]
    result = _manage("check", env=env)
    assert result.returncode != 0 and "ImproperlyConfigured" in result.stderr

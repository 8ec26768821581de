"""The manifests set every institution setting: the example bank in dev (development mode), the
bank's own in prod (production mode, placeholders refused until the bank fills them in)."""

from __future__ import annotations

from typing import Any

import pytest

from services.notifier.domain.institution import (
    EXAMPLE_INSTITUTION,
    FIELD_OF,
    InstitutionTexts,
    check_institution,
    example_values,
)
from services.notifier.settings import Settings
from tests.deploy.manifests import DEPLOY, render
from tests.unit.notifier.domain.test_institution import REAL, SENDER

PREFIX = "DUNWELL_NOTIFIER_"
EVERY_SETTING = {
    f"{PREFIX}INSTITUTION__{locale.upper()}__{field.upper()}"
    for locale in FIELD_OF.values()
    for field in InstitutionTexts.model_fields
} | {PREFIX + "SMS_SIGN_NAME", PREFIX + "MAIL_FROM"}


def notifier_env(overlay: str) -> dict[str, str]:
    """The notifier container's plain env and its notifier-institution ConfigMap."""
    docs = render(DEPLOY / "overlays" / overlay)
    [deployment] = [
        d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == "notifier"
    ]
    container: dict[str, Any] = deployment["spec"]["template"]["spec"]["containers"][0]
    [ref] = [
        s["configMapRef"]["name"]
        for s in container["envFrom"]
        if s.get("configMapRef", {}).get("name", "").startswith("notifier-institution")
    ]
    [config] = [d for d in docs if d["kind"] == "ConfigMap" and d["metadata"]["name"] == ref]
    plain = {e["name"]: e["value"] for e in container["env"] if "value" in e}
    return {**config["data"], **plain}


def settings_from(env: dict[str, str], monkeypatch: pytest.MonkeyPatch) -> Settings:
    for name, value in env.items():
        if name.startswith(PREFIX):
            monkeypatch.setenv(name, value)
    return Settings()


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_every_institution_setting_is_set_by_the_overlay(overlay: str) -> None:
    assert set(notifier_env(overlay)) >= EVERY_SETTING


@pytest.mark.parametrize("overlay", ["dev", "prod"])
def test_the_verification_page_names_the_bank_from_the_same_config_map(overlay: str) -> None:
    docs = render(DEPLOY / "overlays" / overlay)
    [audit] = [d for d in docs if d["kind"] == "StatefulSet" and d["metadata"]["name"] == "audit"]
    env = audit["spec"]["template"]["spec"]["containers"][0]["env"]
    for locale in ("ZH_CN", "EN"):
        for field in ("NAME", "OFFICIAL_HOTLINE"):
            wanted = f"DUNWELL_AUDIT_INSTITUTION__{locale}__{field}"
            [entry] = [e for e in env if e["name"] == wanted]
            ref = entry["valueFrom"]["configMapKeyRef"]
            assert ref["key"] == PREFIX + f"INSTITUTION__{locale}__{field}"
            assert any(
                d["kind"] == "ConfigMap" and d["metadata"]["name"] == ref["name"] for d in docs
            )


def test_dev_runs_the_example_bank_in_development_mode(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = settings_from(notifier_env("dev"), monkeypatch)
    assert settings.environment == "development"
    assert settings.institution == EXAMPLE_INSTITUTION
    check_institution(
        settings.environment,
        settings.institution,
        sms_sign_name=settings.sms_sign_name,
        mail_from=settings.mail_from,
    )


def test_prod_refuses_to_start_until_the_bank_fills_in_every_value(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    env = notifier_env("prod")
    assert env[PREFIX + "ENVIRONMENT"] == "production"
    placeholders = {k: v for k, v in env.items() if k in EVERY_SETTING}
    assert all(v.startswith("FILL-IN") for v in placeholders.values()), placeholders
    settings = settings_from(env, monkeypatch)
    problems = example_values(
        settings.institution, sms_sign_name=settings.sms_sign_name, mail_from=settings.mail_from
    )
    assert sorted(p.split()[0] for p in problems) == sorted(EVERY_SETTING)


def test_prod_starts_once_the_bank_has_filled_them_in(monkeypatch: pytest.MonkeyPatch) -> None:
    filled = {
        f"{PREFIX}INSTITUTION__{attr.upper()}__{field.upper()}": value
        for locale, attr in FIELD_OF.items()
        for field, value in REAL.texts(locale).model_dump().items()
    } | {
        PREFIX + "SMS_SIGN_NAME": SENDER["sms_sign_name"],
        PREFIX + "MAIL_FROM": SENDER["mail_from"],
    }
    settings = settings_from(notifier_env("prod") | filled, monkeypatch)
    assert settings.institution == REAL
    check_institution(
        settings.environment,
        settings.institution,
        sms_sign_name=settings.sms_sign_name,
        mail_from=settings.mail_from,
    )

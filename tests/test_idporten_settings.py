"""The IDPORTEN_* settings: production starts and `check --deploy` stays
clean without them (no round may use ID-porten then), and once the issuer is
set the app refuses to start without the rest of the client."""

import pytest

from tests.cluster import PRODUCTION_ENV, manage
from tests.idporten_provider import make_client_key

DEPLOY_ENV = {
    **PRODUCTION_ENV,
    "DJANGO_SECRET_KEY": "k7Qz-2mVx9_Lp4RwTt8NbYc3HsJd6FgA1eUiOo5Kq0ZlMnBvCxWy",
}
ISSUER = {"IDPORTEN_ISSUER": "https://test.idporten.no", "IDPORTEN_CLIENT_ID": "imdi-stem"}

PRINT = (
    "from django.conf import settings; from voting import idporten; "
    "print(idporten.configured(), settings.IDPORTEN_CLIENT_AUTH, settings.IDPORTEN_ACR_VALUES, "
    "settings.IDPORTEN_REDIRECT_URL, settings.IDPORTEN_POST_LOGOUT_REDIRECT_URL)"
)


@pytest.fixture
def key_file(tmp_path) -> dict[str, str]:
    key = make_client_key(tmp_path, kid="imdi-stem-2026")
    return {"IDPORTEN_PRIVATE_KEY_FILE": str(key.pem_path), "IDPORTEN_KEY_ID": key.kid}


def test_check_deploy_is_clean_without_idporten():
    result = manage("check", "--deploy", "--fail-level", "WARNING", env=DEPLOY_ENV)

    assert result.returncode == 0, result.stdout + result.stderr
    shown = manage("shell", "-c", PRINT, env=PRODUCTION_ENV)
    assert shown.stdout.splitlines()[-1].split()[0] == "False"


def test_check_deploy_is_clean_with_idporten_set_up(key_file):
    result = manage(
        "check", "--deploy", "--fail-level", "WARNING", env={**DEPLOY_ENV, **ISSUER, **key_file}
    )

    assert result.returncode == 0, result.stdout + result.stderr


def test_the_defaults_follow_digdirs_rules_and_the_public_address(key_file):
    shown = manage("shell", "-c", PRINT, env={**PRODUCTION_ENV, **ISSUER, **key_file})

    assert shown.returncode == 0, shown.stderr
    assert shown.stdout.splitlines()[-1].split() == [
        "True",
        "private_key_jwt",
        "idporten-loa-substantial",
        "https://stem.imdi.no/idporten/callback/",
        "https://stem.imdi.no/idporten/logged-out/",
    ]


def test_a_client_secret_may_stand_for_the_key():
    env = {
        **PRODUCTION_ENV,
        **ISSUER,
        "IDPORTEN_CLIENT_AUTH": "client_secret_post",
        "IDPORTEN_CLIENT_SECRET": "a-secret-from-digdir",
    }

    assert manage("check", env=env).returncode == 0


@pytest.mark.parametrize(
    ("changes", "message"),
    [
        ({"IDPORTEN_CLIENT_ID": ""}, "IDPORTEN_CLIENT_ID must be set"),
        ({"IDPORTEN_KEY_ID": ""}, "IDPORTEN_PRIVATE_KEY_FILE and IDPORTEN_KEY_ID must be set"),
        ({"IDPORTEN_PRIVATE_KEY_FILE": "/nowhere/key.pem"}, "is not a file"),
        ({"IDPORTEN_CLIENT_AUTH": "client_secret_basic"}, "private_key_jwt or client_secret_post"),
        ({"IDPORTEN_CLIENT_AUTH": "client_secret_post"}, "IDPORTEN_CLIENT_SECRET must be set"),
        ({"IDPORTEN_ACR_VALUES": "idporten-loa-low"}, "idporten-loa-substantial or"),
    ],
)
def test_an_issuer_without_the_rest_of_the_client_stops_the_app(key_file, changes, message):
    result = manage("check", env={**PRODUCTION_ENV, **ISSUER, **key_file, **changes})

    assert result.returncode != 0
    assert message in result.stderr

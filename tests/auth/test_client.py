"""The real openEO Python client against the live server: basic and OIDC client credentials."""

from __future__ import annotations

import openeo
import pytest
from openeo.rest import OpenEoApiError
from openeo.rest.auth.oidc import OidcException

from backend.auth.settings import DEV_CLIENT_ID, DEV_CLIENT_SECRET


def connect(server) -> openeo.Connection:
    return openeo.connect(server.url + "/openeo/1.2/")


def test_basic_login_and_describe_account(live_server, users):
    con = connect(live_server).authenticate_basic("alice", users["alice"])
    account = con.describe_account()
    assert account["user_id"] == "alice"
    assert account["name"] == "alice"


def test_basic_login_with_a_wrong_password_fails_cleanly(live_server, users):
    with pytest.raises(OpenEoApiError) as caught:
        connect(live_server).authenticate_basic("alice", "not-her-password")
    assert caught.value.http_status_code == 403
    assert caught.value.code == "CredentialsInvalid"


def test_oidc_client_credentials_with_the_dev_issuer(live_server):
    con = connect(live_server).authenticate_oidc_client_credentials(
        client_id=DEV_CLIENT_ID, client_secret=DEV_CLIENT_SECRET, provider_id="dev"
    )
    assert con.describe_account()["user_id"] == f"dev~{DEV_CLIENT_ID}"


def test_oidc_client_credentials_with_a_wrong_secret_fails(live_server):
    with pytest.raises(OidcException, match="invalid_client"):
        connect(live_server).authenticate_oidc_client_credentials(
            client_id=DEV_CLIENT_ID, client_secret="wrong", provider_id="dev"
        )


def test_anonymous_describe_account_is_refused(live_server):
    with pytest.raises(OpenEoApiError) as caught:
        connect(live_server).describe_account()
    assert caught.value.code == "AuthenticationRequired"

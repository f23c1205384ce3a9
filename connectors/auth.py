"""How a rest connector proves who it is: one small config model and one authenticator per type.

Secrets are resolved through the connector's resolver each time they are needed, so a rotated key
file is picked up without a restart and no secret sits in a config object.
"""

from __future__ import annotations

import base64
from typing import TYPE_CHECKING, Annotated, Any, Literal
from urllib.parse import parse_qsl, urlencode, urlsplit, urlunsplit

from pydantic import Field, model_validator

from connectors.base import SecretResolver
from connectors.config_blocks import StrictModel, check_secret_ref, require_secret
from connectors.errors import FatalError
from connectors.http import Clock, HttpClient, RequestAuth

if TYPE_CHECKING:
    import requests  # for annotations: an authenticator is handed requests' own objects


class NoAuth(StrictModel):
    type: Literal["none"] = "none"

    def build(self, secrets: SecretResolver, client: HttpClient) -> RequestAuth:
        return RequestAuth()


class ApiKeyAuth(StrictModel):
    """A key sent in a header (default `X-API-Key`) or, where an API insists, a query parameter."""

    type: Literal["api_key"]
    send_in: Literal["header", "query"] = "header"
    name: str = Field(
        default="X-API-Key",
        min_length=1,
        description="the header (or query parameter) the key is sent in",
        examples=["X-API-Key"],
    )
    api_key_env: str | None = None
    api_key_file: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_reference(cls, values: Any) -> Any:
        return check_secret_ref(values, "api_key")

    def build(self, secrets: SecretResolver, client: HttpClient) -> RequestAuth:
        return ApiKeyAuthenticator(self, secrets)


class BearerAuth(StrictModel):
    """A long-lived token issued by the LA's API gateway."""

    type: Literal["bearer"]
    token_env: str | None = None
    token_file: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_reference(cls, values: Any) -> Any:
        return check_secret_ref(values, "token")

    def build(self, secrets: SecretResolver, client: HttpClient) -> RequestAuth:
        return BearerAuthenticator(self, secrets)


class BasicAuth(StrictModel):
    type: Literal["basic"]
    username: str = Field(min_length=1)
    password_env: str | None = None
    password_file: str | None = None

    @model_validator(mode="before")
    @classmethod
    def _one_reference(cls, values: Any) -> Any:
        return check_secret_ref(values, "password")

    def build(self, secrets: SecretResolver, client: HttpClient) -> RequestAuth:
        return BasicAuthenticator(self, secrets)


class OAuth2ClientCredentials(StrictModel):
    """OAuth 2.0 client credentials grant (RFC 6749 4.4); the token lives in memory only."""

    type: Literal["oauth2_client_credentials"]
    token_url: str = Field(pattern=r"^https?://")
    client_id: str = Field(min_length=1)
    client_secret_env: str | None = None
    client_secret_file: str | None = None
    scope: str | None = None
    client_auth: Literal["body", "basic"] = "body"
    refresh_margin_seconds: float = Field(default=60, ge=0, description="refresh this long before expiry")

    @model_validator(mode="before")
    @classmethod
    def _one_reference(cls, values: Any) -> Any:
        return check_secret_ref(values, "client_secret")

    def build(self, secrets: SecretResolver, client: HttpClient) -> RequestAuth:
        return OAuth2Authenticator(self, secrets, client)


AuthConfig = Annotated[
    NoAuth | ApiKeyAuth | BearerAuth | BasicAuth | OAuth2ClientCredentials, Field(discriminator="type")
]


class ApiKeyAuthenticator(RequestAuth):
    def __init__(self, config: ApiKeyAuth, secrets: SecretResolver) -> None:
        self.config = config
        self.secrets = secrets

    def apply(self, request: requests.PreparedRequest) -> None:
        key = require_secret(self.secrets, self.config.api_key_env, self.config.api_key_file, "API key")
        if self.config.send_in == "header":
            request.headers[self.config.name] = key
        else:
            # Replace rather than add: a next-page link may already echo the parameter.
            request.prepare_url(
                strip_query_params(request.url or "", {self.config.name}), {self.config.name: key}
            )

    def secret_params(self) -> set[str]:
        return {self.config.name} if self.config.send_in == "query" else set()


class BearerAuthenticator(RequestAuth):
    def __init__(self, config: BearerAuth, secrets: SecretResolver) -> None:
        self.config = config
        self.secrets = secrets

    def apply(self, request: requests.PreparedRequest) -> None:
        token = require_secret(self.secrets, self.config.token_env, self.config.token_file, "bearer token")
        request.headers["Authorization"] = f"Bearer {token}"


class BasicAuthenticator(RequestAuth):
    def __init__(self, config: BasicAuth, secrets: SecretResolver) -> None:
        self.config = config
        self.secrets = secrets

    def apply(self, request: requests.PreparedRequest) -> None:
        password = require_secret(
            self.secrets, self.config.password_env, self.config.password_file, "password"
        )
        request.headers["Authorization"] = basic_header(self.config.username, password)


class OAuth2Authenticator(RequestAuth):
    """Fetches a token when none is held, when it is about to expire, and once after a 401."""

    def __init__(self, config: OAuth2ClientCredentials, secrets: SecretResolver, client: HttpClient) -> None:
        self.config = config
        self.secrets = secrets
        self.client = client
        self._token: str | None = None
        self._expires_at = 0.0

    @property
    def clock(self) -> Clock:
        return self.client.clock

    def apply(self, request: requests.PreparedRequest) -> None:
        if self._token is None or self.clock() >= self._expires_at - self.config.refresh_margin_seconds:
            self._fetch()
        request.headers["Authorization"] = f"Bearer {self._token}"

    def refresh(self) -> bool:
        self._token = None
        return True

    def _fetch(self) -> None:
        secret = require_secret(
            self.secrets, self.config.client_secret_env, self.config.client_secret_file, "client secret"
        )
        form = {"grant_type": "client_credentials"}
        if self.config.scope:
            form["scope"] = self.config.scope
        basic: tuple[str, str] | None = None
        if self.config.client_auth == "basic":
            basic = (self.config.client_id, secret)
        else:
            form.update(client_id=self.config.client_id, client_secret=secret)
        asked_at = self.clock()
        reply = self.client.send("POST", self.config.token_url, data=form, basic=basic)
        body = reply.body if isinstance(reply.body, dict) else {}
        token = body.get("access_token")
        if not isinstance(token, str) or not token:
            raise FatalError("the token endpoint answered without an access_token")
        expires_in = body.get("expires_in", 3600)
        try:
            lifetime = float(expires_in)
        except (TypeError, ValueError):
            lifetime = 3600.0
        self._token = token
        self._expires_at = asked_at + lifetime


def basic_header(username: str, password: str) -> str:
    pair = f"{username}:{password}".encode()
    return "Basic " + base64.b64encode(pair).decode("ascii")


def strip_query_params(url: str, names: set[str]) -> str:
    """The URL without the named query parameters, e.g. a key an API echoed into a next-page link."""
    if not names:
        return url
    parts = urlsplit(url)
    kept = [(k, v) for k, v in parse_qsl(parts.query, keep_blank_values=True) if k not in names]
    return urlunsplit(parts._replace(query=urlencode(kept)))

"""Response checks: what a status means, what a body holds, and where its records sit."""

from __future__ import annotations

import typing as t
from http import HTTPStatus
from urllib.parse import urlparse

import msgspec
from singer_sdk.exceptions import RetriableAPIError
from typing_extensions import override

from tap_core.errors import APIError, AuthError, PlanGatedError
from tap_core.http import HttpStream, InvalidBodyError, body_excerpt
from tap_core.paging import records_in

if t.TYPE_CHECKING:
    import requests

PAYLOAD_ATTR = "_tap_core_payload"

_decode = msgspec.json.Decoder().decode


class CheckedResponses(HttpStream):
    """Answers turned into records, or into the error that says what went wrong."""

    # Statuses that mean "this account's plan does not include the endpoint".
    gated_statuses: t.ClassVar[frozenset[int]] = frozenset()

    # Statuses that mean "the key is not accepted": fatal for the whole run.
    auth_statuses: t.ClassVar[frozenset[int]] = frozenset({HTTPStatus.UNAUTHORIZED})

    records_keys: t.ClassVar[tuple[str, ...]] = ()

    single_object: t.ClassVar[bool] = False

    #: Envelope key holding the total number of records, where the API gives one: pages are
    #: then fetched ahead exactly up to the last.
    total_key: t.ClassVar[str | None] = None

    def auth_failure_message(self, endpoint: str, status: int) -> str:
        return (
            f"{self.run.vendor} rejected the API key ({status} on {endpoint}). "
            f"Check the api_key setting ({self.run.env_var('api_key')})."
        )

    @override
    def validate_response(self, response: requests.Response) -> None:
        status = response.status_code
        endpoint = self.endpoint_of(response)
        if status == HTTPStatus.TOO_MANY_REQUESTS or status >= HTTPStatus.INTERNAL_SERVER_ERROR:
            self.pause_for_server(response)
            raise RetriableAPIError(f"{endpoint} answered {status}", response)
        if status in self.auth_statuses:
            raise AuthError(self.auth_failure_message(endpoint, status))
        if status in self.gated_statuses:
            raise PlanGatedError(endpoint, status, body_excerpt(response))
        if HTTPStatus.MULTIPLE_CHOICES <= status < HTTPStatus.BAD_REQUEST:
            target = urlparse(response.headers.get("Location", "")).netloc or "elsewhere"
            msg = (
                f"{endpoint} redirected ({status}) to {target}; redirects are not followed "
                "so the key never travels. Set api_url to the address the API really serves."
            )
            raise APIError(msg)
        if status >= HTTPStatus.BAD_REQUEST:
            raise APIError(self.client_error_message(endpoint, response))
        self.observe_rate_headers(response)
        self.payload(response)

    def client_error_message(self, endpoint: str, response: requests.Response) -> str:
        """The line for a 4xx that is neither auth nor a plan gate."""
        return f"{endpoint} answered {response.status_code}: {body_excerpt(response)}"

    def payload(self, response: requests.Response) -> t.Any:
        """The response's JSON, parsed once; a body that is not JSON is a retriable error."""
        if hasattr(response, PAYLOAD_ATTR):
            return getattr(response, PAYLOAD_ATTR)
        try:
            parsed = _decode(response.content)
        except (ValueError, msgspec.DecodeError):
            kind = response.headers.get("Content-Type", "no content type").split(";")[0]
            msg = (
                f"{self.endpoint_of(response)} answered {response.status_code} with a body "
                f"that is not JSON ({kind}, {len(response.content)} bytes)"
            )
            raise InvalidBodyError(msg, response) from None
        setattr(response, PAYLOAD_ATTR, parsed)
        return parsed

    def records_of(self, response: requests.Response) -> list[dict[str, t.Any]]:
        return records_in(
            self.payload(response),
            self.endpoint_of(response),
            keys=self.records_keys,
            single_object=self.single_object,
        )

    def total_of(self, response: requests.Response) -> int | None:
        payload = self.payload(response)
        value = payload.get(self.total_key) if self.total_key and isinstance(payload, dict) else None
        return int(value) if isinstance(value, (int, str)) and str(value).strip().isdigit() else None

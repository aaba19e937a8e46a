"""GraphQL over HTTP (graphql/graphql-over-http, the current draft): media types, request
checks, status codes.

The status says what happened, for every client (the draft dropped the old always-200
rule for `application/json`; legacy clients get the same codes):

- a response without `data` (a request error) is a 4xx: 400 when the document does not
  parse, 422 when it does not validate (our cost limit included), when the operation
  cannot be determined or its variables cannot be coerced, 429 when throttled (5xx for
  an internal failure);
- a response with `data` is 2xx: 200 without errors; with field errors (even with a null
  `data`) 294 "partial success" in `application/graphql-response+json`, 200 in
  `application/json` (the draft recommends 294 only with its own media type).

`Accept` picks the media type of a 2xx answer; a non-2xx answer is always
`application/graphql-response+json`, so a client can tell our GraphQL response from a
proxy's error page. A request that is not a well-formed GraphQL-over-HTTP request gets
400 when its body is not JSON and 422 when the JSON is not a request (not an object, a
batch, a parameter missing or of the wrong type); another media type 415. Our
protections (body size, query length, execution time) and the persisted-query protocol
keep their own status codes (docs/api.md, "Errors").
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any

import orjson
from cross_web import HTTPException
from graphql import GraphQLError
from starlette.responses import Response
from strawberry.http import GraphQLRequestData
from strawberry.types import ExecutionResult

GRAPHQL_RESPONSE_JSON = "application/graphql-response+json"
APPLICATION_JSON = "application/json"
# With no Accept header, or only wildcards, legacy clients (Apollo Client 3 sends `*/*`,
# browsers' fetch too) get application/json and its always-200 behaviour.
DEFAULT_MEDIA_TYPE = APPLICATION_JSON
SUPPORTED = (APPLICATION_JSON, GRAPHQL_RESPONSE_JSON)

# Apollo's codes where Apollo has one, so clients and partners see familiar names.
BAD_REQUEST = "BAD_REQUEST"
PARSE_FAILED = "GRAPHQL_PARSE_FAILED"
OPERATION_RESOLUTION_FAILURE = "OPERATION_RESOLUTION_FAILURE"
OPERATION_NOT_SUPPORTED = "OPERATION_NOT_SUPPORTED"
METHOD_NOT_ALLOWED = "METHOD_NOT_ALLOWED"
UNSUPPORTED_MEDIA_TYPE = "UNSUPPORTED_MEDIA_TYPE"
QUERY_TOO_LONG = "QUERY_TOO_LONG"
TIMEOUT = "TIMEOUT"
PERSISTED_QUERY_NOT_FOUND = "PERSISTED_QUERY_NOT_FOUND"
OPERATION_NOT_TRUSTED = "OPERATION_NOT_TRUSTED"

PARTIAL_SUCCESS = 294  # the draft's own code: data and errors together
UNPROCESSABLE = 422  # well-formed JSON, but not a GraphQL-over-HTTP request / not valid

# Request errors whose status breaks the rules above: the persisted-query miss is 200
# because Apollo Client disables APQ on a 400 and urql and Apollo retry on it as an
# ordinary result (Apollo Server answers it so too); a refused untrusted operation is
# the server forbidding the request (403), as the draft allows.
FIXED_STATUS = {PERSISTED_QUERY_NOT_FOUND: 200, OPERATION_NOT_TRUSTED: 403}
# Any other request error (validation, operation resolution, variable coercion, cost,
# a subscription over HTTP) is a 422.
REQUEST_ERROR_STATUS = {PARSE_FAILED: 400, "THROTTLED": 429, "INTERNAL_SERVER_ERROR": 500}


class GraphQLHTTPError(HTTPException):
    """A refusal before any GraphQL response exists; answered as `{"errors": [...]}`."""

    def __init__(
        self, status_code: int, message: str, code: str, headers: Mapping[str, str] | None = None
    ) -> None:
        super().__init__(status_code, message)
        self.code = code
        self.headers = dict(headers or {})


@lru_cache(maxsize=256)  # clients send a few Accept headers, the same every request
def negotiate(accept: str | None) -> str | None:
    """The media type to answer in, or None when the client accepts neither (406).

    RFC 9110 rules: each type takes the quality of the most specific range matching it,
    the highest quality wins; between equals a type the client named beats a wildcard,
    and when the client named both, the spec's preferred graphql-response+json wins.
    """
    if accept is None or not accept.strip():
        return DEFAULT_MEDIA_TYPE
    scores: dict[str, tuple[float, int]] = {}
    for part in accept.split(","):
        media_range, _, parameters = part.strip().partition(";")
        media_range = media_range.strip().lower()
        quality = _quality(parameters)
        for media_type in SUPPORTED:
            specificity = _specificity(media_range, media_type)
            if specificity >= 0 and specificity >= scores.get(media_type, (0.0, -1))[1]:
                scores[media_type] = (quality, specificity)
    ranked = [
        (quality, specificity, media_type == GRAPHQL_RESPONSE_JSON and specificity == 2, media_type)
        for media_type, (quality, specificity) in scores.items()
        if quality > 0
    ]
    if not ranked:
        return None
    # max() keeps the first of equals: SUPPORTED's order makes wildcards mean application/json.
    return max(ranked, key=lambda item: item[:3])[3]


def _specificity(media_range: str, media_type: str) -> int:
    if media_range == media_type:
        return 2
    if media_range == "application/*":
        return 1
    if media_range == "*/*":
        return 0
    return -1


def _quality(parameters: str) -> float:
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "q":
            try:
                return max(0.0, min(1.0, float(value.strip())))
            except ValueError:
                return 0.0
    return 1.0


def request_data_from(data: object) -> GraphQLRequestData:
    """Check a decoded body (or GET parameters) is a well-formed GraphQL-over-HTTP request:
    422 when not (a missing `query` is found later: a persisted query may stand for it)."""
    if isinstance(data, list):
        raise GraphQLHTTPError(
            UNPROCESSABLE, "Batching is not enabled: send one operation.", BAD_REQUEST
        )
    if not isinstance(data, dict):
        raise GraphQLHTTPError(
            UNPROCESSABLE, "The request body must be a JSON object.", BAD_REQUEST
        )
    expected: dict[str, tuple[type, str]] = {
        "query": (str, "a string"),
        "operationName": (str, "a string"),
        "variables": (dict, "an object"),
        "extensions": (dict, "an object"),
    }
    for key, (kind, described) in expected.items():
        if data.get(key) is not None and not isinstance(data[key], kind):
            raise GraphQLHTTPError(
                UNPROCESSABLE, f"`{key}` must be {described} or null.", BAD_REQUEST
            )
    return GraphQLRequestData(
        query=data.get("query"),
        variables=data.get("variables"),
        # An empty operationName is the same as none (the spec says so for GET).
        operation_name=data.get("operationName") or None,
        extensions=data.get("extensions"),
    )


def get_parameters(params: Mapping[str, Any]) -> dict[str, Any]:
    """GET: `variables` and `extensions` arrive JSON-encoded in the query string."""
    data: dict[str, Any] = {key: params.get(key) for key in ("query", "operationName")}
    for key in ("variables", "extensions"):
        raw = params.get(key)
        if raw:
            try:
                data[key] = json.loads(raw)
            except json.JSONDecodeError:
                raise GraphQLHTTPError(
                    UNPROCESSABLE,
                    f"`{key}` must be a JSON object in the query string.",
                    BAD_REQUEST,
                ) from None
    return data


# Every digit made "0": a run of 19 digits is then a plain substring search (a regular
# expression scanned a body ten times slower).
_DIGITS = bytes.maketrans(b"123456789", b"000000000")
_LONG_NUMBER = b"0" * 19


def decode_body(body: bytes) -> object:
    """A body that cannot be parsed as JSON (UTF-8) is a 400, as the draft asks.

    orjson first: 0.6 against 3.4 µs for a `node` request. `json`'s answer stays the
    rule, so what is accepted and how is unchanged: what orjson refuses (`NaN`, a lone
    surrogate, UTF-16) goes to `json`, and so does a body with a run of 19 digits, where
    an integer beyond 64 bits may be (orjson would make it a float)."""
    if _LONG_NUMBER not in body.translate(_DIGITS):
        try:
            return orjson.loads(body)
        except orjson.JSONDecodeError:
            pass
    try:
        return json.loads(body)
    except (json.JSONDecodeError, UnicodeDecodeError):
        raise GraphQLHTTPError(400, "The request body is not valid JSON.", BAD_REQUEST) from None


def check_content_type(content_type: str | None) -> None:
    """POST bodies must be JSON in UTF-8; anything else is 415 (and runs nothing, so a
    cross-site form cannot post a mutation)."""
    media_type, _, parameters = (content_type or "").partition(";")
    media_type = media_type.strip().lower()
    if media_type != APPLICATION_JSON:
        got = f" (got {media_type})" if media_type else " (no Content-Type was sent)"
        raise GraphQLHTTPError(
            415, f"Send GraphQL requests as application/json{got}.", UNSUPPORTED_MEDIA_TYPE
        )
    for parameter in parameters.split(";"):
        name, _, value = parameter.partition("=")
        if name.strip().lower() == "charset" and value.strip().strip('"').lower() != "utf-8":
            raise GraphQLHTTPError(
                415, "GraphQL requests must be encoded in UTF-8.", UNSUPPORTED_MEDIA_TYPE
            )


def request_error(message: str, code: str) -> ExecutionResult:
    """A GraphQL request error (no execution happened), as a response body can carry it."""
    return ExecutionResult(data=None, errors=[GraphQLError(message, extensions={"code": code})])


def is_request_error(result: ExecutionResult) -> bool:
    """Raised before execution (parse, validation, operation, variables, refusals): no data,
    and no error points at a field. A null `data` from a failed non-null root field is a
    field error, and its errors carry a path."""
    errors = result.errors or []
    return result.data is None and bool(errors) and all(e.path is None for e in errors)


def error_codes(result: ExecutionResult) -> list[str]:
    return [str((error.extensions or {}).get("code", "")) for error in result.errors or []]


@dataclass
class Exchange:
    """What one HTTP request negotiated and what its GraphQL result asks of the response."""

    media_type: str
    query: str | None = None  # the document that ran (a persisted one resolved)
    operation_name: str | None = None
    status: int | None = None  # set once a GraphQL result exists
    headers: dict[str, str] = field(default_factory=dict)
    cache_control: str = "private, no-store"

    def settle(self, result: ExecutionResult) -> bool:
        """Choose the status for this result; True when the body must leave out `data`."""
        if not is_request_error(result):
            partial = bool(result.errors) and self.media_type == GRAPHQL_RESPONSE_JSON
            self.status = PARTIAL_SUCCESS if partial else 200
            return False
        codes = error_codes(result)
        fixed = next((FIXED_STATUS[code] for code in codes if code in FIXED_STATUS), None)
        if fixed is not None:
            self.status = fixed
            return True
        self.status = next(
            (REQUEST_ERROR_STATUS[code] for code in codes if code in REQUEST_ERROR_STATUS),
            UNPROCESSABLE,
        )
        if self.status == 429:
            retry = (result.errors or [GraphQLError("")])[0].extensions or {}
            if "retryAfter" in retry:
                self.headers["Retry-After"] = str(retry["retryAfter"])
        return True

    def response(self, body: bytes) -> Response:
        """The GraphQL response, with our media type, status and caching (`settle` first)."""
        assert self.status is not None
        return Response(
            body,
            status_code=self.status,
            headers={"Cache-Control": self.cache_control, **self.headers},
            media_type=f"{self.response_media_type(self.status)}; charset=utf-8",
        )

    def response_media_type(self, status: int) -> str:
        """The negotiated type for a 2xx; graphql-response+json otherwise, whatever the
        client accepted, as the draft asks: only it says "this 4xx is GraphQL's own"."""
        return self.media_type if 200 <= status < 300 else GRAPHQL_RESPONSE_JSON

    def error_response(self, error: HTTPException) -> Response:
        """A refusal as a JSON body with a code (a GraphQL response with a request error)."""
        code = (
            error.code
            if isinstance(error, GraphQLHTTPError)
            else {404: "NOT_FOUND", 405: METHOD_NOT_ALLOWED}.get(error.status_code, BAD_REQUEST)
        )
        headers = error.headers if isinstance(error, GraphQLHTTPError) else {}
        body = {"errors": [{"message": error.reason, "extensions": {"code": code}}]}
        return Response(
            json.dumps(body, ensure_ascii=False, separators=(",", ":")),
            status_code=error.status_code,
            headers={"Cache-Control": "private, no-store", **headers},
            media_type=f"{self.response_media_type(error.status_code)}; charset=utf-8",
        )

"""Checks every response mstr-rest-emulator gave during a conformance run against its contract.

usage: python validate.py [--partial] OPENAPI.yaml EXCHANGES.json

(--partial, for a run of some scenarios only, skips the coverage check and the mutants.)

EXCHANGES.json is written by `mstr-conformance`:
    {"origin": "http://127.0.0.1:PORT", "exchanges": [{"scenario", "seq", "method", "path",
     "query", "headers", "body", "response": {"status", "headers", "body", "bodyError",
     "injectedFault"}}, ...]}
(the shape of `GET /__emulator/requests`, tagged with the scenario that caused each exchange).

For each exchange:
  * a route answer is checked with openapi-core (status documented for the operation, required
    headers present and valid, content type, body schema), and a response documented without
    content must have an empty body;
  * an answer to a path the document does not list is checked against the root extension
    `x-unknown-path-response`, a listed path with an unlisted method against
    `x-method-not-allowed-response`;
  * an answer an injected fault produced is the test's choice: only a JSON body is checked,
    against `FaultError`.
Then every documented operation must have been exercised at least once, and a set of mutated
copies of real exchanges (a missing token header, a wrong error code, an extra field, ...) must
each be rejected, so a validator that accepts everything cannot pass.

Prints a JSON summary on stdout, failures on stderr; exits 1 on any failure.
"""

from __future__ import annotations

import copy
import json
import re
import sys
from http.cookies import SimpleCookie
from urllib.parse import parse_qsl

import jsonschema
import yaml
from openapi_core import OpenAPI
from openapi_core.datatypes import RequestParameters
from openapi_core.templating.paths.exceptions import OperationNotFound, PathNotFound
from werkzeug.datastructures import Headers, ImmutableMultiDict

API_PREFIX = "/MicroStrategyLibrary/api/"
METHODS = ("get", "put", "post", "delete", "patch", "head", "options")


class Request:
    """An exchange's request, in the shape openapi-core reads."""

    def __init__(self, origin: str, exchange: dict):
        self.host_url = origin
        self.path = full_path(exchange["path"])
        self.method = exchange["method"].lower()
        headers = Headers(exchange["headers"])
        cookie = SimpleCookie()
        for value in headers.getlist("cookie"):
            cookie.load(value)
        self.parameters = RequestParameters(
            query=ImmutableMultiDict(parse_qsl(exchange["query"] or "", keep_blank_values=True)),
            header=headers,
            cookie=ImmutableMultiDict({k: v.value for k, v in cookie.items()}),
        )
        self.content_type = (headers.get("content-type") or "").lower()
        self.body = exchange["body"].encode("utf-8")


class Response:
    """An exchange's response, in the shape openapi-core reads."""

    def __init__(self, response: dict):
        self.status_code = response["status"]
        self.headers = Headers(response["headers"])
        self.content_type = (self.headers.get("content-type") or "").lower()
        self.data = response["body"].encode("utf-8")


def full_path(path: str) -> str:
    return path if path.startswith("/") else API_PREFIX + path


def spec_path(path: str) -> str:
    """The key under `paths`: API paths lose their mount, control paths keep theirs."""
    if path.startswith("/"):
        return path.split("?", 1)[0]
    return "/" + path.split("?", 1)[0]


class Contract:
    def __init__(self, document: dict):
        self.document = document
        self.api = OpenAPI.from_dict(document)  # also validates the document itself
        self.templates = []
        for template in document["paths"]:
            pattern = "^" + re.sub(r"\\\{[^/]+?\\\}", "[^/]+", re.escape(template)) + "$"
            self.templates.append((template, re.compile(pattern)))
        self.documented = {
            (template, method.upper(), status)
            for template, item in document["paths"].items()
            for method, operation in item.items()
            if method in METHODS
            for status in operation["responses"]
        }

    def find(self, path: str, method: str):
        """The (template, operation) serving a request, or (template, None), or (None, None)."""
        wanted = spec_path(path)
        for template, pattern in self.templates:
            if pattern.match(wanted):
                return template, self.document["paths"][template].get(method.lower())
        return None, None

    def resolve(self, node: dict) -> dict:
        while isinstance(node, dict) and "$ref" in node:
            node = self.pointer(node["$ref"])
        return node

    def pointer(self, ref: str):
        node = self.document
        for part in ref.lstrip("#/").split("/"):
            node = node[part.replace("~1", "/").replace("~0", "~")]
        return node

    def schema_errors(self, body: str, ref: str) -> list[str]:
        """Validates a JSON body against the schema at `ref` (JSON Schema 2020-12, as OAS 3.1)."""
        try:
            instance = json.loads(body)
        except ValueError as error:
            return [f"body is not JSON: {error}"]
        root = dict(self.document)
        root["$ref"] = ref
        validator = jsonschema.Draft202012Validator(root)
        return [
            f"{'/'.join(map(str, e.absolute_path)) or '(body)'}: {e.message}"
            for e in validator.iter_errors(instance)
        ]

    def check(self, origin: str, exchange: dict) -> tuple[list[str], tuple | None]:
        """Errors for one exchange, and the (template, METHOD, status) it exercised."""
        response = exchange["response"]
        status = str(response["status"])
        if response["injectedFault"]:
            ctype = Headers(response["headers"]).get("content-type") or ""
            if response["body"] and ctype.startswith("application/json"):
                return self.schema_errors(response["body"], "#/components/schemas/FaultError"), None
            return [], None
        template, operation = self.find(exchange["path"], exchange["method"])
        if template is None or operation is None:
            key = "x-unknown-path-response" if template is None else "x-method-not-allowed-response"
            return self.check_extension(key, response), None
        errors = []
        try:
            self.api.validate_response(Request(origin, exchange), Response(response))
        except (PathNotFound, OperationNotFound) as error:
            errors.append(f"openapi-core found no operation: {error}")
        except Exception as error:  # every validation failure, with its schema details
            errors.append(describe(error))
        documented = self.resolve(operation["responses"].get(status, {}))
        if "content" not in documented and response["body"]:
            errors.append(f"{status} is documented without a body, but one came: {response['body'][:80]!r}")
        return errors, (template, exchange["method"].upper(), status)

    def check_extension(self, key: str, response: dict) -> list[str]:
        extension = self.document[key]
        documented = self.resolve(extension)
        expected = {"x-unknown-path-response": 404, "x-method-not-allowed-response": 405}[key]
        errors = []
        if response["status"] != expected:
            errors.append(f"{key}: status {response['status']}, expected {expected}")
        media = documented["content"]["application/json"]
        ctype = Headers(response["headers"]).get("content-type") or ""
        if not ctype.startswith("application/json"):
            errors.append(f"{key}: content type {ctype!r}, expected application/json")
        ref = extension["$ref"] + "/content/application~1json/schema"
        if "schema" in media:
            errors.extend(f"{key}: {e}" for e in self.schema_errors(response["body"], ref))
        return errors


def describe(error: Exception) -> str:
    """The failure, with the schema errors (path: message) rather than the whole value."""
    details = []
    cause = error.__cause__
    while cause is not None:
        schema_errors = getattr(cause, "schema_errors", None)
        if schema_errors:
            details.extend(
                f"{'/'.join(map(str, e.absolute_path)) or '(value)'}: {e.message[:200]}"
                for e in schema_errors
            )
        cause = cause.__cause__
    if details:
        return f"{type(error).__name__}: " + "; ".join(details)
    text = str(error)
    return f"{type(error).__name__}: {text[:300]}{'...' if len(text) > 300 else ''}"


def label(exchange: dict) -> str:
    query = f"?{exchange['query']}" if exchange["query"] else ""
    return (
        f"[{exchange.get('scenario', '?')}] {exchange['method']} {exchange['path']}{query}"
        f" -> {exchange['response']['status']}"
    )


# ---- mutants: each must be rejected ------------------------------------------------------------


def find_exchange(exchanges, method, path, status, code=None):
    for exchange in exchanges:
        response = exchange["response"]
        if (
            exchange["method"] == method
            and spec_path(exchange["path"]) == path
            and response["status"] == status
            and not response["injectedFault"]
        ):
            if code is None or json.loads(response["body"] or "{}").get("code") == code:
                return exchange
    return None


def drop_header(name):
    def mutate(exchange):
        headers = exchange["response"]["headers"]
        exchange["response"]["headers"] = [h for h in headers if h[0] != name]
    return mutate


def set_header(name, value):
    def mutate(exchange):
        headers = [h for h in exchange["response"]["headers"] if h[0] != name]
        exchange["response"]["headers"] = headers + [[name, value]]
    return mutate


def edit_body(edit):
    def mutate(exchange):
        body = json.loads(exchange["response"]["body"])
        edit(body)
        exchange["response"]["body"] = json.dumps(body)
    return mutate


def set_status(status):
    def mutate(exchange):
        exchange["response"]["status"] = status
    return mutate


def with_json_body(text):
    def mutate(exchange):
        set_header("content-type", "application/json")(exchange)
        exchange["response"]["body"] = text
    return mutate


MUTANTS = [
    ("login without X-MSTR-AuthToken", ("POST", "/auth/login", 204), drop_header("x-mstr-authtoken")),
    ("login cookie with another path", ("POST", "/auth/login", 204),
     set_header("set-cookie", "JSESSIONID=0123456789ABCDEF0123456789ABCDEF; Path=/")),
    ("login without no-cache headers", ("POST", "/auth/login", 204), drop_header("cache-control")),
    ("login 204 with a body", ("POST", "/auth/login", 204), with_json_body("{}")),
    ("SessionInfo without timeout", ("GET", "/sessions", 200), edit_body(lambda b: b.pop("timeout"))),
    ("SessionInfo as text/plain", ("GET", "/sessions", 200), set_header("content-type", "text/plain")),
    ("keep-alive answering 200", ("PUT", "/sessions", 204), set_status(200)),
    ("project with an undocumented field", ("GET", "/projects", 200),
     edit_body(lambda b: b[0].update({"colour": "red"}))),
    ("identity token 201 without its header", ("POST", "/auth/identityToken", 201),
     drop_header("x-mstr-identitytoken")),
    ("expired session answering ERR003", ("GET", "/sessions", 401, "ERR009"),
     edit_body(lambda b: b.update({"code": "ERR003"}))),
    ("error without ticketId", ("GET", "/sessions", 401, "ERR009"), edit_body(lambda b: b.pop("ticketId"))),
    ("upper-case ticketId", ("GET", "/sessions", 401, "ERR009"),
     edit_body(lambda b: b.update({"ticketId": b["ticketId"].upper()}))),
    ("unknown project without iServerCode", ("GET", "/sessions/projectId", 404, "ERR004"),
     edit_body(lambda b: b.pop("iServerCode"))),
    ("exchange log entry without its response", ("GET", "/__emulator/requests", 200),
     edit_body(lambda b: b[0].pop("response") if b else b.append({}))),
]


def run_mutants(contract, origin, exchanges):
    results = []
    for name, target, mutate in MUTANTS:
        found = find_exchange(exchanges, *target)
        if found is None:
            results.append({"mutant": name, "caught": False, "why": f"no exchange {target} to mutate"})
            continue
        mutant = copy.deepcopy(found)
        mutate(mutant)
        errors, _ = contract.check(origin, mutant)
        results.append({"mutant": name, "caught": bool(errors), "why": errors[0] if errors else "accepted"})
    for path_case, target in [
        ("unknown path answering another message", ("GET", "/conformance/missing", 404)),
    ]:
        found = find_exchange(exchanges, *target)
        if found is None:
            results.append({"mutant": path_case, "caught": False, "why": f"no exchange {target}"})
            continue
        mutant = copy.deepcopy(found)
        edit_body(lambda b: b.update({"message": "Not here"}))(mutant)
        errors, _ = contract.check(origin, mutant)
        results.append({"mutant": path_case, "caught": bool(errors), "why": errors[0] if errors else "accepted"})
    return results


def main(argv: list[str]) -> int:
    partial = "--partial" in argv
    argv = [a for a in argv if a != "--partial"]
    if len(argv) != 3:
        print(__doc__, file=sys.stderr)
        return 2
    with open(argv[1], encoding="utf-8") as f:
        document = yaml.safe_load(f)
    with open(argv[2], encoding="utf-8") as f:
        run = json.load(f)
    origin, exchanges = run["origin"], run["exchanges"]

    contract = Contract(document)
    failures = []
    exercised = set()
    faults = 0
    for exchange in exchanges:
        errors, key = contract.check(origin, exchange)
        if key is not None:
            exercised.add(key)
        if exchange["response"]["injectedFault"]:
            faults += 1
        failures.extend(f"{label(exchange)}: {e}" for e in errors)

    operations = {(t, m) for t, m, _ in contract.documented}
    exercised_operations = {(t, m) for t, m, _ in exercised}
    unexercised_operations = sorted(f"{m} {t}" for t, m in operations - exercised_operations)
    if not partial:
        for operation in unexercised_operations:
            failures.append(f"{operation}: documented but never exercised by the conformance run")
    unexercised_responses = sorted(f"{m} {t} {s}" for t, m, s in contract.documented - exercised)
    undocumented = sorted(f"{m} {t} {s}" for t, m, s in exercised - contract.documented)

    mutants = [] if partial else run_mutants(contract, origin, exchanges)
    for mutant in mutants:
        if not mutant["caught"]:
            failures.append(f"mutant not rejected: {mutant['mutant']} ({mutant['why']})")

    guesses = json.dumps(document).count('"x-emulator-guess"')
    summary = {
        "responses": len(exchanges),
        "fault_answers": faults,
        "operations": len(operations),
        "operations_exercised": len(exercised_operations & operations),
        "responses_documented": len(contract.documented),
        "responses_exercised": len(exercised & contract.documented),
        "unexercised_responses": unexercised_responses,
        "undocumented_statuses": undocumented,
        "mutants": len(mutants),
        "mutants_caught": sum(1 for m in mutants if m["caught"]),
        "guesses_marked": guesses,
        "failures": failures,
    }
    print(json.dumps(summary))
    for failure in failures:
        print(f"contract: {failure}", file=sys.stderr)
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv))

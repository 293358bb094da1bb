"""A HAR file written by `oauthscope run … --har`, read by an independent parser.

Starts `oauthscope mock` on an ephemeral loopback port, runs the client credentials flow with
`--har`, then checks the file against the HAR 1.2 structure (every member the specification
requires, with its type) and reads it with the PyPI package `haralyzer`, as HAR viewers do.
The client secret and the access token must not be in the file.

Prints one line per check and closes with `N passed, N failed`; exits non-zero on failure.
"""

from __future__ import annotations

import json
import os
import subprocess
import sys
import tempfile
import traceback
from typing import Callable

from haralyzer import HarParser

BIN = os.environ.get("OAUTHSCOPE_BIN", "target/debug/oauthscope")
CLIENT, SECRET = "demo-confidential", "demo-secret"

# HAR 1.2 required members and their JSON types (http://www.softwareishard.com/blog/har-12-spec/).
REQUEST = {
    "method": str, "url": str, "httpVersion": str, "cookies": list, "headers": list,
    "queryString": list, "headersSize": int, "bodySize": int,
}
RESPONSE = {
    "status": int, "statusText": str, "httpVersion": str, "cookies": list, "headers": list,
    "content": dict, "redirectURL": str, "headersSize": int, "bodySize": int,
}
ENTRY = {
    "startedDateTime": str, "time": (int, float), "request": dict, "response": dict,
    "cache": dict, "timings": dict,
}


class Failed(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)


def members(obj: dict, spec: dict, where: str) -> None:
    for name, kind in spec.items():
        check(name in obj, f"{where}.{name} is missing")
        check(isinstance(obj[name], kind), f"{where}.{name} is {type(obj[name]).__name__}")


def start_mock() -> tuple[subprocess.Popen, str]:
    mock = subprocess.Popen(
        [BIN, "mock", "--port", "0"], stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True
    )
    for line in mock.stdout:
        words = line.split()
        if words[:1] == ["issuer"]:
            return mock, words[1]
    mock.kill()
    raise Failed("the mock printed no issuer")


def run_with_har(issuer: str, har: str) -> dict:
    out = subprocess.run(
        [BIN, "run", "client-credentials", "--issuer", issuer, "--client-id", CLIENT,
         "--client-secret", SECRET, "--scope", "api:read", "--har", har, "--json"],
        capture_output=True, text=True, timeout=60, stdin=subprocess.DEVNULL,
    )
    check(out.returncode == 0, f"run failed: {out.stderr}")
    return json.loads(out.stdout)


def main() -> int:
    passed = failed = 0
    mock, issuer = start_mock()
    try:
        with tempfile.TemporaryDirectory() as tmp:
            har_path = os.path.join(tmp, "run.har")
            doc = run_with_har(issuer, har_path)
            with open(har_path, encoding="utf-8") as f:
                text = f.read()
            har = json.loads(text)
            access = doc["outcome"]["tokens"]["access_token"]

            def structure() -> None:
                log = har["log"]
                check(log["version"] == "1.2", f"log.version {log['version']!r}")
                members(log["creator"], {"name": str, "version": str}, "log.creator")
                check(len(log["entries"]) == len(doc["exchanges"]), "one entry per exchange")
                for i, entry in enumerate(log["entries"]):
                    members(entry, ENTRY, f"entries[{i}]")
                    members(entry["request"], REQUEST, f"entries[{i}].request")
                    members(entry["response"], RESPONSE, f"entries[{i}].response")
                    members(entry["response"]["content"], {"size": int, "mimeType": str},
                            f"entries[{i}].response.content")
                    for part in ("send", "wait", "receive"):
                        check(part in entry["timings"], f"entries[{i}].timings.{part}")
                    for header in entry["request"]["headers"] + entry["response"]["headers"]:
                        members(header, {"name": str, "value": str}, f"entries[{i}] header")

            def haralyzer_reads_it() -> None:
                parser = HarParser(har)
                check(parser.version == "1.2", "haralyzer's version")
                check(parser.creator["name"] == "oauthscope", "haralyzer's creator")
                page = parser.pages[0]
                entries = page.entries
                check(len(entries) == len(har["log"]["entries"]), "haralyzer sees every entry")
                for entry in entries:
                    check(entry.startTime is not None, f"startedDateTime of {entry.request.url}")
                    check(entry.response.status == 200, f"{entry.request.url}: {entry.response.status}")
                posts = page.post_requests
                check(
                    any(e.request.url.endswith("/token") for e in posts),
                    "the token request is a POST haralyzer finds",
                )
                token = next(e for e in posts if e.request.url.endswith("/token"))
                check("grant_type=client_credentials" in token.request.text, "the form body")
                check(token.response.mimeType.startswith("application/json"), "response mimeType")
                check(json.loads(token.response.text)["token_type"], "the response body")

            def secrets_masked() -> None:
                check(access not in text, "the access token is in the HAR")
                check(SECRET not in text, "the client secret is in the HAR")

            checks: list[tuple[str, Callable[[], None]]] = [
                ("the HAR has every member HAR 1.2 requires", structure),
                ("haralyzer reads the entries, dates and bodies", haralyzer_reads_it),
                ("the secrets are masked", secrets_masked),
            ]
            for name, test in checks:
                try:
                    test()
                    passed += 1
                    print(f"ok    {name}")
                except Exception:  # noqa: BLE001 - every failure is reported, then counted
                    failed += 1
                    print(f"FAIL  {name}\n{traceback.format_exc()}")
    finally:
        mock.kill()
        mock.wait()
    print(f"{passed} passed, {failed} failed")
    return 0 if failed == 0 else 1


if __name__ == "__main__":
    sys.exit(main())

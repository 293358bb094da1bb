"""End-to-end test of `oauthscope mcp --mock` with an independent MCP client (PyPI `mcp`).

The server runs as a child process over stdio, with the built-in mock in the same process.
The test walks the flow a model would: register a client, authorize (the mock auto-approves,
so one GET of the authorization URL answers with the redirect), exchange the code, validate,
revoke, validate again; then a client_credentials grant and error cases. It also checks that
the server's stderr never shows a secret, even with debug logging on.

Prints one line per check and closes with `N passed, N failed`; exits non-zero on failure.
"""

from __future__ import annotations

import asyncio
import http.client
import os
import sys
import tempfile
import traceback
from typing import Any, Awaitable, Callable
from urllib.parse import parse_qs, urlsplit

from mcp import ClientSession, StdioServerParameters, stdio_client

BIN = os.environ.get("OAUTHSCOPE_BIN", "target/debug/oauthscope")
TOOLS = {
    "oauth2_authorize",
    "oauth2_exchange_token",
    "oauth2_validate_token",
    "oauth2_revoke_token",
    "oauth2_register_client",
}
REDIRECT_URI = "http://127.0.0.1/callback"


class Failed(Exception):
    pass


def check(condition: bool, message: str) -> None:
    if not condition:
        raise Failed(message)


async def call(session: ClientSession, tool: str, **arguments: Any) -> tuple[bool, dict]:
    """Calls a tool; returns (is_error, structured content)."""
    result = await session.call_tool(tool, arguments)
    content = result.structured_content
    if not isinstance(content, dict):
        texts = [getattr(block, "text", "") for block in result.content]
        raise Failed(f"{tool} returned no structured content: {texts}")
    return result.is_error, content


async def ok(session: ClientSession, tool: str, **arguments: Any) -> dict:
    is_error, content = await call(session, tool, **arguments)
    check(not is_error, f"{tool} failed: {content}")
    return content


def follow_once(url: str) -> dict[str, str]:
    """GETs the authorization URL without following redirects; returns the Location's query."""
    parts = urlsplit(url)
    connection = http.client.HTTPConnection(parts.hostname, parts.port, timeout=10)
    path = parts.path + (f"?{parts.query}" if parts.query else "")
    connection.request("GET", path)
    response = connection.getresponse()
    response.read()
    location = response.getheader("Location")
    connection.close()
    check(response.status in (302, 303), f"authorize answered {response.status}, not a redirect")
    check(location is not None, "the redirect has no Location")
    target = urlsplit(location)
    check(
        f"{target.scheme}://{target.netloc}{target.path}" == REDIRECT_URI,
        f"redirected to {location}, not to {REDIRECT_URI}",
    )
    return {key: values[0] for key, values in parse_qs(target.query).items()}


class Run:
    def __init__(self) -> None:
        self.passed = 0
        self.failed = 0
        self.state: dict[str, Any] = {}

    async def step(self, name: str, body: Callable[[], Awaitable[None]]) -> None:
        try:
            await body()
        except Failed as failure:
            self.failed += 1
            print(f"FAIL {name}: {failure}")
        except KeyError as missing:
            self.failed += 1
            print(f"FAIL {name}: needs {missing} from an earlier step that failed")
        except Exception:  # an unexpected exception is a failure of this check, not the run
            self.failed += 1
            print(f"FAIL {name}:\n{traceback.format_exc()}")
        else:
            self.passed += 1
            print(f"ok   {name}")


async def flow(run: Run, session: ClientSession) -> None:
    s = run.state

    async def initialize() -> None:
        info = await session.initialize()
        check(info.server_info.name == "oauthscope", f"server name {info.server_info.name!r}")
        instructions = info.instructions or ""
        check("demo-confidential" in instructions, f"--mock instructions name no demo client: {instructions}")

    async def list_tools() -> None:
        tools = (await session.list_tools()).tools
        names = {tool.name for tool in tools}
        check(names == TOOLS, f"tools {sorted(names)}")
        for tool in tools:
            check(len(tool.description or "") > 40, f"{tool.name} has no real description")
            properties = tool.input_schema.get("properties", {})
            check("issuer" in properties, f"{tool.name} takes no issuer")
            check("issuer" not in tool.input_schema.get("required", []), f"{tool.name} requires issuer")
            for prop, schema in properties.items():
                check(schema.get("description"), f"{tool.name}.{prop} has no description")
        by_name = {tool.name: tool for tool in tools}
        expect_args = {
            "oauth2_authorize": {"client_id", "redirect_uri", "scope", "use_par", "extra_params"},
            "oauth2_exchange_token": {
                "grant_type", "client_id", "client_secret", "code", "code_verifier",
                "redirect_uri", "refresh_token", "device_code", "scope",
            },
            "oauth2_validate_token": {"token", "client_id", "client_secret"},
            "oauth2_revoke_token": {"token", "client_id", "client_secret", "token_type_hint"},
            "oauth2_register_client": {
                "redirect_uris", "client_name", "token_endpoint_auth_method", "grant_types", "scope",
            },
        }
        for name, args in expect_args.items():
            missing = args - set(by_name[name].input_schema.get("properties", {}))
            check(not missing, f"{name} lacks arguments {sorted(missing)}")

    async def register() -> None:
        client = await ok(
            session,
            "oauth2_register_client",
            redirect_uris=[REDIRECT_URI],
            client_name="mcp test client",
            token_endpoint_auth_method="client_secret_basic",
            grant_types=["authorization_code", "refresh_token"],
            scope="openid profile email",
        )
        for field in ("client_id", "client_secret", "registration_access_token", "registration_client_uri"):
            check(client.get(field), f"registration result lacks {field}: {sorted(client)}")
        s["client_id"], s["client_secret"] = client["client_id"], client["client_secret"]
        s["secrets"] = [client["client_secret"], client["registration_access_token"]]

    async def authorize() -> None:
        started = await ok(
            session,
            "oauth2_authorize",
            client_id=s["client_id"],
            redirect_uri=REDIRECT_URI,
            scope="openid profile email",
        )
        for field in ("authorization_url", "state", "nonce", "code_verifier", "issuer"):
            check(started.get(field), f"authorize result lacks {field}: {sorted(started)}")
        query = parse_qs(urlsplit(started["authorization_url"]).query)
        check(query.get("code_challenge_method") == ["S256"], f"no S256 challenge in {query}")
        check(query.get("state") == [started["state"]], "the URL carries another state")
        back = follow_once(started["authorization_url"])
        check(back.get("state") == started["state"], f"state came back as {back.get('state')}")
        check("code" in back, f"no code in the redirect: {back}")
        if "iss" in back:
            check(back["iss"] == started["issuer"], f"iss {back['iss']} != {started['issuer']}")
        s.update(issuer=started["issuer"], code=back["code"], verifier=started["code_verifier"],
                 nonce=started["nonce"])
        s["secrets"] += [back["code"], started["code_verifier"]]

    async def exchange_code() -> None:
        tokens = await ok(
            session,
            "oauth2_exchange_token",
            grant_type="authorization_code",
            client_id=s["client_id"],
            client_secret=s["client_secret"],
            code=s["code"],
            code_verifier=s["verifier"],
            redirect_uri=REDIRECT_URI,
        )
        response = tokens.get("token_response") or {}
        check(response.get("access_token"), f"no access_token: {sorted(tokens)}")
        check(response.get("id_token"), "scope openid but no id_token")
        access = tokens.get("decoded_access_token") or {}
        check(access.get("claims", {}).get("client_id") == s["client_id"],
              f"access token claims {access.get('claims')}")
        id_token = tokens.get("decoded_id_token") or {}
        check(id_token.get("claims", {}).get("nonce") == s["nonce"], "id_token nonce differs")
        s["access_token"] = response["access_token"]
        s["secrets"] += [response["access_token"], response.get("refresh_token") or ""]

    async def code_reuse_is_refused() -> None:
        is_error, content = await call(
            session,
            "oauth2_exchange_token",
            grant_type="authorization_code",
            client_id=s["client_id"],
            client_secret=s["client_secret"],
            code=s["code"],
            code_verifier=s["verifier"],
            redirect_uri=REDIRECT_URI,
        )
        check(is_error, "a used code was accepted again")
        check(content.get("error") == "invalid_grant", f"reused code gave {content}")

    async def validate_active() -> None:
        verdict = await ok(
            session,
            "oauth2_validate_token",
            token=s["access_token"],
            client_id=s["client_id"],
            client_secret=s["client_secret"],
        )
        check(verdict.get("active") is True, f"fresh token not active: {verdict}")
        jwt = verdict.get("jwt") or {}
        check((jwt.get("signature") or {}).get("verified") is True, f"signature not verified: {jwt}")
        introspection = verdict.get("introspection") or {}
        check(introspection.get("active") is True, f"introspection says {introspection}")

    async def revoke() -> None:
        result = await ok(
            session,
            "oauth2_revoke_token",
            token=s["access_token"],
            client_id=s["client_id"],
            client_secret=s["client_secret"],
            token_type_hint="access_token",
        )
        check(result.get("revoked") is True, f"revoke result {result}")

    async def validate_revoked() -> None:
        verdict = await ok(
            session,
            "oauth2_validate_token",
            token=s["access_token"],
            client_id=s["client_id"],
            client_secret=s["client_secret"],
        )
        check(verdict.get("active") is False, f"revoked token still active: {verdict}")

    async def client_credentials() -> None:
        tokens = await ok(
            session,
            "oauth2_exchange_token",
            grant_type="client_credentials",
            client_id="demo-confidential",
            client_secret="demo-secret",
        )
        token = (tokens.get("token_response") or {}).get("access_token")
        check(token, f"no access_token: {tokens}")
        s["secrets"].append(token)

    async def wrong_secret_is_a_readable_error() -> None:
        is_error, content = await call(
            session,
            "oauth2_exchange_token",
            grant_type="client_credentials",
            client_id="demo-confidential",
            client_secret="not-the-secret",
        )
        check(is_error, "a wrong secret was accepted")
        check(content.get("error") == "invalid_client", f"wrong secret gave {content}")
        description = content.get("error_description") or ""
        check(len(description) > 10, f"error_description is not readable: {description!r}")

    async def bad_calls_do_not_end_the_server() -> None:
        result = await session.call_tool("oauth2_exchange_token", {"grant_type": "authorization_code"})
        check(result.is_error, "a call without client_id succeeded")
        is_error, content = await call(
            session, "oauth2_exchange_token", grant_type="authorization_code", client_id="demo-public"
        )
        check(is_error and content.get("error") == "invalid_request",
              f"a code grant without code gave {content}")
        is_error, content = await call(
            session, "oauth2_authorize", issuer="http://127.0.0.1:9/", client_id="x", redirect_uri=REDIRECT_URI
        )
        check(is_error and content.get("error_description"), f"an unreachable issuer gave {content}")
        tools = (await session.list_tools()).tools
        check(len(tools) == 5, "the server stopped answering after bad calls")

    steps = [
        ("initialize: named oauthscope, instructions name the mock's demo clients", initialize),
        ("tools/list: five tools, every argument described", list_tools),
        ("register a client (RFC 7591)", register),
        ("authorize: URL with PKCE, auto-approved redirect with code and state", authorize),
        ("exchange the code with its code_verifier", exchange_code),
        ("validate: active, signature verified", validate_active),
        ("revoke the access token (RFC 7009)", revoke),
        ("validate after revocation: inactive", validate_revoked),
        # Last in the code's life: a replayed code also revokes what it issued (RFC 6749 4.1.2).
        ("a reused code is invalid_grant", code_reuse_is_refused),
        ("client_credentials with demo-confidential", client_credentials),
        ("wrong client secret: invalid_client with a description", wrong_secret_is_a_readable_error),
        ("bad calls come back as tool errors and the server goes on", bad_calls_do_not_end_the_server),
    ]
    for name, body in steps:
        await run.step(name, body)


async def main() -> int:
    run = Run()
    with tempfile.TemporaryFile(mode="w+") as errlog:
        params = StdioServerParameters(
            command=BIN,
            args=["mcp", "--mock"],
            env={"OAUTHSCOPE_LOG": "debug", "NO_COLOR": "1"},
        )
        try:
            async with stdio_client(params, errlog=errlog) as (read, write):
                async with ClientSession(read, write, read_timeout_seconds=30) as session:
                    await flow(run, session)
        except Exception:
            run.failed += 1
            print(f"FAIL the MCP session:\n{traceback.format_exc()}")

        async def no_secret_on_stderr() -> None:
            errlog.seek(0)
            log = errlog.read()
            check(log.strip() != "", "the server logged nothing at all")
            leaked = [secret[:8] + "…" for secret in run.state.get("secrets", []) if secret and secret in log]
            check(not leaked, f"secrets on stderr: {leaked}")

        await run.step("stderr (debug level) carries no secret", no_secret_on_stderr)
    print(f"{run.passed} passed, {run.failed} failed")
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

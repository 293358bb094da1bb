"""End-to-end test of `oauthscope mcp --http` with an independent OAuth-capable MCP client.

The server runs as a child process (`mcp --http 127.0.0.1:0 --auto-approve alice`) with the
built-in mock in the same process as its authorization server. The PyPI `mcp` SDK's
OAuthClientProvider does what any MCP client does: reads the 401 challenge, fetches the RFC
9728 metadata and the mock's metadata, registers itself (RFC 7591), authorizes with PKCE and
`resource`, redeems the code and calls the tools with the token. The browser leg is one GET
of the authorization URL: the mock auto-approves and redirects with the code.

Then tokens the server must refuse, got from the mock by hand: one for another audience (no
`resource`: 401 invalid_token) and one without the scope (403 insufficient_scope), each with
a challenge naming the metadata and the scope. (The expired token is tests/mcp_http.rs's: it
needs the mock's clock.)

Prints one line per check and closes with `N passed, N failed`; exits non-zero on failure.
"""

from __future__ import annotations

import asyncio
import base64
import hashlib
import os
import secrets
import subprocess
import sys
import traceback
from urllib.parse import parse_qs, urlsplit

import httpx2
from mcp import ClientSession
from mcp.client.auth import OAuthClientProvider
from mcp.client.streamable_http import streamable_http_client
from mcp.shared.auth import (
    AuthorizationCodeResult,
    OAuthClientInformationFull,
    OAuthClientMetadata,
    OAuthToken,
)

from test_mcp import REDIRECT_URI, TOOLS, Failed, Run, check, follow_once

BIN = os.environ.get("OAUTHSCOPE_BIN", "target/debug/oauthscope")
SCOPE = "mcp:tools"


class MemoryStorage:
    """The SDK's TokenStorage, in memory."""

    def __init__(self) -> None:
        self.tokens: OAuthToken | None = None
        self.client: OAuthClientInformationFull | None = None

    async def get_tokens(self) -> OAuthToken | None:
        return self.tokens

    async def set_tokens(self, tokens: OAuthToken) -> None:
        self.tokens = tokens

    async def get_client_info(self) -> OAuthClientInformationFull | None:
        return self.client

    async def set_client_info(self, client_info: OAuthClientInformationFull) -> None:
        self.client = client_info


class HeadlessBrowser:
    """Opens the authorization URL (one GET; the mock auto-approves) and hands back the
    redirect's parameters as the callback."""

    def __init__(self) -> None:
        self.params: dict[str, str] = {}
        self.opened: list[str] = []

    async def open(self, url: str) -> None:
        self.opened.append(url)
        self.params = await asyncio.to_thread(follow_once, url)

    async def callback(self) -> AuthorizationCodeResult:
        return AuthorizationCodeResult(
            code=self.params["code"], state=self.params.get("state"), iss=self.params.get("iss")
        )


def start_server() -> tuple[subprocess.Popen[str], str, str]:
    """Starts the server; returns it, the MCP URL and the issuer from its banner."""
    server = subprocess.Popen(
        [BIN, "mcp", "--http", "127.0.0.1:0", "--auto-approve", "alice"],
        stdout=subprocess.PIPE,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    url = issuer = ""
    assert server.stdout is not None
    for line in server.stdout:
        words = line.split()
        if words[:2] == ["MCP", "URL"]:
            url = words[2]
        elif words[:1] == ["issuer"]:
            issuer = words[1]
        if url and issuer:
            return server, url, issuer
    raise Failed(f"the server exited ({server.wait()}) without printing its URL and issuer")


def pkce() -> tuple[str, str]:
    verifier = secrets.token_urlsafe(48)
    digest = hashlib.sha256(verifier.encode()).digest()
    return verifier, base64.urlsafe_b64encode(digest).rstrip(b"=").decode()


async def token_by_hand(http: httpx2.AsyncClient, issuer: str, scope: str, resource: str | None) -> str:
    """A code flow of the mock's demo-public client, outside the SDK."""
    verifier, challenge = pkce()
    query = {
        "response_type": "code",
        "client_id": "demo-public",
        "redirect_uri": REDIRECT_URI,
        "scope": scope,
        "state": "st",
        "code_challenge": challenge,
        "code_challenge_method": "S256",
    }
    if resource:
        query["resource"] = resource
    url = str(httpx2.URL(f"{issuer}/authorize", params=query))
    params = await asyncio.to_thread(follow_once, url)
    response = await http.post(
        f"{issuer}/token",
        data={
            "grant_type": "authorization_code",
            "client_id": "demo-public",
            "code": params["code"],
            "redirect_uri": REDIRECT_URI,
            "code_verifier": verifier,
        },
    )
    check(response.status_code == 200, f"token request answered {response.status_code}: {response.text}")
    return response.json()["access_token"]


INITIALIZE = {
    "jsonrpc": "2.0",
    "id": 1,
    "method": "initialize",
    "params": {
        "protocolVersion": "2025-11-25",
        "capabilities": {},
        "clientInfo": {"name": "test", "version": "1"},
    },
}


async def main() -> int:
    run = Run()
    try:
        server, url, issuer = start_server()
    except Failed as failure:
        print(f"FAIL start: {failure}")
        return 1
    try:
        browser = HeadlessBrowser()
        storage = MemoryStorage()
        provider = OAuthClientProvider(
            server_url=url,
            client_metadata=OAuthClientMetadata(
                client_name="mcp-python-sdk test",
                redirect_uris=[REDIRECT_URI],
                grant_types=["authorization_code", "refresh_token"],
                token_endpoint_auth_method="none",
            ),
            storage=storage,
            redirect_handler=browser.open,
            callback_handler=browser.callback,
        )

        async def sdk_signs_in_and_calls_a_tool() -> None:
            async with httpx2.AsyncClient(auth=provider, timeout=30) as http:
                async with streamable_http_client(url, http_client=http) as (read, write):
                    async with ClientSession(read, write, read_timeout_seconds=30) as session:
                        info = await session.initialize()
                        check(info.server_info.name == "oauthscope", f"server {info.server_info.name!r}")
                        names = {tool.name for tool in (await session.list_tools()).tools}
                        check(names == TOOLS, f"tools {sorted(names)}")
                        result = await session.call_tool(
                            "oauth2_authorize",
                            {"client_id": "demo-public", "redirect_uri": REDIRECT_URI},
                        )
                        check(not result.is_error, f"oauth2_authorize failed: {result.content}")
                        content = result.structured_content or {}
                        check(
                            str(content.get("authorization_url", "")).startswith(issuer),
                            f"the tool did not run on the mock: {content}",
                        )

        async def sdk_followed_the_protocol() -> None:
            check(len(browser.opened) == 1, f"{len(browser.opened)} authorizations, expected one")
            query = parse_qs(urlsplit(browser.opened[0]).query)
            check(query.get("resource") == [url], f"resource {query.get('resource')}, expected {url}")
            check(query.get("code_challenge_method") == ["S256"], "no S256 PKCE")
            check(storage.client is not None, "the SDK registered no client")
            check(storage.tokens is not None and storage.tokens.access_token, "no token stored")

        await run.step("Python SDK: 401 -> metadata -> registration -> PKCE -> token -> tools", sdk_signs_in_and_calls_a_tool)
        await run.step("the SDK's authorization asked for this server as the resource", sdk_followed_the_protocol)

        metadata_url = url.replace("/mcp", "/.well-known/oauth-protected-resource/mcp")

        async def refused(token: str, status: int, error: str) -> None:
            async with httpx2.AsyncClient(timeout=30) as http:
                response = await http.post(
                    url,
                    json=INITIALIZE,
                    headers={
                        "Authorization": f"Bearer {token}",
                        "Accept": "application/json, text/event-stream",
                    },
                )
            check(response.status_code == status, f"status {response.status_code}, expected {status}")
            challenge = response.headers.get("www-authenticate", "")
            for part in (f'resource_metadata="{metadata_url}"', f'scope="{SCOPE}"', f'error="{error}"'):
                check(part in challenge, f"challenge {challenge!r} lacks {part}")

        async def other_audience() -> None:
            async with httpx2.AsyncClient(timeout=30) as http:
                token = await token_by_hand(http, issuer, SCOPE, None)
            await refused(token, 401, "invalid_token")

        async def no_scope() -> None:
            async with httpx2.AsyncClient(timeout=30) as http:
                token = await token_by_hand(http, issuer, "openid", url)
            await refused(token, 403, "insufficient_scope")

        await run.step("a token for another audience: 401 invalid_token with the challenge", other_audience)
        await run.step("a token without the scope: 403 insufficient_scope naming it", no_scope)
    except Exception:
        run.failed += 1
        print(f"FAIL the run:\n{traceback.format_exc()}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    print(f"{run.passed} passed, {run.failed} failed")
    return 1 if run.failed else 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))

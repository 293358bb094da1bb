// `oauthscope run mcp` against an MCP server written with the TypeScript SDK's auth
// middleware (`requireBearerAuth`), whose authorization server is npm oidc-provider (OpenID
// Certified) issuing RFC 9068 JWT access tokens for the RFC 8707 resource: the client finds
// the authorization server from the SDK's 401 challenge and RFC 9728 document, registers
// itself dynamically, authorizes with PKCE and `resource` through a scripted person at the
// browser, and lists and calls the tools with the token the SDK accepts.

import assert from 'node:assert/strict';
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import { assertBinaryExists, describeRun, runCli } from './lib/oauthscope.mjs';
import { startOidcProvider } from './lib/oidc-provider-server.mjs';
import { MCP_SCOPE, reserveMcpUrl, startMcpSdkServer } from './lib/mcp-sdk-server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const BROWSER_AGENT = join(here, 'browser-agent.mjs');

describe('oauthscope run mcp against a TypeScript SDK server with oidc-provider', () => {
  let op;
  let mcp;
  let work;

  before(async () => {
    assertBinaryExists();
    const { port, url } = await reserveMcpUrl();
    op = await startOidcProvider({ resourceServer: { url, scope: MCP_SCOPE } });
    const metadata = await (await fetch(`${op.issuer}/.well-known/openid-configuration`)).json();
    mcp = await startMcpSdkServer({ port, url, issuer: op.issuer, jwksUri: metadata.jwks_uri });
    work = await mkdtemp(join(tmpdir(), 'oauthscope-mcp-sdk-'));
  });

  after(async () => {
    await mcp?.stop();
    await op?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  /** `oauthscope run mcp` with the browser agent as $BROWSER and a profile of its own. */
  const runMcp = (extraArgs = []) =>
    runCli(['run', 'mcp', mcp.url, '--config', join(work, 'profile.toml'), ...extraArgs, '--json'], {
      env: { BROWSER: BROWSER_AGENT },
      timeoutMs: 90_000,
    });

  test('the client authorizes, lists the tools and calls one, the SDK accepting its token', async () => {
    const run = await runMcp(['--call', 'whoami']);
    assert.equal(run.code, 0, describeRun(run));
    const doc = run.json;
    assert.equal(doc.issuer, op.issuer);
    assert.equal(doc.registration.method, 'dynamic', describeRun(run));
    assert.deepEqual(doc.tools, ['whoami']);
    // The claims the SDK's verifier saw: a token for this resource, with the scope it needs.
    const claims = doc.call.result.structuredContent;
    assert.equal(claims.aud, mcp.url);
    assert.equal(claims.iss, op.issuer);
    assert.ok(String(claims.scope).split(' ').includes(MCP_SCOPE), JSON.stringify(claims));
    // oidc-provider sends iss, which the default revision (2026-07-28) requires.
    const checks = doc.steps.flatMap((s) => s.checks ?? []);
    assert.ok(checks.some((c) => c.check === 'iss' && c.verdict === 'pass'), JSON.stringify(checks));
    // The SDK's challenge led the way: the 401 first, then its RFC 9728 document.
    assert.equal(doc.steps[0].status.status, 'done');
    assert.equal(doc.resource_metadata.tried[0].url, `${new URL(mcp.url).origin}/.well-known/oauth-protected-resource/mcp`);
  });

  test('the next run reuses the registered client', async () => {
    const run = await runMcp();
    assert.equal(run.code, 0, describeRun(run));
    assert.equal(run.json.registration.reused, true, describeRun(run));
  });
});

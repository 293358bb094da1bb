// DPoP on MCP calls (RFC 9449 §7, §9), both ways. An independent peer builds its proofs with
// npm jose and calls the demo MCP server of `oauthscope mock` with a token openid-client got
// bound to its key: accepted with the proof, refused as Bearer, refused for a wrong `ath` or
// a replayed `jti`, each with a `DPoP` challenge naming the rule. Then a node MCP server
// verifies with jose the proofs that `oauthscope run mcp --dpop` sends: the signature with
// the embedded key, htm, htu, ath, iat, a fresh jti, the key's thumbprint against the
// token's cnf.jkt, and the nonce it demands once.

import assert from 'node:assert/strict';
import { createHash, randomUUID } from 'node:crypto';
import { createServer } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import {
  EmbeddedJWK,
  SignJWT,
  calculateJwkThumbprint,
  createRemoteJWKSet,
  decodeProtectedHeader,
  exportJWK,
  generateKeyPair,
  jwtVerify,
} from 'jose';
import { assertBinaryExists, describeRun, freePort, runCli, startMock } from './lib/oauthscope.mjs';
import { actAsUser } from './lib/browser.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const BROWSER_AGENT = join(here, 'browser-agent.mjs');
const REDIRECT_URI = 'http://127.0.0.1/callback';
const insecure = { execute: [client.allowInsecureRequests] };
const sha256 = (text) => createHash('sha256').update(text).digest('base64url');

/** A DPoP proof built with jose alone (RFC 9449 §4.2). */
async function proof(keyPair, { htm = 'POST', htu, accessToken, jti = randomUUID(), nonce } = {}) {
  const jwk = await exportJWK(keyPair.publicKey);
  const claims = { htm, htu, jti, ...(accessToken ? { ath: sha256(accessToken) } : {}), ...(nonce ? { nonce } : {}) };
  return new SignJWT(claims)
    .setProtectedHeader({ typ: 'dpop+jwt', alg: 'ES256', jwk })
    .setIssuedAt()
    .sign(keyPair.privateKey);
}

describe('a jose-built peer calls the mock MCP server with a DPoP-bound token', () => {
  let mock;
  let mcpUrl;
  let keyPair;
  let accessToken;

  before(async () => {
    mock = await startMock({ autoApprove: 'alice' });
    mcpUrl = `${mock.issuer}/mcp`;
    const confidential = await client.discovery(
      new URL(mock.issuer),
      'demo-confidential',
      undefined,
      client.ClientSecretBasic('demo-secret'),
      insecure,
    );
    keyPair = await generateKeyPair('ES256', { extractable: true });
    const DPoP = client.getDPoPHandle(confidential, keyPair);
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(confidential, {
      redirect_uri: REDIRECT_URI,
      scope: 'mcp:tools',
      resource: mcpUrl,
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
    });
    const { redirect } = await actAsUser(url, { stopPrefix: REDIRECT_URI });
    const tokens = await client.authorizationCodeGrant(
      confidential,
      redirect,
      { pkceCodeVerifier: codeVerifier, expectedState: state },
      undefined,
      { DPoP },
    );
    assert.equal(tokens.token_type, 'dpop');
    accessToken = tokens.access_token;
  });

  after(async () => {
    await mock?.stop();
  });

  const call = (headers, message = { jsonrpc: '2.0', id: 1, method: 'tools/list' }) =>
    fetch(mcpUrl, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json, text/event-stream', ...headers },
      body: JSON.stringify(message),
    });

  /** Asserts a 401 with a DPoP challenge for `error`, its description naming `rule`. */
  async function refused(response, error, rule) {
    assert.equal(response.status, 401);
    const challenge = response.headers.get('www-authenticate');
    assert.match(challenge, /^DPoP /);
    assert.ok(challenge.includes(`error="${error}"`), challenge);
    assert.ok(challenge.includes('resource_metadata='), challenge);
    const body = await response.json();
    assert.equal(body.error, error);
    assert.match(body.error_description, rule);
  }

  test('the metadata of the MCP server advertises its proof algorithms', async () => {
    const document = await (await fetch(`${mock.issuer}/.well-known/oauth-protected-resource/mcp`)).json();
    assert.ok(document.dpop_signing_alg_values_supported.includes('ES256'));
    assert.equal(document.dpop_bound_access_tokens_required, false);
  });

  test('the bound token with its proof lists the tools and calls one', async () => {
    const listed = await call({
      authorization: `DPoP ${accessToken}`,
      dpop: await proof(keyPair, { htu: mcpUrl, accessToken }),
    });
    assert.equal(listed.status, 200);
    assert.equal((await listed.json()).result.tools[0].name, 'whoami');
    const called = await call(
      { authorization: `DPoP ${accessToken}`, dpop: await proof(keyPair, { htu: mcpUrl, accessToken }) },
      { jsonrpc: '2.0', id: 2, method: 'tools/call', params: { name: 'whoami', arguments: {} } },
    );
    const claims = (await called.json()).result.structuredContent;
    assert.equal(claims.cnf.jkt, await calculateJwkThumbprint(await exportJWK(keyPair.publicKey)));
  });

  test('the bound token as Bearer is refused', async () => {
    await refused(await call({ authorization: `Bearer ${accessToken}` }), 'invalid_token', /RFC 9449 section 7\.1/);
  });

  test('a proof for another URL, for another token or used twice is refused', async () => {
    const authorization = `DPoP ${accessToken}`;
    const elsewhere = await proof(keyPair, { htu: `${mock.issuer}/token`, accessToken });
    await refused(await call({ authorization, dpop: elsewhere }), 'invalid_dpop_proof', /htu/);
    const wrongAth = await proof(keyPair, { htu: mcpUrl, accessToken: 'another-token' });
    await refused(await call({ authorization, dpop: wrongAth }), 'invalid_dpop_proof', /ath/);
    const once = await proof(keyPair, { htu: mcpUrl, accessToken });
    assert.equal((await call({ authorization, dpop: once })).status, 200);
    await refused(await call({ authorization, dpop: once }), 'invalid_dpop_proof', /already used/);
  });
});

/**
 * An MCP server that checks DPoP with jose: the token against the mock's JWKS (audience this
 * server), the proof against its embedded key and the rules of RFC 9449 §4.3 and §7.1, and
 * a nonce it asks for once (§9). Every proof it verified is kept in `proofs`.
 */
async function startVerifyingMcpServer({ port, issuer }) {
  const url = `http://127.0.0.1:${port}/mcp`;
  const metadataUrl = `http://127.0.0.1:${port}/.well-known/oauth-protected-resource/mcp`;
  const jwks = createRemoteJWKSet(new URL(`${issuer}/jwks`));
  const NONCE = `rs-${randomUUID()}`;
  const proofs = [];
  const refusals = [];
  const seen = new Set();

  async function check(req, method) {
    const [scheme, token] = (req.headers.authorization ?? '').split(' ');
    if (scheme !== 'DPoP') throw Object.assign(new Error(`scheme ${scheme}`), { error: 'invalid_token' });
    const { payload: access } = await jwtVerify(token, jwks, { issuer, audience: url, typ: 'at+jwt' });
    const { payload, protectedHeader } = await jwtVerify(req.headers.dpop, EmbeddedJWK, {
      typ: 'dpop+jwt',
      algorithms: ['ES256'],
      maxTokenAge: 60,
    });
    const fail = (why) => Object.assign(new Error(why), { error: 'invalid_dpop_proof' });
    if (payload.htm !== 'POST') throw fail(`htm ${payload.htm}`);
    if (payload.htu !== url) throw fail(`htu ${payload.htu}`);
    if (payload.ath !== sha256(token)) throw fail('ath');
    if (seen.has(payload.jti)) throw fail('jti replayed');
    seen.add(payload.jti);
    if (access.cnf?.jkt !== (await calculateJwkThumbprint(protectedHeader.jwk))) throw fail('cnf.jkt');
    if (payload.nonce !== NONCE) throw Object.assign(new Error('nonce'), { error: 'use_dpop_nonce' });
    proofs.push({ method, payload, header: decodeProtectedHeader(req.headers.dpop), access });
  }

  const server = createServer(async (req, res) => {
    const chunks = [];
    for await (const chunk of req) chunks.push(chunk);
    if (req.method === 'GET' && req.url === '/.well-known/oauth-protected-resource/mcp') {
      res.writeHead(200, { 'content-type': 'application/json' });
      return res.end(JSON.stringify({ resource: url, authorization_servers: [issuer], scopes_supported: ['mcp:tools'] }));
    }
    if (req.method !== 'POST' || req.url !== '/mcp') {
      res.writeHead(404);
      return res.end();
    }
    if (!req.headers.authorization) {
      res.writeHead(401, { 'www-authenticate': `Bearer resource_metadata="${metadataUrl}", scope="mcp:tools"` });
      return res.end();
    }
    const message = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    try {
      await check(req, message.method);
    } catch (err) {
      const error = err.error ?? 'invalid_token';
      refusals.push({ error, why: err.message });
      const headers = { 'www-authenticate': `DPoP error="${error}", algs="ES256"`, 'content-type': 'application/json' };
      if (error === 'use_dpop_nonce') headers['dpop-nonce'] = NONCE;
      res.writeHead(401, headers);
      return res.end(JSON.stringify({ error, error_description: err.message }));
    }
    if (message.id === undefined) {
      res.writeHead(202);
      return res.end();
    }
    const results = {
      initialize: { protocolVersion: message.params?.protocolVersion ?? '2025-11-25', capabilities: { tools: {} }, serverInfo: { name: 'jose-verifier', version: '1' } },
      'tools/list': { tools: [{ name: 'echo', inputSchema: { type: 'object' } }] },
    };
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ jsonrpc: '2.0', id: message.id, result: results[message.method] ?? {} }));
  });
  await new Promise((done) => server.listen(port, '127.0.0.1', done));
  return { url, nonce: NONCE, proofs, refusals, stop: () => new Promise((done) => server.close(done)) };
}

describe('oauthscope run mcp --dpop against a node MCP server that verifies with jose', () => {
  let mock;
  let mcp;

  before(async () => {
    assertBinaryExists();
    const port = await freePort();
    const url = `http://127.0.0.1:${port}/mcp`;
    mock = await startMock({ autoApprove: 'alice', extraArgs: ['--resource', url] });
    mcp = await startVerifyingMcpServer({ port, issuer: mock.issuer });
  });

  after(async () => {
    await mcp?.stop();
    await mock?.stop();
  });

  test('every MCP call carries a proof jose verifies, and the nonce demand is a step', async () => {
    const run = await runCli(['run', 'mcp', mcp.url, '--client-id', 'demo-public', '--dpop', '--json'], {
      env: { BROWSER: BROWSER_AGENT },
      timeoutMs: 90_000,
    });
    assert.equal(run.code, 0, `${describeRun(run)}\nrefusals: ${JSON.stringify(mcp.refusals)}`);
    assert.deepEqual(run.json.tools, ['echo']);
    // initialize, the initialized notification and tools/list, each verified.
    assert.deepEqual(mcp.proofs.map((p) => p.method), ['initialize', 'notifications/initialized', 'tools/list']);
    const jkt = run.json.outcome.dpop.jkt;
    for (const { payload, header, access } of mcp.proofs) {
      assert.equal(header.typ, 'dpop+jwt');
      assert.equal(payload.nonce, mcp.nonce);
      assert.equal(access.cnf.jkt, jkt);
    }
    assert.equal(new Set(mcp.proofs.map((p) => p.payload.jti)).size, 3, 'a fresh jti for each call');
    // The one refusal: the nonce asked for, answered once and shown as its own step.
    assert.deepEqual(mcp.refusals.map((r) => r.error), ['use_dpop_nonce']);
    const kinds = run.json.steps.map((s) => s.kind);
    const at = kinds.indexOf('mcp_initialize');
    assert.equal(kinds[at - 1], 'dpop_nonce', kinds.join(' '));
    assert.equal(run.json.steps[at - 1].exchange.status, 401);
  });
});

// DPoP (RFC 9449) both ways: npm openid-client's DPoP against `oauthscope mock --dpop-nonce`
// (bound tokens checked with jose against the mock's JWKS), and the oauthscope CLI with
// --dpop against npm oidc-provider with nonces required (bindings cross-checked through
// oidc-provider's introspection).

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { calculateJwkThumbprint, exportJWK, generateKeyPair } from 'jose';
import { assertBinaryExists, describeRun, findValues, runCli } from './lib/oauthscope.mjs';
import { insecure, useDemoMock } from './lib/demo-mock.mjs';
import { actAsUser } from './lib/browser.mjs';
import { BASIC_CLIENT, USER, startOidcProvider } from './lib/oidc-provider-server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const BROWSER_AGENT = join(here, 'browser-agent.mjs');
const REDIRECT_URI = 'http://127.0.0.1/callback';

async function dpopKey() {
  const keyPair = await generateKeyPair('ES256', { extractable: true });
  const jkt = await calculateJwkThumbprint(await exportJWK(keyPair.publicKey));
  return { keyPair, jkt };
}

describe('openid-client DPoP against oauthscope mock --dpop-nonce', () => {
  let publicClient;
  let basicClient;
  let jwt;

  useDemoMock({ autoApprove: 'alice', extraArgs: ['--dpop-nonce'] }, (demo) => ({ publicClient, basicClient, jwt } = demo));

  test('the metadata advertises DPoP with ES256', () => {
    assert.ok(publicClient.serverMetadata().dpop_signing_alg_values_supported.includes('ES256'));
  });

  test('code flow, userinfo and refresh, each proven with the key; the tokens are bound to it', async () => {
    const { keyPair, jkt } = await dpopKey();
    const DPoP = client.getDPoPHandle(publicClient, keyPair);
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(publicClient, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
    });
    const { redirect } = await actAsUser(url, { stopPrefix: REDIRECT_URI });
    const tokens = await client.authorizationCodeGrant(publicClient, redirect, { pkceCodeVerifier: codeVerifier, expectedState: state }, undefined, { DPoP });
    assert.equal(tokens.token_type, 'dpop');
    const claims = await jwt.accessToken(tokens.access_token, { clientId: 'demo-public' });
    assert.equal(claims.cnf?.jkt, jkt, 'the access token is bound to the proof key (cnf.jkt)');

    const info = await client.fetchUserInfo(publicClient, tokens.access_token, claims.sub, { DPoP });
    assert.equal(info.preferred_username, USER.login);

    const refreshed = await client.refreshTokenGrant(publicClient, tokens.refresh_token, undefined, { DPoP });
    assert.equal(refreshed.token_type, 'dpop');
    assert.equal((await jwt.accessToken(refreshed.access_token)).cnf?.jkt, jkt);
  });

  test('a bound token presented as Bearer is refused at userinfo', async () => {
    const { keyPair } = await dpopKey();
    const DPoP = client.getDPoPHandle(basicClient, keyPair);
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(basicClient, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
    });
    const { redirect } = await actAsUser(url, { stopPrefix: REDIRECT_URI });
    const tokens = await client.authorizationCodeGrant(basicClient, redirect, { pkceCodeVerifier: codeVerifier, expectedState: state }, undefined, { DPoP });
    const response = await fetch(publicClient.serverMetadata().userinfo_endpoint, { headers: { authorization: `Bearer ${tokens.access_token}` } });
    assert.equal(response.status, 401);
    assert.match(response.headers.get('www-authenticate'), /^DPoP /);
    const body = await response.json();
    assert.equal(body.error, 'invalid_token');
    assert.match(body.error_description, /RFC 9449/);
  });
});

describe('the oauthscope CLI with --dpop against oidc-provider (nonces required)', () => {
  let op;
  let work;
  let referenceClient;

  before(async () => {
    assertBinaryExists();
    op = await startOidcProvider({ dpopNonce: true });
    work = await mkdtemp(join(tmpdir(), 'oauthscope-dpop-'));
    referenceClient = await client.discovery(new URL(op.issuer), BASIC_CLIENT.id, undefined, client.ClientSecretBasic(BASIC_CLIENT.secret), insecure);
  });

  after(async () => {
    await op?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const credentials = ['--client-id', BASIC_CLIENT.id, `--client-secret=${BASIC_CLIENT.secret}`];
  const kinds = (run) => (run.json?.steps ?? []).map((s) => s.kind);

  test('client credentials: the nonce is a step, the token is DPoP and bound to the key', async () => {
    const run = await runCli(['run', 'client-credentials', '--issuer', op.issuer, ...credentials, '--scope', 'api:read', '--dpop', '--json']);
    assert.equal(run.code, 0, describeRun(run));
    assert.deepEqual(kinds(run).slice(0, 2), ['dpop_nonce', 'client_credentials'], describeRun(run));
    const binding = run.json.outcome.dpop;
    assert.equal(binding.checks.find((c) => c.check === 'token_type').verdict, 'pass', describeRun(run));
    const introspection = await client.tokenIntrospection(referenceClient, run.json.outcome.tokens.access_token);
    assert.equal(introspection.active, true);
    assert.equal(introspection.cnf?.jkt, binding.jkt, 'oidc-provider bound the token to the key the CLI reports');
  });

  test('run code with --dpop-key, then userinfo with the same key file', async () => {
    const keyFile = join(work, 'dpop.pem');
    const logFile = join(work, 'agent.log');
    const run = await runCli(['run', 'code', '--issuer', op.issuer, ...credentials, '--scope', 'openid profile', '--dpop-key', keyFile, '--json'], {
      env: { BROWSER: BROWSER_AGENT, BROWSER_AGENT_LOG: logFile },
      timeoutMs: 60_000,
    });
    const agentLog = await readFile(logFile, 'utf8').catch(() => '(no browser agent log)');
    assert.equal(run.code, 0, `${describeRun(run)}\n--- browser agent ---\n${agentLog}`);
    const tokens = run.json.outcome.tokens;
    assert.equal(tokens.token_type, 'DPoP');
    const userinfo = await runCli(['userinfo', '--issuer', op.issuer, `--token=${tokens.access_token}`, '--dpop-key', keyFile, '--json']);
    assert.equal(userinfo.code, 0, describeRun(userinfo));
    assert.equal(findValues(userinfo.json, 'sub')[0], USER.login);
    const sent = userinfo.json.steps.at(-1).exchange.request_headers.find(([name]) => name.toLowerCase() === 'authorization');
    assert.match(sent[1], /^DPoP /, 'the token went with the DPoP scheme');

    // Without the proof, oidc-provider refuses the bound token.
    const bare = await runCli(['userinfo', '--issuer', op.issuer, `--token=${tokens.access_token}`, '--json']);
    assert.notEqual(bare.code, 0, describeRun(bare));
  });
});

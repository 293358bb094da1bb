// The oauthscope CLI against npm oidc-provider 9 (OpenID Certified) on loopback: discovery,
// client credentials, authorization code + PKCE with a scripted person at the "browser",
// refresh, device flow, introspection, revocation and userinfo, asserting on --json output
// and cross-checking the results with openid-client and jose.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { assertBinaryExists, describeRun, findValues, freePort, runCli, spawnCli } from './lib/oauthscope.mjs';
import { actAsUser } from './lib/browser.mjs';
import { BASIC_CLIENT, HS_CLIENT, KEY_CLIENT, POST_CLIENT, USER, startOidcProvider } from './lib/oidc-provider-server.mjs';

const here = dirname(fileURLToPath(import.meta.url));
const BROWSER_AGENT = join(here, 'browser-agent.mjs');
const insecure = { execute: [client.allowInsecureRequests] };

/** The first value under `key` in a CLI JSON document; `type` filters (e.g. the token string, not its decoded form). */
function the(run, key, type) {
  const values = findValues(run.json, key).filter((v) => v !== null && v !== undefined && (!type || typeof v === type));
  assert.ok(values.length > 0, `"${key}"${type ? ` (${type})` : ''} in the --json output\n${describeRun(run)}`);
  return values[0];
}

/**
 * `--flag=VALUE`: server-made ids, secrets and tokens are random base64url and may begin
 * with "-", which `--flag VALUE` would hand to the parser as another option.
 */
const option = (flag, value) => `${flag}=${value}`;

/** The CLI's own verdicts on a token: every `checks` list in the output, flattened. */
function verdicts(run) {
  return findValues(run.json, 'checks').flat();
}

describe('oauthscope CLI against oidc-provider', () => {
  let op;
  let work;
  let referenceClient;
  let jwks;

  before(async () => {
    assertBinaryExists();
    op = await startOidcProvider();
    work = await mkdtemp(join(tmpdir(), 'oauthscope-op-'));
    referenceClient = await client.discovery(new URL(op.issuer), BASIC_CLIENT.id, undefined, client.ClientSecretBasic(BASIC_CLIENT.secret), insecure);
    jwks = createRemoteJWKSet(new URL(referenceClient.serverMetadata().jwks_uri));
  });

  after(async () => {
    await op?.stop();
    if (work) await rm(work, { recursive: true, force: true });
  });

  const credentials = (c = BASIC_CLIENT) => ['--client-id', c.id, option('--client-secret', c.secret)];

  /** oidc-provider's own view of a token, through a certified client: the cross-check. */
  const introspectWithReference = (token) => client.tokenIntrospection(referenceClient, token);

  /** `oauthscope run code` with the browser agent as $BROWSER; returns the run and the agent log. */
  async function runCode(extraArgs = [], agentEnv = {}) {
    const logFile = join(work, `agent-${Date.now()}-${Math.random().toString(16).slice(2)}.log`);
    const run = await runCli(
      ['run', 'code', '--issuer', op.issuer, ...credentials(), '--scope', 'openid profile email', ...extraArgs, '--json'],
      { env: { BROWSER: BROWSER_AGENT, BROWSER_AGENT_LOG: logFile, ...agentEnv }, timeoutMs: 60_000 },
    );
    const agentLog = await readFile(logFile, 'utf8').catch(() => '(the browser agent was never started)');
    return { run, agentLog };
  }

  test('the scripted browser completes oidc-provider login and consent for a certified client (harness check)', async () => {
    const verifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const redirectUri = 'http://127.0.0.1:45999/callback';
    const url = client.buildAuthorizationUrl(referenceClient, {
      redirect_uri: redirectUri,
      scope: 'openid',
      code_challenge: await client.calculatePKCECodeChallenge(verifier),
      code_challenge_method: 'S256',
      state,
    });
    const { redirect } = await actAsUser(url, { stopPrefix: redirectUri });
    const tokens = await client.authorizationCodeGrant(referenceClient, redirect, { pkceCodeVerifier: verifier, expectedState: state });
    assert.equal(tokens.claims().sub, USER.login);
  });

  describe('discover', () => {
    test('reads the metadata and reports the endpoints', async () => {
      const run = await runCli(['discover', op.issuer, '--json']);
      assert.equal(run.code, 0, describeRun(run));
      assert.equal(the(run, 'issuer'), op.issuer);
      const metadata = referenceClient.serverMetadata();
      assert.equal(the(run, 'token_endpoint'), metadata.token_endpoint);
      assert.equal(the(run, 'device_authorization_endpoint'), metadata.device_authorization_endpoint);
      assert.equal(the(run, 'introspection_endpoint'), metadata.introspection_endpoint);
    });

    test('an issuer with a path: discovery still finds the metadata, and a flow runs', async () => {
      const tenant = await startOidcProvider({ mountPath: '/tenant-a' });
      try {
        const run = await runCli(['discover', tenant.issuer, '--json']);
        assert.equal(run.code, 0, describeRun(run));
        assert.equal(the(run, 'issuer'), tenant.issuer);
        assert.ok(the(run, 'token_endpoint').startsWith(`${tenant.issuer}/`));
        const origin = new URL(tenant.issuer).origin;
        const asked = findValues(run.json, 'url');
        assert.ok(asked.includes(`${origin}/.well-known/oauth-authorization-server/tenant-a`), `RFC 8414 §3.1 inserts the well-known part before the path: ${asked}`);
        assert.ok(asked.includes(`${tenant.issuer}/.well-known/openid-configuration`), `OIDC Discovery §4 appends it: ${asked}`);
        const flow = await runCli(['run', 'client-credentials', '--issuer', tenant.issuer, ...credentials(), '--scope', 'api:read', '--json']);
        assert.equal(flow.code, 0, describeRun(flow));
        the(flow, 'access_token', 'string');
      } finally {
        await tenant.stop();
      }
    });

    test('metadata whose issuer differs from the one asked for is rejected (RFC 8414 §3.3)', async () => {
      const other = op.issuer.replace('127.0.0.1', 'localhost');
      const run = await runCli(['discover', other, '--json']);
      assert.notEqual(run.code, 0, `issuer mismatch must fail\n${describeRun(run)}`);
      assert.match(run.stderr, /issuer/i);
    });
  });

  describe('client credentials', () => {
    for (const [method, c] of [['client_secret_basic', BASIC_CLIENT], ['client_secret_post', POST_CLIENT]]) {
      test(`run client-credentials over ${method}`, async () => {
        const run = await runCli(['run', 'client-credentials', '--issuer', op.issuer, ...credentials(c), '--auth-method', method, '--scope', 'api:read', '--json']);
        assert.equal(run.code, 0, describeRun(run));
        const token = the(run, 'access_token', 'string');
        const info = await client.tokenIntrospection(
          await client.discovery(new URL(op.issuer), c.id, undefined, method === 'client_secret_basic' ? client.ClientSecretBasic(c.secret) : client.ClientSecretPost(c.secret), insecure),
          token,
        );
        assert.equal(info.active, true, 'oidc-provider knows the token the CLI obtained');
        assert.equal(info.client_id, c.id);
        assert.equal(info.scope, 'api:read');
        const basic = Buffer.from(`${encodeURIComponent(c.id)}:${encodeURIComponent(c.secret)}`).toString('base64');
        for (const secret of [c.secret, encodeURIComponent(c.secret), basic]) {
          assert.ok(!`${run.stdout}${run.stderr}`.includes(secret), `the client secret is masked in the output (${secret})`);
        }
      });
    }

    test('a secret with reserved characters survives client_secret_basic encoding (RFC 6749 §2.3.1)', async () => {
      assert.match(BASIC_CLIENT.secret, /[ :~+]/, 'the fixture secret has characters form-urlencoding changes');
      const run = await runCli(['run', 'client-credentials', '--issuer', op.issuer, ...credentials(), '--auth-method', 'client_secret_basic', '--json']);
      assert.equal(run.code, 0, describeRun(run));
    });

    test('human output masks the secret and the token; --show-secrets shows a token oidc-provider accepts', async () => {
      const args = ['run', 'client-credentials', '--issuer', op.issuer, ...credentials(), '--scope', 'api:read'];
      const masked = await runCli(args);
      assert.equal(masked.code, 0, describeRun(masked));
      const said = `${masked.stdout}${masked.stderr}`;
      assert.ok(!said.includes(BASIC_CLIENT.secret), 'the client secret is not printed');
      assert.match(said, /access_token\s+\S*…/, `the access token is shown cut short\n${describeRun(masked)}`);
      const shown = await runCli([...args, '--show-secrets']);
      assert.equal(shown.code, 0, describeRun(shown));
      const token = shown.stdout.match(/^\s*access_token\s+(\S+)\s*$/m)?.[1];
      assert.ok(token && !token.includes('…'), `the full access token is printed\n${describeRun(shown)}`);
      assert.equal((await introspectWithReference(token)).active, true, 'and it is the real one');
    });

    test('a wrong secret fails with the server\'s invalid_client in one readable line', async () => {
      const run = await runCli(['run', 'client-credentials', '--issuer', op.issuer, '--client-id', BASIC_CLIENT.id, '--client-secret', 'wrong', '--json']);
      assert.notEqual(run.code, 0, describeRun(run));
      assert.match(run.stderr, /invalid_client/);
    });
  });

  describe('authorization code + PKCE, refresh, introspection, revocation, userinfo', () => {
    let tokens;

    test('run code: $BROWSER logs in and consents, the loopback listener gets the code', async () => {
      const { run, agentLog } = await runCode();
      assert.equal(run.code, 0, `${describeRun(run)}\n--- browser agent ---\n${agentLog}`);
      tokens = {
        access: the(run, 'access_token', 'string'),
        id: the(run, 'id_token', 'string'),
        refresh: the(run, 'refresh_token', 'string'),
      };
      const signature = verdicts(run).find((c) => c.check === 'signature');
      assert.equal(signature?.verdict, 'pass', `the CLI verified the ID token signature against oidc-provider's JWKS\n${describeRun(run)}`);
      for (const check of ['iss', 'aud', 'nonce', 'exp']) {
        assert.equal(verdicts(run).find((c) => c.check === check)?.verdict, 'pass', `the CLI checked ${check}`);
      }
      const { payload } = await jwtVerify(tokens.id, jwks, { issuer: op.issuer, audience: BASIC_CLIENT.id });
      assert.equal(payload.sub, USER.login);
      assert.equal((await introspectWithReference(tokens.access)).active, true);
      assert.match(agentLog, /127\.0\.0\.1:\d+\//, 'the agent reached the loopback redirect');
    });

    test('the authorization request carried PKCE S256, state and nonce', async () => {
      const { run, agentLog } = await runCode();
      assert.equal(run.code, 0, describeRun(run));
      const opened = new URL(agentLog.match(/^open (\S+)/m)[1]);
      assert.equal(opened.searchParams.get('code_challenge_method'), 'S256');
      assert.match(opened.searchParams.get('code_challenge') ?? '', /^[A-Za-z0-9_-]{43}$/);
      assert.ok((opened.searchParams.get('state') ?? '').length >= 16, 'a random state');
      assert.ok((opened.searchParams.get('nonce') ?? '').length >= 16, 'a random nonce');
      assert.match(opened.searchParams.get('redirect_uri'), /^http:\/\/127\.0\.0\.1:\d+\//, 'a loopback redirect with an ephemeral port (RFC 8252 §7.3)');
    });

    test('a denied consent ends the run non-zero with access_denied', async () => {
      const { run } = await runCode([], { BROWSER_AGENT_DECISION: 'deny' });
      assert.notEqual(run.code, 0, describeRun(run));
      assert.match(run.stderr, /access_denied/);
    });

    for (const [tamper, reason] of [['state', /state/i], ['iss', /iss/i], ['drop-iss', /iss/i]]) {
      test(`a forged authorization response (${tamper}) is rejected by the CLI (RFC 6749 §10.12, RFC 9207 §2.4)`, async () => {
        const { run, agentLog } = await runCode([], { BROWSER_AGENT_TAMPER: tamper });
        assert.notEqual(run.code, 0, `${describeRun(run)}\n--- browser agent ---\n${agentLog}`);
        assert.match(run.stderr, reason);
        assert.equal(findValues(run.json, 'access_token').filter((t) => typeof t === 'string').length, 0, 'no tokens were fetched');
      });
    }

    test('an explicit loopback --redirect-uri with a port is listened on', async () => {
      const port = await freePort();
      const { run, agentLog } = await runCode(['--redirect-uri', `http://127.0.0.1:${port}/callback`]);
      assert.equal(run.code, 0, `${describeRun(run)}\n--- browser agent ---\n${agentLog}`);
      assert.match(agentLog, new RegExp(`127\\.0\\.0\\.1:${port}/callback`));
    });

    test('--paste: the person pastes the URL the browser ended on', async () => {
      const cli = spawnCli(['run', 'code', '--issuer', op.issuer, ...credentials(), '--scope', 'openid', '--paste', '--json'], {
        env: { BROWSER: '/bin/true' },
        stdin: true,
      });
      const [url] = await cli.waitFor(/http:\/\/127\.0\.0\.1:\d+\/auth\?\S+/);
      const redirectUri = new URL(url).searchParams.get('redirect_uri');
      const { redirect } = await actAsUser(url, { stopPrefix: redirectUri });
      cli.child.stdin.end(`${redirect.href}\n`);
      const run = await cli.done;
      assert.equal(run.code, 0, describeRun(run));
      assert.equal((await introspectWithReference(the(run, 'access_token', 'string'))).active, true);
    });

    test('userinfo with the access token', async () => {
      assert.ok(tokens, 'needs the code flow test');
      const run = await runCli(['userinfo', '--issuer', op.issuer, option('--token', tokens.access), '--json']);
      assert.equal(run.code, 0, describeRun(run));
      assert.equal(the(run, 'sub'), USER.login);
      assert.equal(the(run, 'email'), USER.email);
    });

    test('introspect reports an active token', async () => {
      assert.ok(tokens, 'needs the code flow test');
      const run = await runCli(['introspect', '--issuer', op.issuer, option('--token', tokens.access), ...credentials(), '--json']);
      assert.equal(run.code, 0, describeRun(run));
      assert.equal(the(run, 'active'), true);
      assert.equal(the(run, 'client_id'), BASIC_CLIENT.id);
    });

    test('run refresh: new tokens, and oidc-provider rotated the refresh token', async () => {
      assert.ok(tokens, 'needs the code flow test');
      const run = await runCli(['run', 'refresh', '--issuer', op.issuer, ...credentials(), option('--refresh-token', tokens.refresh), '--json']);
      assert.equal(run.code, 0, describeRun(run));
      const access = findValues(run.json, 'access_token').filter((t) => typeof t === 'string' && t !== tokens.access);
      assert.ok(access.length > 0, `a new access token\n${describeRun(run)}`);
      assert.equal((await introspectWithReference(access[0])).active, true);
      const refresh = findValues(run.json, 'refresh_token').filter((t) => typeof t === 'string' && t !== tokens.refresh);
      if (refresh.length > 0) tokens.refresh = refresh[0];
    });

    test('revoke the refresh token, then introspect says inactive', async () => {
      assert.ok(tokens, 'needs the code flow test');
      const revoke = await runCli(['revoke', '--issuer', op.issuer, option('--token', tokens.refresh), ...credentials(), '--json']);
      assert.equal(revoke.code, 0, describeRun(revoke));
      assert.equal((await introspectWithReference(tokens.refresh)).active, false, 'oidc-provider revoked it');
      const run = await runCli(['introspect', '--issuer', op.issuer, option('--token', tokens.refresh), ...credentials(), '--json']);
      assert.equal(run.code, 0, `an inactive token is an answer, not an error\n${describeRun(run)}`);
      assert.equal(the(run, 'active'), false);
    });

    test('a revoked refresh token: run refresh fails with invalid_grant', async () => {
      assert.ok(tokens, 'needs the code flow test');
      const run = await runCli(['run', 'refresh', '--issuer', op.issuer, ...credentials(), option('--refresh-token', tokens.refresh), '--json']);
      assert.notEqual(run.code, 0, describeRun(run));
      assert.match(run.stderr, /invalid_grant/);
    });

    test('userinfo with a token oidc-provider does not know fails with invalid_token', async () => {
      const run = await runCli(['userinfo', '--issuer', op.issuer, '--token', 'not-a-token', '--json']);
      assert.notEqual(run.code, 0, describeRun(run));
      assert.match(run.stderr, /invalid_token|401/);
    });

    test('decode --issuer checks iss against the issuer it was given', async () => {
      assert.ok(tokens, 'needs the code flow test');
      const other = await startOidcProvider();
      try {
        const run = await runCli(['decode', tokens.id, '--issuer', other.issuer, '--json']);
        assert.notEqual(run.code, 0, `an ID token from another issuer (whose JWKS lacks its kid or whose iss differs)\n${describeRun(run)}`);
      } finally {
        await other.stop();
      }
    });

    test('decode verifies an oidc-provider ID token against its JWKS', async () => {
      assert.ok(tokens, 'needs the code flow test');
      const run = await runCli(['decode', tokens.id, '--issuer', op.issuer, '--json']);
      assert.equal(run.code, 0, describeRun(run));
      assert.equal(the(run, 'sub'), USER.login);
    });
  });

  describe('pushed authorization requests (RFC 9126)', () => {
    test('run par over client_secret_post: only client_id and request_uri go through the browser', async () => {
      const logFile = join(work, 'agent-par.log');
      const run = await runCli(
        ['run', 'par', '--issuer', op.issuer, ...credentials(POST_CLIENT), '--auth-method', 'client_secret_post', '--scope', 'openid profile', '--json'],
        { env: { BROWSER: BROWSER_AGENT, BROWSER_AGENT_LOG: logFile } },
      );
      const agentLog = await readFile(logFile, 'utf8').catch(() => '(the browser agent was never started)');
      assert.equal(run.code, 0, `${describeRun(run)}\n--- browser agent ---\n${agentLog}`);
      const opened = new URL(agentLog.match(/^open (\S+)/m)[1]);
      assert.match(opened.searchParams.get('request_uri') ?? '', /^urn:ietf:params:oauth:request_uri:/);
      assert.deepEqual([...opened.searchParams.keys()].sort(), ['client_id', 'request_uri']);
      const { payload } = await jwtVerify(the(run, 'id_token', 'string'), jwks, { issuer: op.issuer, audience: POST_CLIENT.id });
      assert.equal(payload.sub, USER.login);
    });
  });

  describe('client assertions (RFC 7523) and request objects (RFC 9101)', () => {
    let keyFile;
    before(async () => {
      // The private JWK jose made, read by oauthscope's key loader.
      keyFile = join(work, 'client-key.json');
      await writeFile(keyFile, JSON.stringify(op.clientPrivateJwk), { mode: 0o600 });
    });

    test('run client-credentials with private_key_jwt: oidc-provider accepts the assertion', async () => {
      const run = await runCli(['run', 'client-credentials', '--issuer', op.issuer, '--client-id', KEY_CLIENT.id, '--private-key', keyFile, '--scope', 'api:read', '--json']);
      assert.equal(run.code, 0, describeRun(run));
      const info = await introspectWithReference(the(run, 'access_token', 'string'));
      assert.equal(info.active, true);
      assert.equal(info.client_id, KEY_CLIENT.id);
      const decoded = run.json.steps[0].request.decoded[0];
      assert.equal(decoded.header.kid, op.clientPrivateJwk.kid);
      assert.equal(decoded.claims.iss, KEY_CLIENT.id);
      assert.ok(!run.stdout.includes(op.clientPrivateJwk.d), 'the private key is never printed');
    });

    test('run client-credentials with client_secret_jwt', async () => {
      const run = await runCli(['run', 'client-credentials', '--issuer', op.issuer, '--client-id', HS_CLIENT.id, option('--client-secret', HS_CLIENT.secret), '--auth-method', 'client_secret_jwt', '--scope', 'api:read', '--json']);
      assert.equal(run.code, 0, describeRun(run));
      assert.equal((await introspectWithReference(the(run, 'access_token', 'string'))).client_id, HS_CLIENT.id);
      assert.ok(!`${run.stdout}${run.stderr}`.includes(HS_CLIENT.secret));
    });

    for (const flow of ['code', 'par']) {
      test(`run ${flow} --request-object: oidc-provider verifies the signed request and issues tokens`, async () => {
        const logFile = join(work, `agent-jar-${flow}.log`);
        const run = await runCli(
          ['run', flow, '--issuer', op.issuer, '--client-id', KEY_CLIENT.id, '--private-key', keyFile, '--request-object', '--scope', 'openid profile', '--json'],
          { env: { BROWSER: BROWSER_AGENT, BROWSER_AGENT_LOG: logFile } },
        );
        const agentLog = await readFile(logFile, 'utf8').catch(() => '(the browser agent was never started)');
        assert.equal(run.code, 0, `${describeRun(run)}\n--- browser agent ---\n${agentLog}`);
        const opened = new URL(agentLog.match(/^open (\S+)/m)[1]);
        if (flow === 'code') {
          assert.ok(opened.searchParams.get('request'), 'the request object went through the browser');
          assert.equal(opened.searchParams.get('state'), null, 'state is inside the object, not beside it');
        } else {
          assert.deepEqual([...opened.searchParams.keys()].sort(), ['client_id', 'request_uri']);
        }
        const { payload } = await jwtVerify(the(run, 'id_token', 'string'), jwks, { issuer: op.issuer, audience: KEY_CLIENT.id });
        assert.equal(payload.sub, USER.login);
      });
    }
  });

  describe('dynamic client registration (RFC 7591, RFC 7592)', () => {
    test('register, use, get, update, delete', async () => {
      const created = await runCli([
        'register', '--issuer', op.issuer, '--redirect-uri', 'http://127.0.0.1/callback',
        '--grant-type', 'client_credentials', '--grant-type', 'authorization_code',
        '--auth-method', 'client_secret_basic', '--scope', 'openid api:read', '--client-name', 'oauthscope interop', '--json',
      ]);
      assert.equal(created.code, 0, describeRun(created));
      const clientId = the(created, 'client_id', 'string');
      const secret = the(created, 'client_secret', 'string');
      const uri = the(created, 'registration_client_uri', 'string');
      let token = the(created, 'registration_access_token', 'string');
      assert.ok(uri.startsWith(op.issuer));

      const used = await runCli(['run', 'client-credentials', '--issuer', op.issuer, option('--client-id', clientId), option('--client-secret', secret), '--scope', 'api:read', '--json']);
      assert.equal(used.code, 0, `the registered client works at once\n${describeRun(used)}`);

      const read = await runCli(['client', 'get', '--registration-client-uri', uri, option('--registration-access-token', token), '--json']);
      assert.equal(read.code, 0, describeRun(read));
      assert.equal(the(read, 'client_name'), 'oauthscope interop');

      const updated = await runCli(['client', 'update', '--registration-client-uri', uri, option('--registration-access-token', token), '--redirect-uri', 'http://127.0.0.1/elsewhere', '--json']);
      assert.equal(updated.code, 0, describeRun(updated));
      assert.deepEqual(the(updated, 'redirect_uris'), ['http://127.0.0.1/elsewhere']);
      assert.equal(the(updated, 'client_name'), 'oauthscope interop', 'fields not changed are sent back as read');
      // oidc-provider rotates the registration access token on update (RFC 7592 §2.2 allows it).
      token = the(updated, 'registration_access_token', 'string');

      const deleted = await runCli(['client', 'delete', '--registration-client-uri', uri, option('--registration-access-token', token), '--json']);
      assert.equal(deleted.code, 0, describeRun(deleted));
      const gone = await runCli(['client', 'get', '--registration-client-uri', uri, option('--registration-access-token', token), '--json']);
      assert.notEqual(gone.code, 0, `a deleted client cannot be read\n${describeRun(gone)}`);
      assert.match(gone.stderr, /401|invalid_token/);
    });

    test('a public client registered by the CLI runs the code flow with PKCE and no secret', async () => {
      const port = await freePort();
      const redirectUri = `http://127.0.0.1:${port}/callback`;
      const created = await runCli([
        'register', '--issuer', op.issuer, '--redirect-uri', redirectUri, '--auth-method', 'none',
        '--grant-type', 'authorization_code', '--scope', 'openid', '--json',
      ]);
      assert.equal(created.code, 0, describeRun(created));
      const clientId = the(created, 'client_id', 'string');
      assert.equal(findValues(created.json, 'client_secret').filter((v) => typeof v === 'string').length, 0, 'no secret for auth method none');
      const logFile = join(work, 'agent-public.log');
      const run = await runCli(
        ['run', 'code', '--issuer', op.issuer, option('--client-id', clientId), '--auth-method', 'none', '--redirect-uri', redirectUri, '--scope', 'openid', '--json'],
        { env: { BROWSER: BROWSER_AGENT, BROWSER_AGENT_LOG: logFile } },
      );
      const agentLog = await readFile(logFile, 'utf8').catch(() => '(the browser agent was never started)');
      assert.equal(run.code, 0, `${describeRun(run)}\n--- browser agent ---\n${agentLog}`);
      const { payload } = await jwtVerify(the(run, 'id_token', 'string'), jwks, { issuer: op.issuer, audience: clientId });
      assert.equal(payload.sub, USER.login);
    });

    test('oidc-provider refuses a redirect URI with a fragment; the CLI says so and exits non-zero', async () => {
      const run = await runCli(['register', '--issuer', op.issuer, '--redirect-uri', 'http://127.0.0.1/callback#fragment', '--json']);
      assert.notEqual(run.code, 0, describeRun(run));
      assert.match(run.stderr, /invalid_redirect_uri|fragment/);
    });
  });

  describe('device authorization', () => {
    test('run device: the person enters the code on oidc-provider\'s page, the CLI polls to tokens', async () => {
      const cli = spawnCli(['run', 'device', '--issuer', op.issuer, ...credentials(), '--scope', 'openid profile', '--json'], { timeoutMs: 90_000 });
      const [url] = await cli.waitFor(/http:\/\/127\.0\.0\.1:\d+\/device\?user_code=[A-Z0-9-]+/);
      const [userCode] = await cli.waitFor(/\b[A-Z]{4}-[A-Z]{4}\b/);
      assert.ok(url.includes(userCode), 'the printed verification_uri_complete carries the printed user_code');
      await actAsUser(url.replace(/\?user_code=.*$/, ''), { userCode });
      const run = await cli.done;
      assert.equal(run.code, 0, describeRun(run));
      const access = the(run, 'access_token', 'string');
      assert.equal((await introspectWithReference(access)).active, true);
      const { payload } = await jwtVerify(the(run, 'id_token', 'string'), jwks, { issuer: op.issuer, audience: BASIC_CLIENT.id });
      assert.equal(payload.sub, USER.login);
    });

    test('run device: denial on the verification page ends the run non-zero', async () => {
      const cli = spawnCli(['run', 'device', '--issuer', op.issuer, ...credentials(), '--scope', 'openid', '--json'], { timeoutMs: 90_000 });
      const [url] = await cli.waitFor(/http:\/\/127\.0\.0\.1:\d+\/device\?user_code=[A-Z0-9-]+/);
      await actAsUser(url, { decision: 'deny' });
      const run = await cli.done;
      assert.notEqual(run.code, 0, describeRun(run));
      assert.match(run.stderr, /access_denied|denied/i);
    });
  });
});

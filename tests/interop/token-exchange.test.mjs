// Token exchange (RFC 8693) against `oauthscope mock`, which oidc-provider cannot be checked
// against (it has no token exchange): the grant driven by npm openid-client's generic grant
// request and by the oauthscope CLI, and every issued token verified with npm jose against
// the mock's published JWKS (signature, iss, aud, sub, act).

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { describeRun, runCli, startMock } from './lib/oauthscope.mjs';
import { actAsUser } from './lib/browser.mjs';

const GRANT = 'urn:ietf:params:oauth:grant-type:token-exchange';
const ACCESS = 'urn:ietf:params:oauth:token-type:access_token';
const AUDIENCE = 'https://api.example.com';
const SECOND_AUDIENCE = 'https://reports.example.com';
const REDIRECT_URI = 'http://127.0.0.1/callback';
const insecure = { execute: [client.allowInsecureRequests] };

describe('token exchange at oauthscope mock, checked with openid-client and jose', () => {
  let dir;
  let mock;
  let confidential;
  let jwks;
  let userToken;
  let userSub;

  before(async () => {
    // The demo client may exchange for a second audience too, to ask for both at once.
    dir = await mkdtemp(join(tmpdir(), 'oauthscope-token-exchange-'));
    const file = join(dir, 'mock.toml');
    await writeFile(file, `[token_exchange_audiences]\n"demo-confidential" = ${JSON.stringify([AUDIENCE, SECOND_AUDIENCE])}\n`);
    mock = await startMock({ autoApprove: 'alice', extraArgs: ['--config', file] });
    confidential = await client.discovery(new URL(mock.issuer), 'demo-confidential', undefined, client.ClientSecretBasic('demo-secret'), insecure);
    jwks = createRemoteJWKSet(new URL(confidential.serverMetadata().jwks_uri));
    const codeVerifier = client.randomPKCECodeVerifier();
    const state = client.randomState();
    const url = client.buildAuthorizationUrl(confidential, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid api:read',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      state,
    });
    const { redirect } = await actAsUser(url, { stopPrefix: REDIRECT_URI });
    const tokens = await client.authorizationCodeGrant(confidential, redirect, { pkceCodeVerifier: codeVerifier, expectedState: state });
    userToken = tokens.access_token;
    userSub = tokens.claims().sub;
  });

  after(async () => {
    await mock?.stop();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  const verify = (token, audience) => jwtVerify(token, jwks, { issuer: mock.issuer, audience, typ: 'at+jwt' });

  test('the grant is advertised', () => {
    assert.ok(confidential.serverMetadata().grant_types_supported.includes(GRANT));
  });

  test('impersonation through openid-client: the user stays the subject, for the audience asked', async () => {
    const answer = await client.genericGrantRequest(confidential, GRANT, {
      subject_token: userToken,
      subject_token_type: ACCESS,
      audience: AUDIENCE,
      scope: 'api:read',
    });
    assert.equal(answer.issued_token_type, ACCESS);
    const { payload } = await verify(answer.access_token, AUDIENCE);
    assert.equal(payload.sub, userSub);
    assert.equal(payload.scope, 'api:read');
    assert.equal(payload.act, undefined);
  });

  test('delegation through the oauthscope CLI: the actor is named in act', async () => {
    const machine = await client.clientCredentialsGrant(confidential, { scope: 'api:read' });
    const run = await runCli([
      'run', 'token-exchange', '--issuer', mock.issuer, '--client-id', 'demo-confidential', '--client-secret', 'demo-secret',
      `--subject-token=${userToken}`, `--actor-token=${machine.access_token}`, '--audience', AUDIENCE, '--json',
    ]);
    assert.equal(run.code, 0, describeRun(run));
    const issued = run.json.outcome.tokens;
    assert.equal(issued.issued_token_type, ACCESS);
    const { payload } = await verify(issued.access_token, AUDIENCE);
    assert.equal(payload.sub, userSub);
    assert.deepEqual(payload.act, { sub: 'demo-confidential' });
  });

  test('two audiences at once (RFC 8693 §2.1 lets audience repeat): aud is the array of both', async () => {
    const parameters = new URLSearchParams({ subject_token: userToken, subject_token_type: ACCESS });
    parameters.append('audience', AUDIENCE);
    parameters.append('audience', SECOND_AUDIENCE);
    const answer = await client.genericGrantRequest(confidential, GRANT, parameters);
    for (const audience of [AUDIENCE, SECOND_AUDIENCE]) {
      const { payload } = await verify(answer.access_token, audience);
      assert.deepEqual(payload.aud, [AUDIENCE, SECOND_AUDIENCE]);
      assert.equal(payload.sub, userSub);
    }
    // One audience the client may not ask for spoils the request, and is named.
    parameters.append('audience', 'https://elsewhere.example');
    await assert.rejects(client.genericGrantRequest(confidential, GRANT, parameters), (err) => {
      assert.equal(err.error, 'invalid_target');
      assert.match(err.error_description, /audience `https:\/\/elsewhere\.example`/);
      return true;
    });
  });

  test('an audience the client may not ask for is invalid_target', async () => {
    await assert.rejects(
      client.genericGrantRequest(confidential, GRANT, { subject_token: userToken, subject_token_type: ACCESS, audience: 'https://elsewhere.example' }),
      (err) => {
        assert.equal(err.error, 'invalid_target');
        assert.match(err.error_description, /RFC 8693/);
        return true;
      },
    );
  });
});

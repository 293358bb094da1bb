// The mock's control API (`/_mock/`) seen by independent implementations: claims set for a
// user and for the next token arrive in tokens that openid-client obtains and jose verifies
// against the mock's JWKS, and the CLI's `oauthscope mock claims` does the same.

import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import * as client from 'openid-client';
import { runCli, describeRun } from './lib/oauthscope.mjs';
import { actAsUser } from './lib/browser.mjs';
import { useDemoMock } from './lib/demo-mock.mjs';

const REDIRECT_URI = 'http://127.0.0.1/callback';

async function control(mock, method, path, body) {
  const response = await fetch(`${mock.issuer}${path}`, {
    method,
    headers: { 'content-type': 'application/json' },
    body: body === undefined ? undefined : JSON.stringify(body),
  });
  const json = await response.json();
  assert.ok(response.ok, `${method} ${path}: ${response.status} ${JSON.stringify(json)}`);
  return json;
}

describe('claim overrides verified by jose', () => {
  let mock;
  let jwt;
  let publicClient;
  let service;

  useDemoMock({ autoApprove: 'alice' }, (demo) => ({ mock, jwt, publicClient, basicClient: service } = demo));

  async function signIn() {
    const codeVerifier = client.randomPKCECodeVerifier();
    const nonce = client.randomNonce();
    const url = client.buildAuthorizationUrl(publicClient, {
      redirect_uri: REDIRECT_URI,
      scope: 'openid profile',
      code_challenge: await client.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
      nonce,
    });
    const { redirect } = await actAsUser(url, { stopPrefix: REDIRECT_URI });
    return client.authorizationCodeGrant(publicClient, redirect, {
      pkceCodeVerifier: codeVerifier,
      expectedNonce: nonce,
      idTokenExpected: true,
    });
  }

  test("a user's claims are in the ID token, the access token and userinfo", async () => {
    await control(mock, 'PUT', '/_mock/users/alice/claims', { role: 'admin', groups: ['ops', 'sre'], name: 'Alice Override' });
    const tokens = await signIn();
    const id = await jwt.idToken(tokens.id_token, { clientId: 'demo-public', accessToken: tokens.access_token });
    assert.equal(id.role, 'admin');
    assert.deepEqual(id.groups, ['ops', 'sre']);
    assert.equal(id.name, 'Alice Override');
    const access = await jwt.accessToken(tokens.access_token, { clientId: 'demo-public' });
    assert.equal(access.role, 'admin');
    const claims = tokens.claims();
    const userinfo = await client.fetchUserInfo(publicClient, tokens.access_token, claims.sub);
    assert.equal(userinfo.role, 'admin');
    await control(mock, 'PUT', '/_mock/users/alice/claims', {});
  });

  test('next-token claims set from the CLI are in one token only', async () => {
    const run = await runCli(['mock', 'claims', '--next', 'acr=urn:example:mfa', 'amr=["pwd","otp"]', '--issuer', mock.issuer]);
    assert.equal(run.code, 0, describeRun(run));
    const first = await client.clientCredentialsGrant(service, { scope: 'api:read' });
    const claims = await jwt.accessToken(first.access_token, { clientId: 'demo-confidential' });
    assert.equal(claims.acr, 'urn:example:mfa');
    assert.deepEqual(claims.amr, ['pwd', 'otp']);
    const second = await client.clientCredentialsGrant(service, { scope: 'api:read' });
    const later = await jwt.accessToken(second.access_token, { clientId: 'demo-confidential' });
    assert.equal(later.acr, undefined);
  });
});

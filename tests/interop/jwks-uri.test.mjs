// Clients whose keys are at a jwks_uri (RFC 7591 §2) at `oauthscope mock`: npm openid-client
// registers one (keys made with jose, served by a node http server in this test) and then
// authenticates with private_key_jwt and signs a request object with it; the tokens are
// verified with jose against the mock's JWKS.

import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { exportJWK, generateKeyPair } from 'jose';
import { startMock } from './lib/oauthscope.mjs';
import { REDIRECT_URI, codeFlowWith, insecure } from './lib/demo-mock.mjs';
import { JwtChecker } from './lib/jwt-checks.mjs';


/** A node http server on 127.0.0.1 serving `body()` at /jwks.json, counting requests. */
async function startKeyServer(body) {
  const served = { hits: 0 };
  const server = createServer((request, response) => {
    if (request.url !== '/jwks.json') {
      response.writeHead(404).end();
      return;
    }
    served.hits += 1;
    response.writeHead(200, { 'content-type': 'application/jwk-set+json' }).end(JSON.stringify(body()));
  });
  await new Promise((listening) => server.listen(0, '127.0.0.1', listening));
  served.url = `http://127.0.0.1:${server.address().port}/jwks.json`;
  served.stop = () => new Promise((closed) => server.close(closed));
  return served;
}

describe('a client with jwks_uri at oauthscope mock, registered and used by openid-client', () => {
  let mock;
  let keys;
  let key;
  let registered;
  let jwt;

  before(async () => {
    key = { pair: await generateKeyPair('ES256'), kid: 'remote-1' };
    const publicJwk = { ...(await exportJWK(key.pair.publicKey)), kid: key.kid, alg: 'ES256', use: 'sig' };
    keys = await startKeyServer(() => ({ keys: [publicJwk] }));
    // The key server is plain http on loopback: the mock fetches from there only when told.
    mock = await startMock({ autoApprove: 'alice', extraArgs: ['--allow-loopback-cimd'] });
    registered = await client.dynamicClientRegistration(
      new URL(mock.issuer),
      {
        client_name: 'keys by reference',
        redirect_uris: [REDIRECT_URI],
        grant_types: ['authorization_code', 'client_credentials'],
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: keys.url,
      },
      client.PrivateKeyJwt({ key: key.pair.privateKey, kid: key.kid }),
      insecure,
    );
    jwt = new JwtChecker(registered.serverMetadata());
  });

  after(async () => {
    await mock?.stop();
    await keys?.stop();
  });

  test('registration keeps jwks_uri, issues no secret, and nothing is fetched yet', () => {
    const metadata = registered.clientMetadata();
    assert.equal(metadata.jwks_uri, keys.url);
    assert.equal(metadata.token_endpoint_auth_method, 'private_key_jwt');
    assert.equal(metadata.client_secret, undefined);
    assert.equal(keys.hits, 0, 'the set is fetched when an assertion is checked, not before');
  });

  test('private_key_jwt with the key served at jwks_uri gets a token; the set is fetched once', async () => {
    const { client_id: clientId } = registered.clientMetadata();
    const tokens = await client.clientCredentialsGrant(registered, { scope: 'api:read' });
    await jwt.accessToken(tokens.access_token, { clientId, scope: 'api:read' });
    const again = await client.clientCredentialsGrant(registered, { scope: 'api:read' });
    await jwt.accessToken(again.access_token, { clientId });
    assert.equal(keys.hits, 1, 'the fetched set is kept between requests');
  });

  test('a request object (JAR) signed with that key is verified with the set', async () => {
    const { tokens, nonce } = await codeFlowWith(registered, { scope: 'openid', jar: { key: key.pair.privateKey, kid: key.kid } });
    const { client_id: clientId } = registered.clientMetadata();
    await jwt.idToken(tokens.id_token, { clientId, nonce, accessToken: tokens.access_token });
  });

  test('jwks and jwks_uri together are invalid_client_metadata (RFC 7591 §2)', async () => {
    const response = await fetch(registered.serverMetadata().registration_endpoint, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        grant_types: ['client_credentials'],
        token_endpoint_auth_method: 'private_key_jwt',
        jwks_uri: keys.url,
        jwks: { keys: [{ ...(await exportJWK(key.pair.publicKey)), kid: key.kid }] },
      }),
    });
    assert.equal(response.status, 400);
    const body = await response.json();
    assert.equal(body.error, 'invalid_client_metadata');
    assert.match(body.error_description, /jwks and jwks_uri must not both be present.*RFC 7591 section 2/);
  });
});

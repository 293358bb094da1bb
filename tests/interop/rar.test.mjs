// Rich authorization requests (RFC 9396): the oauthscope CLI's --authorization-details
// against npm oidc-provider with the feature on (the access token it issues checked with
// jose for the details granted), and npm openid-client sending details to `oauthscope mock`.

import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { after, before, describe, test } from 'node:test';
import * as client from 'openid-client';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { assertBinaryExists, describeRun, runCli, startMock } from './lib/oauthscope.mjs';
import { BASIC_CLIENT, KEY_CLIENT, startOidcProvider } from './lib/oidc-provider-server.mjs';
import { JwtChecker } from './lib/jwt-checks.mjs';

const BROWSER_AGENT = join(dirname(fileURLToPath(import.meta.url)), 'browser-agent.mjs');
const PAYMENT = [{ type: 'payment_initiation', instructedAmount: { currency: 'EUR', amount: '123.50' } }];
const insecure = { execute: [client.allowInsecureRequests] };

describe('the oauthscope CLI with --authorization-details against oidc-provider', () => {
  let op;
  let referenceClient;

  before(async () => {
    assertBinaryExists();
    // oidc-provider grants rich authorization only for a resource (RFC 8707).
    op = await startOidcProvider({ rar: true, resourceServer: { url: 'https://payments.example/', scope: 'api:read' } });
    referenceClient = await client.discovery(new URL(op.issuer), BASIC_CLIENT.id, undefined, client.ClientSecretBasic(BASIC_CLIENT.secret), insecure);
  });

  after(async () => {
    await op?.stop();
  });

  test('run code --request-object: the details go inside the signed object as a JSON array and are granted', async () => {
    const work = await mkdtemp(join(tmpdir(), 'oauthscope-rar-jar-'));
    try {
      const keyFile = join(work, 'client-key.json');
      await writeFile(keyFile, JSON.stringify(op.clientPrivateJwk), { mode: 0o600 });
      const logFile = join(work, 'agent.log');
      const run = await runCli(
        ['run', 'code', '--issuer', op.issuer, '--client-id', KEY_CLIENT.id, '--private-key', keyFile, '--request-object',
          '--scope', 'openid api:read', '--resource', 'https://payments.example/', '--authorization-details', JSON.stringify(PAYMENT), '--json'],
        { env: { BROWSER: BROWSER_AGENT, BROWSER_AGENT_LOG: logFile } },
      );
      const agentLog = await readFile(logFile, 'utf8').catch(() => '(the browser agent was never started)');
      assert.equal(run.code, 0, `${describeRun(run)}\n--- browser agent ---\n${agentLog}`);
      const opened = new URL(agentLog.match(/^open (\S+)/m)[1]);
      assert.equal(opened.searchParams.get('authorization_details'), null, 'the details are inside the object, not beside it');
      const object = JSON.parse(Buffer.from(opened.searchParams.get('request').split('.')[1], 'base64url'));
      assert.deepEqual(object.authorization_details, PAYMENT, 'a JSON array in the request object (RFC 9396 §3)');
      assert.deepEqual(run.json.outcome.authorization_details, PAYMENT, describeRun(run));
    } finally {
      await rm(work, { recursive: true, force: true });
    }
  });

  test('client credentials: the details are sent at /token and granted', async () => {
    const run = await runCli([
      'run', 'client-credentials', '--issuer', op.issuer, '--client-id', BASIC_CLIENT.id, `--client-secret=${BASIC_CLIENT.secret}`,
      '--authorization-details', JSON.stringify(PAYMENT), '--json',
    ]);
    assert.equal(run.code, 0, describeRun(run));
    assert.deepEqual(run.json.outcome.authorization_details, PAYMENT, describeRun(run));
    const jwks = createRemoteJWKSet(new URL(referenceClient.serverMetadata().jwks_uri));
    const { payload } = await jwtVerify(run.json.outcome.tokens.access_token, jwks, { issuer: op.issuer, audience: 'https://payments.example/' });
    assert.deepEqual(payload.authorization_details, PAYMENT, 'the access token carries the grant (RFC 9396 §9.1)');
  });

  test('a type oidc-provider does not know is refused with invalid_authorization_details', async () => {
    const run = await runCli([
      'run', 'client-credentials', '--issuer', op.issuer, '--client-id', BASIC_CLIENT.id, `--client-secret=${BASIC_CLIENT.secret}`,
      '--authorization-details', '[{"type":"wire_transfer"}]', '--json',
    ]);
    assert.notEqual(run.code, 0, describeRun(run));
    assert.match(run.stderr, /invalid_authorization_details/);
  });
});

describe('openid-client sending authorization_details to oauthscope mock', () => {
  let mock;
  let confidential;

  before(async () => {
    mock = await startMock({ autoApprove: 'alice' });
    confidential = await client.discovery(new URL(mock.issuer), 'demo-confidential', undefined, client.ClientSecretBasic('demo-secret'), insecure);
  });

  after(async () => {
    await mock?.stop();
  });

  test('the metadata lists the types, and the grant comes back in the response and the token', async () => {
    assert.ok(confidential.serverMetadata().authorization_details_types_supported.includes('payment_initiation'));
    const tokens = await client.clientCredentialsGrant(confidential, { authorization_details: JSON.stringify(PAYMENT) });
    assert.deepEqual(tokens.authorization_details, PAYMENT);
    const claims = await new JwtChecker(confidential.serverMetadata()).accessToken(tokens.access_token);
    assert.deepEqual(claims.authorization_details, PAYMENT);
  });
});

// `oauthscope mock` with its demo clients, for one describe block of interop tests: started
// before the block's tests, the demo clients discovered through openid-client, and stopped
// after the block.

import { after, before } from 'node:test';
import * as client from 'openid-client';
import { startMock } from './oauthscope.mjs';
import { JwtChecker } from './jwt-checks.mjs';

export const PUBLIC_CLIENT = 'demo-public';
export const CONFIDENTIAL_CLIENT = 'demo-confidential';
export const CONFIDENTIAL_SECRET = 'demo-secret';
/** The mock speaks plain http on loopback; openid-client refuses that unless told. */
export const insecure = { execute: [client.allowInsecureRequests] };

/**
 * Registers the block's hooks: before its tests, the mock started with `options` (see
 * startMock) and `ready` called with `{ mock, publicClient, basicClient, postClient,
 * metadata, jwt }`: the demo clients as openid-client configurations (`none`; the demo
 * secret over client_secret_basic and client_secret_post), the server's metadata and a jose
 * checker on its JWKS. After them, the mock stopped.
 */
export function useDemoMock(options, ready) {
  let mock;
  before(async () => {
    mock = await startMock(options);
    const discover = (id, auth) => client.discovery(new URL(mock.issuer), id, undefined, auth, insecure);
    const publicClient = await discover(PUBLIC_CLIENT, client.None());
    const basicClient = await discover(CONFIDENTIAL_CLIENT, client.ClientSecretBasic(CONFIDENTIAL_SECRET));
    const postClient = await discover(CONFIDENTIAL_CLIENT, client.ClientSecretPost(CONFIDENTIAL_SECRET));
    const metadata = publicClient.serverMetadata();
    await ready({ mock, publicClient, basicClient, postClient, metadata, jwt: new JwtChecker(metadata) });
  });
  after(async () => {
    await mock?.stop();
  });
}

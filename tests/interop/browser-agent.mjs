#!/usr/bin/env node
// A stand-in for the person at the browser, for `BROWSER=tests/interop/browser-agent.mjs`:
// oauthscope opens the authorization URL with it; it signs in, consents, and follows the
// redirects to the loopback redirect_uri as a browser would. The URL is the last argument.
// BROWSER_AGENT_USER (default alice) and BROWSER_AGENT_DECISION (approve|deny) steer it;
// BROWSER_AGENT_TAMPER (state|iss|drop-iss) forges the redirect back to the client, as an
// attacker would; BROWSER_AGENT_LOG names a file that receives the pages visited.

import { appendFileSync } from 'node:fs';
import { actAsUser } from './lib/browser.mjs';

const url = process.argv.at(-1);

/** Forgeries of the authorization response, for the client's state and iss checks. */
const TAMPERING = {
  state: (location) => {
    location.searchParams.set('state', 'forged-state');
    return location;
  },
  iss: (location) => {
    location.searchParams.set('iss', 'http://127.0.0.1:1/forged-issuer');
    return location;
  },
  'drop-iss': (location) => {
    location.searchParams.delete('iss');
    return location;
  },
};
const log = (line) => {
  if (process.env.BROWSER_AGENT_LOG) appendFileSync(process.env.BROWSER_AGENT_LOG, `${line}\n`);
};

try {
  log(`open ${url}`);
  const { pages, page } = await actAsUser(url, {
    user: process.env.BROWSER_AGENT_USER ?? 'alice',
    decision: process.env.BROWSER_AGENT_DECISION ?? 'approve',
    tamper: TAMPERING[process.env.BROWSER_AGENT_TAMPER],
  });
  log(`visited ${pages.join('\n  -> ')}`);
  log(`last page: ${(page ?? '').replace(/\s+/g, ' ').slice(0, 300)}`);
} catch (err) {
  log(`failed: ${err.stack}`);
  process.exitCode = 1;
}

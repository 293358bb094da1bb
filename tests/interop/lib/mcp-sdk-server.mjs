// An MCP server written with the TypeScript SDK (npm @modelcontextprotocol/sdk) as its
// authors document it for a protected server: Streamable HTTP at /mcp behind the SDK's
// `requireBearerAuth` middleware, the RFC 9728 document at the path-inserted well-known URI,
// and a token verifier that accepts only JWT access tokens its authorization server signed
// for this resource (RFC 9068: iss, aud = this server, exp). One tool, `whoami`.

import express from 'express';
import { createRemoteJWKSet, jwtVerify } from 'jose';
import { McpServer } from '@modelcontextprotocol/sdk/server/mcp.js';
import { StreamableHTTPServerTransport } from '@modelcontextprotocol/sdk/server/streamableHttp.js';
import { requireBearerAuth } from '@modelcontextprotocol/sdk/server/auth/middleware/bearerAuth.js';
import { InvalidTokenError } from '@modelcontextprotocol/sdk/server/auth/errors.js';
import { freePort } from './oauthscope.mjs';

export const MCP_SCOPE = 'mcp:tools';

/** The MCP server's port and URL, known before its authorization server starts. */
export async function reserveMcpUrl() {
  const port = await freePort();
  return { port, url: `http://127.0.0.1:${port}/mcp` };
}

/** Verifies an access token as RFC 9068 says, against the issuer's JWKS. */
function jwtVerifier({ issuer, jwksUri, resource }) {
  const jwks = createRemoteJWKSet(new URL(jwksUri));
  return {
    async verifyAccessToken(token) {
      let payload;
      try {
        ({ payload } = await jwtVerify(token, jwks, { issuer, audience: resource, typ: 'at+jwt' }));
      } catch (err) {
        throw new InvalidTokenError(`the access token is not valid here: ${err.code ?? err.message}`);
      }
      return {
        token,
        clientId: String(payload.client_id ?? ''),
        scopes: String(payload.scope ?? '').split(' ').filter(Boolean),
        expiresAt: payload.exp,
        resource: new URL(resource),
        extra: { claims: payload },
      };
    },
  };
}

/**
 * Starts the server on `port` for the resource `url`, trusting `issuer` (whose metadata
 * names `jwks_uri`); resolves `{ url, stop() }`.
 */
export async function startMcpSdkServer({ port, url, issuer, jwksUri }) {
  const origin = new URL(url).origin;
  const metadataUrl = `${origin}/.well-known/oauth-protected-resource/mcp`;
  const app = express();
  app.use(express.json());
  app.get('/.well-known/oauth-protected-resource/mcp', (_req, res) => {
    res.json({ resource: url, authorization_servers: [issuer], scopes_supported: [MCP_SCOPE], bearer_methods_supported: ['header'] });
  });
  const auth = requireBearerAuth({
    verifier: jwtVerifier({ issuer, jwksUri, resource: url }),
    requiredScopes: [MCP_SCOPE],
    resourceMetadataUrl: metadataUrl,
    expectedResource: new URL(url),
  });
  app.post('/mcp', auth, async (req, res) => {
    // Stateless: a server and a transport per request, as the SDK's examples do.
    const server = new McpServer({ name: 'sdk-protected-server', version: '1.0.0' });
    server.registerTool('whoami', { description: 'The claims of the access token sent' }, async () => ({
      content: [{ type: 'text', text: JSON.stringify(req.auth.extra.claims) }],
      structuredContent: req.auth.extra.claims,
    }));
    const transport = new StreamableHTTPServerTransport({ sessionIdGenerator: undefined });
    res.on('close', () => {
      transport.close();
      server.close();
    });
    await server.connect(transport);
    await transport.handleRequest(req, res, req.body);
  });
  const listener = await new Promise((resolve, reject) => {
    const l = app.listen(port, '127.0.0.1', () => resolve(l));
    l.once('error', reject);
  });
  return {
    url,
    stop: () =>
      new Promise((resolve) => {
        listener.closeAllConnections?.();
        listener.close(() => resolve());
      }),
  };
}

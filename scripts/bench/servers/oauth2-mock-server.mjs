// npm oauth2-mock-server on 127.0.0.1:PORT with one signing key of ALG, for
// scripts/bench-servers.sh. Usage: node oauth2-mock-server.mjs PORT ALG
import { OAuth2Server } from 'oauth2-mock-server';

const [port, alg = 'RS256'] = process.argv.slice(2);
const server = new OAuth2Server();
await server.issuer.keys.generate(alg);
await server.start(Number(port), '127.0.0.1');
console.log(`listening ${server.issuer.url}`);

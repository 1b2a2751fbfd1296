// A real OAuth 2.1 authorization server for the tests: oidc-provider (OpenID Certified), on a
// free 127.0.0.1 port, issuing JWT access tokens (RFC 9068) for one resource with the client
// credentials grant. Prints `{"issuer": ...}` once it listens; runs until stdin closes.
//
// usage: node authorization_server.mjs <resource> [<alg>] [<format>]
//   MCP_OIDC_PROVIDER: the installed oidc-provider package directory.
//   Clients: alice (notes:read notes:write), bob (notes:read); secret `<id>-secret`.
//   `<alg>`: RS256 (default), PS256, ES256 or EdDSA.
//   `<format>`: jwt (default) or opaque access tokens, which resource servers introspect
//   (RFC 7662) as client `sturdy` (secret `sturdy-secret`).
//
// Beside the provider, for the tests of what a server must refuse:
//   POST /test/mint {"header": {...}, "claims": {...}}: a JWT signed with the provider's own key
//     (the one its JWKS publishes), for claims the provider would never issue (expired, another
//     audience...); `header` is merged over {alg, typ: "at+jwt", kid}.
//   GET /test/jwks-fetches: how many times the key set was fetched.
//   GET /test/introspections: how many tokens were introspected.
//   POST /test/rotate: a new signing key (a new `kid`) replaces the old one, as a rotation does.

import http from 'node:http';
import { constants, generateKeyPairSync, sign } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import path from 'node:path';

const [, , resource, alg = 'RS256', format = 'jwt'] = process.argv;
const { default: Provider } = await import(
  pathToFileURL(path.join(process.env.MCP_OIDC_PROVIDER, 'lib/index.js')).href
);

const pair = {
  RS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
  PS256: () => generateKeyPairSync('rsa', { modulusLength: 2048 }),
  ES256: () => generateKeyPairSync('ec', { namedCurve: 'P-256' }),
  EdDSA: () => generateKeyPairSync('ed25519'),
}[alg];
let generation = 0;
let privateKey;
let signing;
function newKey() {
  generation += 1;
  privateKey = pair().privateKey;
  signing = { ...privateKey.export({ format: 'jwk' }), kid: `${alg}-${generation}`, alg, use: 'sig' };
}
newKey();

const scopes = 'notes:read notes:write';
const client = (id, scope) => ({
  client_id: id,
  client_secret: `${id}-secret`,
  grant_types: ['client_credentials'],
  redirect_uris: [],
  response_types: [],
  scope,
  id_token_signed_response_alg: alg,
});

const server = http.createServer();
await new Promise((resolve) => server.listen(0, '127.0.0.1', resolve));
const issuer = `http://127.0.0.1:${server.address().port}`;
const configuration = () => ({
  clients: [client('alice', scopes), client('bob', 'notes:read'), client('sturdy')],
  jwks: { keys: [signing] },
  scopes: scopes.split(' '),
  features: {
    clientCredentials: { enabled: true },
    introspection: { enabled: true, allowedPolicy: () => true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => resource,
      useGrantedResource: () => true,
      getResourceServerInfo: (_ctx, indicator) => ({
        scope: scopes,
        audience: indicator,
        accessTokenFormat: format,
        accessTokenTTL: 600,
        jwt: { sign: { alg } },
      }),
    },
  },
});
const b64url = (bytes) => Buffer.from(bytes).toString('base64url');
function mint({ header = {}, claims = {} }) {
  const head = { alg, typ: 'at+jwt', kid: signing.kid, ...header };
  const input = `${b64url(JSON.stringify(head))}.${b64url(JSON.stringify(claims))}`;
  const data = Buffer.from(input);
  const signature = {
    RS256: () => sign('sha256', data, privateKey),
    PS256: () =>
      sign('sha256', data, { key: privateKey, padding: constants.RSA_PKCS1_PSS_PADDING, saltLength: 32 }),
    ES256: () => sign('sha256', data, { key: privateKey, dsaEncoding: 'ieee-p1363' }),
    EdDSA: () => sign(null, data, privateKey),
  }[alg]();
  return `${input}.${b64url(signature)}`;
}

let jwksFetches = 0;
let introspections = 0;
let providerCallback = new Provider(issuer, configuration()).callback();
server.on('request', (req, res) => {
  if (req.method === 'POST' && req.url === '/test/mint') {
    let body = '';
    req.on('data', (chunk) => (body += chunk));
    req.on('end', () => {
      res.setHeader('content-type', 'text/plain');
      res.end(mint(JSON.parse(body)));
    });
    return;
  }
  if (req.method === 'POST' && req.url === '/test/rotate') {
    newKey();
    // Tokens are JWTs: a fresh provider with the new key serves the same clients.
    providerCallback = new Provider(issuer, configuration()).callback();
    res.end(signing.kid);
    return;
  }
  if (req.url === '/test/jwks-fetches') {
    res.end(String(jwksFetches));
    return;
  }
  if (req.url === '/test/introspections') {
    res.end(String(introspections));
    return;
  }
  if (req.url.startsWith('/jwks')) jwksFetches += 1;
  if (req.url.startsWith('/token/introspection')) introspections += 1;
  providerCallback(req, res);
});
console.log(JSON.stringify({ issuer }));
process.stdin.resume();
process.stdin.on('end', () => process.exit(0));

// A real OAuth 2.1 / OIDC authorization server for the tests: panva's oidc-provider, configured from a JSON file.
// Run by tests/authserver.py as `node authserver.mjs config.json` from the folder oidc-provider is installed in.
// config: {issuer, port, keys: [JWK private keys, first of each alg signs], resources: [audience URLs],
//          clients: [{client_id, client_secret?, scope, ttl?, alg?, opaque?, redirect_uris?}]}
import { readFileSync } from 'node:fs';
import Provider, { errors } from 'oidc-provider';

const config = JSON.parse(readFileSync(process.argv[2], 'utf8'));
const clients = Object.fromEntries(config.clients.map((c) => [c.client_id, c]));

const provider = new Provider(config.issuer, {
  jwks: { keys: config.keys },
  clients: config.clients.map((c) => c.redirect_uris
    ? { client_id: c.client_id, token_endpoint_auth_method: 'none', grant_types: ['authorization_code'],
        response_types: ['code'], redirect_uris: c.redirect_uris, scope: `openid ${c.scope}` }
    : { client_id: c.client_id, client_secret: c.client_secret, grant_types: ['client_credentials'],
        redirect_uris: [], response_types: [], scope: c.scope }),
  scopes: ['openid', 'oncall.read', 'oncall.write'],
  claims: { openid: ['sub'] },
  pkce: { required: () => true },
  features: {
    devInteractions: { enabled: false },
    clientCredentials: { enabled: true },
    introspection: { enabled: true, allowedPolicy: () => true },
    resourceIndicators: {
      enabled: true,
      defaultResource: () => config.resources[0],
      useGrantedResource: () => true,
      getResourceServerInfo: (ctx, resource, client) => {
        if (!config.resources.includes(resource)) throw new errors.InvalidTarget();
        const c = clients[client.clientId] || {};
        return {
          scope: 'oncall.read oncall.write',
          audience: resource,
          accessTokenTTL: c.ttl || 600,
          accessTokenFormat: c.opaque ? 'opaque' : 'jwt',
          jwt: { sign: { alg: c.alg || 'RS256' } },
        };
      },
    },
  },
  // a user's access token also names the user, as IdPs commonly do (Keycloak: preferred_username, email)
  extraTokenClaims: (ctx, token) => (token.accountId
    ? { preferred_username: token.accountId, email: `${token.accountId}@example.test` } : {}),
  findAccount: (ctx, sub) => ({ accountId: sub, claims: () => ({ sub }) }),
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
});

// The "user" signs in without a form: the login_hint of the authorization request names the account, and every
// scope/resource the client asked for is consented. Only what the test needs to drive authorization code + PKCE.
provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([^/]+)$/);
  if (!match) return next();
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  const accountId = details.session?.accountId || details.params.login_hint || 'alice';
  let result;
  if (details.prompt.name === 'login') {
    result = { login: { accountId } };
  } else {
    const grant = details.grantId
      ? await provider.Grant.find(details.grantId)
      : new provider.Grant({ accountId, clientId: details.params.client_id });
    const missing = details.prompt.details;
    if (missing.missingOIDCScope) grant.addOIDCScope(missing.missingOIDCScope.join(' '));
    for (const [indicator, scopes] of Object.entries(missing.missingResourceScopes || {})) {
      grant.addResourceScope(indicator, scopes.join(' '));
    }
    result = { consent: { grantId: await grant.save() } };
  }
  await provider.interactionFinished(ctx.req, ctx.res, result, { mergeWithLastSubmission: true });
});

provider.listen(config.port, '127.0.0.1', () => process.stderr.write(`authserver ready on ${config.port}\n`));

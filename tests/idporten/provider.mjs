// A local OpenID Connect provider configured like ID-porten, for the tests
// (tests/idporten_provider.py starts it; never used outside the tests).
//
// Like ID-porten: the authorization code flow only, PKCE required (S256 only),
// state and nonce required, RS256 id_tokens carrying `pid` (the national
// identity number the login chose), `acr`, `amr` and `locale`, no consent
// screen, RP-initiated logout (end_session_endpoint) without a question, and
// clients that authenticate with private_key_jwt (assertion audience: the
// issuer) or client_secret_post. The login page is a plain HTML form (pid,
// level of assurance) that a browser and a plain HTTP client can both fill in.
//
//   node provider.mjs --port 5556 --issuer http://127.0.0.1:5556 \
//     --clients clients.json --keys keys.json --log requests.jsonl [--rogue]
//
// Every option can also come from the environment (TEST_IDP_PORT,
// TEST_IDP_ISSUER, TEST_IDP_CLIENTS, TEST_IDP_KEYS, TEST_IDP_LOG,
// TEST_IDP_ROGUE=1).
// --clients: a JSON list of client metadata (client_id, redirect_uris,
//   post_logout_redirect_uris, token_endpoint_auth_method, jwks or
//   client_secret), read again at each lookup so a test can register a client
//   while the provider runs.
// --keys: the provider's signing keys; written at the first start, reused by a
//   restart so relying parties' cached JWKS stay right.
// --log: one JSON line per authorization, token and logout request, saying
//   what the relying party sent (never the id_token or the pid).
// --rogue: id_tokens are signed by another key under the published kid, so
//   their signature does not verify against the JWKS at jwks_uri.
import * as crypto from 'node:crypto';
import * as fs from 'node:fs';
import { parseArgs } from 'node:util';

import Provider, { errors } from 'oidc-provider';
import MemoryAdapter from 'oidc-provider/lib/adapters/memory_adapter.js';

const { values: options } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.TEST_IDP_PORT },
    issuer: { type: 'string', default: process.env.TEST_IDP_ISSUER },
    clients: { type: 'string', default: process.env.TEST_IDP_CLIENTS },
    keys: { type: 'string', default: process.env.TEST_IDP_KEYS },
    log: { type: 'string', default: process.env.TEST_IDP_LOG },
    rogue: { type: 'boolean', default: process.env.TEST_IDP_ROGUE === '1' },
  },
});
for (const name of ['port', 'issuer', 'clients', 'keys', 'log']) {
  if (!options[name]) {
    console.error(`provider.mjs: --${name} is required`);
    process.exit(2);
  }
}
const HOST = '127.0.0.1';
const PORT = Number(options.port);
const KID = 'idporten-test-signing-key';
const ACR_VALUES = ['idporten-loa-substantial', 'idporten-loa-high', 'idporten-loa-low'];
const DEFAULT_ACR = 'idporten-loa-substantial';
const LOCALES = ['nb', 'nn', 'en', 'se'];
const ROUTES = {
  authorization: '/authorize',
  token: '/token',
  userinfo: '/userinfo',
  jwks: '/jwks.json',
  end_session: '/logout',
  pushed_authorization_request: '/par',
};

function record(entry) {
  fs.appendFileSync(options.log, `${JSON.stringify({ time: new Date().toISOString(), ...entry })}\n`);
}

function signingKeys() {
  if (!fs.existsSync(options.keys)) {
    const make = () => ({
      ...crypto.generateKeyPairSync('rsa', { modulusLength: 2048 }).privateKey.export({ format: 'jwk' }),
      kid: KID,
      alg: 'RS256',
      use: 'sig',
    });
    fs.writeFileSync(options.keys, JSON.stringify({ published: make(), rogue: make() }), { mode: 0o600 });
  }
  return JSON.parse(fs.readFileSync(options.keys, 'utf8'));
}

const keys = signingKeys();
const publicPart = ({ kty, n, e, kid, alg, use }) => ({ kty, n, e, kid, alg, use });

// Clients come from the clients file, read at each lookup (oidc-provider keeps
// a built client per distinct metadata, so a changed entry takes effect).
class Adapter extends MemoryAdapter {
  async find(id) {
    if (this.model === 'Client') {
      const clients = JSON.parse(fs.readFileSync(options.clients, 'utf8'));
      return clients.find((client) => client.client_id === id);
    }
    return super.find(id);
  }
}

// What each login chose, by account: ID-porten's `sub` is a pseudonym, `pid` a claim.
const accounts = new Map();
const accountIdFor = (pid) => crypto.createHash('sha256').update(`sub:${pid}`).digest('base64url');

const provider = new Provider(options.issuer, {
  adapter: Adapter,
  routes: ROUTES,
  scopes: ['openid', 'profile'],
  claims: {
    acr: null,
    amr: null,
    auth_time: null,
    sid: null,
    iss: null,
    // ID-porten's id_token always carries these (acr even when none was asked for).
    openid: ['sub', 'pid', 'locale', 'acr', 'amr', 'auth_time', 'sid'],
    profile: [],
  },
  // ID-porten puts the claims in the id_token, not only at the userinfo endpoint.
  conformIdTokenClaims: false,
  acrValues: ACR_VALUES,
  responseTypes: ['code'],
  pkce: { methods: ['S256'], required: () => true },
  allowOmittingSingleRegisteredRedirectUri: false,
  clientAuthMethods: ['private_key_jwt', 'client_secret_post'],
  clientDefaults: {
    grant_types: ['authorization_code'],
    response_types: ['code'],
    id_token_signed_response_alg: 'RS256',
    token_endpoint_auth_method: 'private_key_jwt',
  },
  enabledJWA: {
    idTokenSigningAlgValues: ['RS256'],
    clientAuthSigningAlgValues: ['RS256', 'RS384', 'RS512'],
  },
  async assertJwtClientAuthClaimsAndHeader(ctx, claims, header) {
    // ID-porten: the assertion names its key and has the issuer as audience.
    if (!header.kid) {
      throw new errors.InvalidClientAuth('the client assertion must have a kid header');
    }
    const audience = [claims.aud].flat();
    if (audience.length !== 1 || audience[0] !== options.issuer) {
      throw new errors.InvalidClientAuth(`the client assertion's aud must be the issuer, ${options.issuer}`);
    }
  },
  jwks: { keys: [options.rogue ? keys.rogue : keys.published] },
  cookies: { keys: [crypto.randomBytes(32).toString('base64url')] },
  discovery: { ui_locales_supported: LOCALES, claims_locales_supported: undefined },
  features: {
    devInteractions: { enabled: false },
    userinfo: { enabled: true },
    rpInitiatedLogout: { enabled: true, logoutSource, postLogoutSuccessSource },
  },
  interactions: { url: (ctx, interaction) => `/interaction/${interaction.uid}` },
  async findAccount(ctx, accountId) {
    const account = accounts.get(accountId);
    if (!account) return undefined;
    return {
      accountId,
      async claims() {
        return { sub: accountId, pid: account.pid, locale: account.locale };
      },
    };
  },
  ttl: {
    AccessToken: 120,
    AuthorizationCode: 60,
    IdToken: 120,
    Interaction: 600,
    Session: 600,
    Grant: 600,
  },
  renderError(ctx, out) {
    ctx.type = 'html';
    ctx.body = page(
      'Feil / Error',
      `<h1>Feil / Error</h1>${Object.entries(out).map(([key, value]) => `<p><strong>${escape(key)}</strong>: ${escape(value)}</p>`).join('')}`,
    );
  },
});

// ID-porten asks no question at logout: the page posts its own form at once.
async function logoutSource(ctx, form) {
  ctx.body = page(
    'Logger ut',
    `<h1>Logger ut</h1>${form.replace('</form>', '<input type="hidden" name="logout" value="yes"><noscript><button type="submit">Logg ut</button></noscript></form>')}
    <script>document.forms[0].submit();</script>`,
  );
}

async function postLogoutSuccessSource(ctx) {
  ctx.body = page('Logget ut', '<h1>Du er logget ut</h1>');
}

function escape(value) {
  return String(value).replace(/[&<>"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

function page(title, body, lang = 'nb') {
  return `<!DOCTYPE html>
<html lang="${escape(lang)}">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escape(title)} – ID-porten (test)</title>
<style>
body{font-family:sans-serif;margin:0 auto;max-width:32rem;padding:1rem}
label{display:block;margin:1rem 0 .25rem}
input,select,button{font-size:1rem;padding:.5rem;width:100%;box-sizing:border-box}
button{margin-top:1rem}
.error{color:#b00020}
</style>
</head>
<body>
${body}
</body>
</html>`;
}

function loginForm(uid, params, { pid = '', acr = DEFAULT_ACR, error = '' } = {}) {
  const choices = ACR_VALUES.map(
    (value) => `<option value="${value}"${value === acr ? ' selected' : ''}>${value}</option>`,
  ).join('');
  return page(
    'Logg inn',
    `<h1>Logg inn med ID-porten (test)</h1>
<p>Tjenesten <strong>${escape(params.client_id)}</strong> ber deg logge inn.</p>
${error ? `<p class="error" role="alert">${escape(error)}</p>` : ''}
<form method="post" action="/interaction/${escape(uid)}/login">
<label for="pid">Fødselsnummer (11 siffer)</label>
<input id="pid" name="pid" inputmode="numeric" pattern="[0-9]{11}" required autocomplete="off" value="${escape(pid)}">
<label for="acr">Sikkerhetsnivå</label>
<select id="acr" name="acr">${choices}</select>
<button type="submit" name="action" value="login">Logg inn</button>
<button type="submit" name="action" value="abort" formnovalidate>Avbryt</button>
</form>`,
  );
}

function localeFor(params) {
  const wanted = String(params.ui_locales ?? '').split(' ').find((locale) => LOCALES.includes(locale));
  return wanted ?? 'nb';
}

async function readForm(ctx) {
  const chunks = [];
  for await (const chunk of ctx.req) chunks.push(chunk);
  return new URLSearchParams(Buffer.concat(chunks).toString('utf8'));
}

const decodeJwtPart = (jwt, index) => {
  try {
    return JSON.parse(Buffer.from(String(jwt).split('.')[index], 'base64url').toString('utf8'));
  } catch {
    return undefined;
  }
};

provider.use(async (ctx, next) => {
  if (ctx.path === ROUTES.authorization) {
    const params = { ...ctx.query };
    record({ endpoint: 'authorization', method: ctx.method, params });
    // Since 2023 ID-porten requires state and nonce besides PKCE.
    const missing = ['state', 'nonce'].filter((name) => !params[name]);
    if (ctx.method === 'GET' && missing.length) {
      ctx.status = 400;
      ctx.type = 'html';
      ctx.body = page('Feil', `<h1>invalid_request</h1><p>${missing.join(', ')} required</p>`);
      return;
    }
  }
  if (ctx.path === ROUTES.jwks && options.rogue) {
    // The id_tokens are signed with the rogue key; the published one is another.
    ctx.type = 'application/jwk-set+json';
    ctx.body = { keys: [publicPart(keys.published)] };
    return;
  }
  await next();
  if (ctx.path === ROUTES.token && ctx.method === 'POST') {
    const body = ctx.oidc?.body ?? {};
    record({
      endpoint: 'token',
      status: ctx.status,
      error: ctx.body?.error,
      grant_type: body.grant_type,
      client_id: ctx.oidc?.client?.clientId ?? body.client_id,
      client_auth_method: body.client_assertion
        ? 'private_key_jwt'
        : body.client_secret ? 'client_secret_post'
          : ctx.get('authorization') ? 'client_secret_basic' : 'none',
      client_assertion_type: body.client_assertion_type,
      client_assertion_header: body.client_assertion ? decodeJwtPart(body.client_assertion, 0) : undefined,
      client_assertion_claims: body.client_assertion ? decodeJwtPart(body.client_assertion, 1) : undefined,
      code_verifier: Boolean(body.code_verifier),
      redirect_uri: body.redirect_uri,
    });
  }
  if (ctx.path === ROUTES.end_session) {
    const params = { ...ctx.query, ...(ctx.oidc?.body ?? {}) };
    record({
      endpoint: 'end_session',
      method: ctx.method,
      status: ctx.status,
      id_token_hint: Boolean(params.id_token_hint),
      post_logout_redirect_uri: params.post_logout_redirect_uri,
      state: params.state,
      client_id: params.client_id,
    });
  }
});

provider.use(async (ctx, next) => {
  const match = ctx.path.match(/^\/interaction\/([^/]+)(\/login)?$/);
  if (!match) {
    await next();
    return;
  }
  const [, uid, login] = match;
  const details = await provider.interactionDetails(ctx.req, ctx.res);
  if (details.uid !== uid) throw new errors.SessionNotFound('interaction session not found');
  const { params } = details;
  ctx.type = 'html';
  if (!login && ctx.method === 'GET') {
    ctx.body = loginForm(uid, params);
    return;
  }
  if (!login || ctx.method !== 'POST') {
    ctx.status = 405;
    return;
  }
  const form = await readForm(ctx);
  let result;
  if (form.get('action') === 'abort') {
    result = { error: 'access_denied', error_description: 'End-User aborted interaction' };
  } else {
    const pid = (form.get('pid') ?? '').trim();
    const acr = form.get('acr') ?? DEFAULT_ACR;
    if (!/^\d{11}$/.test(pid) || !ACR_VALUES.includes(acr)) {
      ctx.status = 400;
      ctx.body = loginForm(uid, params, { pid, acr, error: 'Skriv inn et fødselsnummer med 11 siffer.' });
      return;
    }
    const accountId = accountIdFor(pid);
    accounts.set(accountId, { pid, locale: localeFor(params) });
    // No consent screen: the login grants what was asked.
    const grant = new provider.Grant({ accountId, clientId: params.client_id });
    grant.addOIDCScope(params.scope);
    result = {
      login: { accountId, acr, amr: ['TestID'], remember: false },
      consent: { grantId: await grant.save() },
    };
  }
  const location = await provider.interactionResult(ctx.req, ctx.res, result, { mergeWithLastSubmission: false });
  ctx.status = 303;
  ctx.set('Location', location);
  ctx.body = '';
});

provider.on('server_error', (ctx, error) => console.error('server_error', error));

provider.listen(PORT, HOST, () => {
  console.log(`ID-porten test provider ${options.issuer} on ${HOST}:${PORT}${options.rogue ? ' (rogue signing key)' : ''}`);
});

// A real OpenID Connect provider for the single sign-on tests (tests/sso/test_oidc_provider.py):
// panva/node-oidc-provider with its development sign-in pages (any password is accepted; the login
// names the account), PKCE required, RP-initiated logout on. Configured by one JSON argument:
// {"port", "client_id", "client_secret", "redirect_uri", "post_logout_redirect_uri", "accounts": {login: claims}}.
import Provider from 'oidc-provider';

const config = JSON.parse(process.argv[2]);
const issuer = `http://127.0.0.1:${config.port}`;

const provider = new Provider(issuer, {
  clients: [
    {
      client_id: config.client_id,
      client_secret: config.client_secret,
      redirect_uris: [config.redirect_uri],
      post_logout_redirect_uris: [config.post_logout_redirect_uri],
      response_types: ['code'],
      grant_types: ['authorization_code'],
      token_endpoint_auth_method: 'client_secret_post',
    },
  ],
  pkce: { required: () => true },
  features: { devInteractions: { enabled: true }, rpInitiatedLogout: { enabled: true } },
  claims: { openid: ['sub'], email: ['email', 'email_verified'], profile: ['name', 'given_name', 'family_name', 'groups'] },
  cookies: { keys: ['sci-test-only'] },
  async findAccount(ctx, id) {
    const claims = config.accounts[id];
    if (!claims) return undefined;
    return { accountId: id, async claims() { return { sub: id, ...claims }; } };
  },
});
provider.proxy = false;

provider.listen(config.port, '127.0.0.1', () => {
  console.log(`ready ${issuer}`);
});

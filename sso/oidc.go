package sso

import (
	"context"
	"crypto"
	"crypto/ecdsa"
	"crypto/ed25519"
	"crypto/rsa"
	"errors"
	"fmt"
	"net/http"
	"slices"

	"golang.org/x/oauth2"
)

// sealingContext binds a sealed client secret to its connection, so that
// a sealed value copied to another connection does not open.
func sealingContext(c *Connection) []byte {
	return []byte("gatehouse/sso/oidc-client-secret/" + c.OrganizationID + "/" + c.ID)
}

// prepareOIDC validates an OIDC connection, checks that discovery answers,
// and seals a new client secret.
func (s *Service) prepareOIDC(ctx context.Context, c *Connection) error {
	o := c.OIDC
	if err := checkURL(o.Issuer); err != nil {
		return invalid("oidc.issuer", "%v", err)
	}
	if o.ClientID == "" {
		return invalid("oidc.client_id", "is required")
	}
	if o.AuthMethod == "" {
		o.AuthMethod = AuthClientSecretBasic
	}
	if err := s.prepareClientAuth(ctx, c); err != nil {
		return err
	}
	if _, err := s.discover(ctx, o.Issuer); err != nil {
		return invalid("oidc.issuer", "%v", err)
	}
	return nil
}

func (s *Service) prepareClientAuth(ctx context.Context, c *Connection) error {
	o := c.OIDC
	switch o.AuthMethod {
	case AuthPrivateKeyJWT:
		if s.cfg.OIDCClientKey == nil {
			return invalid("oidc.auth_method", "private_key_jwt needs Config.OIDCClientKey")
		}
		o.ClientSecret, o.SealedClientSecret = "", nil
		return nil
	case AuthClientSecretBasic, AuthClientSecretPost:
	default:
		return invalid("oidc.auth_method", "is %q, want client_secret_basic, client_secret_post "+
			"or private_key_jwt", o.AuthMethod)
	}
	if o.ClientSecret == "" {
		if len(o.SealedClientSecret) == 0 {
			return invalid("oidc.client_secret", "is required for %s", o.AuthMethod)
		}
		return nil
	}
	if s.cfg.Sealer == nil {
		return invalid("oidc.client_secret", "cannot be stored: the service has no Sealer")
	}
	sealed, err := s.cfg.Sealer.Seal(ctx, []byte(o.ClientSecret), sealingContext(c))
	if err != nil {
		return fmt.Errorf("sso: sealing the client secret: %w", err)
	}
	o.SealedClientSecret, o.ClientSecret = sealed, ""
	return nil
}

// oauthConfig returns the OAuth 2.0 client of conn.
func (s *Service) oauthConfig(ctx context.Context, conn *Connection,
	md *providerMetadata) (*oauth2.Config, error) {
	o := conn.OIDC
	cfg := &oauth2.Config{
		ClientID:    o.ClientID,
		Endpoint:    oauth2.Endpoint{AuthURL: md.AuthURL, TokenURL: md.TokenURL},
		RedirectURL: s.endpoint("oidc", conn.ID, "callback"),
		Scopes:      append([]string{"openid"}, scopesOf(o)...),
	}
	switch o.AuthMethod {
	case AuthPrivateKeyJWT:
		cfg.Endpoint.AuthStyle = oauth2.AuthStyleInParams
		return cfg, nil
	case AuthClientSecretPost:
		cfg.Endpoint.AuthStyle = oauth2.AuthStyleInParams
	default:
		cfg.Endpoint.AuthStyle = oauth2.AuthStyleInHeader
	}
	if s.cfg.Sealer == nil {
		return nil, errors.New("sso: no Sealer to open the client secret")
	}
	secret, err := s.cfg.Sealer.Open(ctx, o.SealedClientSecret, sealingContext(conn))
	if err != nil {
		return nil, fmt.Errorf("sso: opening the client secret: %w", err)
	}
	cfg.ClientSecret = string(secret)
	return cfg, nil
}

func scopesOf(o *OIDCConfig) []string {
	if o.Scopes == nil {
		return []string{"email", "profile"}
	}
	var out []string
	for _, sc := range o.Scopes {
		if sc != "openid" && !slices.Contains(out, sc) {
			out = append(out, sc)
		}
	}
	return out
}

// startOIDC sends the browser to the provider's authorization endpoint
// with state, nonce and a PKCE (S256) challenge; all three are kept in the
// Store under the state.
func (s *Service) startOIDC(w http.ResponseWriter, r *http.Request, conn *Connection,
	rp string) error {
	if conn.OIDC == nil {
		return fmt.Errorf("sso: connection %s has no OIDC settings", conn.ID)
	}
	md, err := s.discover(r.Context(), conn.OIDC.Issuer)
	if err != nil {
		return fmt.Errorf("sso: connection %s: %w", conn.ID, err)
	}
	cfg, err := s.oauthConfig(r.Context(), conn, md)
	if err != nil {
		return err
	}
	st := s.newState(conn, rp)
	st.Nonce, st.CodeVerifier = newToken()[1:], Secret(oauth2.GenerateVerifier())
	cookie := s.bindBrowser(st)
	if err := s.cfg.Store.SaveLoginState(r.Context(), st); err != nil {
		return fmt.Errorf("sso: saving login state: %w", err)
	}
	http.SetCookie(w, cookie)
	u := cfg.AuthCodeURL(st.ID, oauth2.S256ChallengeOption(st.CodeVerifier.Reveal()),
		oauth2.SetAuthURLParam("nonce", st.Nonce))
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u, http.StatusFound)
	return nil
}

// signingAlg returns the JWS algorithm for a client key.
func signingAlg(k crypto.Signer) (string, error) {
	switch pub := k.Public().(type) {
	case *rsa.PublicKey:
		return "RS256", nil
	case *ecdsa.PublicKey:
		switch pub.Curve.Params().BitSize {
		case 256:
			return "ES256", nil
		case 384:
			return "ES384", nil
		case 521:
			return "ES512", nil
		}
	case ed25519.PublicKey:
		return "EdDSA", nil
	}
	return "", errors.New("sso: OIDCClientKey must be RSA, ECDSA or Ed25519")
}

package sso

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
	"golang.org/x/oauth2"
)

// handleOIDCCallback receives the authorization response for the
// connection in the path.
func (s *Service) handleOIDCCallback(w http.ResponseWriter, r *http.Request) {
	conn, err := s.cfg.Store.ConnectionByID(r.Context(), r.PathValue("id"))
	if err != nil {
		s.finish(w, r, nil, nil, "", fail(ReasonConfiguration, "unknown connection"))
		return
	}
	p, rp, err := s.AcceptOIDCCallback(r.Context(), conn, r)
	if id := r.URL.Query().Get("state"); id != "" {
		clearBrowser(w, id)
	}
	s.finish(w, r, conn, p, rp, err)
}

// AcceptOIDCCallback completes an authorization code flow at conn's
// redirect URI: it takes the login state named by the state parameter
// (once), checks that r comes from the browser that started the login (the
// cookie that Login set), exchanges the code with the PKCE verifier, verifies the ID token
// and returns the profile and return path. Errors are *LoginError values.
func (s *Service) AcceptOIDCCallback(ctx context.Context, conn *Connection,
	r *http.Request) (*Profile, string, error) {
	if conn.Protocol != ProtocolOIDC || conn.OIDC == nil {
		return nil, "", fail(ReasonConfiguration, "the connection is not an OIDC connection")
	}
	if !conn.Enabled {
		return nil, "", fail(ReasonConnectionDisabled, "the connection is disabled")
	}
	q := r.URL.Query()
	st, err := s.takeOIDCState(ctx, conn, q.Get("state"))
	if err != nil {
		return nil, "", err
	}
	if err := s.checkBrowser(r, st); err != nil {
		return nil, "", err
	}
	if e := q.Get("error"); e != "" {
		return nil, "", fail(ReasonStatus, "the provider answered %s: %.200s", e, q.Get("error_description"))
	}
	if q.Get("code") == "" {
		return nil, "", fail(ReasonMalformed, "the callback has no code")
	}
	md, err := s.discover(ctx, conn.OIDC.Issuer)
	if err != nil {
		return nil, "", &LoginError{Reason: ReasonConfiguration, Detail: err.Error(), Err: err}
	}
	tok, err := s.exchange(ctx, conn, md, q.Get("code"), st)
	if err != nil {
		return nil, "", err
	}
	p, err := s.oidcProfile(ctx, conn, md, tok, st)
	if err != nil {
		return nil, "", err
	}
	return p, st.ReturnPath, nil
}

func (s *Service) takeOIDCState(ctx context.Context,
	conn *Connection, id string) (*LoginState, error) {
	if id == "" {
		return nil, fail(ReasonState, "the callback has no state")
	}
	st, err := s.cfg.Store.TakeLoginState(ctx, id, s.now())
	if errors.Is(err, ErrNotFound) {
		return nil, fail(ReasonState, "the state is unknown, used or expired")
	}
	if err != nil {
		return nil, &LoginError{Reason: ReasonConfiguration, Detail: "reading login state", Err: err}
	}
	if st.Flow != FlowLogin {
		return nil, fail(ReasonState, "the state names a logout, not a login")
	}
	if st.ConnectionID != conn.ID || st.Nonce == "" {
		return nil, fail(ReasonState, "the state belongs to another connection")
	}
	return st, nil
}

// exchange redeems the code at the token endpoint.
func (s *Service) exchange(ctx context.Context, conn *Connection, md *providerMetadata, code string,
	st *LoginState) (*oauth2.Token, error) {
	cfg, err := s.oauthConfig(ctx, conn, md)
	if err != nil {
		return nil, &LoginError{Reason: ReasonConfiguration, Detail: err.Error(), Err: err}
	}
	opts := []oauth2.AuthCodeOption{oauth2.VerifierOption(st.CodeVerifier.Reveal())}
	if conn.OIDC.AuthMethod == AuthPrivateKeyJWT {
		assertion, err := s.clientAssertion(conn.OIDC.ClientID, md.TokenURL)
		if err != nil {
			return nil, &LoginError{Reason: ReasonConfiguration, Detail: err.Error(), Err: err}
		}
		opts = append(opts,
			oauth2.SetAuthURLParam("client_assertion_type",
				"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"),
			oauth2.SetAuthURLParam("client_assertion", assertion))
	}
	ctx = context.WithValue(ctx, oauth2.HTTPClient, s.cfg.HTTPClient)
	tok, err := cfg.Exchange(ctx, code, opts...)
	if err != nil {
		var re *oauth2.RetrieveError
		if errors.As(err, &re) {
			return nil, &LoginError{Reason: ReasonTokenExchange, Err: err,
				Detail: fmt.Sprintf("the token endpoint answered %s: %.200s", re.ErrorCode, re.ErrorDescription)}
		}
		return nil, &LoginError{Reason: ReasonTokenExchange, Detail: "calling the token endpoint", Err: err}
	}
	return tok, nil
}

// clientAssertion signs the private_key_jwt client assertion of RFC 7523.
func (s *Service) clientAssertion(clientID, tokenURL string) (string, error) {
	alg, err := signingAlg(s.cfg.OIDCClientKey)
	if err != nil {
		return "", err
	}
	now := s.now()
	tok, err := jwt.NewBuilder().Issuer(clientID).Subject(clientID).Audience([]string{tokenURL}).
		JwtID(newToken()[1:]).IssuedAt(now).Expiration(now.Add(2 * time.Minute)).Build()
	if err != nil {
		return "", err
	}
	hdrs := jws.NewHeaders()
	if s.cfg.OIDCClientKeyID != "" {
		if err := hdrs.Set(jws.KeyIDKey, s.cfg.OIDCClientKeyID); err != nil {
			return "", err
		}
	}
	signed, err := jwt.Sign(tok, jwt.WithKey(jwa.SignatureAlgorithm(alg), s.cfg.OIDCClientKey,
		jws.WithProtectedHeaders(hdrs)))
	if err != nil {
		return "", fmt.Errorf("sso: signing the client assertion: %w", err)
	}
	return string(signed), nil
}

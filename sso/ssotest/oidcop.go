package ssotest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// OP is an OpenID provider for tests and development: discovery, JWKS,
// authorization (which signs in User at once), token and userinfo
// endpoints, in an httptest server ([NewOP]) or mounted by the host
// ([NewOPAt]). It checks PKCE (S256), the client secret (basic or post)
// and single use of codes. It also offers RP-initiated logout at an
// end_session_endpoint and makes back-channel logout tokens
// ([OP.LogoutToken]). Set its fields before requests reach it.
type OP struct {
	// Server is the httptest server of an OP made by NewOP, else nil.
	Server       *httptest.Server
	Key          *rsa.PrivateKey
	KeyID        string
	ClientID     string
	ClientSecret string
	// User holds the claims of the user who signs in; sub is required.
	User map[string]any
	// Pick, if set, chooses the user at each authorization request
	// instead of User: it returns the user's claims, or writes a page of
	// its own (where a developer picks a demo user, say) and returns false
	// to stop there. Such a page must come back to the authorization
	// endpoint with the request's parameters.
	Pick func(w http.ResponseWriter, r *http.Request) (claims map[string]any, ok bool)
	// IDTokenClaims, if set, may change the claims of each ID token
	// before it is signed, to make bad ones.
	IDTokenClaims func(claims map[string]any)
	// UserInfo, if set, may change the claims the userinfo endpoint
	// answers.
	UserInfo func(claims map[string]any)
	// TenantID, if set, makes the OP behave like Entra ID's multi-tenant
	// endpoint: Issuer is {url}/common/v2.0, discovery names the issuer
	// {url}/{tenantid}/v2.0, and ID tokens carry iss {url}/TenantID/v2.0
	// and tid TenantID.
	TenantID string
	// ClientKey, if set, is the client's public key for private_key_jwt
	// (RFC 7523), with its algorithm.
	ClientKey    any
	ClientKeyAlg string
	// PostLogoutRedirectURIs, if set, are the only post_logout_redirect_uri
	// values the end_session_endpoint accepts; when empty it accepts any
	// absolute http(s) URL, as the authorization endpoint accepts any
	// redirect_uri.
	PostLogoutRedirectURIs []string
	// NoEndSession, if set, leaves the end_session_endpoint out of
	// discovery, as providers without RP-initiated logout do.
	NoEndSession bool

	base    string
	handler http.Handler
	mu      sync.Mutex
	codes   map[string]grant
	tokens  map[string]map[string]any // access token to the user's claims
	ended   []string                  // the sub of each accepted id_token_hint
}

type grant struct {
	nonce, challenge, redirect, sid string
	user                            map[string]any // the claims of who signed in
	used                            bool
}

// NewOP starts an OP for one client in an httptest server. Call Close
// when done.
func NewOP(clientID, clientSecret string) (*OP, error) {
	op, err := NewOPAt("", clientID, clientSecret)
	if err != nil {
		return nil, err
	}
	op.Server = httptest.NewServer(op.handler)
	op.base = op.Server.URL
	return op, nil
}

// NewOPAt returns an OP for one client whose endpoints live under the
// absolute URL base (such as http://localhost:8080/dev-oidc), for a host
// that mounts [OP.Handler] there with http.StripPrefix.
func NewOPAt(base, clientID, clientSecret string) (*OP, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("ssotest: generating key: %w", err)
	}
	op := &OP{base: strings.TrimSuffix(base, "/"), Key: key, KeyID: "key-1", ClientID: clientID,
		ClientSecret: clientSecret,
		User: map[string]any{"sub": "user-1", "email": "carol@example.com", "given_name": "Carol",
			"family_name": "Jones", "groups": []string{"eng"}},
		codes: map[string]grant{}, tokens: map[string]map[string]any{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", op.discovery)
	mux.HandleFunc("GET /common/v2.0/.well-known/openid-configuration", op.discovery)
	mux.HandleFunc("GET /userinfo", op.userinfo)
	mux.HandleFunc("GET /jwks", op.jwks)
	mux.HandleFunc("GET /authorize", op.authorize)
	mux.HandleFunc("POST /token", op.token)
	mux.HandleFunc("GET /end_session", op.endSession)
	mux.HandleFunc("POST /end_session", op.endSession)
	op.handler = mux
	return op, nil
}

// Handler serves the OP's endpoints, relative to its base URL.
func (op *OP) Handler() http.Handler { return op.handler }

// Close stops the server of an OP made by NewOP.
func (op *OP) Close() {
	if op.Server != nil {
		op.Server.Close()
	}
}

// Issuer returns the OP's issuer URL, the one a connection names.
func (op *OP) Issuer() string {
	if op.TenantID != "" {
		return op.base + "/common/v2.0"
	}
	return op.base
}

// tokenIssuer is the iss of the OP's ID tokens.
func (op *OP) tokenIssuer() string {
	if op.TenantID != "" {
		return op.base + "/" + op.TenantID + "/v2.0"
	}
	return op.base
}

func (op *OP) discovery(w http.ResponseWriter, _ *http.Request) {
	iss, base := op.base, op.base
	if op.TenantID != "" {
		iss = base + "/{tenantid}/v2.0"
	}
	doc := map[string]any{
		"issuer": iss, "authorization_endpoint": base + "/authorize", "token_endpoint": base + "/token",
		"userinfo_endpoint": base + "/userinfo", "end_session_endpoint": base + "/end_session",
		"backchannel_logout_supported": true, "backchannel_logout_session_supported": true,
		"jwks_uri": base + "/jwks", "id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post",
			"private_key_jwt"},
	}
	if op.NoEndSession {
		delete(doc, "end_session_endpoint")
	}
	writeJSON(w, http.StatusOK, doc)
}

func (op *OP) jwks(w http.ResponseWriter, _ *http.Request) {
	k, _ := jwk.FromRaw(op.Key.Public())
	_ = k.Set(jwk.KeyIDKey, op.KeyID)
	_ = k.Set(jwk.AlgorithmKey, "RS256")
	set := jwk.NewSet()
	_ = set.AddKey(k)
	writeJSON(w, http.StatusOK, set)
}

func (op *OP) authorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != op.ClientID || q.Get("response_type") != "code" ||
		q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" {
		http.Error(w, "bad authorization request", http.StatusBadRequest)
		return
	}
	user := op.User
	if op.Pick != nil {
		var ok bool
		if user, ok = op.Pick(w, r); !ok {
			return
		}
	}
	code := randomID()
	op.mu.Lock()
	op.codes[code] = grant{nonce: q.Get("nonce"), challenge: q.Get("code_challenge"),
		redirect: q.Get("redirect_uri"), sid: randomID(), user: user}
	op.mu.Unlock()
	u, err := url.Parse(q.Get("redirect_uri"))
	if err != nil {
		http.Error(w, "bad redirect_uri", http.StatusBadRequest)
		return
	}
	v := u.Query()
	v.Set("code", code)
	v.Set("state", q.Get("state"))
	u.RawQuery = v.Encode()
	http.Redirect(w, r, u.String(), http.StatusFound)
}

func (op *OP) token(w http.ResponseWriter, r *http.Request) {
	if err := r.ParseForm(); err != nil || !op.clientOK(r) {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	g, ok := op.redeem(r.PostForm.Get("code"))
	sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
	if !ok || g.redirect != r.PostForm.Get("redirect_uri") ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != g.challenge {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	idt, err := op.idToken(g.nonce, g.sid, g.user)
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
		return
	}
	access := randomID()
	op.mu.Lock()
	op.tokens[access] = g.user
	op.mu.Unlock()
	writeJSON(w, http.StatusOK, map[string]any{"access_token": access, "token_type": "Bearer",
		"expires_in": 300, "id_token": idt})
}

func (op *OP) userinfo(w http.ResponseWriter, r *http.Request) {
	tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
	op.mu.Lock()
	user, known := op.tokens[tok]
	op.mu.Unlock()
	if !ok || !known {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_token"})
		return
	}
	claims := map[string]any{}
	for k, v := range user {
		claims[k] = v
	}
	if op.UserInfo != nil {
		op.UserInfo(claims)
	}
	writeJSON(w, http.StatusOK, claims)
}

func (op *OP) clientOK(r *http.Request) bool {
	if a := r.PostForm.Get("client_assertion"); a != "" && op.ClientKey != nil {
		_, err := jwt.ParseString(a, jwt.WithKey(jwa.SignatureAlgorithm(op.ClientKeyAlg), op.ClientKey),
			jwt.WithValidate(true), jwt.WithIssuer(op.ClientID), jwt.WithSubject(op.ClientID),
			jwt.WithAudience(op.base+"/token"))
		return err == nil && r.PostForm.Get("client_assertion_type") ==
			"urn:ietf:params:oauth:client-assertion-type:jwt-bearer"
	}
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostForm.Get("client_id"), r.PostForm.Get("client_secret")
	}
	return id == op.ClientID && secret == op.ClientSecret
}

// redeem uses a code once.
func (op *OP) redeem(code string) (grant, bool) {
	op.mu.Lock()
	defer op.mu.Unlock()
	g, ok := op.codes[code]
	if !ok || g.used {
		return grant{}, false
	}
	g.used = true
	op.codes[code] = g
	return g, true
}

// IDToken signs an ID token for User with nonce, valid for five minutes.
func (op *OP) IDToken(nonce string) (string, error) { return op.idToken(nonce, "", op.User) }

// idToken signs an ID token for user; sid, if set, names the OP session.
func (op *OP) idToken(nonce, sid string, user map[string]any) (string, error) {
	now := time.Now()
	claims := map[string]any{"iss": op.tokenIssuer(), "aud": op.ClientID, "iat": now.Unix(),
		"exp": now.Add(5 * time.Minute).Unix(), "nonce": nonce}
	if sid != "" {
		claims["sid"] = sid
	}
	if op.TenantID != "" {
		claims["tid"] = op.TenantID
	}
	for k, v := range user {
		claims[k] = v
	}
	if op.IDTokenClaims != nil {
		op.IDTokenClaims(claims)
	}
	return SignJWT(claims, op.Key, op.KeyID)
}

// SignJWT signs claims with RS256 and key, naming kid.
func SignJWT(claims map[string]any, key *rsa.PrivateKey, kid string) (string, error) {
	return signTyped(claims, key, kid, "JWT")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_ = json.NewEncoder(w).Encode(v)
}

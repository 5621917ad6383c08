package sso

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
	"golang.org/x/oauth2"
)

// MaxIDTokenSize bounds an ID token, in bytes.
const MaxIDTokenSize = 64 << 10

// asymmetricAlgs are the only JWS algorithms an ID token may use: never
// "none", never an HMAC (whose key could be made from a public key).
var asymmetricAlgs = []string{"RS256", "RS384", "RS512", "PS256", "PS384", "PS512",
	"ES256", "ES384", "ES512", "EdDSA"}

// allowedAlgs returns the asymmetric algorithms the provider advertises,
// or RS256 (which OpenID Connect requires) when it advertises none.
func (md *providerMetadata) allowedAlgs() []string {
	var out []string
	for _, a := range md.SigningAlgs {
		if slices.Contains(asymmetricAlgs, a) {
			out = append(out, a)
		}
	}
	if len(md.SigningAlgs) == 0 {
		out = []string{"RS256"}
	}
	return out
}

// VerifyIDToken checks an ID token issued to conn's client, following
// OpenID Connect Core 1.0 §3.1.3.7, and returns its claims. nonce is the
// value sent with the authorization request; it MUST be non-empty.
//
// Checked: the algorithm is asymmetric and advertised by the provider; the
// key comes from the provider's JWKS (fetched again, at most once a
// minute, on an unknown kid); iss equals the issuer (or Entra ID's
// multi-tenant template filled with the token's tid); aud contains the
// client ID and azp, when present or when there are several audiences,
// equals it; exp, iat and nbf hold with the configured skew; the nonce
// matches. NOT checked: at_hash and c_hash (the code flow with PKCE does
// not need them).
func (s *Service) VerifyIDToken(ctx context.Context, conn *Connection, raw,
	nonce string) (jwt.Token, error) {
	md, err := s.discover(ctx, conn.OIDC.Issuer)
	if err != nil {
		return nil, &LoginError{Reason: ReasonConfiguration, Detail: err.Error(), Err: err}
	}
	return s.verifyIDToken(ctx, conn, md, raw, nonce)
}

func (s *Service) verifyIDToken(ctx context.Context, conn *Connection, md *providerMetadata,
	raw, nonce string) (jwt.Token, error) {
	if len(raw) > MaxIDTokenSize || nonce == "" {
		return nil, fail(ReasonIDToken, "the ID token is too large or no nonce was sent")
	}
	tok, err := s.parseSigned(ctx, md, raw, ReasonIDToken)
	if err != nil {
		return nil, err
	}
	if err := s.checkClaims(conn, md, tok, nonce); err != nil {
		return nil, err
	}
	return tok, nil
}

// parseSigned parses a JWT that the provider signed (an ID token or a
// logout token) and verifies its signature; claims are not checked.
// Failures carry reason r.
func (s *Service) parseSigned(ctx context.Context, md *providerMetadata, raw string,
	r Reason) (jwt.Token, error) {
	// One parse: the key provider sees the protected header, refuses
	// algorithms not allowed and picks the key by kid.
	var keyErr error
	provider := jws.KeyProviderFunc(func(ctx context.Context, sink jws.KeySink, sig *jws.Signature,
		msg *jws.Message) error {
		alg, key, err := s.signingKey(ctx, md, sig, msg, r)
		if err != nil {
			keyErr = err
			return err
		}
		sink.Key(alg, key)
		return nil
	})
	tok, err := jwt.ParseString(raw, jwt.WithKeyProvider(provider), jwt.WithContext(ctx),
		jwt.WithValidate(false))
	if keyErr != nil {
		return nil, keyErr
	}
	if err != nil {
		return nil, fail(r, "the signature does not verify: %v", err)
	}
	return tok, nil
}

// signingKey picks the algorithm and key that must have made sig.
func (s *Service) signingKey(ctx context.Context, md *providerMetadata, sig *jws.Signature,
	msg *jws.Message, r Reason) (jwa.SignatureAlgorithm, jwk.Key, error) {
	if len(msg.Signatures()) != 1 {
		return "", nil, fail(r, "the token is not a JWS with one signature")
	}
	h := sig.ProtectedHeaders()
	alg := h.Algorithm().String()
	if !slices.Contains(md.allowedAlgs(), alg) {
		return "", nil, fail(r, "algorithm %q is not allowed (the provider advertises %v)",
			alg, md.allowedAlgs())
	}
	key, err := s.findKey(ctx, md, h.KeyID(), alg, r)
	if err != nil {
		return "", nil, err
	}
	return jwa.SignatureAlgorithm(alg), key, nil
}

// findKey looks the key up by kid, refreshing the JWKS once when the kid
// is unknown (a rotation).
func (s *Service) findKey(ctx context.Context, md *providerMetadata, kid, alg string,
	r Reason) (jwk.Key, error) {
	for _, refresh := range []bool{false, true} {
		set, err := s.keySet(ctx, md.JWKSURL, refresh)
		if err != nil {
			return nil, &LoginError{Reason: ReasonConfiguration, Detail: err.Error(), Err: err}
		}
		if key := pickKey(set, kid, alg); key != nil {
			return key, nil
		}
	}
	return nil, fail(r, "no key with kid %q and algorithm %s in the provider's JWKS", kid, alg)
}

// pickKey returns the signing key with kid (any, when the token names
// none and the set holds one), whose declared algorithm, if any, is alg.
func pickKey(set jwk.Set, kid, alg string) jwk.Key {
	var found []jwk.Key
	for i := range set.Len() {
		k, _ := set.Key(i)
		if (kid != "" && k.KeyID() != kid) || (k.KeyUsage() != "" && k.KeyUsage() != "sig") {
			continue
		}
		if a := k.Algorithm().String(); a != "" && a != alg {
			continue
		}
		found = append(found, k)
	}
	if len(found) != 1 {
		return nil
	}
	return found[0]
}

func (s *Service) checkClaims(conn *Connection, md *providerMetadata, tok jwt.Token,
	nonce string) error {
	if err := checkIssuer(md, tok); err != nil {
		return err
	}
	if err := checkAudience(conn.OIDC.ClientID, tok); err != nil {
		return err
	}
	if tok.Expiration().IsZero() || tok.IssuedAt().IsZero() {
		return fail(ReasonIDToken, "the ID token lacks exp or iat")
	}
	err := jwt.Validate(tok, jwt.WithClock(jwt.ClockFunc(s.now)), jwt.WithAcceptableSkew(s.cfg.ClockSkew))
	if err != nil {
		return &LoginError{Reason: ReasonExpired, Detail: "ID token time check: " + err.Error(), Err: err}
	}
	if got := claimString(tok, "nonce"); got != nonce {
		return fail(ReasonNonce, "the ID token's nonce does not match the login's")
	}
	if tok.Subject() == "" {
		return fail(ReasonMissingSubject, "the ID token has no sub")
	}
	if hd := conn.OIDC.HostedDomain; hd != "" && !strings.EqualFold(claimString(tok, "hd"), hd) {
		return fail(ReasonDomain, "hd is %q, want %q", claimString(tok, "hd"), hd)
	}
	return nil
}

func checkIssuer(md *providerMetadata, tok jwt.Token) error {
	want := md.Issuer
	if strings.Contains(want, "{tenantid}") {
		tid := claimString(tok, "tid")
		if tid == "" {
			return fail(ReasonIssuer, "the multi-tenant ID token has no tid")
		}
		want = strings.Replace(want, "{tenantid}", tid, 1)
	}
	if tok.Issuer() != want {
		return fail(ReasonIssuer, "iss is %q, want %q", tok.Issuer(), want)
	}
	return nil
}

func checkAudience(clientID string, tok jwt.Token) error {
	aud := tok.Audience()
	if !slices.Contains(aud, clientID) {
		return fail(ReasonAudience, "aud %v does not contain the client ID %q", aud, clientID)
	}
	azp := claimString(tok, "azp")
	if (len(aud) > 1 || azp != "") && azp != clientID {
		return fail(ReasonAudience, "azp is %q, want the client ID %q", azp, clientID)
	}
	return nil
}

func claimString(tok jwt.Token, name string) string {
	v, ok := tok.Get(name)
	if !ok {
		return ""
	}
	s, _ := v.(string)
	return s
}

// oidcProfile verifies the ID token of tok and reads the profile, merging
// the userinfo claims when the ID token lacks an email.
func (s *Service) oidcProfile(ctx context.Context, conn *Connection, md *providerMetadata,
	tok *oauth2.Token, st *LoginState) (*Profile, error) {
	raw, _ := tok.Extra("id_token").(string)
	if raw == "" {
		return nil, fail(ReasonIDToken, "the token response has no id_token")
	}
	idt, err := s.verifyIDToken(ctx, conn, md, raw, st.Nonce)
	if err != nil {
		return nil, err
	}
	claims, err := idt.AsMap(ctx)
	if err != nil {
		return nil, fail(ReasonIDToken, "reading claims: %v", err)
	}
	if _, ok := claims["email"]; !ok && md.UserInfoURL != "" {
		s.mergeUserInfo(ctx, md, tok, idt.Subject(), claims)
	}
	p := &Profile{
		Subject: idt.Subject(), OrganizationID: conn.OrganizationID, ConnectionID: conn.ID,
		Protocol: ProtocolOIDC, Attributes: flattenClaims(claims),
		SessionID: claimString(idt, "sid"), IDToken: Secret(raw),
	}
	conn.Mapping.apply(p)
	return p, nil
}

// mergeUserInfo adds the userinfo claims the ID token lacks. Claims of
// another subject are ignored, as OpenID Connect Core §5.3.2 requires.
func (s *Service) mergeUserInfo(ctx context.Context, md *providerMetadata, tok *oauth2.Token,
	sub string, claims map[string]any) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, md.UserInfoURL, nil)
	if err != nil {
		return
	}
	tok.SetAuthHeader(req)
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		s.cfg.Logger.InfoContext(ctx, "sso: userinfo", "error", err)
		return
	}
	defer resp.Body.Close()
	var info map[string]any
	dec := json.NewDecoder(io.LimitReader(resp.Body, maxOIDCDocument))
	if resp.StatusCode != http.StatusOK || dec.Decode(&info) != nil || info["sub"] != sub {
		return
	}
	for k, v := range info {
		if _, ok := claims[k]; !ok {
			claims[k] = v
		}
	}
}

// flattenClaims turns claims into string lists for the profile.
func flattenClaims(claims map[string]any) map[string][]string {
	out := make(map[string][]string, len(claims))
	for k, v := range claims {
		switch v := v.(type) {
		case string:
			out[k] = []string{v}
		case []string:
			out[k] = v
		case []any:
			for _, e := range v {
				out[k] = append(out[k], fmt.Sprint(e))
			}
		case time.Time:
			out[k] = []string{v.UTC().Format(time.RFC3339)}
		default:
			b, _ := json.Marshal(v)
			out[k] = []string{strings.Trim(string(b), `"`)}
		}
	}
	return out
}

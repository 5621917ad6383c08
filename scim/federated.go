package scim

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwa"
	"github.com/lestrrat-go/jwx/v2/jwk"
	"github.com/lestrrat-go/jwx/v2/jws"
	"github.com/lestrrat-go/jwx/v2/jwt"
)

// FederatedIssuer trusts the signed JWTs of an external issuer as
// credentials of one directory, as Microsoft Entra ID sends them when the
// application is set up with workload identity federation instead of a
// long-lived secret.
//
// A token is accepted when its signature verifies with a key of JWKSURL
// (matched by kid, with an algorithm the key's type allows; "none" and
// HMAC are never accepted), iss equals Issuer, aud contains Audience, sub
// equals Subject when Subject is set, exp is present and in the future,
// nbf and iat are not in the future (one minute of leeway), and the
// lifetime exp-iat is at most MaxTokenLifetime. What the token's other
// claims say is not checked.
type FederatedIssuer struct {
	// ID identifies a trust kept in the Store ("fed_..."); static trusts
	// from Config have none.
	ID string `json:"id,omitempty"`
	// DirectoryID is the directory the tokens act on.
	DirectoryID string `json:"directoryId"`
	// Issuer is the exact iss value, such as
	// "https://sts.windows.net/{tenant-id}/".
	Issuer string `json:"issuer"`
	// JWKSURL is where the issuer publishes its keys, such as
	// "https://login.microsoftonline.com/{tenant-id}/discovery/v2.0/keys".
	// It must be https.
	JWKSURL string `json:"jwksUrl"`
	// Audience must be one of the token's aud values. Required.
	Audience string `json:"audience"`
	// Subject, when set, must equal the token's sub.
	Subject string `json:"subject,omitempty"`
	// Created is when a stored trust was added.
	Created time.Time `json:"created,omitzero"`
}

// check validates a trust's fields.
func (f *FederatedIssuer) check() error {
	if f.DirectoryID == "" || f.Issuer == "" || f.JWKSURL == "" || f.Audience == "" {
		return errors.New("scim: a FederatedIssuer needs DirectoryID, Issuer, JWKSURL and Audience")
	}
	if u, err := url.Parse(f.JWKSURL); err != nil || u.Scheme != "https" || u.Host == "" {
		return errors.New("scim: a FederatedIssuer's JWKSURL must be an https URL")
	}
	return nil
}

// MaxTokenLifetime is the longest lifetime (exp minus iat) of a federated
// token that is accepted.
const MaxTokenLifetime = 24 * time.Hour

// jwksRefresh is how long fetched keys are used before they are fetched
// again, and the least time between fetches on an unknown key ID.
const (
	jwksRefresh    = time.Hour
	jwksMinRefetch = time.Minute
)

// federation verifies federated JWTs, keeping the issuers' keys.
type federation struct {
	issuers []FederatedIssuer
	store   Store
	client  *http.Client
	now     func() time.Time

	mu   sync.Mutex
	keys map[string]*cachedKeys
}

type cachedKeys struct {
	set     jwk.Set
	fetched time.Time
}

func newFederation(issuers []FederatedIssuer, store Store, client *http.Client,
	now func() time.Time) (*federation, error) {
	for _, f := range issuers {
		if err := f.check(); err != nil {
			return nil, err
		}
	}
	if client == nil {
		client = &http.Client{Timeout: 10 * time.Second}
	}
	return &federation{issuers: issuers, store: store, client: client, now: now,
		keys: map[string]*cachedKeys{}}, nil
}

// looksLikeJWT reports whether a bearer credential has the compact JWS
// form.
func looksLikeJWT(s string) bool {
	return strings.Count(s, ".") == 2 && len(s) < 16<<10
}

// verify returns the directory of a valid federated token, or
// ErrUnauthorized.
func (f *federation) verify(ctx context.Context, token string) (string, error) {
	unverified, err := jwt.ParseInsecure([]byte(token))
	if err != nil {
		return "", ErrUnauthorized
	}
	candidates, err := f.trusts(ctx, unverified.Issuer())
	if err != nil {
		return "", err
	}
	for _, iss := range candidates {
		if err := f.verifyWith(ctx, iss, token); err == nil {
			return iss.DirectoryID, nil
		}
	}
	return "", ErrUnauthorized
}

// trusts returns the static and stored trusts of an issuer.
func (f *federation) trusts(ctx context.Context, issuer string) ([]FederatedIssuer, error) {
	var out []FederatedIssuer
	for _, iss := range f.issuers {
		if iss.Issuer == issuer {
			out = append(out, iss)
		}
	}
	if issuer == "" {
		return out, nil
	}
	stored, err := f.store.FederatedIssuers(ctx, issuer, "")
	if err != nil {
		return nil, fmt.Errorf("scim: reading federated issuers: %w", err)
	}
	for _, iss := range stored {
		out = append(out, *iss)
	}
	return out, nil
}

func (f *federation) verifyWith(ctx context.Context, iss FederatedIssuer, token string) error {
	set, err := f.keySet(ctx, iss.JWKSURL, false)
	if err != nil {
		return err
	}
	tok, err := f.parse(token, set, iss)
	if err != nil {
		// The issuer may have rotated its keys: fetch them again (at most
		// once per jwksMinRefetch).
		if set, err = f.keySet(ctx, iss.JWKSURL, true); err != nil {
			return err
		}
		tok, err = f.parse(token, set, iss)
	}
	if err != nil {
		return err
	}
	if tok.IssuedAt().IsZero() || tok.Expiration().Sub(tok.IssuedAt()) > MaxTokenLifetime {
		return errors.New("token lifetime too long or unknown")
	}
	return nil
}

func (f *federation) parse(token string, set jwk.Set, iss FederatedIssuer) (jwt.Token, error) {
	opts := []jwt.ParseOption{
		jwt.WithKeySet(set, jws.WithInferAlgorithmFromKey(true), jws.WithRequireKid(true)),
		jwt.WithValidate(true), jwt.WithIssuer(iss.Issuer), jwt.WithAudience(iss.Audience),
		jwt.WithRequiredClaim("exp"), jwt.WithClock(jwt.ClockFunc(f.now)),
		jwt.WithAcceptableSkew(time.Minute),
	}
	if iss.Subject != "" {
		opts = append(opts, jwt.WithSubject(iss.Subject))
	}
	return jwt.Parse([]byte(token), opts...)
}

// keySet returns the keys at url, fetched at most every jwksMinRefetch
// when refresh is set and every jwksRefresh otherwise. Only public keys
// usable for signatures are kept.
func (f *federation) keySet(ctx context.Context, url string, refresh bool) (jwk.Set, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	c := f.keys[url]
	age := time.Duration(1<<63 - 1)
	if c != nil {
		age = f.now().Sub(c.fetched)
	}
	if c != nil && (age < jwksMinRefetch || (!refresh && age < jwksRefresh)) {
		return c.set, nil
	}
	set, err := jwk.Fetch(ctx, url, jwk.WithHTTPClient(f.client))
	if err != nil {
		if c != nil {
			return c.set, nil // keep the keys we had
		}
		return nil, fmt.Errorf("fetching %s: %w", url, err)
	}
	set = publicKeysOnly(set)
	f.keys[url] = &cachedKeys{set: set, fetched: f.now()}
	return set, nil
}

// publicKeysOnly drops symmetric keys from a fetched set: a published
// "oct" key would let anyone sign HMAC tokens with it.
func publicKeysOnly(in jwk.Set) jwk.Set {
	out := jwk.NewSet()
	for i := 0; i < in.Len(); i++ {
		k, ok := in.Key(i)
		if !ok {
			continue
		}
		switch k.KeyType() {
		case jwa.RSA, jwa.EC, jwa.OKP:
			if pk, err := k.PublicKey(); err == nil {
				_ = out.AddKey(pk)
			}
		}
	}
	return out
}

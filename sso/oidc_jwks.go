package sso

import (
	"encoding/json"
	"net/http"

	"github.com/lestrrat-go/jwx/v2/jwk"
)

// handleClientJWKS publishes the public key of Config.OIDCClientKey, for
// providers that fetch the keys of private_key_jwt clients.
func (s *Service) handleClientJWKS(w http.ResponseWriter, r *http.Request) {
	if s.cfg.OIDCClientKey == nil {
		http.NotFound(w, r)
		return
	}
	set, err := s.ClientJWKS()
	if err != nil {
		http.Error(w, "The key is not available.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/jwk-set+json")
	_ = json.NewEncoder(w).Encode(set)
}

// ClientJWKS returns the public JWKS of Config.OIDCClientKey, to register
// with providers for private_key_jwt.
func (s *Service) ClientJWKS() (jwk.Set, error) {
	alg, err := signingAlg(s.cfg.OIDCClientKey)
	if err != nil {
		return nil, err
	}
	key, err := jwk.FromRaw(s.cfg.OIDCClientKey.Public())
	if err != nil {
		return nil, err
	}
	for k, v := range map[string]string{jwk.KeyIDKey: s.cfg.OIDCClientKeyID,
		jwk.AlgorithmKey: alg, jwk.KeyUsageKey: "sig"} {
		if v == "" {
			continue
		}
		if err := key.Set(k, v); err != nil {
			return nil, err
		}
	}
	set := jwk.NewSet()
	if err := set.AddKey(key); err != nil {
		return nil, err
	}
	return set, nil
}

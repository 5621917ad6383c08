package main

import (
	"bytes"
	"compress/flate"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/xml"
	"errors"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/lestrrat-go/jwx/v2/jwk"

	"github.com/gatehouse/gatehouse/sso/ssotest"
)

// devUser is a person of the development identity provider.
type devUser struct {
	Subject, Email, First, Last string
	Groups                      []string
}

// devUsers are the people you can sign in as. Their domain,
// acme-demo.example, is verified for the demo organization; outsider's is
// not, so the demo refuses that sign-in.
var devUsers = []devUser{
	{"u-jane", "jane@acme-demo.example", "Jane", "Doe", []string{"finance"}},
	{"u-sam", "sam@acme-demo.example", "Sam", "Lee", nil},
	{"u-eve", "eve@outsider.example", "Eve", "Outsider", nil},
}

// devIdP is a development identity provider, built into the demo and
// served on its own address under /dev-idp, that speaks SAML 2.0 (with
// package ssotest's signing IdP) and OpenID Connect, and lets you pick
// whom to sign in as. It is a test fixture, not a product: it trusts the
// demo's own endpoints only, and keeps its codes in memory.
type devIdP struct {
	base string // the demo's URL
	saml *ssotest.IdP

	oidcKey      *rsa.PrivateKey
	clientID     string
	clientSecret string
	mu           sync.Mutex
	codes        map[string]devCode
}

type devCode struct {
	user                       devUser
	nonce, challenge, redirect string
	expires                    time.Time
}

func newDevIdP(base string) (*devIdP, error) {
	idp, err := ssotest.NewIdP(base+"/dev-idp/saml", base+"/dev-idp/saml/sso")
	if err != nil {
		return nil, err
	}
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, err
	}
	return &devIdP{base: base, saml: idp, oidcKey: key, clientID: "gatehouse-demo",
		clientSecret: rand.Text(), codes: map[string]devCode{}}, nil
}

func (d *devIdP) issuer() string { return d.base + "/dev-idp/oidc" }

func (d *devIdP) mount(mux *http.ServeMux) {
	mux.HandleFunc("GET /dev-idp/saml/sso", d.handleSAMLRequest)
	mux.HandleFunc("POST /dev-idp/saml/pick", d.handleSAMLPick)
	mux.HandleFunc("GET /dev-idp/oidc/.well-known/openid-configuration", d.handleDiscovery)
	mux.HandleFunc("GET /dev-idp/oidc/jwks", d.handleJWKS)
	mux.HandleFunc("GET /dev-idp/oidc/authorize", d.handleAuthorize)
	mux.HandleFunc("POST /dev-idp/oidc/pick", d.handleOIDCPick)
	mux.HandleFunc("POST /dev-idp/oidc/token", d.handleToken)
}

var pickPage = newPage(`
<p>This is the demo's development identity provider ({{.Data.Protocol}}). Pick whom to sign in as.</p>
<form method="post" action="{{.Data.Action}}">
{{range $k, $v := .Data.Hidden}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}
{{range .Data.Users}}<p><button name="user" value="{{.Subject}}">{{.First}} {{.Last}}</button>
<span class="muted">{{.Email}}{{with .Groups}} · groups: {{range .}}{{.}} {{end}}{{end}}</span></p>{{end}}
</form>`)

var postPage = template.Must(template.New("post").Parse(`<!doctype html>
<html><body onload="document.forms[0].submit()">
<form method="post" action="{{.Action}}">
{{range $k, $v := .Fields}}<input type="hidden" name="{{$k}}" value="{{$v}}">{{end}}
<noscript><button>Continue</button></noscript></form></body></html>`))

func findDevUser(subject string) (devUser, bool) {
	for _, u := range devUsers {
		if u.Subject == subject {
			return u, true
		}
	}
	return devUser{}, false
}

// authnRequest is what the dev IdP reads of a SAML AuthnRequest.
type authnRequest struct {
	ID     string `xml:"ID,attr"`
	ACSURL string `xml:"AssertionConsumerServiceURL,attr"`
	Issuer string `xml:"urn:oasis:names:tc:SAML:2.0:assertion Issuer"`
}

// parseRedirectRequest decodes an AuthnRequest of the HTTP-Redirect
// binding: base64 of DEFLATE of the XML.
func parseRedirectRequest(s string) (authnRequest, error) {
	var req authnRequest
	raw, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		return req, err
	}
	x, err := io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(raw)), 1<<16))
	if err != nil {
		return req, err
	}
	if err := xml.Unmarshal(x, &req); err != nil {
		return req, err
	}
	if req.ID == "" || req.Issuer == "" {
		return req, errors.New("the AuthnRequest has no ID or Issuer")
	}
	return req, nil
}

// ownURL reports whether u is an endpoint of the demo, the only service
// provider the dev IdP serves.
func (d *devIdP) ownURL(u string) bool {
	return strings.HasPrefix(u, d.base+"/")
}

func (d *devIdP) handleSAMLRequest(w http.ResponseWriter, r *http.Request) {
	req, err := parseRedirectRequest(r.URL.Query().Get("SAMLRequest"))
	if err != nil || !d.ownURL(req.ACSURL) {
		http.Error(w, "The dev IdP cannot read this AuthnRequest.", http.StatusBadRequest)
		return
	}
	hidden := map[string]string{"request_id": req.ID, "acs": req.ACSURL, "audience": req.Issuer,
		"relay_state": r.URL.Query().Get("RelayState")}
	renderPick(w, r, "SAML", "/dev-idp/saml/pick", hidden)
}

func renderPick(w http.ResponseWriter, r *http.Request, protocol, action string, hidden map[string]string) {
	var buf bytes.Buffer
	err := pickPage.ExecuteTemplate(&buf, "layout", pageData{Title: "Development identity provider",
		Data: map[string]any{"Protocol": protocol, "Action": action, "Hidden": hidden, "Users": devUsers}})
	if err != nil {
		http.Error(w, "The page could not be rendered.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_, _ = buf.WriteTo(w)
}

func (d *devIdP) handleSAMLPick(w http.ResponseWriter, r *http.Request) {
	u, ok := findDevUser(r.PostFormValue("user"))
	acs := r.PostFormValue("acs")
	if !ok || !d.ownURL(acs) {
		http.Error(w, "Pick a user.", http.StatusBadRequest)
		return
	}
	doc, err := d.saml.SignedResponse(ssotest.Response{
		Audience: r.PostFormValue("audience"), Recipient: acs, InResponseTo: r.PostFormValue("request_id"),
		NameID:       u.Email,
		NameIDFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
		Attributes: map[string][]string{
			"email": {u.Email}, "firstName": {u.First}, "lastName": {u.Last}, "groups": u.Groups,
		},
	})
	if err != nil {
		http.Error(w, "The dev IdP could not sign a response.", http.StatusInternalServerError)
		return
	}
	autoPost(w, acs, map[string]string{
		"SAMLResponse": ssotest.Encode(doc), "RelayState": r.PostFormValue("relay_state"),
	})
}

func autoPost(w http.ResponseWriter, action string, fields map[string]string) {
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_ = postPage.Execute(w, map[string]any{"Action": action, "Fields": fields})
}

func (d *devIdP) handleDiscovery(w http.ResponseWriter, _ *http.Request) {
	iss := d.issuer()
	writeJSON(w, http.StatusOK, map[string]any{
		"issuer": iss, "authorization_endpoint": iss + "/authorize", "token_endpoint": iss + "/token",
		"jwks_uri": iss + "/jwks", "id_token_signing_alg_values_supported": []string{"RS256"},
		"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
		"token_endpoint_auth_methods_supported": []string{"client_secret_basic", "client_secret_post"},
		"code_challenge_methods_supported":      []string{"S256"},
	})
}

func (d *devIdP) handleJWKS(w http.ResponseWriter, _ *http.Request) {
	k, err := jwk.FromRaw(d.oidcKey.Public())
	if err != nil {
		http.Error(w, "no key", http.StatusInternalServerError)
		return
	}
	_ = k.Set(jwk.KeyIDKey, "dev-1")
	_ = k.Set(jwk.AlgorithmKey, "RS256")
	set := jwk.NewSet()
	_ = set.AddKey(k)
	writeJSON(w, http.StatusOK, set)
}

func (d *devIdP) handleAuthorize(w http.ResponseWriter, r *http.Request) {
	q := r.URL.Query()
	if q.Get("client_id") != d.clientID || q.Get("response_type") != "code" ||
		q.Get("code_challenge_method") != "S256" || !d.ownURL(q.Get("redirect_uri")) {
		http.Error(w, "The dev IdP refuses this authorization request.", http.StatusBadRequest)
		return
	}
	hidden := map[string]string{"redirect_uri": q.Get("redirect_uri"), "state": q.Get("state"),
		"nonce": q.Get("nonce"), "code_challenge": q.Get("code_challenge")}
	renderPick(w, r, "OpenID Connect", "/dev-idp/oidc/pick", hidden)
}

func (d *devIdP) handleOIDCPick(w http.ResponseWriter, r *http.Request) {
	u, ok := findDevUser(r.PostFormValue("user"))
	redirect := r.PostFormValue("redirect_uri")
	if !ok || !d.ownURL(redirect) {
		http.Error(w, "Pick a user.", http.StatusBadRequest)
		return
	}
	code := rand.Text()
	d.mu.Lock()
	d.codes[code] = devCode{user: u, nonce: r.PostFormValue("nonce"), redirect: redirect,
		challenge: r.PostFormValue("code_challenge"), expires: time.Now().Add(time.Minute)}
	d.mu.Unlock()
	to, _ := url.Parse(redirect)
	v := to.Query()
	v.Set("code", code)
	v.Set("state", r.PostFormValue("state"))
	to.RawQuery = v.Encode()
	http.Redirect(w, r, to.String(), http.StatusFound)
}

// redeem takes a code once.
func (d *devIdP) redeem(code string) (devCode, bool) {
	d.mu.Lock()
	defer d.mu.Unlock()
	c, ok := d.codes[code]
	delete(d.codes, code)
	return c, ok && time.Now().Before(c.expires)
}

func (d *devIdP) handleToken(w http.ResponseWriter, r *http.Request) {
	id, secret, ok := r.BasicAuth()
	if !ok {
		id, secret = r.PostFormValue("client_id"), r.PostFormValue("client_secret")
	}
	if id != d.clientID || secret != d.clientSecret {
		writeJSON(w, http.StatusUnauthorized, map[string]string{"error": "invalid_client"})
		return
	}
	c, ok := d.redeem(r.PostFormValue("code"))
	sum := sha256.Sum256([]byte(r.PostFormValue("code_verifier")))
	if !ok || c.redirect != r.PostFormValue("redirect_uri") ||
		base64.RawURLEncoding.EncodeToString(sum[:]) != c.challenge {
		writeJSON(w, http.StatusBadRequest, map[string]string{"error": "invalid_grant"})
		return
	}
	now := time.Now()
	token, err := ssotest.SignJWT(map[string]any{
		"iss": d.issuer(), "aud": d.clientID, "sub": c.user.Subject, "iat": now.Unix(),
		"exp": now.Add(5 * time.Minute).Unix(), "nonce": c.nonce, "email": c.user.Email,
		"email_verified": true, "given_name": c.user.First, "family_name": c.user.Last, "groups": c.user.Groups,
	}, d.oidcKey, "dev-1")
	if err != nil {
		writeJSON(w, http.StatusInternalServerError, map[string]string{"error": "server_error"})
		return
	}
	writeJSON(w, http.StatusOK, map[string]any{"access_token": rand.Text(), "token_type": "Bearer",
		"expires_in": 300, "id_token": token})
}

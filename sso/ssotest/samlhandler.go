package ssotest

import (
	"bytes"
	"compress/flate"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"time"
)

// User is who signs in at the test IdP's SSO endpoint.
type User struct {
	NameID     string
	Attributes map[string][]string
}

// Handler serves the IdP for a browser: GET /metadata, and GET /sso
// (HTTP-Redirect binding) or POST /sso (HTTP-POST binding), which answers
// the AuthnRequest at once for the user that pick returns, with a signed
// response posted to the request's ACS; and GET or POST /slo, which
// answers an SP's LogoutRequest with a signed Success LogoutResponse by
// the same binding (see [IdP.LogoutRequests]). pick may show a page of its own
// and return false to stop there (a page where a developer picks a demo
// user, say). The handler trusts the AuthnRequest's ACS URL: it is for
// tests and development only.
func (p *IdP) Handler(pick func(w http.ResponseWriter, r *http.Request) (User, bool)) http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /metadata", func(w http.ResponseWriter, _ *http.Request) {
		w.Header().Set("Content-Type", "application/samlmetadata+xml")
		_, _ = io.WriteString(w, p.Metadata())
	})
	sso := func(w http.ResponseWriter, r *http.Request) { p.serveSSO(w, r, pick) }
	mux.HandleFunc("GET /sso", sso)
	mux.HandleFunc("POST /sso", sso)
	mux.HandleFunc("GET /slo", p.serveSLO)
	mux.HandleFunc("POST /slo", p.serveSLO)
	return mux
}

type authnRequest struct {
	ID     string `xml:"ID,attr"`
	ACS    string `xml:"AssertionConsumerServiceURL,attr"`
	Issuer string `xml:"urn:oasis:names:tc:SAML:2.0:assertion Issuer"`
}

func (p *IdP) serveSSO(w http.ResponseWriter, r *http.Request, pick func(http.ResponseWriter,
	*http.Request) (User, bool)) {
	req, err := readAuthnRequest(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	user, ok := pick(w, r)
	if !ok {
		return
	}
	doc, err := p.SignedResponse(Response{Now: time.Now(), Audience: req.Issuer, Recipient: req.ACS,
		InResponseTo: req.ID, NameID: user.NameID, NameIDFormat: NameIDEmail, Attributes: user.Attributes})
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = postForm.Execute(w, map[string]string{"ACS": req.ACS, "SAMLResponse": Encode(doc),
		"RelayState": r.FormValue("RelayState")})
}

// readAuthnRequest decodes the SAMLRequest of either binding.
func readAuthnRequest(r *http.Request) (*authnRequest, error) {
	raw, err := base64.StdEncoding.DecodeString(r.FormValue("SAMLRequest"))
	if err != nil {
		return nil, fmt.Errorf("SAMLRequest is not base64: %w", err)
	}
	if r.Method == http.MethodGet {
		raw, err = io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(raw)), 1<<20))
		if err != nil {
			return nil, fmt.Errorf("SAMLRequest does not inflate: %w", err)
		}
	}
	var req authnRequest
	if err := xml.Unmarshal(raw, &req); err != nil || req.ID == "" || req.ACS == "" {
		return nil, fmt.Errorf("SAMLRequest is not an AuthnRequest with an ID and ACS URL")
	}
	return &req, nil
}

var postForm = template.Must(template.New("post").Parse(`<!DOCTYPE html>
<html><body onload="document.forms[0].submit()">
<form method="POST" action="{{.ACS}}">
<input type="hidden" name="SAMLResponse" value="{{.SAMLResponse}}">
<input type="hidden" name="RelayState" value="{{.RelayState}}">
<noscript><button type="submit">Continue</button></noscript>
</form></body></html>`))

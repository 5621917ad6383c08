package ssotest

import (
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/beevik/etree"
)

// Logout describes a LogoutRequest or LogoutResponse that the IdP writes.
// Zero values give a well-formed message from the IdP.
type Logout struct {
	Now time.Time
	// Destination is the SP's single logout URL.
	Destination string
	// ID replaces a random message ID.
	ID string
	// Issuer replaces the IdP's entity ID.
	Issuer string
	// NameID, NameIDFormat and SessionIndexes name whom a LogoutRequest
	// logs out.
	NameID, NameIDFormat string
	SessionIndexes       []string
	// NotOnOrAfter, if set, bounds a LogoutRequest.
	NotOnOrAfter time.Time
	// InResponseTo and Status (default Success) fill a LogoutResponse.
	InResponseTo string
	Status       string
}

// LogoutRequestElement returns an unsigned LogoutRequest as l describes;
// [IdP.RedirectURL] and [IdP.PostValues] sign it for their binding.
func (p *IdP) LogoutRequestElement(l Logout) *etree.Element {
	el := p.logoutElement("samlp:LogoutRequest", l)
	if !l.NotOnOrAfter.IsZero() {
		el.CreateAttr("NotOnOrAfter", stamp(l.NotOnOrAfter))
	}
	id := el.CreateElement("saml:NameID")
	if l.NameIDFormat != "" {
		id.CreateAttr("Format", l.NameIDFormat)
	}
	id.SetText(l.NameID)
	for _, s := range l.SessionIndexes {
		el.CreateElement("samlp:SessionIndex").SetText(s)
	}
	return el
}

// LogoutResponseElement returns an unsigned LogoutResponse as l describes.
func (p *IdP) LogoutResponseElement(l Logout) *etree.Element {
	el := p.logoutElement("samlp:LogoutResponse", l)
	if l.InResponseTo != "" {
		el.CreateAttr("InResponseTo", l.InResponseTo)
	}
	status := l.Status
	if status == "" {
		status = statusOK
	}
	el.CreateElement("samlp:Status").CreateElement("samlp:StatusCode").CreateAttr("Value", status)
	return el
}

func (p *IdP) logoutElement(tag string, l Logout) *etree.Element {
	if l.Now.IsZero() {
		l.Now = time.Now()
	}
	id := l.ID
	if id == "" {
		id = randomID()
	}
	el := etree.NewElement(tag)
	el.CreateAttr("xmlns:samlp", nsProtocol)
	el.CreateAttr("xmlns:saml", nsAssertion)
	el.CreateAttr("ID", id)
	el.CreateAttr("Version", "2.0")
	el.CreateAttr("IssueInstant", stamp(l.Now))
	if l.Destination != "" {
		el.CreateAttr("Destination", l.Destination)
	}
	el.CreateElement("saml:Issuer").SetText(p.issuer(Response{Issuer: l.Issuer}))
	return el
}

// RedirectURL returns the HTTP-Redirect binding URL that carries el as
// field ("SAMLRequest" or "SAMLResponse") to dest, with relay as
// RelayState, and a query signature by the IdP's key (RSA-SHA256) when
// sign is set.
func (p *IdP) RedirectURL(dest, field string, el *etree.Element, relay string,
	sign bool) (string, error) {
	doc := etree.NewDocument()
	doc.SetRoot(el.Copy())
	raw, err := doc.WriteToBytes()
	if err != nil {
		return "", err
	}
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.DefaultCompression)
	_, _ = fw.Write(raw)
	_ = fw.Close()
	q := field + "=" + url.QueryEscape(base64.StdEncoding.EncodeToString(buf.Bytes()))
	if relay != "" {
		q += "&RelayState=" + url.QueryEscape(relay)
	}
	if sign {
		q += "&SigAlg=" + url.QueryEscape("http://www.w3.org/2001/04/xmldsig-more#rsa-sha256")
		sum := sha256.Sum256([]byte(q))
		sig, err := rsa.SignPKCS1v15(rand.Reader, p.Key, crypto.SHA256, sum[:])
		if err != nil {
			return "", fmt.Errorf("ssotest: signing the query: %w", err)
		}
		q += "&Signature=" + url.QueryEscape(base64.StdEncoding.EncodeToString(sig))
	}
	return dest + "?" + q, nil
}

// PostValues returns the HTTP-POST binding form that carries el as field,
// with relay as RelayState, and an enveloped signature by the IdP's key
// when sign is set.
func (p *IdP) PostValues(field string, el *etree.Element, relay string,
	sign bool) (url.Values, error) {
	el = el.Copy()
	if sign {
		signed, err := p.sign(el, Response{})
		if err != nil {
			return nil, err
		}
		el = signed
	}
	doc := etree.NewDocument()
	doc.SetRoot(el)
	raw, err := doc.WriteToBytes()
	if err != nil {
		return nil, err
	}
	v := url.Values{field: {Encode(raw)}}
	if relay != "" {
		v.Set("RelayState", relay)
	}
	return v, nil
}

// ReceivedLogout is a LogoutRequest that reached the IdP's /slo endpoint.
type ReceivedLogout struct {
	ID, Issuer, NameID, NameIDFormat, Destination string
	SessionIndexes                                []string
	// Signed reports whether the request carried a signature (query or
	// enveloped); the test IdP does not verify it.
	Signed     bool
	RelayState string
}

// sloLog keeps what the IdP's /slo endpoint received.
type sloLog struct {
	mu   sync.Mutex
	reqs []ReceivedLogout
}

// LogoutRequests returns the LogoutRequests that the IdP's handler has
// received, oldest first.
func (p *IdP) LogoutRequests() []ReceivedLogout {
	l := &p.slo
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]ReceivedLogout(nil), l.reqs...)
}

// serveSLO answers a LogoutRequest from an SP with a signed Success
// LogoutResponse by the same binding, sent to the SP's single logout
// URL: SLOTarget of the request's issuer. A LogoutResponse (to a logout
// the IdP started) gets a short page.
func (p *IdP) serveSLO(w http.ResponseWriter, r *http.Request) {
	el, field, err := readSLOMessage(r)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	if field == "SAMLResponse" {
		_, _ = io.WriteString(w, "Signed out of the service provider.")
		return
	}
	got := received(el, r)
	l := &p.slo
	l.mu.Lock()
	l.reqs = append(l.reqs, got)
	l.mu.Unlock()
	target := p.sloTarget(got.Issuer)
	resp := p.LogoutResponseElement(Logout{Destination: target, InResponseTo: got.ID})
	if r.Method == http.MethodGet {
		u, err := p.RedirectURL(target, "SAMLResponse", resp, got.RelayState, true)
		if err != nil {
			http.Error(w, err.Error(), http.StatusInternalServerError)
			return
		}
		http.Redirect(w, r, u, http.StatusFound)
		return
	}
	v, err := p.PostValues("SAMLResponse", resp, got.RelayState, true)
	if err != nil {
		http.Error(w, err.Error(), http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	_ = postForm.Execute(w, map[string]string{"ACS": target, "SAMLResponse": v.Get("SAMLResponse"),
		"RelayState": got.RelayState})
}

// sloTarget is the SP's single logout URL for its entity ID: SLOTarget if
// set, else Gatehouse's default, the entity ID with /metadata replaced by
// /slo.
func (p *IdP) sloTarget(spEntityID string) string {
	if p.SLOTarget != nil {
		return p.SLOTarget(spEntityID)
	}
	return strings.TrimSuffix(spEntityID, "/metadata") + "/slo"
}

func received(el *etree.Element, r *http.Request) ReceivedLogout {
	got := ReceivedLogout{ID: el.SelectAttrValue("ID", ""),
		Destination: el.SelectAttrValue("Destination", ""), RelayState: r.FormValue("RelayState"),
		Signed: r.FormValue("Signature") != "" || el.SelectElement("Signature") != nil}
	if iss := el.SelectElement("Issuer"); iss != nil {
		got.Issuer = iss.Text()
	}
	if id := el.SelectElement("NameID"); id != nil {
		got.NameID, got.NameIDFormat = id.Text(), id.SelectAttrValue("Format", "")
	}
	for _, s := range el.SelectElements("SessionIndex") {
		got.SessionIndexes = append(got.SessionIndexes, s.Text())
	}
	return got
}

// readSLOMessage decodes the SAMLRequest or SAMLResponse of either binding.
func readSLOMessage(r *http.Request) (*etree.Element, string, error) {
	field := "SAMLRequest"
	if r.FormValue(field) == "" {
		field = "SAMLResponse"
	}
	raw, err := base64.StdEncoding.DecodeString(r.FormValue(field))
	if err != nil || len(raw) == 0 {
		return nil, "", fmt.Errorf("no base64 SAMLRequest or SAMLResponse")
	}
	if r.Method == http.MethodGet {
		raw, err = io.ReadAll(io.LimitReader(flate.NewReader(bytes.NewReader(raw)), 1<<20))
		if err != nil {
			return nil, "", fmt.Errorf("%s does not inflate: %w", field, err)
		}
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(raw); err != nil || doc.Root() == nil {
		return nil, "", fmt.Errorf("%s is not XML", field)
	}
	return doc.Root(), field, nil
}

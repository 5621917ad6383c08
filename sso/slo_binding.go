package sso

import (
	"bytes"
	"compress/flate"
	"crypto"
	"crypto/rsa"
	"crypto/x509"
	"encoding/base64"
	"fmt"
	"html/template"
	"io"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// This file carries logout messages over the two bindings that SAML
// single logout uses in browsers (SAML bindings 2.0, sections 3.4 and
// 3.5): HTTP-Redirect, where the message is deflated into the query and
// the signature covers the query string, and HTTP-POST, where the message
// travels in a form and carries an enveloped XML signature.

// Query signature algorithms of the HTTP-Redirect binding.
const (
	sigRSASHA1   = "http://www.w3.org/2000/09/xmldsig#rsa-sha1"
	sigRSASHA256 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha256"
	sigRSASHA512 = "http://www.w3.org/2001/04/xmldsig-more#rsa-sha512"
)

// maxSLOForm bounds the body of a POST to the SLO endpoint.
const maxSLOForm = maxACSForm

// inbound is a logout message as it reached the SLO endpoint, before any
// check: its field name (SAMLRequest or SAMLResponse), binding, XML and,
// for the HTTP-Redirect binding, the query signature.
type inbound struct {
	field    string
	redirect bool
	relay    string
	xml      []byte
	// signed is the octet string that a query signature covers; sigAlg
	// and signature are "" and nil when the query carries none.
	signed    string
	sigAlg    string
	signature []byte
}

// readInbound takes the logout message from a GET (HTTP-Redirect) or POST
// (HTTP-POST) request and decodes it, bounded in size.
func readInbound(r *http.Request) (*inbound, error) {
	if r.Method == http.MethodGet {
		return readRedirect(r.URL.RawQuery)
	}
	if err := r.ParseForm(); err != nil {
		return nil, fail(ReasonMalformed, "reading the form: %v", err)
	}
	in := &inbound{}
	for _, f := range []string{"SAMLRequest", "SAMLResponse"} {
		if vs := r.PostForm[f]; len(vs) > 0 {
			if in.field != "" || len(vs) > 1 {
				return nil, fail(ReasonMalformed, "the form carries more than one SAML message")
			}
			in.field = f
		}
	}
	if in.field == "" {
		return nil, fail(ReasonMalformed, "the form carries no SAMLRequest or SAMLResponse")
	}
	in.relay = r.PostForm.Get("RelayState")
	raw, err := base64.StdEncoding.DecodeString(stripSpace(r.PostForm.Get(in.field)))
	if err != nil || len(raw) == 0 {
		return nil, fail(ReasonMalformed, "%s is not base64", in.field)
	}
	in.xml = raw
	return in, checkMessage(in.xml)
}

// readRedirect reads the query of the HTTP-Redirect binding. It keeps the
// parameters as they were encoded, since the signature covers them so
// (bindings section 3.4.4.1), and refuses repeated ones.
func readRedirect(query string) (*inbound, error) {
	raw, err := redirectParams(query)
	if err != nil {
		return nil, err
	}
	in := &inbound{redirect: true}
	_, hasReq := raw["SAMLRequest"]
	_, hasResp := raw["SAMLResponse"]
	switch {
	case hasReq == hasResp:
		return nil, fail(ReasonMalformed,
			"the query must carry exactly one of SAMLRequest and SAMLResponse")
	case hasReq:
		in.field = "SAMLRequest"
	default:
		in.field = "SAMLResponse"
	}
	values := map[string]string{}
	for k, v := range raw {
		if values[k], err = url.QueryUnescape(v); err != nil {
			return nil, fail(ReasonMalformed, "%s is not URL-encoded", k)
		}
	}
	in.relay, in.sigAlg = values["RelayState"], values["SigAlg"]
	in.signed = in.field + "=" + raw[in.field]
	if v, ok := raw["RelayState"]; ok {
		in.signed += "&RelayState=" + v
	}
	in.signed += "&SigAlg=" + raw["SigAlg"]
	if sig, ok := values["Signature"]; ok {
		b, err := base64.StdEncoding.DecodeString(stripSpace(sig))
		if err != nil || len(b) == 0 || in.sigAlg == "" {
			return nil, fail(ReasonMalformed, "the query signature is not base64 or names no SigAlg")
		}
		in.signature = b
	}
	doc, err := inflateMessage(values[in.field])
	if err != nil {
		return nil, err
	}
	in.xml = doc
	return in, checkMessage(in.xml)
}

// redirectParams returns the parameters of the HTTP-Redirect binding in
// query, still URL-encoded, refusing repeated ones.
func redirectParams(query string) (map[string]string, error) {
	raw := map[string]string{}
	for _, part := range strings.Split(query, "&") {
		k, v, _ := strings.Cut(part, "=")
		switch k {
		case "SAMLRequest", "SAMLResponse", "RelayState", "SigAlg", "Signature":
			if _, dup := raw[k]; dup {
				return nil, fail(ReasonMalformed, "the query repeats %s", k)
			}
			raw[k] = v
		}
	}
	return raw, nil
}

// inflateMessage decodes a DEFLATE-encoded message, at most
// MaxResponseSize bytes once inflated.
func inflateMessage(b64 string) ([]byte, error) {
	compressed, err := base64.StdEncoding.DecodeString(stripSpace(b64))
	if err != nil || len(compressed) == 0 {
		return nil, fail(ReasonMalformed, "the message is not base64")
	}
	fr := flate.NewReader(bytes.NewReader(compressed))
	defer fr.Close()
	doc, err := io.ReadAll(io.LimitReader(fr, MaxResponseSize+1))
	if err != nil {
		return nil, fail(ReasonMalformed, "the message does not inflate: %v", err)
	}
	if len(doc) > MaxResponseSize {
		return nil, fail(ReasonMalformed, "the message inflates beyond %d bytes", MaxResponseSize)
	}
	return doc, nil
}

// checkMessage refuses what no honest IdP sends: oversized documents,
// document type declarations and too many elements.
func checkMessage(doc []byte) error {
	if err := checkXML(doc, MaxResponseSize); err != nil {
		return fail(ReasonMalformed, "%v", err)
	}
	if bound := 3*bytes.Count(doc, []byte("<")) + 1; bound > maxXMLTokens {
		return fail(ReasonMalformed, "the message has too many XML elements")
	}
	return nil
}

// verifyInbound checks the message's signature with the IdP's
// certificates and returns the root element as verified: for
// HTTP-Redirect with a query signature, the parsed message, which the
// signature covers whole; otherwise the element that an enveloped XML
// signature covers (some IdPs sign the XML even in a redirect). An
// unsigned message fails with ReasonLogoutUnsigned.
func verifyInbound(in *inbound, c *SAMLConfig, now time.Time) (*etree.Element, error) {
	certs, err := parseCertificates(c.IdPCertificates)
	if err != nil || len(certs) == 0 {
		return nil, fail(ReasonConfiguration, "the connection trusts no usable IdP certificate")
	}
	doc := etree.NewDocument()
	if err := doc.ReadFromBytes(in.xml); err != nil || doc.Root() == nil {
		return nil, fail(ReasonMalformed, "the message is not well-formed XML")
	}
	if in.redirect && in.signature != nil {
		if err := verifyQuery(in, certs, c.InsecureAllowSHA1); err != nil {
			return nil, err
		}
		return doc.Root(), nil
	}
	return verifyEnveloped(doc.Root(), certs, c.InsecureAllowSHA1, now)
}

// verifyQuery checks the query signature of the HTTP-Redirect binding
// against each trusted certificate. Only RSA keys are supported, which is
// what the IdPs we know sign with; ECDSA would need the XML-DSig r||s
// form decoded here.
func verifyQuery(in *inbound, certs []*x509.Certificate, allowSHA1 bool) error {
	var h crypto.Hash
	switch in.sigAlg {
	case sigRSASHA256:
		h = crypto.SHA256
	case sigRSASHA512:
		h = crypto.SHA512
	case sigRSASHA1:
		if !allowSHA1 {
			return fail(ReasonWeakAlgorithm, "the query is signed with RSA-SHA1; allow SHA-1 on "+
				"the connection or configure the IdP for SHA-256")
		}
		h = crypto.SHA1
	default:
		return fail(ReasonSignature, "the query signature algorithm %q is not supported", in.sigAlg)
	}
	d := h.New()
	d.Write([]byte(in.signed))
	sum := d.Sum(nil)
	for _, cert := range certs {
		pub, ok := cert.PublicKey.(*rsa.PublicKey)
		if ok && rsa.VerifyPKCS1v15(pub, h, sum, in.signature) == nil {
			return nil
		}
	}
	return fail(ReasonSignature, "the query signature does not verify with a trusted certificate")
}

// verifyEnveloped checks the enveloped signature of root, which must be
// its direct child, with each trusted certificate in turn, and returns
// the element that the signature covers.
func verifyEnveloped(root *etree.Element, certs []*x509.Certificate, allowSHA1 bool,
	now time.Time) (*etree.Element, error) {
	var sig *etree.Element
	for _, el := range root.ChildElements() {
		if el.Tag == "Signature" && el.NamespaceURI() == nsDSig {
			if sig != nil {
				return nil, fail(ReasonMalformed, "the message has more than one signature")
			}
			sig = el
		}
	}
	if sig == nil {
		return nil, fail(ReasonLogoutUnsigned, "the message carries no signature")
	}
	for _, el := range sig.FindElements(".//[@Algorithm]") {
		if alg := el.SelectAttrValue("Algorithm", ""); strings.Contains(alg, "sha1") && !allowSHA1 {
			return nil, fail(ReasonWeakAlgorithm, "signed with %s; allow SHA-1 on the connection "+
				"or configure the IdP for SHA-256", alg)
		}
	}
	var last error
	for _, cert := range certs {
		ctx := dsig.NewDefaultValidationContext(&dsig.MemoryX509CertificateStore{
			Roots: []*x509.Certificate{cert}})
		ctx.Clock = dsig.NewFakeClockAt(now)
		el, err := ctx.Validate(root.Copy())
		if err == nil {
			return el, nil
		}
		last = err
	}
	return nil, fail(ReasonSignature, "signature verification failed: %v", last)
}

// send delivers a logout message to dest by the binding ("redirect" or
// "post"), with relay as RelayState, signed with Config.SAMLSigner when
// the service has one.
func (s *Service) send(w http.ResponseWriter, r *http.Request, field string, el *etree.Element,
	dest, binding, relay string) error {
	w.Header().Set("Cache-Control", "no-store")
	if binding == "post" {
		return s.sendPost(w, field, el, dest, relay)
	}
	doc := etree.NewDocument()
	doc.SetRoot(el)
	xmlText, err := doc.WriteToBytes()
	if err != nil {
		return fmt.Errorf("sso: writing %s: %w", field, err)
	}
	var buf bytes.Buffer
	fw, _ := flate.NewWriter(&buf, flate.BestCompression)
	_, _ = fw.Write(xmlText)
	if err := fw.Close(); err != nil {
		return fmt.Errorf("sso: deflating %s: %w", field, err)
	}
	q := field + "=" + url.QueryEscape(base64.StdEncoding.EncodeToString(buf.Bytes()))
	if relay != "" {
		q += "&RelayState=" + url.QueryEscape(relay)
	}
	if q, err = s.signQuery(q); err != nil {
		return err
	}
	sep := "?"
	if strings.Contains(dest, "?") {
		sep = "&"
	}
	http.Redirect(w, r, dest+sep+q, http.StatusFound)
	return nil
}

// signQuery appends SigAlg and Signature to q when the service signs.
func (s *Service) signQuery(q string) (string, error) {
	ctx, err := s.signingContext()
	if err != nil || ctx == nil {
		return q, err
	}
	q += "&SigAlg=" + url.QueryEscape(ctx.GetSignatureMethodIdentifier())
	sig, err := ctx.SignString(q)
	if err != nil {
		return "", fmt.Errorf("sso: signing the query: %w", err)
	}
	return q + "&Signature=" + url.QueryEscape(base64.StdEncoding.EncodeToString(sig)), nil
}

// signingContext returns the context that signs with Config.SAMLSigner,
// or nil when the service does not sign.
func (s *Service) signingContext() (*dsig.SigningContext, error) {
	if s.cfg.SAMLSigner == nil {
		return nil, nil
	}
	ctx, err := dsig.NewSigningContext(s.cfg.SAMLSigner, [][]byte{s.cfg.SAMLCertificate.Raw})
	if err != nil {
		return nil, fmt.Errorf("sso: signing context: %w", err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	return ctx, nil
}

// sendPost answers an auto-submitting form that posts the message, with
// an enveloped signature after its Issuer when the service signs.
func (s *Service) sendPost(w http.ResponseWriter, field string, el *etree.Element, dest,
	relay string) error {
	ctx, err := s.signingContext()
	if err != nil {
		return err
	}
	if ctx != nil {
		sig, err := ctx.ConstructSignature(el, true)
		if err != nil {
			return fmt.Errorf("sso: signing %s: %w", field, err)
		}
		el.InsertChildAt(1, sig) // after the Issuer, as the schema orders it
	}
	doc := etree.NewDocument()
	doc.SetRoot(el)
	xmlText, err := doc.WriteToBytes()
	if err != nil {
		return fmt.Errorf("sso: writing %s: %w", field, err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	return sloForm.Execute(w, map[string]string{"URL": dest, "Field": field,
		"Value": base64.StdEncoding.EncodeToString(xmlText), "RelayState": relay})
}

var sloForm = template.Must(template.New("slo").Parse(`<!DOCTYPE html>
<html><body onload="document.forms[0].submit()">
<form method="POST" action="{{.URL}}">
<input type="hidden" name="{{.Field}}" value="{{.Value}}">
{{with .RelayState}}<input type="hidden" name="RelayState" value="{{.}}">{{end}}
<noscript><button type="submit">Continue</button></noscript>
</form></body></html>`))

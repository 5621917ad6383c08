package ssotest

import (
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/hex"
	"encoding/pem"
	"fmt"
	"math/big"
	"sort"
	"time"

	"github.com/beevik/etree"
	dsig "github.com/russellhaering/goxmldsig"
)

// SAML namespaces and identifiers the test IdP writes.
const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	statusOK    = "urn:oasis:names:tc:SAML:2.0:status:Success"
	bearer      = "urn:oasis:names:tc:SAML:2.0:cm:bearer"
	// NameIDEmail is the emailAddress NameID format.
	NameIDEmail = "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress"
)

// IdP is a SAML identity provider for tests: it has its own RSA key and
// self-signed certificate and writes signed responses, good ones and each
// kind of bad one that a service provider must refuse.
type IdP struct {
	EntityID string
	SSOURL   string
	// SLOURL, if set, is the IdP's single logout service, published in
	// its metadata (both bindings) and served by [IdP.Handler] at /slo.
	SLOURL string
	// SLOTarget, if set, maps an SP entity ID to the SP's single logout
	// URL; the default replaces a trailing /metadata with /slo, which is
	// where package sso serves it.
	SLOTarget func(spEntityID string) string
	Key       *rsa.PrivateKey
	Cert      *x509.Certificate

	slo sloLog
}

// NewIdP returns an IdP with a new 2048-bit RSA key and a certificate valid
// from 2000 to 2100, so that tests may use any clock.
func NewIdP(entityID, ssoURL string) (*IdP, error) {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("ssotest: generating key: %w", err)
	}
	tmpl := &x509.Certificate{
		SerialNumber: big.NewInt(1),
		Subject:      pkix.Name{CommonName: entityID},
		NotBefore:    time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC),
		NotAfter:     time.Date(2100, 1, 1, 0, 0, 0, 0, time.UTC),
		KeyUsage:     x509.KeyUsageDigitalSignature,
	}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		return nil, fmt.Errorf("ssotest: making certificate: %w", err)
	}
	cert, err := x509.ParseCertificate(der)
	if err != nil {
		return nil, fmt.Errorf("ssotest: reading certificate: %w", err)
	}
	return &IdP{EntityID: entityID, SSOURL: ssoURL, Key: key, Cert: cert}, nil
}

// CertificatePEM returns the IdP's certificate in PEM form.
func (p *IdP) CertificatePEM() string {
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: p.Cert.Raw}))
}

// Metadata returns the IdP's metadata document.
func (p *IdP) Metadata() string {
	return fmt.Sprintf(`<md:EntityDescriptor xmlns:md="urn:oasis:names:tc:SAML:2.0:metadata" `+
		`entityID="%s"><md:IDPSSODescriptor protocolSupportEnumeration="%s">`+
		`<md:KeyDescriptor use="signing"><ds:KeyInfo xmlns:ds="http://www.w3.org/2000/09/xmldsig#">`+
		`<ds:X509Data><ds:X509Certificate>%s</ds:X509Certificate></ds:X509Data></ds:KeyInfo>`+
		`</md:KeyDescriptor>%s<md:SingleSignOnService `+
		`Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="%s"/>`+
		`<md:SingleSignOnService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" `+
		`Location="%s"/></md:IDPSSODescriptor></md:EntityDescriptor>`,
		p.EntityID, nsProtocol, base64.StdEncoding.EncodeToString(p.Cert.Raw), p.sloMetadata(),
		p.SSOURL, p.SSOURL)
}

func (p *IdP) sloMetadata() string {
	if p.SLOURL == "" {
		return ""
	}
	return fmt.Sprintf(`<md:SingleLogoutService `+
		`Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect" Location="%s"/>`+
		`<md:SingleLogoutService Binding="urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST" `+
		`Location="%s"/>`, p.SLOURL, p.SLOURL)
}

// Response describes the SAML response the IdP writes. Zero times are
// filled from Now; zero flags mean a well-formed, fully signed response.
type Response struct {
	Now          time.Time
	Audience     string // the SP entity ID
	Recipient    string // the ACS URL; also the Destination unless set
	Destination  string
	InResponseTo string
	NameID       string
	NameIDFormat string
	Attributes   map[string][]string
	// Issuer replaces the IdP's entity ID.
	Issuer string
	// AssertionID replaces a random assertion ID.
	AssertionID string
	// NotBefore and NotOnOrAfter replace Now-1m and Now+5m.
	NotBefore, NotOnOrAfter time.Time
	// Status replaces the Success status code.
	Status string
	// UnsignedAssertion leaves the assertion unsigned; UnsignedResponse
	// the response.
	UnsignedAssertion, UnsignedResponse bool
	// SHA1 signs with RSA-SHA1 and SHA-1 digests, as AD FS does.
	SHA1 bool
	// OmitKeyInfo leaves the certificate out of the signatures.
	OmitKeyInfo bool
}

// SignedResponse returns the XML of a response as r describes.
func (p *IdP) SignedResponse(r Response) ([]byte, error) {
	doc, err := p.ResponseDocument(r)
	if err != nil {
		return nil, err
	}
	return doc.WriteToBytes()
}

// ResponseDocument returns the response as r describes as an etree
// document, for tests that tamper with it.
func (p *IdP) ResponseDocument(r Response) (*etree.Document, error) {
	if r.Now.IsZero() {
		r.Now = time.Now()
	}
	assertion := p.assertion(r)
	if !r.UnsignedAssertion {
		signed, err := p.sign(assertion, r)
		if err != nil {
			return nil, err
		}
		assertion = signed
	}
	resp := p.responseElement(r)
	resp.AddChild(assertion)
	if !r.UnsignedResponse {
		signed, err := p.sign(resp, r)
		if err != nil {
			return nil, err
		}
		resp = signed
	}
	doc := etree.NewDocument()
	doc.SetRoot(resp)
	return doc, nil
}

func (p *IdP) responseElement(r Response) *etree.Element {
	resp := etree.NewElement("samlp:Response")
	resp.CreateAttr("xmlns:samlp", nsProtocol)
	resp.CreateAttr("xmlns:saml", nsAssertion)
	resp.CreateAttr("ID", randomID())
	resp.CreateAttr("Version", "2.0")
	resp.CreateAttr("IssueInstant", stamp(r.Now))
	dest := r.Destination
	if dest == "" {
		dest = r.Recipient
	}
	if dest != "-" {
		resp.CreateAttr("Destination", dest)
	}
	if r.InResponseTo != "" {
		resp.CreateAttr("InResponseTo", r.InResponseTo)
	}
	resp.CreateElement("saml:Issuer").SetText(p.issuer(r))
	status := r.Status
	if status == "" {
		status = statusOK
	}
	resp.CreateElement("samlp:Status").CreateElement("samlp:StatusCode").CreateAttr("Value", status)
	return resp
}

func (p *IdP) issuer(r Response) string {
	if r.Issuer != "" {
		return r.Issuer
	}
	return p.EntityID
}

func (p *IdP) assertion(r Response) *etree.Element {
	a := etree.NewElement("saml:Assertion")
	a.CreateAttr("xmlns:saml", nsAssertion)
	id := r.AssertionID
	if id == "" {
		id = randomID()
	}
	a.CreateAttr("ID", id)
	a.CreateAttr("Version", "2.0")
	a.CreateAttr("IssueInstant", stamp(r.Now))
	a.CreateElement("saml:Issuer").SetText(p.issuer(r))
	p.subject(a, r)
	p.conditions(a, r)
	authn := a.CreateElement("saml:AuthnStatement")
	authn.CreateAttr("AuthnInstant", stamp(r.Now))
	authn.CreateAttr("SessionIndex", randomID())
	authn.CreateElement("saml:AuthnContext").CreateElement("saml:AuthnContextClassRef").
		SetText("urn:oasis:names:tc:SAML:2.0:ac:classes:PasswordProtectedTransport")
	p.attributes(a, r)
	return a
}

func (p *IdP) subject(a *etree.Element, r Response) {
	subject := a.CreateElement("saml:Subject")
	nameID := subject.CreateElement("saml:NameID")
	if r.NameIDFormat != "" {
		nameID.CreateAttr("Format", r.NameIDFormat)
	}
	nameID.SetText(r.NameID)
	sc := subject.CreateElement("saml:SubjectConfirmation")
	sc.CreateAttr("Method", bearer)
	data := sc.CreateElement("saml:SubjectConfirmationData")
	if r.InResponseTo != "" {
		data.CreateAttr("InResponseTo", r.InResponseTo)
	}
	data.CreateAttr("NotOnOrAfter", stamp(notOnOrAfter(r)))
	data.CreateAttr("Recipient", r.Recipient)
}

func notOnOrAfter(r Response) time.Time {
	if r.NotOnOrAfter.IsZero() {
		return r.Now.Add(5 * time.Minute)
	}
	return r.NotOnOrAfter
}

func (p *IdP) conditions(a *etree.Element, r Response) {
	c := a.CreateElement("saml:Conditions")
	nb := r.NotBefore
	if nb.IsZero() {
		nb = r.Now.Add(-time.Minute)
	}
	c.CreateAttr("NotBefore", stamp(nb))
	c.CreateAttr("NotOnOrAfter", stamp(notOnOrAfter(r)))
	c.CreateElement("saml:AudienceRestriction").CreateElement("saml:Audience").SetText(r.Audience)
}

func (p *IdP) attributes(a *etree.Element, r Response) {
	if len(r.Attributes) == 0 {
		return
	}
	names := make([]string, 0, len(r.Attributes))
	for name := range r.Attributes {
		names = append(names, name)
	}
	sort.Strings(names)
	st := a.CreateElement("saml:AttributeStatement")
	for _, name := range names {
		attr := st.CreateElement("saml:Attribute")
		attr.CreateAttr("Name", name)
		for _, v := range r.Attributes[name] {
			attr.CreateElement("saml:AttributeValue").SetText(v)
		}
	}
}

// sign returns el with an enveloped signature placed after its Issuer, as
// the schema wants.
func (p *IdP) sign(el *etree.Element, r Response) (*etree.Element, error) {
	ctx, err := dsig.NewSigningContext(p.Key, [][]byte{p.Cert.Raw})
	if err != nil {
		return nil, fmt.Errorf("ssotest: signing context: %w", err)
	}
	ctx.Canonicalizer = dsig.MakeC14N10ExclusiveCanonicalizerWithPrefixList("")
	if r.SHA1 {
		if err := ctx.SetSignatureMethod(dsig.RSASHA1SignatureMethod); err != nil {
			return nil, err
		}
	}
	signed, err := ctx.SignEnveloped(el)
	if err != nil {
		return nil, fmt.Errorf("ssotest: signing: %w", err)
	}
	// goxmldsig appends the signature without telling etree its index,
	// so the tree is rebuilt through a copy before elements move.
	signed = signed.Copy()
	sig := signed.ChildElements()[len(signed.ChildElements())-1]
	if r.OmitKeyInfo {
		if ki := child(sig, "KeyInfo"); ki != nil {
			removeChild(sig, ki)
		}
	}
	removeChild(signed, sig)
	signed.InsertChildAt(1, sig)
	return signed, nil
}

// Encode returns the base64 form that travels in the SAMLResponse field.
func Encode(xml []byte) string { return base64.StdEncoding.EncodeToString(xml) }

func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000Z") }

func randomID() string {
	var b [16]byte
	_, _ = rand.Read(b[:])
	return "_" + hex.EncodeToString(b[:])
}

// SignElement returns el with an enveloped signature by the IdP's key,
// for tests that assemble responses of their own.
func (p *IdP) SignElement(el *etree.Element) (*etree.Element, error) {
	return p.sign(el, Response{})
}

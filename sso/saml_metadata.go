package sso

import (
	"bytes"
	"crypto/x509"
	"encoding/base64"
	"encoding/pem"
	"encoding/xml"
	"errors"
	"fmt"
	"strings"
	"time"
)

// Limits on SAML documents from the network.
const (
	// MaxMetadataSize bounds an IdP metadata document, in bytes.
	MaxMetadataSize = 1 << 20
	// MaxResponseSize bounds a decoded SAML response, in bytes.
	MaxResponseSize = 256 << 10
)

// SAML binding identifiers.
const (
	bindingRedirect = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-Redirect"
	bindingPOST     = "urn:oasis:names:tc:SAML:2.0:bindings:HTTP-POST"
)

// IdPMetadata is what the package reads from an identity provider's
// metadata document.
type IdPMetadata struct {
	EntityID string
	// SSOURLs maps "redirect" and "post" to the SingleSignOnService
	// location of that binding.
	SSOURLs map[string]string
	// SLOURLs maps "redirect" and "post" to the SingleLogoutService
	// location of that binding; empty when the IdP offers none.
	SLOURLs map[string]string
	// Certificates are the signing certificates, in PEM form.
	Certificates []string
}

type mdEntity struct {
	XMLName  xml.Name `xml:"urn:oasis:names:tc:SAML:2.0:metadata EntityDescriptor"`
	EntityID string   `xml:"entityID,attr"`
	IDP      []struct {
		Keys []struct {
			Use   string   `xml:"use,attr"`
			Certs []string `xml:"http://www.w3.org/2000/09/xmldsig# KeyInfo>X509Data>X509Certificate"`
		} `xml:"KeyDescriptor"`
		SSO []mdEndpoint `xml:"SingleSignOnService"`
		SLO []mdEndpoint `xml:"SingleLogoutService"`
	} `xml:"IDPSSODescriptor"`
}

type mdEndpoint struct {
	Binding  string `xml:"Binding,attr"`
	Location string `xml:"Location,attr"`
}

// byBinding maps the HTTP-Redirect and HTTP-POST endpoints of eps to their
// locations, in m.
func byBinding(m map[string]string, eps []mdEndpoint) {
	for _, e := range eps {
		switch e.Binding {
		case bindingRedirect:
			m["redirect"] = e.Location
		case bindingPOST:
			m["post"] = e.Location
		}
	}
}

type mdEntities struct {
	XMLName  xml.Name   `xml:"urn:oasis:names:tc:SAML:2.0:metadata EntitiesDescriptor"`
	Entities []mdEntity `xml:"EntityDescriptor"`
}

// ParseIdPMetadata reads an identity provider's metadata: an
// EntityDescriptor, or an EntitiesDescriptor holding exactly one identity
// provider. It says precisely what is missing.
func ParseIdPMetadata(doc []byte) (*IdPMetadata, error) {
	if err := checkXML(doc, MaxMetadataSize); err != nil {
		return nil, fmt.Errorf("sso: reading IdP metadata: %w", err)
	}
	ent, err := decodeEntity(doc)
	if err != nil {
		return nil, fmt.Errorf("sso: reading IdP metadata: %w", err)
	}
	md, err := ent.metadata()
	if err != nil {
		return nil, fmt.Errorf("sso: reading IdP metadata: %w", err)
	}
	return md, nil
}

func decodeEntity(doc []byte) (*mdEntity, error) {
	var one mdEntity
	errOne := xml.Unmarshal(doc, &one)
	if errOne == nil {
		return &one, nil
	}
	var many mdEntities
	if err := xml.Unmarshal(doc, &many); err != nil {
		return nil, fmt.Errorf("not an EntityDescriptor: %w", errOne)
	}
	var idps []mdEntity
	for _, e := range many.Entities {
		if len(e.IDP) > 0 {
			idps = append(idps, e)
		}
	}
	if len(idps) != 1 {
		return nil, fmt.Errorf("EntitiesDescriptor holds %d identity providers, want 1", len(idps))
	}
	return &idps[0], nil
}

func (e *mdEntity) metadata() (*IdPMetadata, error) {
	if e.EntityID == "" {
		return nil, errors.New("EntityDescriptor has no entityID")
	}
	if len(e.IDP) == 0 {
		return nil, errors.New("no IDPSSODescriptor: is this a service provider's metadata?")
	}
	md := &IdPMetadata{EntityID: e.EntityID, SSOURLs: map[string]string{},
		SLOURLs: map[string]string{}}
	for _, idp := range e.IDP {
		byBinding(md.SSOURLs, idp.SSO)
		byBinding(md.SLOURLs, idp.SLO)
		for _, k := range idp.Keys {
			if k.Use != "" && k.Use != "signing" {
				continue
			}
			for _, c := range k.Certs {
				p, err := certificatePEM(c)
				if err != nil {
					return nil, err
				}
				md.Certificates = appendUnique(md.Certificates, p)
			}
		}
	}
	if len(md.SSOURLs) == 0 {
		return nil, errors.New("no SingleSignOnService with the HTTP-Redirect or HTTP-POST binding")
	}
	if len(md.Certificates) == 0 {
		return nil, errors.New("no signing certificate in any KeyDescriptor")
	}
	return md, nil
}

func appendUnique(list []string, s string) []string {
	for _, x := range list {
		if x == s {
			return list
		}
	}
	return append(list, s)
}

// certificatePEM turns the base64 text of an X509Certificate element into
// PEM, checking that it parses.
func certificatePEM(b64 string) (string, error) {
	der, err := base64.StdEncoding.DecodeString(stripSpace(b64))
	if err != nil {
		return "", fmt.Errorf("X509Certificate is not base64: %w", err)
	}
	if _, err := x509.ParseCertificate(der); err != nil {
		return "", fmt.Errorf("X509Certificate does not parse: %w", err)
	}
	return string(pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der})), nil
}

// parseCertificates reads PEM certificates, or bare base64 DER as admins
// often paste it.
func parseCertificates(list []string) ([]*x509.Certificate, error) {
	var out []*x509.Certificate
	for i, s := range list {
		der := []byte(nil)
		if b, _ := pem.Decode([]byte(strings.TrimSpace(s))); b != nil {
			der = b.Bytes
		} else if d, err := base64.StdEncoding.DecodeString(stripSpace(s)); err == nil {
			der = d
		}
		c, err := x509.ParseCertificate(der)
		if err != nil {
			return nil, fmt.Errorf("certificate %d does not parse: %w", i+1, err)
		}
		out = append(out, c)
	}
	return out, nil
}

func stripSpace(s string) string {
	return strings.Map(func(r rune) rune {
		switch r {
		case ' ', '\t', '\n', '\r':
			return -1
		}
		return r
	}, s)
}

// checkXML refuses documents that are too large or carry a document type
// declaration (where entity expansion and external entities live).
func checkXML(doc []byte, limit int) error {
	if len(doc) > limit {
		return fmt.Errorf("document of %d bytes exceeds the limit of %d", len(doc), limit)
	}
	if bytes.Contains(doc, []byte("<!DOCTYPE")) || bytes.Contains(doc, []byte("<!ENTITY")) {
		return errors.New("document type declarations are not allowed")
	}
	return nil
}

// CertificateInfo describes one trusted IdP certificate.
type CertificateInfo struct {
	Subject  string    `json:"subject"`
	NotAfter time.Time `json:"not_after"`
	// Expired reports whether the certificate has expired; Expiring
	// whether it expires within the window asked for.
	Expired  bool `json:"expired"`
	Expiring bool `json:"expiring"`
}

// CertificateStatus reports, for each trusted IdP certificate of c, when it
// expires and whether it has or will within window of now.
func (c *SAMLConfig) CertificateStatus(now time.Time, window time.Duration) ([]CertificateInfo,
	error) {
	certs, err := parseCertificates(c.IdPCertificates)
	if err != nil {
		return nil, fmt.Errorf("sso: %w", err)
	}
	out := make([]CertificateInfo, 0, len(certs))
	for _, cert := range certs {
		out = append(out, CertificateInfo{
			Subject: cert.Subject.String(), NotAfter: cert.NotAfter,
			Expired:  now.After(cert.NotAfter),
			Expiring: now.Add(window).After(cert.NotAfter),
		})
	}
	return out, nil
}

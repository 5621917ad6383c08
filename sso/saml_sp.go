package sso

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"fmt"
	"net/http"
	"time"

	"github.com/beevik/etree"
	saml2 "github.com/russellhaering/gosaml2"
	"github.com/russellhaering/gosaml2/types"
	dsig "github.com/russellhaering/goxmldsig"
	dsigtypes "github.com/russellhaering/goxmldsig/types"
)

// SPEntityID returns the SP entity ID that conn presents to its IdP: the
// one the admin kept, or {base}/saml/{id}/metadata.
func (s *Service) SPEntityID(conn *Connection) string {
	if conn.SAML != nil && conn.SAML.SPEntityID != "" {
		return conn.SAML.SPEntityID
	}
	return s.endpoint("saml", conn.ID, "metadata")
}

// ACSURL returns conn's assertion consumer service URL: the one the admin
// kept, or {base}/saml/{id}/acs. A kept URL outside the handler's paths
// must be routed by the host to [Service.ACS].
func (s *Service) ACSURL(conn *Connection) string {
	if conn.SAML != nil && conn.SAML.ACSURL != "" {
		return conn.SAML.ACSURL
	}
	return s.endpoint("saml", conn.ID, "acs")
}

// serviceProvider configures gosaml2 for conn at instant now, trusting
// certs.
func (s *Service) serviceProvider(conn *Connection, certs []string,
	now time.Time) (*saml2.SAMLServiceProvider, error) {
	parsed, err := parseCertificates(certs)
	if err != nil {
		return nil, err
	}
	c := conn.SAML
	sp := &saml2.SAMLServiceProvider{
		IdentityProviderSSOURL:      c.IdPSSOURL,
		IdentityProviderSSOBinding:  bindingRedirect,
		IdentityProviderIssuer:      c.IdPEntityID,
		AssertionConsumerServiceURL: s.ACSURL(conn),
		ServiceProviderIssuer:       s.SPEntityID(conn),
		AudienceURI:                 s.SPEntityID(conn),
		IDPCertificateStore:         &dsig.MemoryX509CertificateStore{Roots: parsed},
		AllowMissingAttributes:      true,
		MaximumDecompressedBodySize: MaxResponseSize,
		// gosaml2 compares expiry instants with this clock; moving it back
		// by the skew lets an IdP whose clock runs ahead pass, and our own
		// checks apply the skew to the rest.
		Clock: dsig.NewFakeClockAt(now.Add(-s.cfg.ClockSkew)),
	}
	if s.cfg.SAMLSigner != nil {
		sp.SignAuthnRequests = true
		ks := &saml2.KeyStore{Signer: s.cfg.SAMLSigner, Cert: s.cfg.SAMLCertificate.Raw}
		if err := sp.SetSPSigningKeyStore(ks); err != nil {
			return nil, err
		}
	}
	if cert := s.decryptionCert(); cert != nil {
		sp.SPKeyStore = dsig.TLSCertKeyStore(*cert)
	}
	return sp, nil
}

// startSAML sends the browser to the IdP with an AuthnRequest whose ID is
// the login state's ID, which also travels as RelayState.
func (s *Service) startSAML(w http.ResponseWriter, r *http.Request, conn *Connection,
	rp string) error {
	if conn.SAML == nil {
		return fmt.Errorf("sso: connection %s has no SAML settings", conn.ID)
	}
	conn = s.freshMetadata(r.Context(), conn)
	st := s.newState(conn, rp)
	sp, err := s.serviceProvider(conn, conn.SAML.IdPCertificates, s.now())
	if err != nil {
		return fmt.Errorf("sso: connection %s: %w", conn.ID, err)
	}
	sp.Clock = dsig.NewFakeClockAt(s.now())
	doc, err := sp.BuildAuthRequestDocumentNoSig()
	if err != nil {
		return fmt.Errorf("sso: building AuthnRequest: %w", err)
	}
	doc.Root().CreateAttr("ID", st.ID)
	cookie := s.bindBrowser(st)
	if err := s.cfg.Store.SaveLoginState(r.Context(), st); err != nil {
		return fmt.Errorf("sso: saving login state: %w", err)
	}
	http.SetCookie(w, cookie)
	if conn.SAML.Binding == "post" {
		return s.postAuthnRequest(w, sp, doc, st.ID)
	}
	u, err := sp.BuildAuthURLRedirect(st.ID, doc)
	if err != nil {
		return fmt.Errorf("sso: building redirect: %w", err)
	}
	w.Header().Set("Cache-Control", "no-store")
	http.Redirect(w, r, u, http.StatusFound)
	return nil
}

func (s *Service) postAuthnRequest(w http.ResponseWriter, sp *saml2.SAMLServiceProvider,
	doc *etree.Document, relayState string) error {
	if sp.SignAuthnRequests {
		signed, err := sp.SignAuthnRequest(doc.Root())
		if err != nil {
			return fmt.Errorf("sso: signing AuthnRequest: %w", err)
		}
		doc.SetRoot(signed)
	}
	body, err := sp.BuildAuthBodyPostFromDocument(relayState, doc)
	if err != nil {
		return fmt.Errorf("sso: building POST form: %w", err)
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	_, err = w.Write(append([]byte("<!DOCTYPE html><html><body>"), append(body, "</body></html>"...)...))
	return err
}

// handleSPMetadata serves the SP metadata of a SAML connection, for the
// admin to load into the IdP.
func (s *Service) handleSPMetadata(w http.ResponseWriter, r *http.Request) {
	conn, err := s.cfg.Store.ConnectionByID(r.Context(), r.PathValue("id"))
	if err != nil || conn.SAML == nil {
		http.NotFound(w, r)
		return
	}
	body, err := s.SPMetadata(conn)
	if err != nil {
		http.Error(w, "Metadata is not available.", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "application/samlmetadata+xml")
	_, _ = w.Write(body)
}

// SPMetadata returns the SP metadata document of a SAML connection: its
// entity ID, its ACS (HTTP-POST binding), its single logout service
// (HTTP-Redirect and HTTP-POST bindings), that assertions must be signed,
// and the signing certificate when there is one.
func (s *Service) SPMetadata(conn *Connection) ([]byte, error) {
	sp := &types.SPSSODescriptor{
		AuthnRequestsSigned:        s.cfg.SAMLSigner != nil,
		WantAssertionsSigned:       conn.SAML == nil || !conn.SAML.InsecureAllowUnsignedAssertion,
		ProtocolSupportEnumeration: nsProtocol,
		AssertionConsumerServices: []types.IndexedEndpoint{{
			Binding: bindingPOST, Location: s.ACSURL(conn), Index: 1,
		}},
		SingleLogoutServices: []types.Endpoint{
			{Binding: bindingRedirect, Location: s.SLOURL(conn)},
			{Binding: bindingPOST, Location: s.SLOURL(conn)},
		},
	}
	if c := s.cfg.SAMLCertificate; c != nil {
		sp.KeyDescriptors = []types.KeyDescriptor{keyDescriptor("signing", c.Raw)}
		if s.decryptionCert() != nil {
			kd := keyDescriptor("encryption", c.Raw)
			kd.EncryptionMethods = []types.EncryptionMethod{{Algorithm: types.MethodAES256GCM},
				{Algorithm: types.MethodAES128GCM}, {Algorithm: types.MethodAES256CBC},
				{Algorithm: types.MethodAES128CBC}}
			sp.KeyDescriptors = append(sp.KeyDescriptors, kd)
		}
	}
	md := &types.EntityDescriptor{
		ValidUntil: s.now().UTC().Add(7 * 24 * time.Hour), EntityID: s.SPEntityID(conn),
		SPSSODescriptor: sp,
	}
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	if err := xml.NewEncoder(&buf).Encode(md); err != nil {
		return nil, fmt.Errorf("sso: writing SP metadata: %w", err)
	}
	return buf.Bytes(), nil
}

func keyDescriptor(use string, der []byte) types.KeyDescriptor {
	return types.KeyDescriptor{Use: use, KeyInfo: dsigtypes.KeyInfo{
		X509Data: dsigtypes.X509Data{X509Certificates: []dsigtypes.X509Certificate{{
			Data: base64.StdEncoding.EncodeToString(der),
		}}},
	}}
}

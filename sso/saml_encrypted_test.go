package sso_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/x509"
	"crypto/x509/pkix"
	"math/big"
	"net/http"
	"testing"
	"time"

	"github.com/beevik/etree"
	"github.com/crewjam/saml/xmlenc"
	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
)

// Encrypted assertions: the assertion inside must be signed unless the
// admin allows a signed response alone, as for plain ones.
func TestSAMLEncryptedAssertion(t *testing.T) {
	t.Parallel()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	must(t, err)
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(5), Subject: pkix.Name{CommonName: "sp"},
		NotBefore: samlNow.Add(-time.Hour), NotAfter: samlNow.Add(time.Hour)}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	must(t, err)
	cert, _ := x509.ParseCertificate(der)
	tests := []struct {
		name                        string
		signAssertion, signResponse bool
		want                        sso.Reason
	}{
		{"signed assertion, signed response", true, true, ""},
		{"signed assertion, unsigned response", true, false, ""},
		{"unsigned assertion, signed response", false, true, sso.ReasonUnsigned},
		{"nothing signed", false, false, sso.ReasonMalformed},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			st := newSAMLTest(t, nil)
			svc, err := sso.New(sso.Config{Store: st.store, BaseURL: "https://sp.example/sso",
				Clock: func() time.Time { return samlNow }, SAMLSigner: key, SAMLCertificate: cert,
				OnSuccess: func(http.ResponseWriter, *http.Request, *sso.Profile, string) {}})
			must(t, err)
			id := st.start(t)
			r := st.response(id)
			r.UnsignedAssertion, r.UnsignedResponse = !tt.signAssertion, true
			doc := document(t, st, r)
			encryptAssertion(t, doc, cert)
			if tt.signResponse {
				root, err := st.idp.SignElement(doc.Root())
				must(t, err)
				doc.SetRoot(root)
			}
			p, _, err := svc.AcceptSAMLResponse(context.Background(), st.conn, ssotest.Encode(write(t, doc)), id)
			if got := sso.ReasonOf(err); got != tt.want {
				t.Fatalf("reason %q, want %q (%v)", got, tt.want, err)
			}
			if err == nil && p.Subject != "alice@example.com" {
				t.Errorf("subject %q", p.Subject)
			}
		})
	}
}

// encryptAssertion replaces the assertion of doc by its encryption to cert.
func encryptAssertion(t *testing.T, doc *etree.Document, cert *x509.Certificate) {
	t.Helper()
	resp := doc.Root()
	a := resp.SelectElement("Assertion")
	plain := etree.NewDocument()
	plain.SetRoot(a.Copy())
	b, err := plain.WriteToBytes()
	must(t, err)
	enc := xmlenc.OAEP()
	enc.DigestMethod = &xmlenc.SHA1 // what gosaml2 supports for RSA-OAEP
	enc.BlockCipher = xmlenc.AES256GCM
	data, err := enc.Encrypt(cert, b, nil)
	must(t, err)
	data.CreateAttr("Type", "http://www.w3.org/2001/04/xmlenc#Element")
	ea := etree.NewElement("saml:EncryptedAssertion")
	ea.AddChild(data)
	for i, c := range resp.Child {
		if c == a {
			resp.RemoveChildAt(i)
			resp.InsertChildAt(i, ea)
			break
		}
	}
}

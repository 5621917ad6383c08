package sso

import (
	"bytes"
	"crypto/rsa"
	"crypto/tls"
	"encoding/xml"
	"errors"
	"fmt"
	"io"

	"github.com/russellhaering/gosaml2/types"
)

// decryptionCert returns the key pair that decrypts assertions: the SAML
// signing key when it is an RSA key, or nil. gosaml2 decrypts with RSA
// keys only.
func (s *Service) decryptionCert() *tls.Certificate {
	key, ok := s.cfg.SAMLSigner.(*rsa.PrivateKey)
	if !ok || s.cfg.SAMLCertificate == nil {
		return nil
	}
	return &tls.Certificate{Certificate: [][]byte{s.cfg.SAMLCertificate.Raw}, PrivateKey: key}
}

// inspectEncrypted decrypts the one encrypted assertion of a response to
// learn whether the assertion inside carries its own signature, which the
// structural pass cannot see and gosaml2 does not report when the response
// is signed as well. gosaml2 then decrypts and verifies it again.
func (s *Service) inspectEncrypted(raw []byte, sh *responseShape) error {
	cert := s.decryptionCert()
	if cert == nil {
		return errors.New("the assertion is encrypted but the service has no RSA SAMLSigner to decrypt it")
	}
	var r struct {
		EA types.EncryptedAssertion `xml:"urn:oasis:names:tc:SAML:2.0:assertion EncryptedAssertion"`
	}
	if err := xml.Unmarshal(raw, &r); err != nil {
		return fmt.Errorf("reading the encrypted assertion: %w", err)
	}
	plain, err := r.EA.DecryptBytes(cert)
	if err != nil {
		return fmt.Errorf("decrypting the assertion: %w", err)
	}
	if err := checkXML(plain, MaxResponseSize); err != nil {
		return err
	}
	signed, algs, err := inspectAssertion(plain)
	if err != nil {
		return err
	}
	sh.assertionSigned = signed
	sh.algorithms = append(sh.algorithms, algs...)
	return nil
}

// inspectAssertion reports whether a decrypted assertion document has a
// signature as a direct child of its root, which must be saml:Assertion
// with no assertion nested inside, and which algorithms its signatures use.
func inspectAssertion(doc []byte) (signed bool, algs []string, err error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	var stack []xml.Name
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) && len(stack) == 0 {
			return signed, algs, nil
		}
		if err != nil {
			return false, nil, fmt.Errorf("the decrypted assertion is not well-formed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return false, nil, errors.New("document type declarations are not allowed")
		case xml.StartElement:
			isAssertion := t.Name.Space == nsAssertion && t.Name.Local == "Assertion"
			if (len(stack) == 0) != isAssertion {
				return false, nil, errors.New("the decrypted element is not one assertion")
			}
			signed = signed || (len(stack) == 1 && t.Name.Space == nsDSig && t.Name.Local == "Signature")
			if len(stack) > 0 && t.Name.Space == nsDSig && isSignatureAlgorithm(t.Name.Local, stack[len(stack)-1]) {
				algs = append(algs, attr(t, "Algorithm"))
			}
			stack = append(stack, t.Name)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		}
	}
}

func attr(t xml.StartElement, local string) string {
	for _, a := range t.Attr {
		if a.Name.Local == local {
			return a.Value
		}
	}
	return ""
}

package sso

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"regexp"
	"strings"
)

const (
	nsProtocol  = "urn:oasis:names:tc:SAML:2.0:protocol"
	nsAssertion = "urn:oasis:names:tc:SAML:2.0:assertion"
	nsDSig      = "http://www.w3.org/2000/09/xmldsig#"
)

// responseShape is what a first, unverified pass over a SAML response
// learns about its structure. gosaml2 then verifies the signatures; the
// shape tells which elements carried them, which gosaml2 does not report.
type responseShape struct {
	assertions      int // saml:Assertion elements anywhere in the document
	encrypted       int // saml:EncryptedAssertion elements anywhere
	misplaced       bool
	responseSigned  bool
	assertionSigned bool
	signatures      int
	missingKeyInfo  bool // some signature has no KeyInfo
	noKeyInfoYet    bool // the signature being read has shown no KeyInfo
	algorithms      []string
	spacedSigValue  bool
}

// inspectResponse makes the structural pass. It refuses what no honest IdP
// sends: a DOCTYPE, a root other than samlp:Response, assertions anywhere
// but directly under the root (the home of signature wrapping).
func inspectResponse(doc []byte) (*responseShape, error) {
	d := xml.NewDecoder(bytes.NewReader(doc))
	var sh responseShape
	var stack []xml.Name
	var sigValue *strings.Builder
	for {
		tok, err := d.Token()
		if errors.Is(err, io.EOF) {
			break
		}
		if err != nil {
			return nil, fmt.Errorf("response is not well-formed XML: %w", err)
		}
		switch t := tok.(type) {
		case xml.Directive:
			return nil, errors.New("document type declarations are not allowed")
		case xml.StartElement:
			if err := sh.start(t, stack); err != nil {
				return nil, err
			}
			if t.Name.Space == nsDSig && t.Name.Local == "SignatureValue" {
				sigValue = &strings.Builder{}
			}
			stack = append(stack, t.Name)
		case xml.EndElement:
			if sigValue != nil && t.Name.Local == "SignatureValue" {
				sh.spacedSigValue = sh.spacedSigValue || strings.ContainsAny(sigValue.String(), " \t\r\n")
				sigValue = nil
			}
			if t.Name.Space == nsDSig && t.Name.Local == "Signature" {
				sh.missingKeyInfo = sh.missingKeyInfo || sh.noKeyInfoYet
			}
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if sigValue != nil {
				sigValue.Write(t)
			}
		}
	}
	return &sh, sh.complete()
}

func (sh *responseShape) start(t xml.StartElement, stack []xml.Name) error {
	depth := len(stack)
	n := t.Name
	switch {
	case depth == 0:
		if n.Space != nsProtocol || n.Local != "Response" {
			return fmt.Errorf("root element is %s, want samlp:Response", n.Local)
		}
	case n.Space == nsAssertion && n.Local == "Assertion":
		sh.assertions++
		sh.misplaced = sh.misplaced || depth != 1
	case n.Space == nsAssertion && n.Local == "EncryptedAssertion":
		sh.encrypted++
		sh.misplaced = sh.misplaced || depth != 1
	case n.Space == nsDSig && n.Local == "Signature":
		sh.signature(stack)
	case n.Space == nsDSig && isSignatureAlgorithm(n.Local, stack[depth-1]):
		for _, a := range t.Attr {
			if a.Name.Local == "Algorithm" {
				sh.algorithms = append(sh.algorithms, a.Value)
			}
		}
	case n.Space == nsDSig && n.Local == "KeyInfo" && stack[depth-1].Local == "Signature":
		sh.noKeyInfoYet = false
	}
	return nil
}

// isSignatureAlgorithm reports whether an element of the given name under
// parent names an algorithm of a signature: SignedInfo's SignatureMethod
// or a Reference's DigestMethod, not the digest of an encrypted key.
func isSignatureAlgorithm(local string, parent xml.Name) bool {
	return parent.Space == nsDSig && (local == "SignatureMethod" && parent.Local == "SignedInfo" ||
		local == "DigestMethod" && parent.Local == "Reference")
}

func (sh *responseShape) signature(stack []xml.Name) {
	sh.signatures++
	sh.noKeyInfoYet = true
	parent := stack[len(stack)-1]
	switch {
	case len(stack) == 1:
		sh.responseSigned = true
	case len(stack) == 2 && parent.Space == nsAssertion && parent.Local == "Assertion":
		sh.assertionSigned = true
	}
}

func (sh *responseShape) complete() error {
	switch {
	case sh.misplaced:
		return errors.New("an assertion is not a direct child of the response")
	case sh.assertions+sh.encrypted == 0:
		return errors.New("the response holds no assertion")
	case sh.assertions+sh.encrypted > 1:
		return fmt.Errorf("the response holds %d assertions, want exactly one",
			sh.assertions+sh.encrypted)
	case sh.signatures == 0 && sh.encrypted == 0:
		// An encrypted assertion's signature is inside it; the caller
		// checks once it is decrypted.
		return errors.New("the response carries no signature")
	}
	return nil
}

// weakAlgorithm returns the first SHA-1 algorithm among the signature and
// digest methods, or "".
func (sh *responseShape) weakAlgorithm() string {
	for _, a := range sh.algorithms {
		if strings.HasSuffix(a, "#sha1") || strings.HasSuffix(a, "-sha1") {
			return a
		}
	}
	return ""
}

var sigValueRE = regexp.MustCompile(`(<(?:[A-Za-z_][\w.-]*:)?SignatureValue\b[^>]*>)([^<]*)(<)`)

// unwrapSignatureValue removes the whitespace inside a SignatureValue,
// which XML Signature allows (base64Binary may hold it) and goxmldsig
// refuses. The SignatureValue is outside what its own signature covers,
// but inside what an enclosing signature covers, so the caller applies
// this only to a document with a single signature.
func unwrapSignatureValue(doc []byte) []byte {
	return sigValueRE.ReplaceAllFunc(doc, func(m []byte) []byte {
		sub := sigValueRE.FindSubmatch(m)
		text := strings.NewReplacer("&#13;", "", "&#xD;", "", "&#xd;", "", "&#10;", "", "&#xA;", "").
			Replace(string(sub[2]))
		out := append([]byte(nil), sub[1]...)
		out = append(out, stripSpace(text)...)
		return append(out, sub[3]...)
	})
}

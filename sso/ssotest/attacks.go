package ssotest

import (
	"fmt"
	"strings"

	"github.com/beevik/etree"
)

// The functions below turn a response that the IdP signed into one of the
// attacks a service provider must refuse. They change the document in
// place and return it.

// XSW applies the XML signature wrapping attack n (1 to 8, in the usual
// numbering of SAML penetration tools) to doc, a response whose Response
// and Assertion are both signed, so that a naive verifier would read
// evilNameID as the subject.
func XSW(doc *etree.Document, n int, evilNameID string) (*etree.Document, error) {
	resp := doc.Root()
	assertion := child(resp, "Assertion")
	if assertion == nil || child(resp, "Signature") == nil || child(assertion, "Signature") == nil {
		return nil, fmt.Errorf("ssotest: XSW needs a response with a signed response and assertion")
	}
	evil := evilCopy(assertion, evilNameID)
	switch n {
	case 1, 2:
		root := resp.Copy()
		removeChild(root, child(root, "Signature"))
		root.CreateAttr("ID", randomID())
		removeChild(root, child(root, "Assertion"))
		root.AddChild(evil)
		if n == 1 {
			sig := child(resp, "Signature").Copy()
			sig.AddChild(resp.Copy())
			root.InsertChildAt(1, sig)
		} else {
			root.InsertChildAt(1, resp.Copy())
		}
		doc.SetRoot(root)
	case 3:
		resp.InsertChildAt(assertion.Index(), evil)
	case 4:
		removeChild(resp, assertion)
		evil.AddChild(assertion)
		resp.AddChild(evil)
	case 5:
		orig := assertion.Copy()
		setNameID(assertion, evilNameID)
		resp.AddChild(orig)
	case 6:
		orig := assertion.Copy()
		setNameID(assertion, evilNameID)
		child(assertion, "Signature").CreateElement("ds:Object").AddChild(orig)
	case 7:
		ext := etree.NewElement("samlp:Extensions")
		ext.AddChild(assertion.Copy())
		removeChild(resp, assertion)
		resp.InsertChildAt(1, ext)
		resp.AddChild(evil)
	case 8:
		orig := assertion.Copy()
		removeChild(orig, child(orig, "Signature"))
		sig := child(assertion, "Signature").Copy()
		sig.CreateElement("ds:Object").AddChild(orig)
		removeChild(resp, assertion)
		evil.InsertChildAt(1, sig)
		resp.AddChild(evil)
	default:
		return nil, fmt.Errorf("ssotest: no XSW variant %d", n)
	}
	return doc, nil
}

// evilCopy returns an unsigned copy of an assertion with a new ID and
// another subject.
func evilCopy(assertion *etree.Element, nameID string) *etree.Element {
	evil := assertion.Copy()
	if sig := child(evil, "Signature"); sig != nil {
		removeChild(evil, sig)
	}
	evil.CreateAttr("ID", randomID())
	setNameID(evil, nameID)
	return evil
}

func setNameID(assertion *etree.Element, v string) {
	if s := child(assertion, "Subject"); s != nil {
		if n := child(s, "NameID"); n != nil {
			n.SetText(v)
		}
	}
}

func child(el *etree.Element, tag string) *etree.Element {
	for _, c := range el.ChildElements() {
		if c.Tag == tag {
			return c
		}
	}
	return nil
}

// CommentInNameID splits the NameID text of doc's assertion with an XML
// comment after the first cut bytes, the attack that makes a naive parser
// read a shorter, other user's name. The signature still verifies, since
// canonicalization drops comments.
func CommentInNameID(doc []byte, cut int) ([]byte, error) {
	s := string(doc)
	i := strings.Index(s, "NameID")
	if i < 0 {
		return nil, fmt.Errorf("ssotest: no NameID")
	}
	j := strings.Index(s[i:], ">")
	if j < 0 {
		return nil, fmt.Errorf("ssotest: malformed NameID")
	}
	at := i + j + 1 + cut
	return []byte(s[:at] + "<!---->" + s[at:]), nil
}

// StripSignatures removes every signature from doc.
func StripSignatures(doc *etree.Document) *etree.Document {
	for _, sig := range doc.FindElements("//Signature") {
		if p := sig.Parent(); p != nil {
			removeChild(p, sig)
		}
	}
	return doc
}

// WrapSignatureValue rewrites each SignatureValue as base64 wrapped over
// indented lines of 76 characters, as Google Workspace sends it; XML
// Signature allows it and the signature still verifies.
func WrapSignatureValue(doc *etree.Document) *etree.Document {
	for _, sv := range doc.FindElements("//SignatureValue") {
		text := sv.Text()
		var b strings.Builder
		for len(text) > 76 {
			b.WriteString("\n    " + text[:76])
			text = text[76:]
		}
		b.WriteString("\n    " + text + "\n")
		sv.SetText(b.String())
	}
	return doc
}

// removeChild removes el from parent, found by identity.
func removeChild(parent, el *etree.Element) {
	for i, c := range parent.Child {
		if c == el {
			parent.RemoveChildAt(i)
			return
		}
	}
}

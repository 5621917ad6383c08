// Package ssotest holds what a host needs to test code built on package
// sso, and to develop without a real identity provider:
//
//   - [TestStore], the conformance suite every [sso.Store] must pass;
//   - [IdP], a SAML identity provider that signs responses with its own
//     key, makes each kind of bad response on request ([Response] fields,
//     [XSW], [CommentInNameID], [StripSignatures], [WrapSignatureValue]),
//     and serves metadata and an SSO endpoint ([IdP.Handler]);
//   - [OP], an OpenID provider with discovery, JWKS, authorization, token,
//     userinfo and end_session endpoints, PKCE and one-time codes, in an
//     httptest server or mounted by the host, which signs back-channel
//     logout tokens ([OP.LogoutToken]) and sends them
//     ([BackChannelLogout]);
//   - [Sealer], an AES-GCM [sso.Sealer].
//
// None of it is for production: the IdP trusts the ACS URL of any
// AuthnRequest and the OP signs in its one user without asking.
//
// In a host's tests, a store's conformance and a login against the test
// IdP:
//
//	func TestMyStore(t *testing.T) {
//		ssotest.TestStore(t, func(t *testing.T) sso.Store { return newMyStore(t) })
//	}
//
//	idp, err := ssotest.NewIdP(entityID, ssoURL)
//	conn := &sso.Connection{OrganizationID: "org_1", Protocol: sso.ProtocolSAML,
//		Enabled: true, SAML: &sso.SAMLConfig{IdPMetadataXML: idp.Metadata()}}
package ssotest

// Package scimtest holds what a host needs to test code built on package
// scim: [TestStore], the conformance suite every [scim.Store] passes, in
// the manner of testing/fstest, and [IdP], a fake identity provider that
// sends the requests Okta and Entra ID send.
//
// In a store's own tests, with a fresh store for each case:
//
//	func TestMyStore(t *testing.T) {
//		scimtest.TestStore(t, func(t *testing.T) scim.Store { return newMyStore(t) })
//	}
package scimtest

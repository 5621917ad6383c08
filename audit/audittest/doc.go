// Package audittest holds what a host needs to test code that uses the
// audit package: [TestStore], the conformance suite that every
// [audit.Store] must pass, in the manner of testing/fstest.
//
// Run it in the store's own tests, with a fresh store for each case:
//
//	func TestMyStore(t *testing.T) {
//		audittest.TestStore(t, func(t *testing.T) audit.Store { return newMyStore(t) })
//	}
package audittest

// Package secretstest holds what a host needs to test code built on
// package secrets.
//
// # Store conformance
//
// [TestStore] is the suite that every [secrets.Store] implementation must
// pass, in the manner of testing/fstest: versions and their conflicts,
// retention, metadata, organization isolation, listing, deletion and
// restore, destruction, the rewrap walk, concurrent writers, the event
// outbox (including a reader that follows the cursor while writers
// append) and every API key operation. Each case gets a fresh store:
//
//	func TestMyStore(t *testing.T) {
//		secretstest.TestStore(t, func(t *testing.T) secrets.Store { return newMyStore(t) })
//	}
//
// # Key provider conformance
//
// [TestKeyProvider] checks a [secrets.KeyProvider] (a cloud KMS or Vault
// transit adapter) against the interface's contract: associated data and
// key IDs are authenticated, altered bytes fail, unknown key IDs are
// [secrets.ErrUnknownKey], wrapping is randomized, concurrent use is safe.
//
// # Fakes
//
// [CountingProvider] wraps a [secrets.KeyProvider], counts the calls that
// reach it (to test caching) and can fail them all (to test a KMS outage).
package secretstest

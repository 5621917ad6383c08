package secrets

import "errors"

// Sentinel errors that callers branch on with [errors.Is].
var (
	// ErrNotFound reports that a secret, version or API key does not exist
	// in the organization (or exists only in another one).
	ErrNotFound = errors.New("secrets: not found")
	// ErrDeleted reports that a secret is in its recovery window: it can
	// be restored or destroyed, not read or written.
	ErrDeleted = errors.New("secrets: secret is deleted")
	// ErrVersionConflict reports that another writer added a version of
	// the same secret first. The service retries on it.
	ErrVersionConflict = errors.New("secrets: concurrent write of the same secret")
	// ErrDenied reports that the host's policy refused the access.
	ErrDenied = errors.New("secrets: access denied by policy")
	// ErrDecrypt reports that a ciphertext or wrapped key failed to open:
	// it was altered, moved to another row or organization, or sealed
	// under another key. The error says no more, on purpose.
	ErrDecrypt = errors.New("secrets: cannot open: wrong key or altered data")
	// ErrUnknownKey reports that a key-encryption key ID is not held by the
	// key provider.
	ErrUnknownKey = errors.New("secrets: unknown key-encryption key")
	// ErrInvalidName reports an empty or malformed organization or secret
	// name.
	ErrInvalidName = errors.New("secrets: invalid name")
	// ErrInvalidRequest reports a request over a limit or with a bad
	// field: an API key's owner, scope or expiry, a secret's size or
	// metadata.
	ErrInvalidRequest = errors.New("secrets: invalid request")
	// ErrInvalidToken reports that a string is not an API key this service
	// issued: wrong prefix, length, alphabet or checksum, or no such key.
	ErrInvalidToken = errors.New("secrets: invalid API key")
	// ErrKeyExpired reports an API key past its expiry.
	ErrKeyExpired = errors.New("secrets: API key expired")
	// ErrKeyRevoked reports a revoked API key.
	ErrKeyRevoked = errors.New("secrets: API key revoked")
)

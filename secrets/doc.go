// Package secrets keeps the credentials that let systems authenticate
// (signing secrets, OIDC client secrets, database and third-party
// credentials) encrypted under envelope encryption, with versions,
// rotation, access events and a host policy; and issues API keys for users
// and service accounts, with expiry, rotation and instant revocation.
//
// # Envelope encryption
//
// Every version of a secret has its own random 256-bit data key. The value
// is encrypted with it (AES-256-GCM), and the data key is wrapped by a
// key-encryption key (KEK) of a [KeyProvider]. Both encryptions take the
// organization ID, the secret's name and the version number as associated
// data, so a ciphertext or wrapped key copied to another row, another
// organization or another version fails to open with [ErrDecrypt]; so
// does any altered bit. A copy of the database alone reveals nothing: the
// KEKs live elsewhere.
//
// The default provider is a [KeyRing] of local master keys with versions,
// read from an environment variable or a file ([KeyRingFromEnv],
// [KeyRingFromFile]). [VaultTransit] keeps the KEK in the transit engine
// of HashiCorp Vault or OpenBao instead; a cloud KMS plugs into the same
// three-method interface, and secretstest.TestKeyProvider checks such an
// adapter against its contract. New versions are always wrapped under the
// newest KEK; [Service.Rewrap] moves the data keys of older versions to
// it in resumable batches, without decrypting any value, after which the
// old KEK can be removed. Unwrapped data keys are cached for a bounded
// time and count (Config.CacheTTL, Config.CacheSize), so hot reads do not
// call a remote KMS each time.
//
// What is NOT protected: a process that holds the KEKs can read every
// secret, and so can anyone who can run code in it; the associated data
// binds a ciphertext to its row, but a database writer can still delete
// rows or restore an older copy of a whole row (a rollback to an earlier
// version of the same secret with its own, valid ciphertext).
//
// # Values, access and policy
//
// Values travel as [Value], which prints as [REDACTED] through fmt, slog
// and JSON. Every read, write, rotation, deletion and denial produces an
// [Event] with the actor taken from the request context ([WithActor]).
// Config.Policy decides each read and change of a secret; a denial is an
// event too. It does NOT govern metadata (List, Describe, Versions),
// which holds no values: the host guards those routes itself. Changes
// are recorded in the same transaction as the change (an outbox, read
// with [Service.Events]); reads and denials just after the access.
//
// [Service.Put] writes a new version (a rotation, after the first) and
// [Service.UpdateMetadata] changes owner, labels and dates without one;
// [Service.List] flags what is expired or overdue for rotation.
//
// Deleting a secret starts a recovery window (Config.RecoveryWindow)
// during which [Service.Restore] brings it back; [Service.Purge] destroys
// what has passed it, and [Service.Destroy] does so at once.
//
// # Sealing for other packages
//
// [Sealer] seals and opens single blobs with associated data under the
// same envelope scheme. Its Seal and Open methods match the sealing
// interface other Gatehouse packages declare (sso seals OIDC client
// secrets with it), so a *Sealer is passed to them as it is.
//
// # API keys
//
// [Service.IssueAPIKey] returns a token once; only its SHA-256 is stored.
// Tokens read PREFIX_ followed by 32 random base62 characters (about 190
// bits) and a 6-character CRC-32 checksum, so secret scanners can match
// them and [Service.VerifyAPIKey] rejects a mistyped or invented token
// before any store lookup. Expired and revoked keys fail with
// [ErrKeyExpired] and [ErrKeyRevoked]. The last use is recorded at most
// once a minute per key. [Service.RotateAPIKey] keeps the old key working
// for an overlap window; [Service.RevokeOwnerAPIKeys] revokes all of a
// user's keys when the host offboards them. [Service.RequireAPIKey] is
// the middleware that authenticates requests and checks scopes.
// [Service.TokenPattern] is the regular expression to register with
// secret scanners.
//
// [Service.LeakReportHandler] receives leak reports in the format of
// GitHub's secret scanning partner program: it verifies the sender's
// ECDSA signature with its published keys ([NewPublishedKeys]), revokes
// every reported key it holds and records a leaked event.
//
// # Webhook signatures
//
// [SignWebhook] signs an outgoing payload with a timestamped HMAC-SHA256
// header ([WebhookSignatureHeader]); [VerifyWebhook] checks it within a
// tolerance against replay. [Service.SignWebhook] signs with a secret
// kept here: while its latest version is younger than an overlap, the
// previous version signs too, so a receiver holding either accepts during
// a rotation.
//
// # Admin API
//
// [Service.AdminHandler] is the admin JSON API for API keys (issue, list,
// rotate, revoke, revoke an owner's) and for listing secrets' metadata,
// scoped to the organization that Config.Organization names. It never
// returns a secret value.
//
// # Writing a Store
//
// A [Store] keeps secrets, sealed versions, API keys and the event
// outbox. [NewMemoryStore] is one for tests; package secretssql keeps them
// in SQLite or PostgreSQL. Any implementation must pass
// secretstest.TestStore. Changes are written with their event in one
// transaction, and [Store.Events] must never let a reader following the
// cursor pass an event that is not committed yet.
package secrets

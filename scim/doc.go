// Package scim is a SCIM 2.0 service provider (RFC 7643, RFC 7644): the
// endpoint through which a customer's identity provider (Okta, Microsoft
// Entra ID, OneLogin, JumpCloud, Google and others) creates, updates,
// deactivates and deletes the users and groups of that customer in the
// host's application.
//
// # Directories and credentials
//
// A [Directory] belongs to one organization and holds the users and
// groups one identity provider provisions. Each request is authenticated
// to exactly one directory and sees nothing of any other. Bearer tokens
// are issued with [Service.IssueToken], shown once as a [Secret] (which
// prints redacted), stored as SHA-256 hashes, compared in constant time,
// rotated with [Service.RotateToken] (old and new both work during a grace
// period) and revoked with [Service.RevokeToken]. A host may replace
// bearer tokens by its own [Authenticator].
//
// # Resources and schemas
//
// Users have the core schema and the enterprise extension; groups have
// members. Attribute names are matched case-insensitively and stored in
// their canonical form; values are checked against the schema's types.
// Read-only attributes sent by a client are ignored (or refused with
// scimType mutability when a PATCH path targets them). The password
// attribute is accepted and discarded: Gatehouse never stores passwords,
// since users of an SSO-provisioned directory sign in through the
// identity provider.
//
// # Events
//
// Every change writes lifecycle events ([Event]) into an outbox in the
// same transaction as the change: a crash cannot lose a deprovisioning.
// The host reads them with Store.Events and a cursor, or lets a
// [Consumer] deliver them to a function and keep the cursor.
//
// # Writing a Store
//
// [NewMemoryStore] keeps everything in memory; package scimsql keeps it in
// SQLite or PostgreSQL. Another Store must pass scimtest.TestStore.
// Store.Update runs a function in a transaction: a PATCH reads, checks,
// writes and emits its events inside one call, so it applies all its
// operations or none.
package scim

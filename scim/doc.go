// Package scim is a SCIM 2.0 service provider (RFC 7643, RFC 7644): the
// endpoint through which a customer's identity provider (Okta, Microsoft
// Entra ID, OneLogin, JumpCloud, Google and others) creates, updates,
// deactivates and deletes the users and groups of that customer in the
// host's application, and through which the host learns of every joiner,
// mover and leaver.
//
// # Mounting
//
// [Service.Handler] serves the whole endpoint. It recognizes the SCIM
// paths by their end (/Users, /Groups/{id}, /.search, /Bulk,
// /ServiceProviderConfig, /ResourceTypes, /Schemas), so it can be mounted
// under any prefix, with a Go 1.22 ServeMux pattern or behind
// http.StripPrefix:
//
//	mux.Handle("/scim/v2/", svc.Handler())
//	mux.Handle("POST /oauth/scim/token", svc.TokenHandler())
//
// meta.location and Location headers are made from Config.BaseURL, or,
// when it is empty, from the request's Host header and original path.
//
// # Directories and authentication
//
// A [Directory] belongs to one organization and holds what one identity
// provider provisions. Every request authenticates to exactly one
// directory and can neither read nor change any other. Three kinds of
// credential are accepted:
//   - long-lived bearer tokens, issued with [Service.IssueToken], shown
//     once as a [Secret] (which prints, logs and marshals redacted),
//     stored as SHA-256 hashes, compared in constant time, rotated with
//     [Service.RotateToken] (old and new both work during a grace period)
//     and revoked with [Service.RevokeToken];
//   - OAuth 2.0 client credentials: [Service.CreateOAuthClient] registers
//     a client and [Service.TokenHandler] issues short-lived access
//     tokens (Config.AccessTokenTTL);
//   - signed JWTs of a federated issuer such as Entra ID's workload
//     identity federation ([FederatedIssuer]), trusted per directory with
//     [Service.AddFederatedIssuer] (or statically in Config) and verified
//     against the issuer's JWKS with issuer, audience, subject and
//     lifetime checks; one issuer, audience and subject fit one directory
//     only.
//
// A host with its own scheme sets Config.Authenticator instead.
//
// # Resources and schemas
//
// Users have the core schema and the enterprise extension; groups have
// members, which are stored apart from the group, so that adding one
// member to a group of any size, or deleting the group, never reads the
// other members. Groups may hold groups: a user's groups attribute lists
// the groups it is in directly and, marked indirect, those it reaches
// through nested groups, as [Service.MembershipsOfUser] does. A host may register extension schemas of its own
// (Config.UserExtensions); their attributes are type-checked, filterable
// and round-trip. Attribute names match case-insensitively and are kept in
// their canonical form; values are checked against the schema's types,
// with the leniency identity providers need: booleans sent as the strings
// "True" and "False", a single object for a multi-valued attribute, a
// manager given as a plain string. Read-only attributes in a POST or PUT
// body are ignored; a PATCH that targets one fails with scimType
// mutability. The password attribute is accepted and discarded: Gatehouse
// never stores passwords, since users of a provisioned directory sign in
// through their identity provider. userName is unique per directory,
// compared case-insensitively (409 uniqueness).
//
// # Queries
//
// Filters support every operator, and, or, not, grouping, value filters
// such as emails[type eq "work" and value co "@example.com"], extension
// attributes by URN and meta.lastModified, comparing strings as each
// attribute's caseExact says. Entra ID's attr[filter].sub op value form is
// accepted. Lists take sortBy, sortOrder, startIndex and count (count=0
// gives only the total), cursor paging (RFC 9865) and attributes or
// excludedAttributes; POST .search works at the root and per type.
// Group filters may test membership by a member's id (members eq "id",
// as Entra ID does to find a group's last member) anywhere under and, or
// and not; the service answers each such term from the membership index,
// since stores never see members in a filter. Other operators on members
// get invalidFilter.
//
// # Changes and events
//
// PUT replaces; PATCH applies add, replace and remove, with or without a
// path, with value filters and extension paths, all or none, and keeps a
// single primary value. Each change, and the lifecycle events it causes
// ([Event]: user created, updated with the changed attributes,
// deactivated, reactivated, deleted; group created, updated, deleted,
// member added and removed), is written in one Store transaction, so a
// crash cannot lose a deprovisioning. The host reads the outbox with
// Store.Events and a cursor, or lets a [Consumer] deliver the events to a
// function and keep the cursor. ETags (meta.version) support If-Match
// (412) and If-None-Match (304).
//
// # Threat model
//
// The package checks credentials on every request, discovery included;
// scopes every read and write to the credential's directory; bounds
// bodies (Config.MaxBodyBytes), filters ([MaxFilterLength], nesting),
// PATCH operations ([MaxPatchOperations]), bulk operations
// ([MaxBulkOperations]) and pages (Config.MaxResults); answers errors in
// the SCIM error schema without internal details; and recovers from
// panics. It does NOT rate-limit, terminate TLS or decide who may manage
// directories and tokens: the Service methods take the organization ID
// the host has authenticated, and the host MUST derive it from its own
// session, never from the request body. Set Config.BaseURL where a
// client-chosen Host header must not appear in responses. The token
// endpoint deletes a directory's access tokens an hour after they expire.
//
// # Writing a Store
//
// [NewMemoryStore] keeps everything in memory; package scimsql keeps it in
// SQLite or PostgreSQL. Another Store must pass scimtest.TestStore.
// Store.Update runs a function in a transaction on one directory: the
// service reads, checks, writes and emits events inside one call. A Store
// may evaluate filters with [ApplyQuery] and [Filter.Match]; what it
// translates into its own query language must give the same answers.
package scim

// Package domain lets an organization prove that it owns an email domain,
// and routes users whose email addresses are under a verified domain to
// that organization (domain capture), for example to its SSO connection.
//
// # Flow
//
// An admin adds a domain with [Service.Add]. It starts pending, with a
// challenge: a TXT record to publish, named _gatehouse-challenge.<domain>
// by default, whose value holds a random token of 160 bits
// ([Service.Challenge]). Once the record is in DNS, [Service.Verify] looks
// it up and the domain becomes verified. The challenge expires after seven
// days by default and can be regenerated. The record stays in place:
// [Service.Recheck], which the host runs on a schedule, looks it up again,
// and after three failures in a row (by default) the domain lapses and
// stops capturing users.
//
// [Service.Capture] and [Service.OrganizationForEmail] map an email address
// to the organization that holds its domain verified. A domain verified
// with IncludeSubdomains captures its subdomains too; the most specific
// verified domain wins; pending, lapsed and removed domains never match.
//
// # Threat model and what the package checks
//
//   - Names are normalized ([Normalize]: lowercase, no trailing dot,
//     internationalized names as punycode) before they are compared or
//     stored, so that one domain cannot be claimed twice in two spellings.
//   - Nobody may claim an IP address, a single-label name, a public suffix
//     (co.uk, or a shared hosting suffix such as github.io, from the Public
//     Suffix List) or a public email provider's domain (an embedded list
//     that the host can extend or replace with Config.EmailProviders).
//   - A domain is verified for at most one organization at a time; the
//     Store enforces it, so two organizations racing to verify cannot both
//     win. Another organization can take a domain over only after the
//     holder's verification lapsed and only by proving control itself.
//   - Lookup failures are told apart: no record (NXDOMAIN or no TXT
//     records), no matching value, a failing server (SERVFAIL, REFUSED) and
//     a timeout, so that an admin knows what to fix.
//
// The package does NOT check DNSSEC: it trusts the answers of the resolver
// it is given. A host that needs that assurance points [NewNetResolver] at
// a validating resolver it trusts, or supplies its own [Resolver].
//
// # Events
//
// Every state change (added, verified, verification failed, lapsed,
// removed) is an [Event], written by the Store in the same transaction as
// the change. The host reads them in order with [Service.Events] and a
// cursor, at least once: it stores the Cursor of the last event it handled
// and passes it on the next call.
//
// # Admin API
//
// [Service.AdminHandler] is a JSON API for one organization's admins: list,
// add, show the challenge, verify now, regenerate, change and remove.
// Config.Organization tells it which organization the caller administers.
//
// # Writing a Store
//
// [NewMemoryStore] is correct and concurrency-safe, for tests and
// prototypes; package domainsql stores domains in SQLite or PostgreSQL. A
// Store of your own must pass domaintest.TestStore.
package domain

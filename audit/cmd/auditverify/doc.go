// Command auditverify checks an export of a Gatehouse audit log, without
// the application that wrote it: that the signed checkpoint verifies with
// the given public key, that the events hash to its root, and, when a
// checkpoint kept from earlier is given, that the log was neither
// rewritten nor truncated behind it.
//
// Usage:
//
//	auditverify -key 'gatehouse-audit+1a2b3c4d+AcB...' [-kept kept.note] [-json] export.jsonl
//
// The key is the verifier key that the host publishes (the -key value may
// also be @file to read it from a file). The export is read from the file
// named, or from standard input when it is "-". The command prints what
// it found, for people or with -json for programs, and exits 0 when the
// export verified, 1 when it found problems, and 2 when it could not run.
package main

// Command saas is a small multi-tenant app that wires the Gatehouse
// packages together: the tour for new users and the end-to-end test bed.
//
//	go run ./examples/saas [-addr 127.0.0.1:8080] [-db path/to/saas.db]
//
// It runs on SQLite with no other set-up, creates a demo organization,
// and prints the admin token and the URLs to try. Stop it with Ctrl-C.
package main

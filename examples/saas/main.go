// Command saas is a small multi-tenant app that wires the Gatehouse
// packages together: the tour for new users and the end-to-end test bed.
//
//	go run ./examples/saas [-addr 127.0.0.1:8080] [-db path/to/saas.db]
//
// It runs on SQLite with no other set-up, creates a demo organization,
// and prints the admin token and the URLs to try. Stop it with Ctrl-C.
package main

import (
	"context"
	"fmt"
	"os"
	"os/signal"
	"syscall"
)

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, os.Args[1:], os.Stderr, nil); err != nil {
		fmt.Fprintln(os.Stderr, "saas:", err)
		os.Exit(1)
	}
}

package sso_test

import (
	"fmt"
	"log/slog"
	"os"

	"github.com/gatehouse/gatehouse/sso"
)

// A client secret never shows in output, logs or JSON.
func ExampleSecret() {
	s := sso.Secret("s3cr3t")
	fmt.Println(s)
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	logger.Info("saved", "client_secret", s)
	// Output:
	// [REDACTED]
	// level=INFO msg=saved client_secret=[REDACTED]
}

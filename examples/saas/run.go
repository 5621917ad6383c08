package main

import (
	"context"
	"crypto/rand"
	"database/sql"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"time"

	_ "modernc.org/sqlite" // the "sqlite" database/sql driver
)

// config is what the command line sets.
type config struct {
	addr       string
	dbPath     string
	nameserver string // for domain verification; empty means the system's
	adminToken string
	scimToken  string // the SCIM bearer token; empty means a new one
	baseURL    string // the app's public URL; empty means http://<addr>
	logLevel   slog.Level
}

// demoOrg is the organization the demo creates.
const demoOrg = "org_demo"

func parseFlags(args []string, stderr io.Writer) (config, error) {
	var c config
	fs := flag.NewFlagSet("saas", flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.StringVar(&c.addr, "addr", "127.0.0.1:8080", "address to listen on")
	fs.StringVar(&c.dbPath, "db", defaultDBPath(), "SQLite database file")
	fs.StringVar(&c.nameserver, "dns", "",
		"nameserver (host:port) for domain verification; default: the system's")
	fs.StringVar(&c.adminToken, "admin-token", "",
		"bearer token of the demo organization's admin; default: random")
	fs.StringVar(&c.baseURL, "public-url", "",
		"the app's URL as browsers reach it, behind a proxy; default: http://<addr>")
	fs.StringVar(&c.scimToken, "scim-token", "",
		"SCIM bearer token (ghscim_...); default: $GATEHOUSE_DEMO_SCIM_TOKEN, or a new one")
	fs.TextVar(&c.logLevel, "log-level", slog.LevelInfo, "log level: DEBUG, INFO, WARN or ERROR")
	if err := fs.Parse(args); err != nil {
		return c, err
	}
	if fs.NArg() > 0 {
		return c, fmt.Errorf("unexpected arguments: %v", fs.Args())
	}
	if c.adminToken == "" {
		c.adminToken = "demo_" + rand.Text()
	}
	return c, nil
}

// defaultDBPath is a file in the user's cache directory, or in the
// temporary directory where there is none.
func defaultDBPath() string {
	dir, err := os.UserCacheDir()
	if err != nil {
		dir = os.TempDir()
	}
	return filepath.Join(dir, "gatehouse", "saas.db")
}

// run starts the app and serves until ctx ends, then shuts down cleanly.
// When onReady is not nil it is given the app and the address it listens
// on, before the first request is served (tests use it).
func run(ctx context.Context, args []string, stderr io.Writer, onReady func(*app, net.Addr)) error {
	cfg, err := parseFlags(args, stderr)
	if err != nil {
		return err
	}
	log := slog.New(slog.NewTextHandler(stderr, &slog.HandlerOptions{Level: cfg.logLevel}))

	db, err := openDB(cfg.dbPath)
	if err != nil {
		return err
	}
	defer db.Close()

	// The address comes first: the SSO endpoints and the development
	// identity provider are absolute URLs on it.
	ln, err := net.Listen("tcp", cfg.addr)
	if err != nil {
		return err
	}
	defer ln.Close()
	if cfg.baseURL == "" {
		cfg.baseURL = "http://" + ln.Addr().String()
	}
	a, err := newApp(ctx, cfg, db, log)
	if err != nil {
		return err
	}
	if onReady != nil {
		onReady(a, ln.Addr())
	}
	log.Info("gatehouse demo listening", "url", cfg.baseURL, "db", cfg.dbPath,
		"organization", demoOrg, "admin_token", cfg.adminToken)
	return serve(ctx, ln, a, log)
}

// openDB opens the SQLite file in WAL mode, with a busy timeout, foreign
// keys, and transactions that take the write lock at once: the settings
// the Gatehouse SQL stores expect. A host on PostgreSQL opens its database
// with sql.Open("pgx", url) instead.
func openDB(path string) (*sql.DB, error) {
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		return nil, err
	}
	dsn := "file:" + path + "?_pragma=busy_timeout(5000)&_pragma=journal_mode(WAL)" +
		"&_pragma=foreign_keys(1)&_txlock=immediate"
	db, err := sql.Open("sqlite", dsn)
	if err != nil {
		return nil, err
	}
	if err := db.Ping(); err != nil {
		db.Close()
		return nil, fmt.Errorf("opening %s: %w", path, err)
	}
	return db, nil
}

// serve runs the HTTP server and the app's background work until ctx
// ends, then gives requests in flight ten seconds to finish.
func serve(ctx context.Context, ln net.Listener, a *app, log *slog.Logger) error {
	srv := &http.Server{
		Handler:           a.routes(),
		ReadHeaderTimeout: 10 * time.Second,
		ErrorLog:          slog.NewLogLogger(log.Handler(), slog.LevelWarn),
	}
	bgCtx, stopBackground := context.WithCancel(ctx)
	background := a.startBackground(bgCtx)

	errc := make(chan error, 1)
	go func() { errc <- srv.Serve(ln) }()
	select {
	case err := <-errc:
		stopBackground()
		<-background
		return err
	case <-ctx.Done():
	}

	log.Info("shutting down")
	stopBackground()
	shutdownCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), 10*time.Second)
	defer cancel()
	err := srv.Shutdown(shutdownCtx)
	<-background
	if err := <-errc; !errors.Is(err, http.ErrServerClosed) {
		return err
	}
	return err
}

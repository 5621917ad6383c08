package domainsql_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/internal/benchcpu"
	"github.com/gatehouse/gatehouse/internal/sqlkit"
	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
)

// BenchmarkCaptureSQLite looks up email addresses among 100,000 verified
// domains in SQLite.
func BenchmarkCaptureSQLite(b *testing.B) {
	ctx := context.Background()
	raw := sqlkittest.SQLite(b)
	store := newStoreTB(b, raw)
	db, _ := sqlkit.Wrap(raw)

	// Load the domains in one transaction, directly, for speed.
	now := db.Time(time.Now())
	tx, err := raw.BeginTx(ctx, nil)
	if err != nil {
		b.Fatal(err)
	}
	ins, err := tx.PrepareContext(ctx, `INSERT INTO domain_domains (id, organization_id, name, status,
		include_subdomains, challenge_token, consecutive_failures, last_error, created_at, updated_at, revision)
		VALUES (?, ?, ?, 'verified', ?, 'tok', 0, '', ?, ?, 1)`)
	if err != nil {
		b.Fatal(err)
	}
	for i := range 100_000 {
		if _, err := ins.ExecContext(ctx, fmt.Sprintf("dom_%08d", i), fmt.Sprintf("org_%d", i),
			fmt.Sprintf("customer%d.example", i), i%2 == 0, now, now); err != nil {
			b.Fatal(err)
		}
	}
	if err := tx.Commit(); err != nil {
		b.Fatal(err)
	}

	svc, err := domain.New(domain.Config{Store: store})
	if err != nil {
		b.Fatal(err)
	}
	emails := []string{"alice@customer4242.example", "bob@eu.customer5000.example", "carol@nobody.example"}
	b.ReportAllocs()
	b.ResetTimer()
	defer benchcpu.Start(b)()
	for i := 0; b.Loop(); i++ {
		if _, err := svc.OrganizationForEmail(ctx, emails[i%len(emails)]); err != nil {
			b.Fatal(err)
		}
	}
}

package secretssql_test

import (
	"context"
	"database/sql"
	"fmt"
	"testing"

	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
	"github.com/gatehouse/gatehouse/secrets"
)

func sqliteService(b *testing.B, keys string) (*secrets.Service, secrets.Store) {
	return sqlService(b, sqlkittest.SQLite(b), keys)
}

func sqlService(b *testing.B, db *sql.DB, keys string) (*secrets.Service, secrets.Store) {
	st := newStore(b, db)
	svc, err := secrets.New(secrets.Config{Store: st, Keys: ring(b, keys)})
	if err != nil {
		b.Fatal(err)
	}
	return svc, st
}

// BenchmarkVerifyAPIKeySQLite verifies a valid key against SQLite
// (target: under 50 µs).
func BenchmarkVerifyAPIKeySQLite(b *testing.B) {
	svc, _ := sqliteService(b, secrets.GenerateMasterKey())
	benchVerify(b, svc)
}

// BenchmarkVerifyAPIKeyPostgres verifies a valid key against PostgreSQL
// (skipped without GATEHOUSE_TEST_POSTGRES).
func BenchmarkVerifyAPIKeyPostgres(b *testing.B) {
	svc, _ := sqlService(b, sqlkittest.Postgres(b), secrets.GenerateMasterKey())
	benchVerify(b, svc)
}

func benchVerify(b *testing.B, svc *secrets.Service) {
	ctx := context.Background()
	is, err := svc.IssueAPIKey(ctx, "org1", secrets.IssueRequest{
		Owner: secrets.Owner{Type: secrets.OwnerUser,
			ID: "alice"}, Name: "k", Scopes: []string{"read"}})
	if err != nil {
		b.Fatal(err)
	}
	tok := string(is.Token.Reveal())
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.VerifyAPIKey(ctx, tok); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkGetCachedSQLite reads a secret from SQLite with its data key
// cached; most of the time is the query and the read event's insert.
func BenchmarkGetCachedSQLite(b *testing.B) {
	svc, _ := sqliteService(b, secrets.GenerateMasterKey())
	ctx := context.Background()
	if _, err := svc.Put(ctx, "org1", "db", secrets.NewStringValue("value"), nil); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := svc.Get(ctx, "org1", "db", secrets.GetOptions{}); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkRewrap100kSQLite rewraps 100,000 secrets stored in SQLite and
// reports secrets per second. Each version is its own transaction with
// its event.
func BenchmarkRewrap100kSQLite(b *testing.B) {
	const n = 100_000
	k1, k2 := secrets.GenerateMasterKey(), secrets.GenerateMasterKey()
	ctx := context.Background()
	for b.Loop() {
		b.StopTimer()
		old, st := sqliteService(b, "1:"+k1)
		v := secrets.NewStringValue("value")
		for i := range n {
			if _, err := old.Put(ctx, fmt.Sprintf("org%d", i%10),
				fmt.Sprintf("s%06d", i), v, nil); err != nil {
				b.Fatal(err)
			}
		}
		both, err := secrets.New(secrets.Config{Store: st, Keys: ring(b, "1:"+k1+",2:"+k2)})
		if err != nil {
			b.Fatal(err)
		}
		b.StartTimer()
		p, err := both.Rewrap(ctx, secrets.RewrapOptions{BatchSize: 1000})
		if err != nil || p.Rewrapped != n {
			b.Fatalf("Rewrap = %+v, %v", p, err)
		}
	}
	b.ReportMetric(float64(n*b.N)/b.Elapsed().Seconds(), "secrets/s")
}

package ssosql_test

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssosql"
)

func benchStore(b *testing.B) *ssosql.Store {
	db := sqlkittest.SQLite(b)
	if err := ssosql.Migrate(context.Background(), db); err != nil {
		b.Fatal(err)
	}
	s, err := ssosql.New(db)
	if err != nil {
		b.Fatal(err)
	}
	return s
}

var now = time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC)

// BenchmarkSQLiteConnectionByID is the lookup every ACS request and
// callback makes.
func BenchmarkSQLiteConnectionByID(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	for i := range 100 {
		c := &sso.Connection{ID: fmt.Sprintf("conn_%03d", i), OrganizationID: "org", Protocol: sso.ProtocolSAML,
			SAML: &sso.SAMLConfig{IdPEntityID: "e", IdPCertificates: []string{"c"}}, CreatedAt: now, UpdatedAt: now}
		if err := s.CreateConnection(ctx, c); err != nil {
			b.Fatal(err)
		}
	}
	b.ReportAllocs()
	for b.Loop() {
		if _, err := s.ConnectionByID(ctx, "conn_042"); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSQLiteLoginState saves and takes one login state, as a login
// does once at its start and once at its end.
func BenchmarkSQLiteLoginState(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		id := fmt.Sprintf("st_%d", i)
		i++
		st := &sso.LoginState{ID: id, OrganizationID: "org", ConnectionID: "conn", ReturnPath: "/",
			CreatedAt: now, ExpiresAt: now.Add(time.Minute)}
		if err := s.SaveLoginState(ctx, st); err != nil {
			b.Fatal(err)
		}
		if _, err := s.TakeLoginState(ctx, id, now); err != nil {
			b.Fatal(err)
		}
	}
}

// BenchmarkSQLiteRemember records one assertion ID in the replay cache.
func BenchmarkSQLiteRemember(b *testing.B) {
	s := benchStore(b)
	ctx := context.Background()
	b.ReportAllocs()
	i := 0
	for b.Loop() {
		i++
		if err := s.Remember(ctx, fmt.Sprintf("saml:conn:_%d", i), now.Add(time.Minute), now); err != nil {
			b.Fatal(err)
		}
	}
}

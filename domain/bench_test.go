package domain_test

import (
	"fmt"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/domain"
	"github.com/gatehouse/gatehouse/internal/benchcpu"
)

// BenchmarkCaptureMemory looks up email addresses among 100,000 verified
// domains in the memory store.
func BenchmarkCaptureMemory(b *testing.B) {
	store := domain.NewMemoryStore()
	now := time.Now()
	for i := range 100_000 {
		d := domain.Domain{
			ID: fmt.Sprintf("dom_%08d", i), OrganizationID: fmt.Sprintf("org_%d", i),
			Name: fmt.Sprintf("customer%d.example", i), Status: domain.StatusVerified,
			IncludeSubdomains: i%2 == 0, CreatedAt: now, UpdatedAt: now,
		}
		if err := store.Create(ctx, d, domain.Event{}); err != nil {
			b.Fatal(err)
		}
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
		_, _ = svc.OrganizationForEmail(ctx, emails[i%len(emails)])
	}
}

func BenchmarkNormalizeEmail(b *testing.B) {
	b.ReportAllocs()
	for b.Loop() {
		_, _, _ = domain.NormalizeEmail("alice@customer4242.example")
	}
}

package domain_test

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/domain"
)

// staticTXT is a Resolver that answers from a map, standing in for DNS.
type staticTXT map[string][]string

func (s staticTXT) LookupTXT(_ context.Context, name string) ([]string, error) {
	if v, ok := s[name]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("%w: %s", domain.ErrRecordNotFound, name)
}

func Example() {
	ctx := context.Background()
	dns := staticTXT{}
	svc, err := domain.New(domain.Config{Store: domain.NewMemoryStore(), Resolver: dns})
	if err != nil {
		panic(err)
	}

	// An admin of org_acme claims acme.example and is shown the record to
	// publish.
	d, _ := svc.Add(ctx, "org_acme", "Acme.Example", domain.AddOptions{IncludeSubdomains: true})
	c := svc.Challenge(d)
	fmt.Println(d.Name, d.Status, c.RecordType, c.RecordName)

	// Verification fails until the record is published.
	_, err = svc.Verify(ctx, "org_acme", d.ID)
	fmt.Println(err != nil)

	dns[c.RecordName] = []string{c.RecordValue}
	d, _ = svc.Verify(ctx, "org_acme", d.ID)
	fmt.Println(d.Status)

	// Users of the domain and of its subdomains are routed to org_acme.
	org, _ := svc.OrganizationForEmail(ctx, "jane@eu.acme.example")
	fmt.Println(org)

	// Output:
	// acme.example pending TXT _gatehouse-challenge.acme.example
	// true
	// verified
	// org_acme
}

func ExampleNormalize() {
	for _, in := range []string{"Example.COM.", "bücher.example", "co.uk", "10.0.0.1"} {
		name, err := domain.Normalize(in)
		fmt.Printf("%q %v\n", name, err)
	}
	// Output:
	// "example.com" <nil>
	// "xn--bcher-kva.example" <nil>
	// "co.uk" <nil>
	// "" domain: an IP address is not a domain: "10.0.0.1"
}

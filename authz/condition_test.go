package authz

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
	"sync"
	"testing"
)

func TestConditions(t *testing.T) {
	t.Parallel()
	grant := tup("document:report", "viewer", "user:anne")
	grant.Condition = &TupleCondition{Name: "non_expired", Context: map[string]any{
		"grant_time": "2026-12-01T00:00:00Z", "grant_duration": "24h"}}
	office := tup("document:report", "viewer", "user:*")
	office.Condition = &TupleCondition{Name: "in_office", Context: map[string]any{
		"cidrs": []any{"10.0.0.0/8", "192.168.1.0/24"}}}
	s, org := mustService(t, "conditions.fga", grant, office)
	ctx := context.Background()
	tests := []struct {
		name, user string
		context    map[string]any
		want       bool
		wantErr    error
		errNames   string
	}{
		{"within the grant", "user:anne", map[string]any{"current_time": "2026-12-01T10:00:00Z",
			"user_ip": "8.8.8.8"}, true, nil, ""},
		{"after the grant, outside the office", "user:anne", map[string]any{"current_time": "2026-12-03T10:00:00Z",
			"user_ip": "8.8.8.8"}, false, nil, ""},
		{"after the grant, in the office", "user:anne", map[string]any{"current_time": "2026-12-03T10:00:00Z",
			"user_ip": "10.1.2.3"}, true, nil, ""},
		{"anyone in the office", "user:bob", map[string]any{"user_ip": "192.168.1.7"}, true, nil, ""},
		{"anyone outside", "user:bob", map[string]any{"user_ip": "192.168.2.7"}, false, nil, ""},
		{"missing ip", "user:bob", nil, false, ErrMissingParameter, "user_ip"},
		{"missing time, office decides", "user:anne", map[string]any{"user_ip": "10.0.0.1"}, true, nil, ""},
		{"missing time and ip", "user:anne", map[string]any{}, false, ErrMissingParameter, "current_time"},
		{"request cannot override the grant", "user:anne", map[string]any{"current_time": "2026-12-03T10:00:00Z",
			"grant_time": "2026-12-03T00:00:00Z", "user_ip": "8.8.8.8"}, false, nil, ""},
		{"wrong type", "user:bob", map[string]any{"user_ip": "not an ip"}, false, ErrConditionEvaluation, "user_ip"},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			got, err := s.Check(ctx, org, CheckRequest{Object: "document:report", Relation: "viewer",
				User: tc.user, Context: tc.context})
			if got != tc.want || !errors.Is(err, tc.wantErr) {
				t.Fatalf("Check = %v, %v; want %v, %v", got, err, tc.want, tc.wantErr)
			}
			if err != nil && !strings.Contains(err.Error(), tc.errNames) {
				t.Errorf("error %q does not name %q", err, tc.errNames)
			}
		})
	}
}

func TestConditionWriteValidation(t *testing.T) {
	t.Parallel()
	s, org := mustService(t, "conditions.fga")
	ctx := context.Background()
	cond := func(name string, c map[string]any) *TupleCondition { return &TupleCondition{Name: name, Context: c} }
	tests := []struct {
		name string
		t    Tuple
	}{
		{"condition required", tup("document:a", "viewer", "user:anne")},
		{"unknown condition", Tuple{Object: "document:a", Relation: "viewer", User: "user:anne", Condition: cond("nope", nil)}},
		{"wrong condition for the type", Tuple{Object: "document:a", Relation: "viewer", User: "user:anne", Condition: cond("in_office", nil)}},
		{"unknown parameter", Tuple{Object: "document:a", Relation: "viewer", User: "user:anne",
			Condition: cond("non_expired", map[string]any{"bogus": 1.0})}},
		{"badly typed parameter", Tuple{Object: "document:a", Relation: "viewer", User: "user:anne",
			Condition: cond("non_expired", map[string]any{"grant_time": "yesterday"})}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			err := s.Write(ctx, org, WriteRequest{Writes: []Tuple{tc.t}})
			if !errors.Is(err, ErrInvalidRequest) {
				t.Errorf("Write = %v, want ErrInvalidRequest", err)
			}
		})
	}
}

func TestConditionalListing(t *testing.T) {
	t.Parallel()
	grant := tup("document:a", "viewer", "user:anne")
	grant.Condition = &TupleCondition{Name: "non_expired", Context: map[string]any{
		"grant_time": "2026-12-01T00:00:00Z", "grant_duration": "1h"}}
	s, org := mustService(t, "conditions.fga", grant)
	ctx := context.Background()
	req := ListObjectsRequest{Type: "document", Relation: "viewer", User: "user:anne"}
	if _, err := s.ListObjects(ctx, org, req); !errors.Is(err, ErrMissingParameter) {
		t.Errorf("ListObjects without the time: %v, want ErrMissingParameter", err)
	}
	req.Context = map[string]any{"current_time": "2026-12-01T00:30:00Z"}
	if p, err := s.ListObjects(ctx, org, req); err != nil || len(p.Items) != 1 {
		t.Errorf("ListObjects in time = %v, %v", p, err)
	}
	req.Context = map[string]any{"current_time": "2026-12-01T02:00:00Z"}
	if p, err := s.ListObjects(ctx, org, req); err != nil || len(p.Items) != 0 {
		t.Errorf("ListObjects too late = %v, %v", p, err)
	}
}

func TestConditionWithJSONContext(t *testing.T) {
	t.Parallel()
	grant := tup("document:a", "reader", "user:nina")
	grant.Condition = &TupleCondition{Name: "from_network", Context: map[string]any{
		"cidr": "10.0.0.0/8", "tags": map[string]any{"x": "1"}}}
	s, org := mustService(t, "conditions.fga", grant)
	tests := []struct {
		name string
		body string
		want bool
	}{
		{"all true", `{"user_ip":"10.2.3.4","level":3,"ok":true}`, true},
		{"level too low", `{"user_ip":"10.2.3.4","level":2,"ok":true}`, false},
		{"outside the range", `{"user_ip":"11.2.3.4","level":3,"ok":true}`, false},
		{"ipv6 outside", `{"user_ip":"::1","level":3,"ok":true}`, false},
	}
	for _, tc := range tests {
		var reqCtx map[string]any
		if err := json.Unmarshal([]byte(tc.body), &reqCtx); err != nil {
			t.Fatal(err)
		}
		got, err := s.Check(context.Background(), org, CheckRequest{Object: "document:a", Relation: "reader",
			User: "user:nina", Context: reqCtx})
		if err != nil || got != tc.want {
			t.Errorf("%s: Check = %v, %v; want %v", tc.name, got, err, tc.want)
		}
	}
	_, err := s.Check(context.Background(), org, CheckRequest{Object: "document:a", Relation: "reader",
		User: "user:nina", Context: map[string]any{"user_ip": "10.2.3.4", "level": 2.5, "ok": true}})
	if !errors.Is(err, ErrConditionEvaluation) || !strings.Contains(err.Error(), "level") {
		t.Errorf("fractional int: err = %v, want ErrConditionEvaluation naming level", err)
	}
}

func TestConcurrentChecksAndWrites(t *testing.T) {
	t.Parallel()
	s, org := mustService(t, "drive.fga", driveData()...)
	ctx := context.Background()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Go(func() {
			for i := range 50 {
				tp := tup(fmt.Sprintf("document:c%d-%d", w, i), "viewer", "group:eng#member")
				if err := s.Write(ctx, org, WriteRequest{Writes: []Tuple{tp}}); err != nil {
					t.Error(err)
					return
				}
				ok, err := s.Check(ctx, org, CheckRequest{Object: tp.Object, Relation: "viewer", User: "user:anne"})
				if !ok || err != nil {
					t.Errorf("read-your-writes: Check after Write = %v, %v", ok, err)
				}
			}
		})
	}
	wg.Go(func() {
		for range 20 {
			if _, err := s.ListObjects(ctx, org, ListObjectsRequest{Type: "document", Relation: "viewer", User: "user:anne"}); err != nil {
				t.Error(err)
			}
		}
	})
	wg.Wait()
}

func TestIPAddressEquality(t *testing.T) {
	t.Parallel()
	cc, err := compileCondition(&Condition{Name: "same", Expression: "a == b",
		Parameters: map[string]string{"a": "ipaddress", "b": "ipaddress"}})
	if err != nil {
		t.Fatal(err)
	}
	tests := []struct {
		a, b string
		want bool
	}{
		{"10.0.0.1", "10.0.0.1", true},
		{"::ffff:10.0.0.1", "10.0.0.1", true},
		{"2001:db8::1", "2001:0db8:0000::0001", true},
		{"10.0.0.1", "10.0.0.2", false},
	}
	for _, tc := range tests {
		got, err := cc.eval(map[string]any{"a": tc.a}, map[string]any{"b": tc.b})
		if err != nil || got != tc.want {
			t.Errorf("%s == %s: %v, %v; want %v", tc.a, tc.b, got, err, tc.want)
		}
	}
}

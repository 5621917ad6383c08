package scim

import (
	"context"
	"errors"
	"slices"
	"testing"
)

func TestConsumerRedelivers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	for _, n := range []string{"a", "b", "c"} {
		h.do("POST", "/Users", map[string]any{"userName": n}).must(t, 201)
	}
	var got []string
	fail := "b"
	c := &Consumer{Name: "app", Store: h.store, Cursors: h.store, Batch: 2,
		Handle: func(ctx context.Context, e Event) error {
			u := e.Payload.(UserEvent)
			if u.UserName == fail {
				return errors.New("host is down")
			}
			got = append(got, u.UserName)
			return nil
		}}
	ctx := context.Background()
	if n, err := c.Poll(ctx); err == nil || n != 1 {
		t.Fatalf("Poll = %d, %v; want 1 and the handler's error", n, err)
	}
	fail = ""
	if n, err := c.Poll(ctx); err != nil || n != 2 {
		t.Fatalf("second Poll = %d, %v", n, err)
	}
	if n, _ := c.Poll(ctx); n != 0 {
		t.Errorf("third Poll delivered %d", n)
	}
	if !slices.Equal(got, []string{"a", "b", "c"}) {
		t.Errorf("delivered %v", got)
	}
}

func TestGroupVersionMovesWithMembers(t *testing.T) {
	t.Parallel()
	h := newHarness(t)
	uid := h.do("POST", "/Users", map[string]any{"userName": "a"}).must(t, 201).body["id"].(string)
	r := h.do("POST", "/Groups", map[string]any{"displayName": "G"}).must(t, 201)
	gid, tag := r.body["id"].(string), r.header.Get("ETag")
	h.do("PATCH", "/Groups/"+gid, patchBody(map[string]any{"op": "add", "path": "members",
		"value": []any{map[string]any{"value": uid}}})).must(t, 204)
	r = h.do("GET", "/Groups/"+gid, nil, "If-None-Match", tag).must(t, 200)
	if r.header.Get("ETag") == tag {
		t.Errorf("ETag %s did not change with the members", tag)
	}
	n := len(h.events())
	h.do("PATCH", "/Groups/"+gid, patchBody(map[string]any{"op": "add", "path": "members",
		"value": []any{map[string]any{"value": uid}}}), "If-Match", tag).scimError(t, 412, "")
	if got := h.eventsSince(n); len(got) != 0 {
		t.Errorf("events %v", got)
	}
}

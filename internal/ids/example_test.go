package ids_test

import (
	"fmt"
	"time"

	"github.com/gatehouse/gatehouse/internal/ids"
)

func ExampleNewAt() {
	at := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	id := ids.NewAt("dom", at)
	fmt.Println(id[:14], len(id), ids.Valid("dom", id), ids.Valid("key", id))
	// Output: dom_01M8Z5KH00 30 true false
}

func ExampleDerive() {
	at := time.Date(2026, 12, 4, 0, 0, 0, 0, time.UTC)
	first, again := ids.Derive("evt", at, "scim/42"), ids.Derive("evt", at, "scim/42")
	fmt.Println(first == again, first == ids.Derive("evt", at, "scim/43"))
	// Output: true false
}

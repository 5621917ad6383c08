package httpjson

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
)

func TestDecode(t *testing.T) {
	t.Parallel()
	type body struct {
		Name string `json:"name"`
	}
	tests := []struct {
		name, contentType, body, code string
	}{
		{"ok", "application/json", `{"name": "x"}`, ""},
		{"no content type", "", `{"name": "x"}`, ""},
		{"other content type", "text/plain", `{"name": "x"}`, "unsupported_media_type"},
		{"syntax", "application/json", `{"name": `, "invalid_json"},
		{"unknown field", "application/json", `{"nom": "x"}`, "invalid_json"},
		{"trailing value", "application/json", `{} {}`, "invalid_json"},
		{"too large", "application/json", `{"name": "` + strings.Repeat("a", MaxBody) + `"}`, "body_too_large"},
	}
	for _, tt := range tests {
		r := httptest.NewRequest("POST", "/", strings.NewReader(tt.body))
		if tt.contentType != "" {
			r.Header.Set("Content-Type", tt.contentType)
		}
		var b body
		err := Decode(r, &b)
		var e *Error
		switch {
		case tt.code == "" && err != nil:
			t.Errorf("%s: %v", tt.name, err)
		case tt.code != "" && (!errors.As(err, &e) || e.Code != tt.code):
			t.Errorf("%s: err = %v, want code %s", tt.name, err, tt.code)
		}
	}
}

func TestWriteErrorHidesInternalErrors(t *testing.T) {
	t.Parallel()
	rec := httptest.NewRecorder()
	WriteError(rec, errors.New("pq: password authentication failed for user admin"))
	if rec.Code != http.StatusInternalServerError || strings.Contains(rec.Body.String(), "password") {
		t.Errorf("internal error answered %d %s", rec.Code, rec.Body)
	}
	var out struct {
		Error Error `json:"error"`
	}
	if err := json.Unmarshal(rec.Body.Bytes(), &out); err != nil || out.Error.Code != "internal_error" {
		t.Errorf("envelope %s: %v", rec.Body, err)
	}
}

func TestCursor(t *testing.T) {
	t.Parallel()
	var got string
	if err := DecodeCursor(EncodeCursor("dom_01"), &got); err != nil || got != "dom_01" {
		t.Errorf("round trip = %q, %v", got, err)
	}
	for _, bad := range []string{"!!", "bm90IGpzb24"} {
		var e *Error
		if err := DecodeCursor(bad, &got); !errors.As(err, &e) || e.Code != "invalid_cursor" {
			t.Errorf("DecodeCursor(%q) = %v", bad, err)
		}
	}
}

func TestOrganization(t *testing.T) {
	t.Parallel()
	r := httptest.NewRequest("GET", "/", nil)
	refuse := func(*http.Request) (string, error) { return "", errors.New("session expired for user 42") }
	empty := func(*http.Request) (string, error) { return "", nil }
	for name, f := range map[string]func(*http.Request) (string, error){"nil": nil, "error": refuse, "empty": empty} {
		_, err := Organization(r, f, "You may not.")
		var e *Error
		if !errors.As(err, &e) || e.Status != http.StatusForbidden || strings.Contains(e.Message, "42") {
			t.Errorf("%s: %v", name, err)
		}
	}
	org, err := Organization(r, func(*http.Request) (string, error) { return "org_a", nil }, "")
	if err != nil || org != "org_a" {
		t.Errorf("allowed: %q, %v", org, err)
	}
}

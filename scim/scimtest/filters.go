package scimtest

import (
	"slices"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/scim"
)

// fixture is the directory the filter and sort cases run on.
func fixture(t *testing.T, s scim.Store) {
	t.Helper()
	newDir(t, s, "dir_a", "org_1")
	newDir(t, s, "dir_b", "org_1")
	ent := scim.SchemaEnterpriseUser
	u1 := user("usr_1", "bjensen@example.com", map[string]any{
		"displayName": "Babs Jensen", "active": true, "title": "Tour Guide",
		"name": map[string]any{"givenName": "Barbara", "familyName": "Jensen"},
		"emails": []any{
			map[string]any{"value": "bjensen@example.com", "type": "work", "primary": true},
			map[string]any{"value": "babs@jensen.org", "type": "home"},
		},
		ent: map[string]any{"employeeNumber": "701984", "department": "Tour Operations",
			"manager": map[string]any{"value": "usr_3"}},
	})
	u1.ExternalID = "E-1"
	u2 := user("usr_2", "Jsmith@Example.com", map[string]any{
		"displayName": "John Smith", "active": false,
		"emails": []any{map[string]any{"value": "jsmith@example.com", "type": "work"}},
		ent:      map[string]any{"employeeNumber": "42", "department": "Sales"},
	})
	u2.ExternalID = "e-2"
	u2.LastModified = base.Add(48 * time.Hour)
	u3 := user("usr_3", "mgr@other.net", map[string]any{
		"displayName": "Quote \"Q\" Mgr", "active": true,
		"emails": []any{map[string]any{"value": "mgr@other.net", "type": "home"}},
	})
	u3.LastModified = base.Add(24 * time.Hour)
	u4 := user("usr_4", "nobody", nil)
	insert(t, s, "dir_a", u1, u2, u3, u4, group("grp_1", "Tour Guides"))
	insert(t, s, "dir_b", user("usr_9", "bjensen@example.com", map[string]any{"active": true}))

	// dir_c holds LIKE's wildcards and escape character, which a store
	// that turns co, sw and ew into LIKE must escape.
	newDir(t, s, "dir_c", "org_1")
	c1 := user("usr_c1", "a_b@x.test", map[string]any{"displayName": "100% Pure"})
	c1.ExternalID = "Ab_1"
	c2 := user("usr_c2", "axb@x.test", map[string]any{"displayName": "1000 Pure"})
	c2.ExternalID = "ab_1"
	c3 := user("usr_c3", `back\slash@x.test`, map[string]any{"displayName": `C:\Temp`})
	c3.ExternalID = "Ab%1"
	insert(t, s, "dir_c", c1, c2, c3)
}

// wildcardCases run on dir_c, whose values hold % _ and \.
var wildcardCases = []filterCase{
	{`userName co "_"`, []string{"usr_c1"}},
	{`userName sw "A_"`, []string{"usr_c1"}},
	{`userName co "\\"`, []string{"usr_c3"}},
	{`displayName co "0%"`, []string{"usr_c1"}},
	{`displayName co "PURE"`, []string{"usr_c1", "usr_c2"}},
	{`displayName ew "\\temp"`, []string{"usr_c3"}},
	{`displayName sw "100"`, []string{"usr_c1", "usr_c2"}},
	{`externalId sw "Ab"`, []string{"usr_c1", "usr_c3"}}, // case-exact
	{`externalId co "_1"`, []string{"usr_c1", "usr_c2"}},
	{`externalId ew "%1"`, []string{"usr_c3"}},
	{`externalId co "B"`, nil},
}

// filterCase is a filter and the users of the fixture it selects.
type filterCase struct {
	filter string
	want   []string
}

// runFilterCases lists the users of dir by each case's filter.
func runFilterCases(t *testing.T, s scim.Store, dir string, cases []filterCase) {
	t.Helper()
	for _, tc := range cases {
		f, err := scim.ParseFilter(scim.KindUser, tc.filter)
		if err != nil {
			t.Errorf("ParseFilter(%s): %v", tc.filter, err)
			continue
		}
		p := list(t, s, dir, scim.KindUser, scim.Query{Filter: f, Count: -1})
		if got := resourceIDs(p); !slices.Equal(got, tc.want) || p.Total != len(tc.want) {
			t.Errorf("filter %s: got %v (total %d), want %v", tc.filter, got, p.Total, tc.want)
		}
	}
}

// filterCases run on dir_a.
var filterCases = []filterCase{
	{`userName eq "bjensen@example.com"`, []string{"usr_1"}},
	{`userName eq "BJENSEN@EXAMPLE.COM"`, []string{"usr_1"}},
	{`userName eq "jsmith@example.com"`, []string{"usr_2"}},
	{`userName ne "nobody"`, []string{"usr_1", "usr_2", "usr_3"}},
	{`userName co "example"`, []string{"usr_1", "usr_2"}},
	{`userName sw "J"`, []string{"usr_2"}},
	{`userName ew ".NET"`, []string{"usr_3"}},
	{`userName gt "mgr@other.net"`, []string{"usr_4"}},
	{`userName ge "mgr@other.net"`, []string{"usr_3", "usr_4"}},
	{`userName lt "c"`, []string{"usr_1"}},
	{`userName le "jsmith@example.com"`, []string{"usr_1", "usr_2"}},
	{`externalId eq "E-1"`, []string{"usr_1"}},
	{`externalId eq "e-1"`, nil}, // externalId is caseExact
	{`externalId eq "e-2"`, []string{"usr_2"}},
	{`externalId pr`, []string{"usr_1", "usr_2"}},
	{`id eq "usr_3"`, []string{"usr_3"}},
	{`id eq "USR_3"`, nil},
	{`title pr`, []string{"usr_1"}},
	{`not (title pr)`, []string{"usr_2", "usr_3", "usr_4"}},
	{`active eq true`, []string{"usr_1", "usr_3"}},
	{`active eq false`, []string{"usr_2"}},
	{`active ne true`, []string{"usr_2", "usr_4"}},
	{`displayName eq "Quote \"Q\" Mgr"`, []string{"usr_3"}},
	{`name.givenName eq "barbara"`, []string{"usr_1"}},
	{`name.familyName sw "jen" and active eq true`, []string{"usr_1"}},
	{`emails.value eq "mgr@other.net"`, []string{"usr_3"}},
	{`emails co "jensen.org"`, []string{"usr_1"}},
	{`emails.type eq "work"`, []string{"usr_1", "usr_2"}},
	{`emails[type eq "work" and value co "@example.com"]`, []string{"usr_1", "usr_2"}},
	{`emails[type eq "home" and value ew "example.com"]`, nil},
	{`emails[type eq "home"] and active eq true`, []string{"usr_1", "usr_3"}},
	{`emails[primary eq true]`, []string{"usr_1"}},
	{`userName eq "nobody" or displayName co "smith"`, []string{"usr_2", "usr_4"}},
	{`(userName eq "nobody" or active eq false) and not (displayName pr)`, []string{"usr_4"}},
	{`meta.lastModified gt "2026-01-02T03:04:05Z"`, []string{"usr_2", "usr_3"}},
	{`meta.lastModified ge "2026-01-03T03:04:05Z" and meta.lastModified lt "2026-01-04T00:00:00Z"`,
		[]string{"usr_3"}},
	{`meta.created le "2026-01-02T03:04:05Z"`, []string{"usr_1", "usr_2", "usr_3", "usr_4"}},
	{`meta.resourceType eq "User"`, []string{"usr_1", "usr_2", "usr_3", "usr_4"}},
	{scim.SchemaEnterpriseUser + `:employeeNumber eq "701984"`, []string{"usr_1"}},
	{scim.SchemaEnterpriseUser + `:department co "OPERATIONS"`, []string{"usr_1"}},
	{scim.SchemaEnterpriseUser + `:manager.value eq "usr_3"`, []string{"usr_1"}},
	{scim.SchemaEnterpriseUser + `:employeeNumber pr`, []string{"usr_1", "usr_2"}},
	{scim.SchemaEnterpriseUser + ` pr`, []string{"usr_1", "usr_2"}},
	{`not (` + scim.SchemaEnterpriseUser + ` pr)`, []string{"usr_3", "usr_4"}},
	// The form Entra ID sends, outside the RFC's grammar.
	{`emails[type eq "work"].value eq "jsmith@example.com"`, []string{"usr_2"}},
	{`userName eq "unknown@example.com"`, nil},
}

func testFilters(t *testing.T, s scim.Store) {
	fixture(t, s)
	runFilterCases(t, s, "dir_a", filterCases)
	runFilterCases(t, s, "dir_c", wildcardCases)
	f, _ := scim.ParseFilter(scim.KindGroup, `displayName eq "tour guides"`)
	if got := resourceIDs(list(t, s, "dir_a", scim.KindGroup, scim.Query{Filter: f,
		Count: -1})); !slices.Equal(got, []string{"grp_1"}) {
		t.Errorf("group filter: got %v", got)
	}
}

func sortPath(t *testing.T, kind scim.Kind, attr string) *scim.AttrPath {
	t.Helper()
	f, err := scim.ParseFilter(kind, attr+" pr")
	if err != nil {
		t.Fatal(err)
	}
	p := f.Expr().(*scim.Compare).Path
	return &p
}

func testSortAndPage(t *testing.T, s scim.Store) {
	fixture(t, s)
	cases := []struct {
		name string
		q    scim.Query
		want []string
	}{
		{"by ID", scim.Query{Count: -1}, []string{"usr_1", "usr_2", "usr_3", "usr_4"}},
		{"userName ignoring case", scim.Query{SortBy: sortPath(t, scim.KindUser, "userName"),
			Count: -1},
			[]string{"usr_1", "usr_2", "usr_3", "usr_4"}},
		{"displayName descending, missing first",
			scim.Query{SortBy: sortPath(t, scim.KindUser, "displayName"), Descending: true,
				Count: -1},
			[]string{"usr_4", "usr_3", "usr_2", "usr_1"}},
		{"displayName, missing last", scim.Query{SortBy: sortPath(t, scim.KindUser, "displayName"), Count: -1},
			[]string{"usr_1", "usr_2", "usr_3", "usr_4"}},
		{"created descending, ties by ID", scim.Query{SortBy: sortPath(t, scim.KindUser, "meta.created"),
			Descending: true, Count: 3}, []string{"usr_4", "usr_3", "usr_2"}},
		{"ID descending", scim.Query{Descending: true, Count: 2}, []string{"usr_4", "usr_3"}},
		{"emails by primary value", scim.Query{SortBy: sortPath(t, scim.KindUser, "emails"),
			Count: -1},
			[]string{"usr_1", "usr_2", "usr_3", "usr_4"}},
		{"lastModified", scim.Query{SortBy: sortPath(t, scim.KindUser, "meta.lastModified"),
			Count: -1},
			[]string{"usr_1", "usr_4", "usr_3", "usr_2"}},
		{"page 2 of 2", scim.Query{StartIndex: 3, Count: 2}, []string{"usr_3", "usr_4"}},
		{"count 0", scim.Query{Count: 0}, nil},
		{"start past the end", scim.Query{StartIndex: 10, Count: 5}, nil},
		{"start below 1", scim.Query{StartIndex: -4, Count: 1}, []string{"usr_1"}},
		{"after cursor", scim.Query{After: "usr_2", Count: 1}, []string{"usr_3"}},
	}
	for _, tc := range cases {
		p := list(t, s, "dir_a", scim.KindUser, tc.q)
		if got := resourceIDs(p); !slices.Equal(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
		wantTotal := 4
		if tc.q.After != "" {
			wantTotal = 2
		}
		if p.Total != wantTotal {
			t.Errorf("%s: total %d, want %d", tc.name, p.Total, wantTotal)
		}
	}
}

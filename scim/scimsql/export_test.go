package scimsql

import "github.com/gatehouse/gatehouse/scim"

// TranslateForTest returns the SQL a filter is narrowed to, or "".
func TranslateForTest(f *scim.Filter) string {
	w := (&tx{s: &Store{}, dir: "d"}).translate(f.Expr())
	if w == nil {
		return ""
	}
	return w.sql
}

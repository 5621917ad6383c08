package scimsql

import (
	"github.com/gatehouse/gatehouse/internal/sqlkit"
	"github.com/gatehouse/gatehouse/scim"
)

// TranslateForTest returns the SQL a filter is narrowed to, or "".
func TranslateForTest(f *scim.Filter) string {
	w := (&tx{s: &Store{db: &sqlkit.DB{Dialect: sqlkit.SQLite}}, dir: "d"}).translate(f.Expr())
	if w == nil {
		return ""
	}
	return w.sql
}

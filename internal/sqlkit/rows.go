package sqlkit

import "database/sql"

// Collect scans every row of rows with scan, closes rows, and returns the
// values with the first error met (a scan's, or the iteration's).
func Collect[T any](rows *sql.Rows, scan func(*sql.Rows) (T, error)) ([]T, error) {
	defer rows.Close()
	var out []T
	for rows.Next() {
		v, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, v)
	}
	return out, rows.Err()
}

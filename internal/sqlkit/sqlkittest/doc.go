// Package sqlkittest hands each test an isolated database of each dialect,
// so that the SQL stores' tests can run in parallel.
//
// SQLite databases are temporary files. PostgreSQL databases are fresh
// schemas in the database named by the environment variable
// GATEHOUSE_TEST_POSTGRES (a libpq URL such as
// postgres://postgres@127.0.0.1:5432/test?sslmode=disable), dropped when the
// test ends; without that variable the PostgreSQL tests skip and say why.
//
// A store's tests run on both with [Each]:
//
//	func TestStore(t *testing.T) {
//		sqlkittest.Each(t, func(t *testing.T, db *sql.DB) {
//			store := newStore(t, db) // migrates db
//			...
//		})
//	}
package sqlkittest

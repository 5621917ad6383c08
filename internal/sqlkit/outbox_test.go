package sqlkit_test

import (
	"context"
	"database/sql"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/internal/sqlkit"
	"github.com/gatehouse/gatehouse/internal/sqlkit/sqlkittest"
)

// TestOutboxReaderWaitsForEarlierPositions makes a later position commit
// before an earlier one: a reader must not see the later one alone.
func TestOutboxReaderWaitsForEarlierPositions(t *testing.T) {
	t.Parallel()
	sqlkittest.Each(t, func(t *testing.T, raw *sql.DB) {
		t.Parallel()
		db := wrap(t, raw)
		ctx := context.Background()
		if err := sqlkit.Migrate(ctx, db, "kit", migrations); err != nil {
			t.Fatal(err)
		}
		box := sqlkit.NewOutbox("kit")
		insert := db.Rebind(`INSERT INTO kit_counter (n) VALUES (?)`)
		if db.Dialect == sqlkit.SQLite {
			// One writer at a time: the late commit cannot happen.
			testOutboxRead(t, db, box, nil)
			return
		}

		// Writer A draws a position and holds its transaction open.
		slow, err := db.BeginTx(ctx, nil)
		if err != nil {
			t.Fatal(err)
		}
		if err := db.LockOutbox(ctx, slow, box); err != nil {
			t.Fatal(err)
		}
		if _, err := slow.ExecContext(ctx, insert, 100); err != nil {
			t.Fatal(err)
		}
		// Writer B draws a later position and commits first.
		if err := db.InTx(ctx, func(tx *sql.Tx) error {
			if err := db.LockOutbox(ctx, tx, box); err != nil {
				return err
			}
			_, err := tx.ExecContext(ctx, insert, 200)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		testOutboxRead(t, db, box, func() {
			time.Sleep(50 * time.Millisecond)
			if err := slow.Commit(); err != nil {
				t.Error(err)
			}
		})
	})
}

// testOutboxRead reads the rows after the seed row while release (if any)
// runs, and checks that the read saw both appended rows.
func testOutboxRead(t *testing.T, db *sqlkit.DB, box sqlkit.Outbox, release func()) {
	t.Helper()
	ctx := context.Background()
	if release == nil {
		for _, n := range []int{100, 200} {
			if _, err := db.Exec(db.Rebind(`INSERT INTO kit_counter (n) VALUES (?)`), n); err != nil {
				t.Fatal(err)
			}
		}
	} else {
		go release()
	}
	var seen []int
	err := db.ReadOutbox(ctx, box, func(q sqlkit.Queryer) error {
		rows, err := q.QueryContext(ctx, `SELECT n FROM kit_counter WHERE n > 0 ORDER BY seq`)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var n int
			if err := rows.Scan(&n); err != nil {
				return err
			}
			seen = append(seen, n)
		}
		return rows.Err()
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(seen) != 2 || seen[0] != 100 || seen[1] != 200 {
		t.Errorf("the reader saw %v, want [100 200]: it read past a position still in flight", seen)
	}
}

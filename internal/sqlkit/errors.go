package sqlkit

import (
	"errors"

	"github.com/jackc/pgx/v5/pgconn"
	"modernc.org/sqlite"
)

// SQLite result codes (the primary code is the low byte of the extended
// code that the driver reports).
const (
	sqliteBusy             = 5
	sqliteLocked           = 6
	sqliteConstraint       = 19
	sqliteConstraintPK     = 1555
	sqliteConstraintUnique = 2067
)

// PostgreSQL SQLSTATE codes.
const (
	pgSerializationFailure = "40001"
	pgDeadlock             = "40P01"
	pgUniqueViolation      = "23505"
	pgForeignKeyViolation  = "23503"
)

// IsRetryable reports whether err is a transient conflict after which the
// whole transaction may be run again: SQLite busy or locked, or a
// PostgreSQL serialization failure or deadlock.
func IsRetryable(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		code := se.Code() & 0xff
		return code == sqliteBusy || code == sqliteLocked
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == pgSerializationFailure || pe.Code == pgDeadlock
	}
	return false
}

// IsUniqueViolation reports whether err is the violation of a unique or
// primary key constraint.
func IsUniqueViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == sqliteConstraintUnique || se.Code() == sqliteConstraintPK
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == pgUniqueViolation
	}
	return false
}

// IsForeignKeyViolation reports whether err is the violation of a foreign
// key constraint.
func IsForeignKeyViolation(err error) bool {
	var se *sqlite.Error
	if errors.As(err, &se) {
		return se.Code() == 787 // SQLITE_CONSTRAINT_FOREIGNKEY
	}
	var pe *pgconn.PgError
	if errors.As(err, &pe) {
		return pe.Code == pgForeignKeyViolation
	}
	return false
}

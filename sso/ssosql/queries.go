package ssosql

import (
	"fmt"
	"io/fs"

	"github.com/gatehouse/gatehouse/internal/sqlkit"
)

func fsSub() (fs.FS, error) {
	sub, err := fs.Sub(migrations, "migrations")
	if err != nil {
		return nil, fmt.Errorf("ssosql: %w", err)
	}
	return sub, nil
}

// queries holds the store's SQL in the dialect's placeholder form.
type queries struct {
	insertConn, updateConn, getConn, getConnByID, listConns, deleteConn string
	metadataDue                                                         string
	insertState, takeState, sweepStates                                 string
	remember, sweepUsed                                                 string
	insertAttempt, trimAttempts, listAttempts, deleteAttempts           string
	insertEvent, listEvents                                             string
}

func prepare(db *sqlkit.DB) queries {
	r := db.Rebind
	return queries{
		insertConn: r(`INSERT INTO sso_connections (id, organization_id, body, created_at, updated_at,
			metadata_url, metadata_fetched_at) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		updateConn: r(`UPDATE sso_connections SET body = ?, updated_at = ?, metadata_url = ?,
			metadata_fetched_at = ? WHERE id = ? AND organization_id = ?`),
		getConn:     r(`SELECT body FROM sso_connections WHERE id = ? AND organization_id = ?`),
		getConnByID: r(`SELECT body FROM sso_connections WHERE id = ?`),
		listConns: r(`SELECT body FROM sso_connections WHERE organization_id = ? AND id > ?
			ORDER BY id LIMIT ?`),
		deleteConn: r(`DELETE FROM sso_connections WHERE id = ? AND organization_id = ?`),
		// Served by the partial index sso_connections_metadata_due.
		metadataDue: r(`SELECT body FROM sso_connections
			WHERE metadata_url <> '' AND metadata_fetched_at < ?
			ORDER BY metadata_fetched_at, id LIMIT ?`),

		insertState: r(`INSERT INTO sso_login_states (id, organization_id, connection_id,
			return_path, nonce, code_verifier, browser_hash, created_at, expires_at, flow)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		takeState: r(`DELETE FROM sso_login_states WHERE id = ? RETURNING id, organization_id,
			connection_id, return_path, nonce, code_verifier, browser_hash, created_at, expires_at,
			flow`),
		sweepStates: r(`DELETE FROM sso_login_states WHERE expires_at <= ?`),

		remember: r(`INSERT INTO sso_used (key, expires_at) VALUES (?, ?)
			ON CONFLICT (key) DO UPDATE SET expires_at = excluded.expires_at
			WHERE sso_used.expires_at <= ?`),
		sweepUsed: r(`DELETE FROM sso_used WHERE expires_at <= ?`),

		insertAttempt: r(`INSERT INTO sso_attempts (id, organization_id, connection_id, time,
			reason, detail, subject, flow) VALUES (?, ?, ?, ?, ?, ?, ?, ?)`),
		trimAttempts: r(`DELETE FROM sso_attempts WHERE connection_id = ? AND seq <= (
			SELECT seq FROM sso_attempts WHERE connection_id = ? ORDER BY seq DESC LIMIT 1 OFFSET ?)`),
		listAttempts: r(`SELECT id, organization_id, connection_id, time, reason, detail, subject,
			flow FROM sso_attempts WHERE organization_id = ? AND connection_id = ? ORDER BY seq DESC LIMIT ?`),
		deleteAttempts: r(`DELETE FROM sso_attempts WHERE connection_id = ?`),

		insertEvent: r(`INSERT INTO sso_events (id, body) VALUES (?, ?)`),
		// Served by the primary key.
		listEvents: r(`SELECT seq, body FROM sso_events WHERE seq > ? ORDER BY seq LIMIT ?`),
	}
}

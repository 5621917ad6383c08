package secretssql

import "github.com/gatehouse/gatehouse/internal/sqlkit"

// queries holds the store's statements, rebound for the dialect once.
type queries struct {
	secret, lockSecret, insertSecret, updateSecret, version, versions    string
	insertVersion, pruneVersions, list, listDeleted, setDeleted, restore string
	destroySecret, destroyVersions, deletedBefore, notUnder, rewrap      string
	insertEvent, events, pruneEvents, setMetadata, countNotUnder         string
	insertKey, keyByHash, key, listKeys, listOwnerKeys, shortenKey       string
	revokeKey, revokeOwner, touchKey, keyExists                          string
}

const secretCols = `organization_id, name, metadata, latest_version, created_at, updated_at, deleted_at`
const versionCols = `organization_id, name, version, key_id, wrapped_key, ciphertext, created_at`
const keyCols = `id, organization_id, owner_type, owner_id, name, scopes, hint, hash, created_at,
	expires_at, revoked_at, last_used_at, rotated_from`

func prepare(db *sqlkit.DB) queries {
	r := db.Rebind
	return queries{
		secret:     r(`SELECT ` + secretCols + ` FROM secrets_secrets WHERE organization_id = ? AND name = ?`),
		lockSecret: r(`SELECT latest_version, deleted_at FROM secrets_secrets WHERE organization_id = ? AND name = ?`),
		insertSecret: r(`INSERT INTO secrets_secrets (` + secretCols + `) VALUES (?, ?, ?, ?, ?, ?, NULL)
			ON CONFLICT DO NOTHING`),
		updateSecret: r(`UPDATE secrets_secrets SET metadata = ?, latest_version = ?, updated_at = ?
			WHERE organization_id = ? AND name = ? AND latest_version = ? AND deleted_at IS NULL`),
		// One round trip tells a missing secret, a deleted one and a
		// missing version apart.
		version: r(`SELECT s.deleted_at, v.version, v.key_id, v.wrapped_key, v.ciphertext, v.created_at
			FROM secrets_secrets s LEFT JOIN secrets_versions v
			ON v.organization_id = s.organization_id AND v.name = s.name
			AND v.version = CASE WHEN ? = 0 THEN s.latest_version ELSE ? END
			WHERE s.organization_id = ? AND s.name = ?`),
		versions: r(`SELECT version FROM secrets_versions WHERE organization_id = ? AND name = ?
			ORDER BY version`),
		insertVersion: r(`INSERT INTO secrets_versions (` + versionCols + `) VALUES (?, ?, ?, ?, ?, ?, ?)`),
		pruneVersions: r(`DELETE FROM secrets_versions WHERE organization_id = ? AND name = ? AND version <= ?`),
		list: r(`SELECT ` + secretCols + ` FROM secrets_secrets
			WHERE organization_id = ? AND name > ? AND deleted_at IS NULL ORDER BY name LIMIT ?`),
		listDeleted: r(`SELECT ` + secretCols + ` FROM secrets_secrets
			WHERE organization_id = ? AND name > ? ORDER BY name LIMIT ?`),
		setDeleted: r(`UPDATE secrets_secrets SET deleted_at = ?
			WHERE organization_id = ? AND name = ? AND deleted_at IS NULL`),
		restore: r(`UPDATE secrets_secrets SET deleted_at = NULL
			WHERE organization_id = ? AND name = ? AND deleted_at IS NOT NULL`),
		destroySecret:   r(`DELETE FROM secrets_secrets WHERE organization_id = ? AND name = ?`),
		destroyVersions: r(`DELETE FROM secrets_versions WHERE organization_id = ? AND name = ?`),
		deletedBefore: r(`SELECT organization_id, name FROM secrets_secrets
			WHERE deleted_at IS NOT NULL AND deleted_at < ? ORDER BY deleted_at LIMIT ?`),
		notUnder: r(`SELECT ` + versionCols + ` FROM secrets_versions
			WHERE (organization_id, name, version) > (?, ?, ?) AND key_id <> ?
			ORDER BY organization_id, name, version LIMIT ?`),
		rewrap: r(`UPDATE secrets_versions SET key_id = ?, wrapped_key = ?
			WHERE organization_id = ? AND name = ? AND version = ? AND key_id = ?`),
		insertEvent: r(`INSERT INTO secrets_events (id, type, organization_id, time, actor_type, actor_id, data)
			VALUES (?, ?, ?, ?, ?, ?, ?)`),
		events: r(`SELECT seq, id, type, organization_id, time, actor_type, actor_id, data
			FROM secrets_events WHERE seq > ? ORDER BY seq LIMIT ?`),
		setMetadata: r(`UPDATE secrets_secrets SET metadata = ?, updated_at = ?
			WHERE organization_id = ? AND name = ? AND deleted_at IS NULL`),
		countNotUnder: r(`SELECT count(*) FROM secrets_versions WHERE key_id <> ?`),
		pruneEvents:   r(`DELETE FROM secrets_events WHERE seq <= ?`),
		insertKey: r(`INSERT INTO secrets_api_keys (` + keyCols + `)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`),
		keyByHash: r(`SELECT ` + keyCols + ` FROM secrets_api_keys WHERE hash = ?`),
		key:       r(`SELECT ` + keyCols + ` FROM secrets_api_keys WHERE organization_id = ? AND id = ?`),
		listKeys: r(`SELECT ` + keyCols + ` FROM secrets_api_keys
			WHERE organization_id = ? AND id > ? ORDER BY id LIMIT ?`),
		listOwnerKeys: r(`SELECT ` + keyCols + ` FROM secrets_api_keys
			WHERE organization_id = ? AND owner_type = ? AND owner_id = ? AND id > ? ORDER BY id LIMIT ?`),
		// Pulls the expiry in (never out) and locks the row; a revoked key
		// matches nothing.
		shortenKey: r(`UPDATE secrets_api_keys
			SET expires_at = CASE WHEN expires_at > ? THEN ? ELSE expires_at END
			WHERE organization_id = ? AND id = ? AND revoked_at IS NULL`),
		revokeKey: r(`UPDATE secrets_api_keys SET revoked_at = ?
			WHERE organization_id = ? AND id = ? AND revoked_at IS NULL`),
		revokeOwner: r(`UPDATE secrets_api_keys SET revoked_at = ?
			WHERE organization_id = ? AND owner_type = ? AND owner_id = ? AND revoked_at IS NULL`),
		keyExists: r(`SELECT count(*) FROM secrets_api_keys WHERE organization_id = ? AND id = ?`),
		touchKey: r(`UPDATE secrets_api_keys SET last_used_at = ?
			WHERE id = ? AND (last_used_at IS NULL OR last_used_at < ?)`),
	}
}

package authzsql

import (
	"context"
	"fmt"

	"github.com/gatehouse/gatehouse/authz"
)

// directQuery reads, in one statement served by the primary key and the
// usersets index, the tuples that decide a direct assignment: the exact
// user, the wildcard of its type, and every userset.
const directQuery = `SELECT 0 AS k, user_type, user_id, user_relation, condition_name, condition_context
	FROM authz_tuples WHERE org = ? AND object_type = ? AND object_id = ? AND relation = ?
	AND user_type = ? AND user_id = ? AND user_relation = ?
UNION ALL
SELECT 1 AS k, user_type, user_id, user_relation, condition_name, condition_context
	FROM authz_tuples WHERE org = ? AND object_type = ? AND object_id = ? AND relation = ?
	AND user_type = ? AND user_id = '*' AND user_relation = ''
UNION ALL
SELECT 2 AS k, user_type, user_id, user_relation, condition_name, condition_context
	FROM authz_tuples WHERE org = ? AND object_type = ? AND object_id = ? AND relation = ?
	AND user_relation <> ''
ORDER BY k, user_type, user_id, user_relation`

// ReadDirect implements [authz.Store].
func (s *Store) ReadDirect(ctx context.Context, org, object, relation,
	user string) ([]authz.Tuple, error) {
	c, err := split(authz.Tuple{Object: object, Relation: relation, User: user})
	if err != nil {
		return nil, nil
	}
	wildType := c.utyp
	if c.uid == "*" || c.urel != "" {
		wildType = "" // no type is named "", so the wildcard branch finds nothing
	}
	obj := []any{org, c.otyp, c.oid, c.rel}
	args := append(append([]any{}, obj...), c.utyp, c.uid, c.urel)
	args = append(append(args, obj...), wildType)
	args = append(args, obj...)
	rows, err := s.query(ctx, s.q.direct, args...)
	if err != nil {
		return nil, fmt.Errorf("authzsql: reading tuples: %w", err)
	}
	defer rows.Close()
	var out []authz.Tuple
	for rows.Next() {
		var k int
		u := cols{otyp: c.otyp, oid: c.oid, rel: c.rel}
		var name string
		var cctx []byte
		if err := rows.Scan(&k, &u.utyp, &u.uid, &u.urel, &name, &cctx); err != nil {
			return nil, fmt.Errorf("authzsql: reading tuples: %w", err)
		}
		if k == 2 && u.utyp == c.utyp && u.uid == c.uid && u.urel == c.urel {
			continue // the exact user, found already
		}
		t := u.tuple()
		if t.Condition, err = decodeCondition(name, cctx); err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("authzsql: reading tuples: %w", err)
	}
	return out, nil
}

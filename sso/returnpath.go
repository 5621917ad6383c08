package sso

import (
	"errors"
	"net/url"
	"strings"
)

// MaxReturnPathLength bounds a return path, in bytes.
const MaxReturnPathLength = 2048

// ErrBadReturnPath reports a return path that could lead off the host's
// site.
var ErrBadReturnPath = errors.New("sso: return path must be a local absolute path")

// ValidReturnPath returns p if it is a path on the host's own site, "/" if
// p is empty, and ErrBadReturnPath otherwise. It refuses anything a
// browser could resolve to another origin: schemes, hosts, "//" and "/\"
// prefixes, backslashes, control characters and percent-encoded slashes
// or backslashes at the start.
func ValidReturnPath(p string) (string, error) {
	if p == "" {
		return "/", nil
	}
	if len(p) > MaxReturnPathLength || !strings.HasPrefix(p, "/") {
		return "", ErrBadReturnPath
	}
	if strings.HasPrefix(p, "//") || strings.ContainsAny(p, "\\") {
		return "", ErrBadReturnPath
	}
	for _, r := range p {
		if r < 0x20 || r == 0x7f {
			return "", ErrBadReturnPath
		}
	}
	u, err := url.Parse(p)
	if err != nil || u.Scheme != "" || u.Host != "" || u.User != nil {
		return "", ErrBadReturnPath
	}
	if unescaped, err := url.PathUnescape(u.EscapedPath()); err != nil ||
		strings.HasPrefix(unescaped, "//") || strings.Contains(unescaped, "\\") {
		return "", ErrBadReturnPath
	}
	return p, nil
}

package sso

import (
	"context"
	"errors"
	"net/http"
)

// OIDC connections are not implemented yet: saving one or starting its
// login fails with this error. The relying party (discovery, code flow
// with PKCE, ID token verification) is the next step of the package.
var errOIDCMissing = errors.New("sso: OIDC connections are not supported yet")

func (s *Service) startOIDC(http.ResponseWriter, *http.Request, *Connection, string) error {
	return errOIDCMissing
}

func (s *Service) prepareOIDC(context.Context, *Connection) error { return errOIDCMissing }

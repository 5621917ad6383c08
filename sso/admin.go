package sso

import (
	"errors"
	"net/http"
	"strconv"
	"time"

	"github.com/gatehouse/gatehouse/internal/httpjson"
)

// certificateWarning is how far ahead the admin API reports IdP
// certificates that are about to expire.
const certificateWarning = 30 * 24 * time.Hour

// AdminHandler returns the JSON admin API for the connections of the
// organization that Config.Organization names for each request. Mount it
// under a prefix with http.StripPrefix; its paths are:
//
//	GET    /connections                  list (?cursor=&limit=)
//	POST   /connections                  create
//	GET    /connections/{id}             read
//	PUT    /connections/{id}             replace
//	DELETE /connections/{id}             delete
//	POST   /connections/{id}/test        validate again and report certificates
//	POST   /connections/{id}/refresh     fetch the IdP metadata from its URL now
//	GET    /connections/{id}/attempts    recent login attempts (?limit=)
//
// Errors use the envelope {"error": {"code", "message"}}. Without
// Config.Organization every request is refused.
func (s *Service) AdminHandler() http.Handler {
	mux := http.NewServeMux()
	mux.HandleFunc("GET /connections", s.admin(s.listConnections))
	mux.HandleFunc("POST /connections", s.admin(s.createConnection))
	mux.HandleFunc("GET /connections/{id}", s.admin(s.getConnection))
	mux.HandleFunc("PUT /connections/{id}", s.admin(s.putConnection))
	mux.HandleFunc("DELETE /connections/{id}", s.admin(s.deleteConnection))
	mux.HandleFunc("POST /connections/{id}/test", s.admin(s.testConnection))
	mux.HandleFunc("POST /connections/{id}/refresh", s.admin(s.refreshConnection))
	mux.HandleFunc("GET /connections/{id}/attempts", s.admin(s.listAttempts))
	return mux
}

type adminFunc func(w http.ResponseWriter, r *http.Request, org string) error

// admin resolves the caller's organization and answers errors in the
// envelope.
func (s *Service) admin(f adminFunc) http.HandlerFunc {
	return func(w http.ResponseWriter, r *http.Request) {
		org, err := httpjson.Organization(r, s.cfg.Organization,
			"You may not administer single sign-on here.")
		if err != nil {
			httpjson.WriteError(w, err)
			return
		}
		if err := f(w, r, org); err != nil {
			httpjson.WriteError(w, adminError(err))
		}
	}
}

func adminError(err error) error {
	var ve *ValidationError
	var he *httpjson.Error
	switch {
	case errors.As(err, &he):
		return he
	case errors.As(err, &ve):
		return httpjson.Errorf(http.StatusBadRequest, "invalid_connection", "%s: %s", ve.Field, ve.Problem)
	case errors.Is(err, ErrNotFound):
		return httpjson.Errorf(http.StatusNotFound, "not_found", "No such connection.")
	}
	return err
}

// connectionInput is what an admin may set on a connection.
type connectionInput struct {
	Name     string           `json:"name"`
	Protocol Protocol         `json:"protocol"`
	Enabled  bool             `json:"enabled"`
	SAML     *SAMLConfig      `json:"saml,omitempty"`
	OIDC     *oidcInput       `json:"oidc,omitempty"`
	Mapping  AttributeMapping `json:"attribute_mapping"`
}

type oidcInput struct {
	Issuer       string     `json:"issuer"`
	ClientID     string     `json:"client_id"`
	ClientSecret Secret     `json:"client_secret,omitempty"`
	Scopes       []string   `json:"scopes,omitempty"`
	AuthMethod   AuthMethod `json:"auth_method,omitempty"`
	HostedDomain string     `json:"hosted_domain,omitempty"`
}

func (in *connectionInput) connection(org string) *Connection {
	c := &Connection{OrganizationID: org, Name: in.Name, Protocol: in.Protocol,
		Enabled: in.Enabled, SAML: in.SAML, Mapping: in.Mapping}
	if in.OIDC != nil {
		c.OIDC = &OIDCConfig{Issuer: in.OIDC.Issuer, ClientID: in.OIDC.ClientID,
			ClientSecret: in.OIDC.ClientSecret, Scopes: in.OIDC.Scopes, AuthMethod: in.OIDC.AuthMethod,
			HostedDomain: in.OIDC.HostedDomain}
	}
	return c
}

func (s *Service) createConnection(w http.ResponseWriter, r *http.Request, org string) error {
	var in connectionInput
	if err := httpjson.Decode(r, &in); err != nil {
		return err
	}
	c, err := s.CreateConnection(r.Context(), in.connection(org))
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusCreated, s.view(c))
	return nil
}

func (s *Service) putConnection(w http.ResponseWriter, r *http.Request, org string) error {
	var in connectionInput
	if err := httpjson.Decode(r, &in); err != nil {
		return err
	}
	c := in.connection(org)
	c.ID = r.PathValue("id")
	c, err := s.UpdateConnection(r.Context(), c)
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, s.view(c))
	return nil
}

func (s *Service) getConnection(w http.ResponseWriter, r *http.Request, org string) error {
	c, err := s.cfg.Store.Connection(r.Context(), org, r.PathValue("id"))
	if err != nil {
		return err
	}
	httpjson.Write(w, http.StatusOK, s.view(c))
	return nil
}

func (s *Service) deleteConnection(w http.ResponseWriter, r *http.Request, org string) error {
	if err := s.DeleteConnection(r.Context(), org, r.PathValue("id")); err != nil {
		return err
	}
	w.WriteHeader(http.StatusNoContent)
	return nil
}

// testConnection validates a stored connection again (metadata, discovery)
// without changing it.
func (s *Service) testConnection(w http.ResponseWriter, r *http.Request, org string) error {
	result := map[string]any{"ok": true}
	err := s.CheckConnection(r.Context(), org, r.PathValue("id"))
	var ve *ValidationError
	switch {
	case errors.As(err, &ve):
		result = map[string]any{"ok": false, "problem": adminError(err).Error()}
	case err != nil:
		return err
	}
	httpjson.Write(w, http.StatusOK, result)
	return nil
}

// refreshConnection fetches a SAML connection's metadata from its URL now;
// on failure the connection keeps its last good metadata.
func (s *Service) refreshConnection(w http.ResponseWriter, r *http.Request, org string) error {
	c, err := s.RefreshMetadata(r.Context(), org, r.PathValue("id"))
	var ve *ValidationError
	switch {
	case errors.As(err, &ve):
		return httpjson.Errorf(http.StatusBadGateway, "metadata_refresh_failed",
			"The metadata could not be refreshed (%s: %s); the last good copy is kept.", ve.Field, ve.Problem)
	case err != nil:
		return err
	}
	httpjson.Write(w, http.StatusOK, s.view(c))
	return nil
}

func (s *Service) listConnections(w http.ResponseWriter, r *http.Request, org string) error {
	limit, err := limitParam(r, 50, 200)
	if err != nil {
		return err
	}
	var after string
	if err := httpjson.DecodeCursor(r.URL.Query().Get("cursor"), &after); err != nil {
		return err
	}
	page, err := s.cfg.Store.ListConnections(r.Context(), org, after, limit+1)
	if err != nil {
		return err
	}
	out := struct {
		Data       []connectionView `json:"data"`
		NextCursor string           `json:"next_cursor,omitempty"`
	}{Data: []connectionView{}}
	if len(page) > limit {
		page = page[:limit]
		out.NextCursor = httpjson.EncodeCursor(page[len(page)-1].ID)
	}
	for _, c := range page {
		out.Data = append(out.Data, s.view(c))
	}
	httpjson.Write(w, http.StatusOK, out)
	return nil
}

func (s *Service) listAttempts(w http.ResponseWriter, r *http.Request, org string) error {
	limit, err := limitParam(r, 50, 200)
	if err != nil {
		return err
	}
	id := r.PathValue("id")
	if _, err := s.cfg.Store.Connection(r.Context(), org, id); err != nil {
		return err
	}
	atts, err := s.cfg.Store.Attempts(r.Context(), org, id, limit)
	if err != nil {
		return err
	}
	if atts == nil {
		atts = []*Attempt{}
	}
	httpjson.Write(w, http.StatusOK, map[string]any{"data": atts})
	return nil
}

func limitParam(r *http.Request, def, max int) (int, error) {
	v := r.URL.Query().Get("limit")
	if v == "" {
		return def, nil
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > max {
		return 0, httpjson.Errorf(http.StatusBadRequest, "invalid_limit",
			"limit must be a number from 1 to %d.", max)
	}
	return n, nil
}

// connectionView is a connection as the admin API shows it: no secrets,
// and what the admin needs to configure the IdP.
type connectionView struct {
	ID             string           `json:"id"`
	OrganizationID string           `json:"organization_id"`
	Name           string           `json:"name"`
	Protocol       Protocol         `json:"protocol"`
	Enabled        bool             `json:"enabled"`
	SAML           *SAMLConfig      `json:"saml,omitempty"`
	OIDC           *oidcView        `json:"oidc,omitempty"`
	SP             *spView          `json:"service_provider,omitempty"`
	Mapping        AttributeMapping `json:"attribute_mapping"`
	CreatedAt      time.Time        `json:"created_at"`
	UpdatedAt      time.Time        `json:"updated_at"`
}

type oidcView struct {
	Issuer          string     `json:"issuer"`
	ClientID        string     `json:"client_id"`
	HasClientSecret bool       `json:"has_client_secret"`
	Scopes          []string   `json:"scopes,omitempty"`
	AuthMethod      AuthMethod `json:"auth_method"`
	HostedDomain    string     `json:"hosted_domain,omitempty"`
	RedirectURI     string     `json:"redirect_uri"`
	// The URLs an admin registers at the provider for logout.
	PostLogoutRedirectURI string `json:"post_logout_redirect_uri"`
	BackChannelLogoutURI  string `json:"backchannel_logout_uri"`
}

type spView struct {
	EntityID     string            `json:"entity_id"`
	ACSURL       string            `json:"acs_url"`
	MetadataURL  string            `json:"metadata_url"`
	Certificates []CertificateInfo `json:"idp_certificates"`
}

func (s *Service) view(c *Connection) connectionView {
	v := connectionView{ID: c.ID, OrganizationID: c.OrganizationID, Name: c.Name,
		Protocol: c.Protocol, Enabled: c.Enabled, SAML: c.SAML, Mapping: c.Mapping,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt}
	if c.SAML != nil {
		certs, _ := c.SAML.CertificateStatus(s.now(), certificateWarning)
		v.SP = &spView{EntityID: s.SPEntityID(c), ACSURL: s.ACSURL(c),
			MetadataURL: s.endpoint("saml", c.ID, "metadata"), Certificates: certs}
	}
	if o := c.OIDC; o != nil {
		v.OIDC = &oidcView{Issuer: o.Issuer, ClientID: o.ClientID, Scopes: o.Scopes,
			HasClientSecret: len(o.SealedClientSecret) > 0, AuthMethod: o.AuthMethod,
			HostedDomain: o.HostedDomain, RedirectURI: s.endpoint("oidc", c.ID, "callback"),
			PostLogoutRedirectURI: s.PostLogoutRedirectURL(c),
			BackChannelLogoutURI:  s.BackChannelLogoutURL(c)}
	}
	return v
}

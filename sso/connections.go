package sso

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"slices"
	"strings"
)

// ValidationError says precisely what is wrong with a connection that was
// to be saved.
type ValidationError struct {
	Field   string
	Problem string
}

// Error returns the field and the problem.
func (e *ValidationError) Error() string {
	return fmt.Sprintf("sso: %s: %s", e.Field, e.Problem)
}

func invalid(field, format string, args ...any) error {
	return &ValidationError{Field: field, Problem: fmt.Sprintf(format, args...)}
}

// CreateConnection validates c, completes it (a new ID, settings read from
// SAML metadata, the OIDC client secret sealed) and stores it. It returns
// the stored connection. The Store writes an [EventConnectionCreated] to
// its outbox with the connection; Config.OnEvent receives it after.
func (s *Service) CreateConnection(ctx context.Context, c *Connection) (*Connection, error) {
	c = c.clone()
	if c.OrganizationID == "" {
		return nil, invalid("organization_id", "is required")
	}
	now := s.now()
	c.ID, c.CreatedAt, c.UpdatedAt = newConnectionID(now), now, now
	if err := s.prepare(ctx, c); err != nil {
		return nil, err
	}
	e := s.connectionEvent(EventConnectionCreated, c)
	if err := s.cfg.Store.CreateConnection(ctx, c, e); err != nil {
		return nil, fmt.Errorf("sso: creating connection: %w", err)
	}
	s.notify(ctx, e)
	return c, nil
}

// UpdateConnection validates and completes c as CreateConnection does and
// replaces the stored connection with c's ID in c's organization. An empty
// OIDC client secret keeps the sealed one. The Store writes an
// [EventConnectionUpdated] to its outbox with the change.
func (s *Service) UpdateConnection(ctx context.Context, c *Connection) (*Connection, error) {
	old, err := s.cfg.Store.Connection(ctx, c.OrganizationID, c.ID)
	if err != nil {
		return nil, fmt.Errorf("sso: loading connection: %w", err)
	}
	c = c.clone()
	c.CreatedAt, c.UpdatedAt = old.CreatedAt, s.now()
	if c.OIDC != nil && c.OIDC.ClientSecret == "" && old.OIDC != nil {
		c.OIDC.SealedClientSecret = old.OIDC.SealedClientSecret
	}
	if err := s.prepare(ctx, c); err != nil {
		return nil, err
	}
	e := s.connectionEvent(EventConnectionUpdated, c)
	if err := s.cfg.Store.UpdateConnection(ctx, c, e); err != nil {
		return nil, fmt.Errorf("sso: updating connection: %w", err)
	}
	s.notify(ctx, e)
	return c, nil
}

// DeleteConnection deletes connection id of organization org and its log
// of attempts. The Store writes an [EventConnectionDeleted] to its outbox
// with the deletion.
func (s *Service) DeleteConnection(ctx context.Context, org, id string) error {
	c, err := s.cfg.Store.Connection(ctx, org, id)
	if err != nil {
		return fmt.Errorf("sso: loading connection: %w", err)
	}
	e := s.connectionEvent(EventConnectionDeleted, c)
	if err := s.cfg.Store.DeleteConnection(ctx, org, id, e); err != nil {
		return fmt.Errorf("sso: deleting connection: %w", err)
	}
	s.notify(ctx, e)
	return nil
}

// CheckConnection validates a stored connection again, as saving it would
// (fetching metadata from its URL, asking for discovery), without
// changing it. It returns a *ValidationError saying what is wrong.
func (s *Service) CheckConnection(ctx context.Context, org, id string) error {
	c, err := s.cfg.Store.Connection(ctx, org, id)
	if err != nil {
		return fmt.Errorf("sso: loading connection: %w", err)
	}
	if c.SAML != nil && c.SAML.IdPMetadataURL != "" {
		c.SAML.IdPMetadataXML = "" // fetch it again
	}
	return s.prepare(ctx, c)
}

// prepare validates c and completes what it derives.
func (s *Service) prepare(ctx context.Context, c *Connection) error {
	switch c.Protocol {
	case ProtocolSAML:
		if c.SAML == nil || c.OIDC != nil {
			return invalid("saml", "a SAML connection needs saml settings and no oidc settings")
		}
		return s.prepareSAML(ctx, c.SAML)
	case ProtocolOIDC:
		if c.OIDC == nil || c.SAML != nil {
			return invalid("oidc", "an OIDC connection needs oidc settings and no saml settings")
		}
		return s.prepareOIDC(ctx, c)
	}
	return invalid("protocol", "is %q, want \"saml\" or \"oidc\"", c.Protocol)
}

func (s *Service) prepareSAML(ctx context.Context, c *SAMLConfig) error {
	if c.IdPMetadataXML == "" && c.IdPMetadataURL != "" {
		doc, err := s.fetchMetadata(ctx, c.IdPMetadataURL)
		if err != nil {
			return invalid("saml.idp_metadata_url", "%v", err)
		}
		c.IdPMetadataXML, c.MetadataFetchedAt = string(doc), s.now()
	}
	if c.IdPMetadataXML != "" {
		md, err := ParseIdPMetadata([]byte(c.IdPMetadataXML))
		if err != nil {
			return invalid("saml.idp_metadata_xml", "%s", strings.TrimPrefix(err.Error(), "sso: "))
		}
		c.applyMetadata(md)
	}
	return c.validate()
}

// applyMetadata takes the IdP's settings from md.
func (c *SAMLConfig) applyMetadata(md *IdPMetadata) {
	c.IdPEntityID, c.IdPCertificates = md.EntityID, md.Certificates
	c.applySLO(md)
	want := c.Binding
	if want == "" {
		want = "redirect"
	}
	if u, ok := md.SSOURLs[want]; ok {
		c.IdPSSOURL = u
		return
	}
	for b, u := range md.SSOURLs {
		c.Binding, c.IdPSSOURL = b, u
	}
}

// applySLO takes the single logout service from md when it names one:
// HTTP-Redirect unless the admin chose POST or the IdP offers only POST.
func (c *SAMLConfig) applySLO(md *IdPMetadata) {
	if len(md.SLOURLs) == 0 {
		return
	}
	want := c.IdPSLOBinding
	if want == "" {
		want = "redirect"
	}
	if u, ok := md.SLOURLs[want]; ok {
		c.IdPSLOURL, c.IdPSLOBinding = u, want
		return
	}
	for b, u := range md.SLOURLs {
		c.IdPSLOURL, c.IdPSLOBinding = u, b
	}
}

func (c *SAMLConfig) validate() error {
	if c.IdPEntityID == "" {
		return invalid("saml.idp_entity_id", "is required (or give the IdP metadata)")
	}
	if err := checkURL(c.IdPSSOURL); err != nil {
		return invalid("saml.idp_sso_url", "%v", err)
	}
	if len(c.IdPCertificates) == 0 {
		return invalid("saml.idp_certificates", "at least one signing certificate is required")
	}
	if _, err := parseCertificates(c.IdPCertificates); err != nil {
		return invalid("saml.idp_certificates", "%v", err)
	}
	if c.Binding != "" && c.Binding != "redirect" && c.Binding != "post" {
		return invalid("saml.binding", "is %q, want \"redirect\" or \"post\"", c.Binding)
	}
	if c.IdPSLOURL != "" {
		if err := checkURL(c.IdPSLOURL); err != nil {
			return invalid("saml.idp_slo_url", "%v", err)
		}
	}
	if c.IdPSLOBinding != "" && c.IdPSLOBinding != "redirect" && c.IdPSLOBinding != "post" {
		return invalid("saml.idp_slo_binding", "is %q, want \"redirect\" or \"post\"", c.IdPSLOBinding)
	}
	if c.ACSURL != "" {
		if err := checkURL(c.ACSURL); err != nil {
			return invalid("saml.acs_url", "%v", err)
		}
	}
	return nil
}

func checkURL(s string) error {
	u, err := url.Parse(s)
	if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" {
		return fmt.Errorf("%q is not an absolute http(s) URL", s)
	}
	return nil
}

// fetchMetadata downloads a metadata document, bounded in size.
func (s *Service) fetchMetadata(ctx context.Context, u string) ([]byte, error) {
	if err := checkURL(u); err != nil {
		return nil, err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, u, nil)
	if err != nil {
		return nil, err
	}
	resp, err := s.cfg.HTTPClient.Do(req)
	if err != nil {
		return nil, fmt.Errorf("fetching metadata: %w", err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return nil, fmt.Errorf("fetching metadata: %s answered %s", u, resp.Status)
	}
	body, err := io.ReadAll(io.LimitReader(resp.Body, MaxMetadataSize+1))
	if err != nil {
		return nil, fmt.Errorf("reading metadata: %w", err)
	}
	if len(body) > MaxMetadataSize {
		return nil, errors.New("metadata exceeds 1 MiB")
	}
	return body, nil
}

// RefreshMetadata fetches the IdP metadata of a SAML connection from its
// metadata URL again and stores what it says. When the fetch or the
// document fails, the connection keeps its last good metadata and the
// error is returned. A refresh that changes the connection's certificates
// is reported as an [EventConnectionUpdated], written to the Store's
// outbox with the change (Refreshed set in its [ConnectionEvent]); a
// refresh that leaves them as they were is not reported. Logins call it
// by themselves when the metadata is older than Config.MetadataRefresh;
// [Service.RunMetadataRefresh] calls it on a schedule for every
// organization.
func (s *Service) RefreshMetadata(ctx context.Context, org, id string) (*Connection, error) {
	c, err := s.cfg.Store.Connection(ctx, org, id)
	if err != nil {
		return nil, fmt.Errorf("sso: loading connection: %w", err)
	}
	if c.SAML == nil || c.SAML.IdPMetadataURL == "" {
		return c, nil
	}
	return s.refresh(ctx, c)
}

func (s *Service) refresh(ctx context.Context, c *Connection) (*Connection, error) {
	d := c.clone()
	d.SAML.IdPMetadataXML = ""
	if err := s.prepareSAML(ctx, d.SAML); err != nil {
		return c, fmt.Errorf("sso: refreshing metadata of %s: %w", c.ID, err)
	}
	d.UpdatedAt = s.now()
	events := s.refreshEvents(c, d)
	if err := s.cfg.Store.UpdateConnection(ctx, d, events...); err != nil {
		return c, fmt.Errorf("sso: storing refreshed metadata: %w", err)
	}
	for _, e := range events {
		s.notify(ctx, e)
	}
	return d, nil
}

// refreshEvents returns the events that report a metadata refresh of old
// into c: one when the certificates changed, else none.
func (s *Service) refreshEvents(old, c *Connection) []Event {
	if old.SAML == nil || slices.Equal(old.SAML.IdPCertificates, c.SAML.IdPCertificates) {
		return nil
	}
	e := s.connectionEvent(EventConnectionUpdated, c)
	data := e.Data.(ConnectionEvent)
	data.Refreshed = true
	e.Data = data
	return []Event{e}
}

// freshMetadata returns c with its metadata refreshed if it is stale,
// or c as it is (with the failure logged) if the refresh fails.
func (s *Service) freshMetadata(ctx context.Context, c *Connection) *Connection {
	if c.SAML == nil || c.SAML.IdPMetadataURL == "" ||
		s.now().Sub(c.SAML.MetadataFetchedAt) < s.cfg.MetadataRefresh {
		return c
	}
	d, err := s.refresh(ctx, c)
	if err != nil {
		s.cfg.Logger.WarnContext(ctx, "sso: keeping the last good IdP metadata", "connection", c.ID,
			"error", err)
	}
	return d
}

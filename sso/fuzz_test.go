package sso_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
)

var realIdPNames = []string{"adfs", "google", "jumpcloud", "keycloak", "okta", "ping"}

func readTestdata(f *testing.F, name, file string) []byte {
	b, err := os.ReadFile(filepath.Join("testdata", "real-idps", name, file))
	if err != nil {
		f.Fatal(err)
	}
	return b
}

func FuzzParseIdPMetadata(f *testing.F) {
	for _, n := range realIdPNames {
		f.Add(readTestdata(f, n, "metadata.xml"))
	}
	f.Add([]byte(`<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"/>`))
	f.Fuzz(func(t *testing.T, doc []byte) {
		md, err := sso.ParseIdPMetadata(doc)
		if err != nil {
			return
		}
		if md.EntityID == "" || len(md.Certificates) == 0 || len(md.SSOURLs) == 0 {
			t.Fatalf("accepted incomplete metadata: %+v", md)
		}
	})
}

// FuzzAcceptSAMLResponse feeds the ACS checks mutated real responses and
// relay states. Whatever it accepts must carry a subject, and nothing may
// panic.
func FuzzAcceptSAMLResponse(f *testing.F) {
	md := readTestdata(f, "adfs", "metadata.xml")
	for _, n := range []string{"adfs", "okta"} {
		f.Add(readTestdata(f, n, "assertion.xml"), "")
	}
	f.Add([]byte(`<samlp:Response xmlns:samlp="urn:oasis:names:tc:SAML:2.0:protocol"/>`), "/x")
	now, _ := time.Parse(time.RFC3339, "2023-11-17T18:39:30.314Z")
	svc, err := sso.New(sso.Config{
		Store: sso.NewMemoryStore(), BaseURL: "https://sp.example/sso", Clock: func() time.Time { return now },
		OnSuccess: func(http.ResponseWriter, *http.Request, *sso.Profile, string) {},
	})
	if err != nil {
		f.Fatal(err)
	}
	conn, err := svc.CreateConnection(context.Background(), &sso.Connection{
		OrganizationID: "org", Protocol: sso.ProtocolSAML, Enabled: true,
		SAML: &sso.SAMLConfig{IdPMetadataXML: string(md), InsecureAllowIdPInitiated: true,
			SPEntityID: "http://localhost:8080/accounts/8155d0cc-d51b-461a-a062-821b6bd574b1/saml",
			ACSURL:     "http://localhost:8080/accounts/8155d0cc-d51b-461a-a062-821b6bd574b1/saml/acs"},
	})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, doc []byte, relayState string) {
		p, rp, err := svc.AcceptSAMLResponse(context.Background(), conn,
			base64.StdEncoding.EncodeToString(doc), relayState)
		if err != nil {
			if sso.ReasonOf(err) == "" {
				t.Fatalf("error without a reason: %v", err)
			}
			return
		}
		if p.Subject == "" || !strings.HasPrefix(rp, "/") {
			t.Fatalf("accepted profile %+v, return path %q", p, rp)
		}
	})
}

func FuzzValidReturnPath(f *testing.F) {
	for _, s := range []string{"/", "/a?b=c", "//evil", "/\\evil", "https://x", "/%2f%2fevil", "/\x00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, p string) {
		got, err := sso.ValidReturnPath(p)
		if err != nil {
			return
		}
		u, perr := url.Parse(got)
		if perr != nil || u.Host != "" || u.Scheme != "" || !strings.HasPrefix(got, "/") ||
			strings.HasPrefix(got, "//") || strings.ContainsAny(got, "\\\r\n\t") {
			t.Fatalf("ValidReturnPath(%q) accepted %q", p, got)
		}
		// The browser resolves it against our origin: it must stay there.
		base, _ := url.Parse("https://app.example/start")
		if r := base.ResolveReference(u); r.Host != "app.example" {
			t.Fatalf("ValidReturnPath(%q) leads to %s", p, r)
		}
	})
}

func FuzzVerifyIDToken(f *testing.F) {
	op, err := ssotest.NewOP("client-1", "s3cret")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(op.Close)
	good, err := op.IDToken("n-1")
	if err != nil {
		f.Fatal(err)
	}
	f.Add(good)
	f.Add("eyJhbGciOiJub25lIn0.e30.")
	f.Add("a.b.c")
	svc, err := sso.New(sso.Config{Store: sso.NewMemoryStore(), BaseURL: "https://sp.example/sso",
		Sealer: ssotest.NewSealer(), HTTPClient: op.Server.Client(),
		OnSuccess: func(http.ResponseWriter, *http.Request, *sso.Profile, string) {}})
	if err != nil {
		f.Fatal(err)
	}
	conn, err := svc.CreateConnection(context.Background(), &sso.Connection{OrganizationID: "o",
		Protocol: sso.ProtocolOIDC, OIDC: &sso.OIDCConfig{Issuer: op.Issuer(), ClientID: "client-1",
			ClientSecret: "s3cret"}})
	if err != nil {
		f.Fatal(err)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		tok, err := svc.VerifyIDToken(context.Background(), conn, raw, "n-1")
		if err == nil && (tok.Subject() == "" || raw != good) {
			t.Fatalf("accepted a token that the provider did not issue: %q", raw)
		}
	})
}

// FuzzSLO sends arbitrary queries and forms to the single logout endpoint,
// seeded with signed LogoutRequests of both bindings and a LogoutResponse.
// Whatever arrives, the handler must not panic, must answer the generic
// page or a message to the IdP, and may end only the session that the IdP
// signed for.
func FuzzSLO(f *testing.F) {
	idp, err := ssotest.NewIdP("https://idp.example/metadata", "https://idp.example/sso")
	if err != nil {
		f.Fatal(err)
	}
	idp.SLOURL = "https://idp.example/slo"
	now := time.Date(2026, 3, 4, 10, 0, 0, 0, time.UTC)
	var ended []sso.LogoutNotice
	svc, err := sso.New(sso.Config{
		Store: sso.NewMemoryStore(), BaseURL: "https://sp.example/sso", Clock: func() time.Time { return now },
		OnSuccess: func(http.ResponseWriter, *http.Request, *sso.Profile, string) {},
		OnLogout: func(_ context.Context, n sso.LogoutNotice) error {
			ended = append(ended, n)
			return nil
		},
	})
	if err != nil {
		f.Fatal(err)
	}
	conn, err := svc.CreateConnection(context.Background(), &sso.Connection{
		OrganizationID: "org", Protocol: sso.ProtocolSAML, Enabled: true,
		SAML: &sso.SAMLConfig{IdPMetadataXML: idp.Metadata()},
	})
	if err != nil {
		f.Fatal(err)
	}
	slo := svc.SLOURL(conn)
	req := idp.LogoutRequestElement(ssotest.Logout{Now: now, Destination: slo, NameID: "alice@example.com"})
	u, err := idp.RedirectURL(slo, "SAMLRequest", req, "rs", true)
	if err != nil {
		f.Fatal(err)
	}
	parsed, _ := url.Parse(u)
	f.Add(parsed.RawQuery, "")
	form, err := idp.PostValues("SAMLRequest", req, "rs", true)
	if err != nil {
		f.Fatal(err)
	}
	f.Add("", form.Encode())
	resp := idp.LogoutResponseElement(ssotest.Logout{Now: now, Destination: slo, InResponseTo: "_x"})
	u, _ = idp.RedirectURL(slo, "SAMLResponse", resp, "", true)
	parsed, _ = url.Parse(u)
	f.Add(parsed.RawQuery, "")
	h := svc.Handler()
	f.Fuzz(func(t *testing.T, query, body string) {
		ended = ended[:0]
		var r *http.Request
		if body == "" {
			r, err = http.NewRequest(http.MethodGet, slo, nil)
			if err != nil {
				return
			}
			r.URL.RawQuery = query
		} else {
			r, _ = http.NewRequest(http.MethodPost, slo, strings.NewReader(body))
			r.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, r)
		loc := rec.Header().Get("Location")
		switch {
		case rec.Code == http.StatusBadRequest:
		case rec.Code == http.StatusFound && strings.HasPrefix(loc, idp.SLOURL+"?"):
		case rec.Code == http.StatusOK && strings.Contains(rec.Body.String(), `action="`+idp.SLOURL+`"`):
		default:
			t.Fatalf("answered %d, Location %q", rec.Code, loc)
		}
		for _, n := range ended {
			if n.NameID != "alice@example.com" || n.ConnectionID != conn.ID {
				t.Fatalf("ended a session the IdP did not sign for: %+v", n)
			}
		}
	})
}

// FuzzBackChannelLogout posts arbitrary form bodies to the back-channel
// logout endpoint, seeded with a valid logout token. Whatever arrives, the
// handler must not panic, must answer 200 or a 400 OAuth error, never
// cached, and may reach OnLogout only with the seeded token's user.
func FuzzBackChannelLogout(f *testing.F) {
	op, err := ssotest.NewOP("client-1", "s3cret")
	if err != nil {
		f.Fatal(err)
	}
	f.Cleanup(op.Close)
	good, err := op.LogoutToken(map[string]any{"sid": "sess-1"})
	if err != nil {
		f.Fatal(err)
	}
	f.Add("logout_token=" + good)
	f.Add("logout_token=eyJhbGciOiJub25lIn0.e30.")
	f.Add("logout_token=a.b.c&logout_token=d")
	f.Add("%zz")
	var mu sync.Mutex
	var notices []sso.LogoutNotice
	svc, err := sso.New(sso.Config{Store: sso.NewMemoryStore(), BaseURL: "https://sp.example/sso",
		Sealer: ssotest.NewSealer(), HTTPClient: op.Server.Client(),
		OnSuccess: func(http.ResponseWriter, *http.Request, *sso.Profile, string) {},
		OnLogout: func(_ context.Context, n sso.LogoutNotice) error {
			mu.Lock()
			defer mu.Unlock()
			notices = append(notices, n)
			return nil
		}})
	if err != nil {
		f.Fatal(err)
	}
	conn, err := svc.CreateConnection(context.Background(), &sso.Connection{OrganizationID: "o",
		Protocol: sso.ProtocolOIDC, Enabled: true, OIDC: &sso.OIDCConfig{Issuer: op.Issuer(),
			ClientID: "client-1", ClientSecret: "s3cret"}})
	if err != nil {
		f.Fatal(err)
	}
	h := svc.Handler()
	f.Fuzz(func(t *testing.T, body string) {
		req := httptest.NewRequest(http.MethodPost, svc.BackChannelLogoutURL(conn),
			strings.NewReader(body))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		h.ServeHTTP(rec, req)
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Fatalf("answered without Cache-Control: no-store")
		}
		switch rec.Code {
		case http.StatusOK:
		case http.StatusBadRequest:
			var e struct{ Error string }
			if json.Unmarshal(rec.Body.Bytes(), &e) != nil || e.Error != "invalid_request" {
				t.Fatalf("a 400 without an OAuth error: %q", rec.Body.String())
			}
		default:
			t.Fatalf("answered %d", rec.Code)
		}
		mu.Lock()
		defer mu.Unlock()
		for _, n := range notices {
			if n.Subject != "user-1" || n.SessionID != "sess-1" || n.ConnectionID != conn.ID {
				t.Fatalf("OnLogout received %+v", n)
			}
		}
	})
}

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
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/google/go-cmp/cmp"
	"github.com/google/go-cmp/cmp/cmpopts"
)

type realParams struct {
	SPEntityID   string `json:"sp_entity_id"`
	Now          string `json:"now"`
	ACSURL       string `json:"acs_url"`
	InResponseTo string `json:"in_response_to"`
	Expect       string `json:"expect"`
	Why          string `json:"why"`
}

// realIdP loads one folder of testdata/real-idps and returns a service and
// connection configured from its metadata and parameters.
func realIdP(t *testing.T, name string) (*sso.Service, *sso.Connection, string, realParams) {
	t.Helper()
	dir := filepath.Join("testdata", "real-idps", name)
	read := func(f string) []byte {
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	var p realParams
	if err := json.Unmarshal(read("params.json"), &p); err != nil {
		t.Fatal(err)
	}
	now, err := time.Parse(time.RFC3339, p.Now)
	if err != nil {
		t.Fatal(err)
	}
	store := sso.NewMemoryStore()
	svc, err := sso.New(sso.Config{
		Store: store, BaseURL: "https://sp.example/sso", Clock: func() time.Time { return now },
		OnSuccess: func(http.ResponseWriter, *http.Request, *sso.Profile, string) {},
	})
	if err != nil {
		t.Fatal(err)
	}
	conn, err := svc.CreateConnection(context.Background(), &sso.Connection{
		OrganizationID: "org_real", Protocol: sso.ProtocolSAML, Enabled: true,
		SAML: &sso.SAMLConfig{
			IdPMetadataXML: string(read("metadata.xml")), SPEntityID: p.SPEntityID, ACSURL: p.ACSURL,
			InsecureAllowIdPInitiated: p.InResponseTo == "",
		},
	})
	if err != nil {
		t.Fatalf("configuring from metadata: %v", err)
	}
	if p.InResponseTo != "" {
		err := store.SaveLoginState(context.Background(), &sso.LoginState{
			ID: p.InResponseTo, OrganizationID: "org_real", ConnectionID: conn.ID,
			ReturnPath: "/after", CreatedAt: now, ExpiresAt: now.Add(time.Minute),
		})
		if err != nil {
			t.Fatal(err)
		}
	}
	return svc, conn, base64.StdEncoding.EncodeToString(read("assertion.xml")), p
}

func TestRealIdPResponses(t *testing.T) {
	t.Parallel()
	tests := []struct {
		idp  string
		want *sso.Profile // nil: must be refused
		rp   string
	}{
		{idp: "adfs", rp: "/", want: &sso.Profile{
			Subject:       "ulysse.carion_codomaindata.com#EXT#@ulyssecarioncodomaindata.onmicrosoft.com",
			SubjectFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
			Email:         "ulysse.carion@codomaindata.com", FirstName: "Ulysse", LastName: "Carion",
		}},
		{idp: "google", rp: "/", want: &sso.Profile{
			Subject:       "ulysse.carion@codomaindata.com",
			SubjectFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:unspecified",
			Email:         "ulysse.carion@codomaindata.com",
		}},
		{idp: "jumpcloud", rp: "/", want: &sso.Profile{
			Subject:       "ulysse.carion@codomaindata.com",
			SubjectFormat: "urn:oasis:names:tc:SAML:1.0:nameid-format:unspecified",
			Email:         "ulysse.carion@codomaindata.com",
		}},
		{idp: "keycloak", rp: "/after", want: &sso.Profile{
			Subject:       "ulysse.carion@ssoready.com",
			SubjectFormat: "urn:oasis:names:tc:SAML:1.1:nameid-format:emailAddress",
			Email:         "ulysse.carion@ssoready.com",
			// Keycloak sends each role as its own Attribute named Role.
			Groups: []string{"view-profile", "manage-account-links", "default-roles-master",
				"manage-account", "uma_authorization", "offline_access"},
		}},
		{idp: "ping", rp: "/", want: &sso.Profile{Subject: "9e34fa21-4e8f-4dee-b565-648dbcf25eff"}},
		{idp: "okta"},
	}
	for _, tt := range tests {
		t.Run(tt.idp, func(t *testing.T) {
			t.Parallel()
			svc, conn, encoded, params := realIdP(t, tt.idp)
			if (params.Expect == "reject") != (tt.want == nil) {
				t.Fatalf("params.json expects %q; the table disagrees", params.Expect)
			}
			got, rp, err := svc.AcceptSAMLResponse(context.Background(), conn, encoded, "")
			if tt.want == nil {
				if err == nil {
					t.Fatalf("accepted a response that must be refused (%s)", params.Why)
				}
				if r := sso.ReasonOf(err); r != sso.ReasonSignature {
					t.Errorf("reason %q, want %q (%v)", r, sso.ReasonSignature, err)
				}
				return
			}
			if err != nil {
				t.Fatalf("refused: %v", err)
			}
			tt.want.OrganizationID, tt.want.ConnectionID = "org_real", conn.ID
			tt.want.Protocol, tt.want.NameID = sso.ProtocolSAML, tt.want.Subject
			ignore := cmpopts.IgnoreFields(sso.Profile{}, "Attributes", "SessionIndex")
			if diff := cmp.Diff(tt.want, got, ignore); diff != "" {
				t.Errorf("profile (-want +got):\n%s", diff)
			}
			if rp != tt.rp {
				t.Errorf("return path %q, want %q", rp, tt.rp)
			}
			if len(got.Attributes) == 0 && tt.idp == "adfs" {
				t.Errorf("no raw attributes kept")
			}
		})
	}
}

// The response a real IdP signed once must not be accepted twice.
func TestRealIdPReplay(t *testing.T) {
	t.Parallel()
	svc, conn, encoded, _ := realIdP(t, "adfs")
	if _, _, err := svc.AcceptSAMLResponse(context.Background(), conn, encoded, ""); err != nil {
		t.Fatal(err)
	}
	_, _, err := svc.AcceptSAMLResponse(context.Background(), conn, encoded, "")
	if r := sso.ReasonOf(err); r != sso.ReasonReplay {
		t.Fatalf("second use: reason %q (%v), want %q", r, err, sso.ReasonReplay)
	}
}

// Through the HTTP handler, the ACS answers a success with the host's
// handler and records each attempt with its reason.
func TestRealIdPThroughACS(t *testing.T) {
	t.Parallel()
	dir := filepath.Join("testdata", "real-idps", "keycloak")
	var p realParams
	b, _ := os.ReadFile(filepath.Join(dir, "params.json"))
	if err := json.Unmarshal(b, &p); err != nil {
		t.Fatal(err)
	}
	now, _ := time.Parse(time.RFC3339, p.Now)
	md, _ := os.ReadFile(filepath.Join(dir, "metadata.xml"))
	resp, _ := os.ReadFile(filepath.Join(dir, "assertion.xml"))
	store := sso.NewMemoryStore()
	var got *sso.Profile
	svc, err := sso.New(sso.Config{
		Store: store, BaseURL: "https://sp.example/sso", Clock: func() time.Time { return now },
		OnSuccess: func(w http.ResponseWriter, r *http.Request, p *sso.Profile, rp string) {
			got = p
			http.Redirect(w, r, rp, http.StatusSeeOther)
		},
	})
	if err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	conn, err := svc.CreateConnection(ctx, &sso.Connection{
		OrganizationID: "org_real", Protocol: sso.ProtocolSAML, Enabled: true,
		SAML: &sso.SAMLConfig{IdPMetadataXML: string(md), SPEntityID: p.SPEntityID, ACSURL: p.ACSURL},
	})
	if err != nil {
		t.Fatal(err)
	}
	post := func() *httptest.ResponseRecorder {
		form := url.Values{"SAMLResponse": {base64.StdEncoding.EncodeToString(resp)},
			"RelayState": {p.InResponseTo}}
		req := httptest.NewRequest(http.MethodPost, "https://sp.example/sso/saml/"+conn.ID+"/acs",
			strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		rec := httptest.NewRecorder()
		svc.Handler().ServeHTTP(rec, req)
		return rec
	}

	// No pending request yet: refused as unknown InResponseTo.
	if rec := post(); rec.Code != http.StatusForbidden || strings.Contains(rec.Body.String(), "InResponseTo") {
		t.Fatalf("without a pending request: %d %q", rec.Code, rec.Body.String())
	}
	must(t, store.SaveLoginState(ctx, &sso.LoginState{ID: p.InResponseTo, OrganizationID: "org_real",
		ConnectionID: conn.ID, ReturnPath: "/dashboard", CreatedAt: now, ExpiresAt: now.Add(time.Minute)}))
	if rec := post(); rec.Code != http.StatusSeeOther || rec.Header().Get("Location") != "/dashboard" {
		t.Fatalf("with the pending request: %d %v", rec.Code, rec.Header())
	}
	if got == nil || got.Email != "ulysse.carion@ssoready.com" {
		t.Fatalf("profile %+v", got)
	}
	atts, err := store.Attempts(ctx, "org_real", conn.ID, 10)
	must(t, err)
	var reasons []sso.Reason
	for _, a := range atts {
		reasons = append(reasons, a.Reason)
	}
	if diff := cmp.Diff([]sso.Reason{"", sso.ReasonInResponseTo}, reasons); diff != "" {
		t.Errorf("attempt log (-want +got):\n%s", diff)
	}
}

// addCookies gives req the cookies that the responses recorded in from
// set, as a browser would.
func addCookies(req *http.Request, from ...*httptest.ResponseRecorder) {
	for _, rec := range from {
		for _, c := range rec.Result().Cookies() {
			req.AddCookie(c)
		}
	}
}

func must(t testing.TB, err error) {
	t.Helper()
	if err != nil {
		t.Fatal(err)
	}
}

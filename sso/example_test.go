package sso_test

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"strings"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
)

// A client secret never shows in output, logs or JSON.
func ExampleSecret() {
	s := sso.Secret("s3cr3t")
	fmt.Println(s)
	logger := slog.New(slog.NewTextHandler(os.Stdout, &slog.HandlerOptions{
		ReplaceAttr: func(_ []string, a slog.Attr) slog.Attr {
			if a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			return a
		},
	}))
	logger.Info("saved", "client_secret", s)
	// Output:
	// [REDACTED]
	// level=INFO msg=saved client_secret=[REDACTED]
}

// A SAML login from start to finish, against the test IdP of package
// ssotest: the host starts the login, the IdP answers the AuthnRequest,
// and the ACS hands the verified profile to OnSuccess.
func Example_samlLogin() {
	idp, _ := ssotest.NewIdP("https://idp.example/metadata", "https://idp.example/sso")
	svc, _ := sso.New(sso.Config{
		Store:   sso.NewMemoryStore(),
		BaseURL: "https://app.example/sso",
		OnSuccess: func(w http.ResponseWriter, r *http.Request, p *sso.Profile, returnPath string) {
			fmt.Println("signed in:", p.Email, p.FirstName, "->", returnPath)
			http.Redirect(w, r, returnPath, http.StatusSeeOther)
		},
	})
	conn, err := svc.CreateConnection(context.Background(), &sso.Connection{
		OrganizationID: "org_acme", Protocol: sso.ProtocolSAML, Enabled: true,
		SAML: &sso.SAMLConfig{IdPMetadataXML: idp.Metadata()},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// The host's sign-in page starts the login.
	rec := httptest.NewRecorder()
	_ = svc.Login(rec, httptest.NewRequest("GET", "/signin", nil),
		sso.LoginRequest{OrganizationID: "org_acme", ReturnPath: "/dashboard"})
	to, _ := url.Parse(rec.Header().Get("Location"))
	requestID := to.Query().Get("RelayState")

	// The IdP signs the user in and posts its answer to the ACS.
	doc, _ := idp.SignedResponse(ssotest.Response{
		Audience: svc.SPEntityID(conn), Recipient: svc.ACSURL(conn), InResponseTo: requestID,
		NameID: "ada@acme.example", Attributes: map[string][]string{"firstName": {"Ada"}},
	})
	form := url.Values{"SAMLResponse": {ssotest.Encode(doc)}, "RelayState": {requestID}}
	req := httptest.NewRequest("POST", svc.ACSURL(conn), strings.NewReader(form.Encode()))
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	for _, c := range rec.Result().Cookies() { // the browser that started the login
		req.AddCookie(c)
	}
	svc.Handler().ServeHTTP(httptest.NewRecorder(), req)
	// Output:
	// signed in: ada@acme.example Ada -> /dashboard
}

// An OpenID Connect login against the test provider of package ssotest:
// the authorization code flow with PKCE, the client secret sealed at rest.
func Example_oidcLogin() {
	op, _ := ssotest.NewOP("my-client", "my-secret")
	defer op.Close()
	svc, _ := sso.New(sso.Config{
		Store:      sso.NewMemoryStore(),
		BaseURL:    "https://app.example/sso",
		Sealer:     ssotest.NewSealer(), // in production: the secrets package's Sealer
		HTTPClient: op.Server.Client(),  // the test provider listens on localhost
		OnSuccess: func(w http.ResponseWriter, r *http.Request, p *sso.Profile, returnPath string) {
			fmt.Println("signed in:", p.Subject, p.Email, "->", returnPath)
		},
	})
	conn, err := svc.CreateConnection(context.Background(), &sso.Connection{
		OrganizationID: "org_acme", Protocol: sso.ProtocolOIDC, Enabled: true,
		OIDC: &sso.OIDCConfig{Issuer: op.Issuer(), ClientID: "my-client", ClientSecret: "my-secret"},
	})
	if err != nil {
		fmt.Println(err)
		return
	}

	// Start the login; the provider signs its user in and redirects back.
	login := httptest.NewRecorder()
	_ = svc.Login(login, httptest.NewRequest("GET", "/signin", nil),
		sso.LoginRequest{ConnectionID: conn.ID, ReturnPath: "/home"})
	browser := *op.Server.Client()
	browser.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, _ := browser.Get(login.Header().Get("Location"))
	resp.Body.Close()

	// The callback, in the browser that started the login.
	req := httptest.NewRequest("GET", resp.Header.Get("Location"), nil)
	for _, c := range login.Result().Cookies() {
		req.AddCookie(c)
	}
	svc.Handler().ServeHTTP(httptest.NewRecorder(), req)
	// Output:
	// signed in: user-1 carol@example.com -> /home
}

// A single logout that the IdP starts: the test IdP sends a signed
// LogoutRequest to the connection's SLO endpoint, OnLogout ends the
// host's sessions of that user, and the IdP gets a LogoutResponse.
func Example_samlSingleLogout() {
	idp, _ := ssotest.NewIdP("https://idp.example/metadata", "https://idp.example/sso")
	idp.SLOURL = "https://idp.example/slo"
	svc, _ := sso.New(sso.Config{
		Store:     sso.NewMemoryStore(),
		BaseURL:   "https://app.example/sso",
		OnSuccess: func(http.ResponseWriter, *http.Request, *sso.Profile, string) {},
		OnLogout: func(_ context.Context, n sso.LogoutNotice) error {
			// A real host ends every session of n.NameID on n.ConnectionID
			// (or those of n.SessionIndexes), on all of its instances.
			fmt.Println("end the sessions of", n.NameID)
			return nil
		},
	})
	conn, err := svc.CreateConnection(context.Background(), &sso.Connection{
		OrganizationID: "org_acme", Protocol: sso.ProtocolSAML, Enabled: true,
		SAML: &sso.SAMLConfig{IdPMetadataXML: idp.Metadata()},
	})
	if err != nil {
		fmt.Println(err)
		return
	}
	req := idp.LogoutRequestElement(ssotest.Logout{Destination: svc.SLOURL(conn),
		NameID: "jane@acme.example"})
	u, _ := idp.RedirectURL(svc.SLOURL(conn), "SAMLRequest", req, "", true)
	rec := httptest.NewRecorder()
	svc.Handler().ServeHTTP(rec, httptest.NewRequest(http.MethodGet, u, nil))
	answer, _ := url.Parse(rec.Header().Get("Location"))
	fmt.Println("answered at", answer.Host+answer.Path)
	// Output:
	// end the sessions of jane@acme.example
	// answered at idp.example/slo
}

package main

import (
	"context"
	"encoding/json"
	"fmt"
	"html"
	"io"
	"net"
	"net/http"
	"net/http/cookiejar"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/audit"
	"github.com/gatehouse/gatehouse/domain/domaintest"
)

// demo is the app started by a test on a random port.
type demo struct {
	t         *testing.T
	base      string
	token     string
	scimToken string
	dns       *domaintest.DNSServer
	app       *app
}

func startDemo(t *testing.T) *demo {
	t.Helper()
	d := &demo{t: t, token: "test-admin-token", scimToken: "ghscim_" + strings.Repeat("demo-scim-token-", 3),
		dns: domaintest.NewDNSServer(t)}
	ctx, cancel := context.WithCancel(context.Background())
	ready := make(chan net.Addr, 1)
	done := make(chan error, 1)
	args := []string{"-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "saas.db"),
		"-dns", d.dns.Addr(), "-admin-token", d.token, "-scim-token", d.scimToken, "-log-level", "WARN"}
	go func() {
		done <- run(ctx, args, io.Discard, func(a *app, addr net.Addr) {
			d.app = a
			ready <- addr
		})
	}()
	select {
	case addr := <-ready:
		d.base = "http://" + addr.String()
	case err := <-done:
		t.Fatalf("the demo did not start: %v", err)
	}
	t.Cleanup(func() {
		cancel()
		select {
		case err := <-done:
			if err != nil {
				t.Errorf("the demo did not shut down cleanly: %v", err)
			}
		case <-time.After(15 * time.Second):
			t.Error("the demo did not shut down within 15 seconds")
		}
	})
	return d
}

// call sends a request as the demo organization's admin and decodes the
// JSON answer into out.
func (d *demo) call(method, path, body string, out any) int {
	d.t.Helper()
	return d.callAs(d.token, "application/json", method, path, body, out)
}

// callAs sends a request with the given bearer token and content type.
func (d *demo) callAs(token, contentType, method, path, body string, out any) int {
	d.t.Helper()
	req, err := http.NewRequest(method, d.base+path, strings.NewReader(body))
	if err != nil {
		d.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	if body != "" {
		req.Header.Set("Content-Type", contentType)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	if out != nil {
		if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
			d.t.Fatalf("%s %s: %v", method, path, err)
		}
	}
	return resp.StatusCode
}

func TestLandingPage(t *testing.T) {
	d := startDemo(t)
	resp, err := http.Get(d.base + "/")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	page, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 || !strings.Contains(string(page), "/admin/domains/") {
		t.Errorf("landing page: %d\n%s", resp.StatusCode, page)
	}
}

func TestDomainFlow(t *testing.T) {
	d := startDemo(t)

	var added struct {
		ID        string `json:"id"`
		Status    string `json:"status"`
		Challenge struct {
			RecordName  string `json:"record_name"`
			RecordValue string `json:"record_value"`
		} `json:"challenge"`
	}
	if code := d.call("POST", "/admin/domains/", `{"domain": "widgets-demo.example", "include_subdomains": true}`, &added); code != 201 {
		t.Fatalf("adding a domain: %d", code)
	}

	var capture struct {
		Captured     bool   `json:"captured"`
		Organization string `json:"organization"`
	}
	d.call("GET", "/api/capture?email=jane@eu.widgets-demo.example", "", &capture)
	if capture.Captured {
		t.Fatal("a pending domain captures users")
	}

	d.dns.SetTXT(added.Challenge.RecordName, []string{added.Challenge.RecordValue})
	var verified struct {
		Status string `json:"status"`
	}
	if code := d.call("POST", "/admin/domains/"+added.ID+"/verify", "", &verified); code != 200 || verified.Status != "verified" {
		t.Fatalf("verifying: %d %+v", code, verified)
	}
	d.call("GET", "/api/capture?email=jane@eu.widgets-demo.example", "", &capture)
	if !capture.Captured || capture.Organization != demoOrg {
		t.Errorf("capture after verification: %+v", capture)
	}

	// Someone without the admin token is refused.
	req, _ := http.NewRequest("GET", d.base+"/admin/domains/", nil)
	req.Header.Set("Authorization", "Bearer guess")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("a wrong admin token: %d, want 403", resp.StatusCode)
	}
}

func TestSCIMProvisioning(t *testing.T) {
	d := startDemo(t)
	scimJSON := "application/scim+json"
	var user struct {
		ID string `json:"id"`
	}
	body := `{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": "Jane@acme-demo.example",
		"name": {"givenName": "Jane", "familyName": "Doe"}, "active": true}`
	if code := d.callAs(d.scimToken, scimJSON, "POST", "/scim/v2/Users", body, &user); code != 201 {
		t.Fatalf("creating a user: %d", code)
	}
	if code := d.callAs("ghscim_wrong", scimJSON, "GET", "/scim/v2/Users", "", nil); code != 401 {
		t.Errorf("a wrong SCIM token: %d, want 401", code)
	}
	waitFor(t, "the user to be recorded active", func() bool { return d.userState("jane@acme-demo.example") == "active" })

	// The provisioned user is listed on the Users page.
	page := d.getPage("/users")
	if !strings.Contains(page, "Jane@acme-demo.example") {
		t.Errorf("the users page does not list the provisioned user:\n%s", page)
	}

	// Okta deactivates a user with a PATCH of active; the app reacts.
	patch := `{"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"],
		"Operations": [{"op": "replace", "value": {"active": false}}]}`
	if code := d.callAs(d.scimToken, scimJSON, "PATCH", "/scim/v2/Users/"+user.ID, patch, nil); code != 200 {
		t.Fatalf("deactivating: %d", code)
	}
	waitFor(t, "the user to be recorded inactive", func() bool { return d.userState("jane@acme-demo.example") == "inactive" })
}

// userState reads the demo's own record of a user: "active", "inactive"
// or "" when there is none.
func (d *demo) userState(userName string) string {
	var active bool
	err := d.app.db.QueryRow(`SELECT active FROM demo_users WHERE organization_id = ? AND user_name = ?`,
		demoOrg, userName).Scan(&active)
	switch {
	case err != nil:
		return ""
	case active:
		return "active"
	}
	return "inactive"
}

// getPage fetches a page as the signed-in admin.
func (d *demo) getPage(path string) string {
	d.t.Helper()
	req, _ := http.NewRequest("GET", d.base+path, nil)
	req.Header.Set("Authorization", "Bearer "+d.token)
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 200 {
		d.t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	return string(b)
}

// waitFor polls cond for up to ten seconds.
func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(10 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(20 * time.Millisecond)
	}
}

func TestBadFlags(t *testing.T) {
	if err := run(context.Background(), []string{"-nonsense"}, io.Discard, nil); err == nil {
		t.Error("run accepted an unknown flag")
	}
}

func TestAuditTrail(t *testing.T) {
	d := startDemo(t)
	var added struct {
		ID string `json:"id"`
	}
	if code := d.call("POST", "/admin/domains/", `{"domain": "audited.example"}`, &added); code != 201 {
		t.Fatalf("adding a domain: %d", code)
	}
	body := `{"userName": "sam@audited.example", "active": true}`
	if code := d.callAs(d.scimToken, "application/scim+json", "POST", "/scim/v2/Users", body, nil); code != 201 {
		t.Fatalf("provisioning: %d", code)
	}
	waitFor(t, "the domain and SCIM events in the audit log", func() bool {
		page := d.getPage("/audit")
		return strings.Contains(page, "domain.added") && strings.Contains(page, "scim.user.created")
	})
	if page := d.getPage("/audit?action=scim.user.created"); strings.Contains(page, "domain.added") {
		t.Error("filtering by action still lists other actions")
	}

	// The export verifies with the key the checkpoint endpoint publishes,
	// as the command-line verifier checks it.
	var cp struct {
		VerifierKey string `json:"verifier_key"`
	}
	if code := d.call("GET", "/admin/audit/checkpoint", "", &cp); code != 200 || cp.VerifierKey == "" {
		t.Fatalf("checkpoint: %d %+v", code, cp)
	}
	export := d.getPage("/admin/audit/export")
	v, err := audit.NewVerifier(cp.VerifierKey)
	if err != nil {
		t.Fatal(err)
	}
	rep, err := audit.Verify(strings.NewReader(export), v, nil)
	if err != nil || !rep.OK() || rep.Events < 2 {
		t.Errorf("verifying the export: %+v, %v", rep, err)
	}
}

// form posts a form as the admin and returns the status and page.
func (d *demo) form(path string, values url.Values) (int, string) {
	d.t.Helper()
	req, _ := http.NewRequest("POST", d.base+path, strings.NewReader(values.Encode()))
	req.Header.Set("Authorization", "Bearer "+d.token)
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		d.t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

var shownToken = regexp.MustCompile(`<code>(ghdemo_[A-Za-z0-9_]+)</code>`)

func (d *demo) issueKey(ownerType, owner, scopes string) string {
	d.t.Helper()
	code, page := d.form("/keys", url.Values{"owner_type": {ownerType}, "owner_id": {owner},
		"name": {"test key"}, "scopes": {scopes}, "days": {"7"}})
	m := shownToken.FindStringSubmatch(page)
	if code != http.StatusCreated || m == nil {
		d.t.Fatalf("issuing a key: %d\n%s", code, page)
	}
	return m[1]
}

func TestAPIKeys(t *testing.T) {
	d := startDemo(t)
	// The demo's webhook secret is listed by metadata, never by value.
	var listed struct {
		Secrets []struct {
			Name string `json:"name"`
		} `json:"secrets"`
	}
	if code := d.call("GET", "/admin/secrets/secrets", "", &listed); code != 200 ||
		len(listed.Secrets) == 0 || listed.Secrets[0].Name != webhookSecret {
		t.Errorf("listing secrets: %d %+v", code, listed)
	}

	key := d.issueKey("service_account", "ci-bot", "whoami:read")
	var who struct {
		Organization string `json:"organization"`
	}
	if code := d.callAs(key, "", "GET", "/api/v1/whoami", "", &who); code != 200 || who.Organization != demoOrg {
		t.Fatalf("whoami with the key: %d %+v", code, who)
	}
	noScope := d.issueKey("service_account", "reporter", "reports:read")
	if code := d.callAs(noScope, "", "GET", "/api/v1/whoami", "", nil); code != http.StatusForbidden {
		t.Errorf("a key without the scope: %d, want 403", code)
	}
	if code := d.callAs(key[:len(key)-1]+"x", "", "GET", "/api/v1/whoami", "", nil); code != http.StatusUnauthorized {
		t.Errorf("a mistyped key: %d, want 401", code)
	}

	// SCIM deactivation revokes the user's keys.
	var user struct {
		ID string `json:"id"`
	}
	body := `{"userName": "Lee@acme-demo.example", "active": true}`
	if code := d.callAs(d.scimToken, "application/scim+json", "POST", "/scim/v2/Users", body, &user); code != 201 {
		t.Fatalf("provisioning: %d", code)
	}
	userKey := d.issueKey("user", "lee@acme-demo.example", "whoami:read")
	if code := d.callAs(userKey, "", "GET", "/api/v1/whoami", "", nil); code != 200 {
		t.Fatalf("the user's key before offboarding: %d", code)
	}
	patch := `{"Operations": [{"op": "Replace", "path": "active", "value": "False"}]}` // as Entra ID sends it
	if code := d.callAs(d.scimToken, "application/scim+json", "PATCH", "/scim/v2/Users/"+user.ID, patch, nil); code != 200 {
		t.Fatalf("deactivating: %d", code)
	}
	waitFor(t, "the user's key to be revoked", func() bool {
		return d.callAs(userKey, "", "GET", "/api/v1/whoami", "", nil) == http.StatusUnauthorized
	})
	if code := d.callAs(key, "", "GET", "/api/v1/whoami", "", nil); code != 200 {
		t.Errorf("the service account's key after the user's offboarding: %d", code)
	}
	waitFor(t, "the revocation in the audit log", func() bool {
		return strings.Contains(d.getPage("/audit"), "revoked")
	})
}

// browser is an HTTP client with a cookie jar, signed in as someone.
func (d *demo) browser(s session) *http.Client {
	d.t.Helper()
	rec := httptest.NewRecorder()
	d.app.startSession(rec, s)
	jar, _ := cookiejar.New(nil)
	u, _ := url.Parse(d.base)
	jar.SetCookies(u, rec.Result().Cookies())
	return &http.Client{Jar: jar}
}

func get(t *testing.T, c *http.Client, u string) (int, string) {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

func TestDocuments(t *testing.T) {
	d := startDemo(t)
	sam := d.browser(session{Organization: demoOrg, UserID: "sam", Email: "sam@acme-demo.example", Via: "test"})
	if err := d.app.authz.join(context.Background(), "sam@acme-demo.example"); err != nil {
		t.Fatal(err)
	}

	// A member reads the handbook, inherited from the folder.
	if code, _ := get(t, sam, d.base+"/documents/welcome"); code != 200 {
		t.Errorf("a member reading the handbook: %d", code)
	}
	// The budget is for the Finance group: denied, and the denial is audited.
	if code, _ := get(t, sam, d.base+"/documents/budget"); code != http.StatusForbidden {
		t.Errorf("a member reading the budget: %d, want 403", code)
	}
	waitFor(t, "the denial in the audit log", func() bool {
		return strings.Contains(d.getPage("/audit?action=authz.denied"), "sam@acme-demo.example")
	})
	_, why := get(t, sam, d.base+"/documents/budget/explain")
	if !strings.Contains(why, "may not view") || !strings.Contains(why, "group:finance#member") {
		t.Errorf("the explanation of the denial does not name the Finance group:\n%s", why)
	}

	// SCIM puts Sam in Accounts Payable, a group nested in Finance; the
	// budget opens, through q3, finance and the nesting.
	var user, payable, group struct {
		ID string `json:"id"`
	}
	scimJSON := "application/scim+json"
	d.callAs(d.scimToken, scimJSON, "POST", "/scim/v2/Users", `{"userName": "sam@acme-demo.example", "active": true}`, &user)
	body := fmt.Sprintf(`{"displayName": "Accounts Payable", "members": [{"value": %q}]}`, user.ID)
	if code := d.callAs(d.scimToken, scimJSON, "POST", "/scim/v2/Groups", body, &payable); code != 201 {
		t.Fatalf("creating the nested group: %d", code)
	}
	body = fmt.Sprintf(`{"displayName": "Finance", "members": [{"value": %q, "type": "Group"}]}`, payable.ID)
	if code := d.callAs(d.scimToken, scimJSON, "POST", "/scim/v2/Groups", body, &group); code != 201 {
		t.Fatalf("creating the group: %d", code)
	}
	waitFor(t, "the group membership to reach authz", func() bool {
		code, _ := get(t, sam, d.base+"/documents/budget")
		return code == 200
	})
	_, why = get(t, sam, d.base+"/documents/budget/explain")
	if !strings.Contains(why, "may view") || !strings.Contains(why, "folder:finance") ||
		!strings.Contains(why, "group:accounts-payable#member") {
		t.Errorf("the explanation of the grant does not go through the finance folder:\n%s", why)
	}

	// Sam may not share what Sam cannot edit; the admin may.
	resp, err := sam.PostForm(d.base+"/documents/roadmap/share", url.Values{"subject": {"user:sam@acme-demo.example"}, "relation": {"viewer"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusForbidden {
		t.Errorf("sharing without editor access: %d, want 403", resp.StatusCode)
	}
	admin := d.browser(session{Organization: demoOrg, UserID: "admin", Email: adminEmail, Admin: true, Via: "test"})
	resp, err = admin.PostForm(d.base+"/documents/roadmap/share", url.Values{"subject": {"user:sam@acme-demo.example"}, "relation": {"viewer"}})
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if code, _ := get(t, sam, d.base+"/documents/roadmap"); code != 200 {
		t.Errorf("reading the roadmap after it was shared: %d", code)
	}
}

var (
	formTag     = regexp.MustCompile(`(?i)<form method="(get|post)"(?: action="([^"]*)")?>`)
	hiddenInput = regexp.MustCompile(`<input type="hidden" name="([^"]+)" value="([^"]*)">`)
)

// submit sends the first form of page, which was served at pageURL, with
// its hidden fields and extra.
func submit(t *testing.T, c *http.Client, pageURL, page string, extra url.Values) (int, string) {
	t.Helper()
	m := formTag.FindStringSubmatch(page)
	if m == nil {
		t.Fatalf("no form in:\n%s", page)
	}
	v := url.Values{}
	for _, h := range hiddenInput.FindAllStringSubmatch(page, -1) {
		v.Set(html.UnescapeString(h[1]), html.UnescapeString(h[2]))
	}
	for k, vs := range extra {
		v[k] = vs
	}
	base, _ := url.Parse(pageURL)
	action, err := base.Parse(html.UnescapeString(m[2]))
	if err != nil {
		t.Fatal(err)
	}
	var resp *http.Response
	if strings.EqualFold(m[1], "get") {
		action.RawQuery = v.Encode()
		resp, err = c.Get(action.String())
	} else {
		resp, err = c.PostForm(action.String(), v)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b)
}

// signIn picks a user at the development IdP, on the page the login led
// to, and returns the final status and page.
func (d *demo) signIn(c *http.Client, idp page, subject string) (int, string) {
	d.t.Helper()
	code, body := submit(d.t, c, idp.url, idp.body, url.Values{"user": {subject}})
	if strings.Contains(body, "SAMLResponse") { // the auto-submitting form to the ACS
		code, body = submit(d.t, c, idp.url, body, nil)
	}
	return code, body
}

// page is a response body and the URL it came from, after redirects.
type page struct{ url, body string }

func open(t *testing.T, c *http.Client, method, u string, form url.Values) page {
	t.Helper()
	var resp *http.Response
	var err error
	if method == "POST" {
		resp, err = c.PostForm(u, form)
	} else {
		resp, err = c.Get(u)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return page{url: resp.Request.URL.String(), body: string(b)}
}

// waitSSO waits for the demo's SSO connections to be in place.
func (d *demo) waitSSO() {
	d.t.Helper()
	select {
	case <-d.app.sso.ready:
	case <-time.After(20 * time.Second):
		d.t.Fatal("the SSO connections were not set up within 20 seconds")
	}
}

func newBrowser() *http.Client {
	jar, _ := cookiejar.New(nil)
	return &http.Client{Jar: jar}
}

func TestSingleSignOn(t *testing.T) {
	d := startDemo(t)
	d.waitSSO()

	// By email: the verified domain routes Jane to one of the
	// organization's connections.
	jane := newBrowser()
	idpPage := open(t, jane, "POST", d.base+"/signin/sso", url.Values{"email": {"jane@acme-demo.example"}})
	code, profile := d.signIn(jane, idpPage, "u-jane")
	if code != 200 || !strings.Contains(profile, "jane@acme-demo.example") {
		t.Fatalf("sign-in by email: %d\n%s", code, profile)
	}

	// Through the SAML connection.
	ada := newBrowser()
	samlID := d.app.sso.connectionID(context.Background(), samlConnectionName)
	idp := open(t, ada, "GET", d.base+"/sso/login?connection="+samlID+"&return=/profile", nil)
	code, profile = d.signIn(ada, idp, "u-jane")
	if code != 200 || !strings.Contains(profile, "jane@acme-demo.example") || !strings.Contains(profile, "saml") {
		t.Fatalf("SAML sign-in: %d\n%s", code, profile)
	}

	// Through the OIDC connection.
	sam := newBrowser()
	oidcID := d.app.sso.connectionID(context.Background(), oidcConnectionName)
	idp = open(t, sam, "GET", d.base+"/sso/login?connection="+oidcID+"&return=/profile", nil)
	code, profile = d.signIn(sam, idp, "u-sam")
	if code != 200 || !strings.Contains(profile, "sam@acme-demo.example") || !strings.Contains(profile, "oidc") {
		t.Fatalf("OIDC sign-in: %d\n%s", code, profile)
	}

	// Eve's domain is not verified for the organization: refused.
	eve := newBrowser()
	idp = open(t, eve, "GET", d.base+"/sso/login?connection="+oidcID+"&return=/profile", nil)
	if code, page := d.signIn(eve, idp, "u-eve"); code != http.StatusForbidden || strings.Contains(page, "eve@outsider") {
		t.Errorf("Eve's sign-in: %d\n%s", code, page)
	}
	// An email of a domain nobody verified gets a clear message.
	resp, err := newBrowser().PostForm(d.base+"/signin/sso", url.Values{"email": {"x@nobody.example"}})
	if err != nil {
		t.Fatal(err)
	}
	page, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 400 || !strings.Contains(string(page), "No organization has set up single sign-on") {
		t.Errorf("sign-in for an unknown domain: %d\n%s", resp.StatusCode, page)
	}

	waitFor(t, "sign-ins and the refusal in the audit log", func() bool {
		p := d.getPage("/audit")
		return strings.Contains(p, "user.signed_in") && strings.Contains(p, "user.sign_in_failed")
	})
}

func TestDeprovisionedUserCannotSignIn(t *testing.T) {
	d := startDemo(t)
	d.waitSSO()
	var user struct {
		ID string `json:"id"`
	}
	scimJSON := "application/scim+json"
	d.callAs(d.scimToken, scimJSON, "POST", "/scim/v2/Users", `{"userName": "sam@acme-demo.example", "active": true}`, &user)

	// Sam signs in, then the IdP deactivates Sam: the session ends at once.
	sam := newBrowser()
	oidcID := d.app.sso.connectionID(context.Background(), oidcConnectionName)
	idp := open(t, sam, "GET", d.base+"/sso/login?connection="+oidcID+"&return=/profile", nil)
	if code, page := d.signIn(sam, idp, "u-sam"); code != 200 || !strings.Contains(page, "sam@acme-demo.example") {
		t.Fatalf("sign-in: %d", code)
	}
	patch := `{"Operations": [{"op": "replace", "path": "active", "value": false}]}`
	d.callAs(d.scimToken, scimJSON, "PATCH", "/scim/v2/Users/"+user.ID, patch, nil)
	waitFor(t, "Sam's session to end", func() bool {
		_, page := get(t, sam, d.base+"/profile")
		return strings.Contains(page, "You are not signed in")
	})
	idp = open(t, sam, "GET", d.base+"/sso/login?connection="+oidcID+"&return=/profile", nil)
	if code, page := d.signIn(sam, idp, "u-sam"); code != http.StatusForbidden || !strings.Contains(page, "deactivated") {
		t.Errorf("a deactivated user's sign-in: %d\n%s", code, page)
	}
}

// TestSingleLogout signs Jane in by SAML and out again, both ways: her
// sign-out ends the dev IdP's session through single logout and comes
// back, and the dev IdP's logout ends her session in the demo. A cookie
// kept from before a sign-out no longer works.
func TestSingleLogout(t *testing.T) {
	d := startDemo(t)
	d.waitSSO()
	samlID := d.app.sso.connectionID(context.Background(), samlConnectionName)
	signInJane := func() *http.Client {
		jane := newBrowser()
		idp := open(t, jane, "GET", d.base+"/sso/login?connection="+samlID+"&return=/profile", nil)
		if code, profile := d.signIn(jane, idp, "u-jane"); code != 200 ||
			!strings.Contains(profile, "jane@acme-demo.example") {
			t.Fatalf("SAML sign-in: %d\n%s", code, profile)
		}
		return jane
	}
	signedOut := func(c *http.Client) bool {
		_, page := get(t, c, d.base+"/profile")
		return strings.Contains(page, "You are not signed in")
	}

	// SP-initiated: the sign-out goes to the dev IdP and back home.
	jane := signInJane()
	base, _ := url.Parse(d.base)
	kept := jane.Jar.Cookies(base)
	home := open(t, jane, "POST", d.base+"/signout", nil)
	if home.url != d.base+"/" || !signedOut(jane) {
		t.Fatalf("sign-out ended at %s, signed out: %v", home.url, signedOut(jane))
	}
	got := d.app.sso.dev.saml.LogoutRequests()
	if len(got) != 1 || got[0].NameID != "jane@acme-demo.example" {
		t.Errorf("the dev IdP received LogoutRequests %+v", got)
	}
	thief := newBrowser()
	thief.Jar.SetCookies(base, kept)
	if !signedOut(thief) {
		t.Error("the session cookie still works after sign-out")
	}

	// IdP-initiated: the dev IdP logs Jane out; her session here ends.
	jane = signInJane()
	page := open(t, newBrowser(), "GET", d.base+"/dev-idp/saml/logout?user=u-jane", nil)
	if !strings.Contains(page.body, "Signed out of the service provider") {
		t.Fatalf("the IdP-initiated logout ended at %s:\n%s", page.url, page.body)
	}
	if !signedOut(jane) {
		t.Error("Jane's session survived the IdP's logout")
	}
	if again := signInJane(); signedOut(again) {
		t.Error("a new sign-in after the IdP's logout does not work")
	}
	waitFor(t, "the sign-outs in the audit log", func() bool {
		p := d.getPage("/audit")
		return strings.Count(p, "user.signed_out") >= 2 && strings.Contains(p, "idp "+samlID)
	})
}

// TestOIDCLogout signs Sam in by OpenID Connect and out again, both ways:
// his sign-out goes through the dev OP's end_session endpoint with his ID
// token and comes back home, and the dev OP's back-channel logout token
// ends his session in the demo, while a later sign-in works.
func TestOIDCLogout(t *testing.T) {
	d := startDemo(t)
	d.waitSSO()
	oidcID := d.app.sso.connectionID(context.Background(), oidcConnectionName)
	signInSam := func() *http.Client {
		sam := newBrowser()
		idp := open(t, sam, "GET", d.base+"/sso/login?connection="+oidcID+"&return=/profile", nil)
		if code, profile := d.signIn(sam, idp, "u-sam"); code != 200 ||
			!strings.Contains(profile, "sam@acme-demo.example") {
			t.Fatalf("OIDC sign-in: %d\n%s", code, profile)
		}
		return sam
	}
	signedOut := func(c *http.Client) bool {
		_, page := get(t, c, d.base+"/profile")
		return strings.Contains(page, "You are not signed in")
	}

	// RP-initiated: the sign-out goes to the dev OP and back home.
	sam := signInSam()
	home := open(t, sam, "POST", d.base+"/signout", nil)
	if home.url != d.base+"/" || !signedOut(sam) {
		t.Fatalf("sign-out ended at %s, signed out: %v", home.url, signedOut(sam))
	}
	if got := d.app.sso.dev.oidc.EndedSessions(); len(got) != 1 || got[0] != "u-sam" {
		t.Errorf("the dev OP ended sessions %q", got)
	}

	// Back-channel: the dev OP logs Sam out; his session here ends.
	sam = signInSam()
	page := open(t, newBrowser(), "GET", d.base+"/dev-idp/oidc-logout?user=u-sam", nil)
	if !strings.Contains(page.body, "Signed out of the service provider") {
		t.Fatalf("the back-channel logout ended at %s:\n%s", page.url, page.body)
	}
	if !signedOut(sam) {
		t.Error("Sam's session survived the OP's back-channel logout")
	}
	if again := signInSam(); signedOut(again) {
		t.Error("a new sign-in after the back-channel logout does not work")
	}
	waitFor(t, "the sign-outs in the audit log", func() bool {
		p := d.getPage("/audit")
		return strings.Count(p, "user.signed_out") >= 2 && strings.Contains(p, "idp "+oidcID)
	})
}

// TestSSOConnectionAudit changes a connection through the admin API and
// finds the change in the audit log, read from the SSO outbox.
func TestSSOConnectionAudit(t *testing.T) {
	d := startDemo(t)
	d.waitSSO()
	id := d.app.sso.connectionID(context.Background(), samlConnectionName)
	in, err := json.Marshal(map[string]any{
		"name": "Acme SAML (renamed)", "protocol": "saml", "enabled": true,
		"saml": map[string]any{"idp_metadata_xml": d.app.sso.dev.saml.Metadata()},
	})
	if err != nil {
		t.Fatal(err)
	}
	if code := d.call("PUT", "/admin/sso/connections/"+id, string(in), nil); code != 200 {
		t.Fatalf("updating the SAML connection: %d", code)
	}
	waitFor(t, "the connection update in the audit log", func() bool {
		page := d.getPage("/audit?action=sso.connection.updated&target=" + id)
		return strings.Contains(page, "Acme SAML (renamed)")
	})
	if page := d.getPage("/audit?action=sso.connection.created"); !strings.Contains(page,
		samlConnectionName) {
		t.Error("the creation of the SAML connection is not in the audit log")
	}
}

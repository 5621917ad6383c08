package main

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/gatehouse/gatehouse/domain/domaintest"
)

// demo is the app started by a test on a random port.
type demo struct {
	t     *testing.T
	base  string
	token string
	dns   *domaintest.DNSServer
}

func startDemo(t *testing.T) *demo {
	t.Helper()
	d := &demo{t: t, token: "test-admin-token", dns: domaintest.NewDNSServer(t)}
	ctx, cancel := context.WithCancel(context.Background())
	addrc := make(chan net.Addr, 1)
	done := make(chan error, 1)
	args := []string{"-addr", "127.0.0.1:0", "-db", filepath.Join(t.TempDir(), "saas.db"),
		"-dns", d.dns.Addr(), "-admin-token", d.token, "-log-level", "WARN"}
	go func() { done <- run(ctx, args, io.Discard, func(a net.Addr) { addrc <- a }) }()
	select {
	case a := <-addrc:
		d.base = "http://" + a.String()
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
	req, err := http.NewRequest(method, d.base+path, strings.NewReader(body))
	if err != nil {
		d.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+d.token)
	if body != "" {
		req.Header.Set("Content-Type", "application/json")
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
	if code := d.call("POST", "/admin/domains/", `{"domain": "acme-demo.example", "include_subdomains": true}`, &added); code != 201 {
		t.Fatalf("adding a domain: %d", code)
	}

	var capture struct {
		Captured     bool   `json:"captured"`
		Organization string `json:"organization"`
	}
	d.call("GET", "/api/capture?email=jane@eu.acme-demo.example", "", &capture)
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
	d.call("GET", "/api/capture?email=jane@eu.acme-demo.example", "", &capture)
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

func TestBadFlags(t *testing.T) {
	if err := run(context.Background(), []string{"-nonsense"}, io.Discard, nil); err == nil {
		t.Error("run accepted an unknown flag")
	}
}

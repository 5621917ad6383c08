package ssotest_test

import (
	"bytes"
	"context"
	"testing"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
)

var _ sso.Sealer = (*ssotest.Sealer)(nil)

func TestSealer(t *testing.T) {
	t.Parallel()
	s := ssotest.NewSealer()
	ctx := context.Background()
	sealed, err := s.Seal(ctx, []byte("secret"), []byte("conn_1"))
	if err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(sealed, []byte("secret")) {
		t.Fatal("sealed value holds the plaintext")
	}
	got, err := s.Open(ctx, sealed, []byte("conn_1"))
	if err != nil || string(got) != "secret" {
		t.Fatalf("Open = %q, %v", got, err)
	}
	if _, err := s.Open(ctx, sealed, []byte("conn_2")); err == nil {
		t.Error("opened with another associated data")
	}
	if _, err := ssotest.NewSealer().Open(ctx, sealed, []byte("conn_1")); err == nil {
		t.Error("opened with another key")
	}
}

func TestMetadataParses(t *testing.T) {
	t.Parallel()
	idp, err := ssotest.NewIdP("https://idp.example/metadata", "https://idp.example/sso")
	if err != nil {
		t.Fatal(err)
	}
	md, err := sso.ParseIdPMetadata([]byte(idp.Metadata()))
	if err != nil {
		t.Fatal(err)
	}
	if md.EntityID != idp.EntityID || md.SSOURLs["redirect"] != idp.SSOURL || len(md.Certificates) != 1 ||
		md.Certificates[0] != idp.CertificatePEM() {
		t.Errorf("metadata reads as %+v", md)
	}
}

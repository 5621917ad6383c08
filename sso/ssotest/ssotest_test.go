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

var _ sso.Resealer = (*ssotest.Sealer)(nil)

func TestSealerRotation(t *testing.T) {
	t.Parallel()
	s := ssotest.NewSealer()
	ctx := context.Background()
	old, _ := s.Seal(ctx, []byte("secret"), []byte("conn_1"))
	s.Rotate()
	if stale, err := s.NeedsReseal(ctx, old); err != nil || !stale {
		t.Fatalf("NeedsReseal of a blob under the old key = %v, %v", stale, err)
	}
	fresh, err := s.Reseal(ctx, old, []byte("conn_1"))
	if err != nil {
		t.Fatal(err)
	}
	if stale, _ := s.NeedsReseal(ctx, fresh); stale {
		t.Error("a resealed blob needs resealing")
	}
	for _, b := range [][]byte{old, fresh} {
		if got, err := s.Open(ctx, b, []byte("conn_1")); err != nil || string(got) != "secret" {
			t.Errorf("Open = %q, %v", got, err)
		}
	}
	if _, err := s.Reseal(ctx, old, []byte("conn_2")); err == nil {
		t.Error("resealed with another associated data")
	}
	if _, err := s.NeedsReseal(ctx, []byte{9}); err == nil {
		t.Error("NeedsReseal of a blob under an unknown key succeeded")
	}
}

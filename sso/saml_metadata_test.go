package sso_test

import (
	"strings"
	"testing"

	"github.com/gatehouse/gatehouse/sso"
	"github.com/gatehouse/gatehouse/sso/ssotest"
)

// An IT admin who pastes the wrong document learns what is wrong with it.
func TestParseIdPMetadataErrors(t *testing.T) {
	t.Parallel()
	idp, err := ssotest.NewIdP("https://idp.example/metadata", "https://idp.example/sso")
	must(t, err)
	good := idp.Metadata()
	tests := []struct {
		name, doc, want string
	}{
		{"not XML", "hello", "not an EntityDescriptor"},
		{"service provider metadata", `<EntityDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata"
			entityID="sp"><SPSSODescriptor/></EntityDescriptor>`, "is this a service provider's metadata?"},
		{"no entity ID", strings.Replace(good, `entityID="https://idp.example/metadata"`, "", 1),
			"no entityID"},
		{"no certificate", strings.Replace(good, "use=\"signing\"", "use=\"encryption\"", 1),
			"no signing certificate"},
		{"certificate not base64", strings.Replace(good, "<ds:X509Certificate>", "<ds:X509Certificate>!!", 1),
			"not base64"},
		{"no usable binding", strings.ReplaceAll(good, "bindings:HTTP-", "bindings:SOAP-"),
			"no SingleSignOnService"},
		{"two identity providers", `<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">` +
			strings.Repeat(good, 2) +
			`</EntitiesDescriptor>`, "holds 2 identity providers"},
		{"document type declaration", `<!DOCTYPE x [<!ENTITY a "b">]>` + good, "not allowed"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			_, err := sso.ParseIdPMetadata([]byte(tt.doc))
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("error %v, want one that says %q", err, tt.want)
			}
		})
	}
	t.Run("entities with one identity provider", func(t *testing.T) {
		t.Parallel()
		doc := `<EntitiesDescriptor xmlns="urn:oasis:names:tc:SAML:2.0:metadata">` + good + `</EntitiesDescriptor>`
		md, err := sso.ParseIdPMetadata([]byte(doc))
		if err != nil || md.EntityID != idp.EntityID {
			t.Errorf("metadata %+v, error %v", md, err)
		}
	})
}

package httpjson_test

import (
	"fmt"
	"net/http"
	"net/http/httptest"

	"github.com/gatehouse/gatehouse/internal/httpjson"
)

func ExampleWriteError() {
	rec := httptest.NewRecorder()
	httpjson.WriteError(rec, httpjson.Errorf(http.StatusConflict, "domain_taken",
		"Another organization has verified %s.", "acme.example"))
	fmt.Print(rec.Code, " ", rec.Body.String())
	// Output: 409 {"error":{"code":"domain_taken","message":"Another organization has verified acme.example."}}
}
